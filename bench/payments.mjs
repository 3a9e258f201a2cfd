// Driver of bench/payments.sh (Node built-ins only): see the script for what it measures.
import { readFileSync } from 'node:fs';

const [url, dataDir] = process.argv.slice(2);
const RATE = Number(process.env.RATE);
const DURATION = Number(process.env.DURATION);
const ITEMS = Number(process.env.ITEMS);
const { api_key: key } = JSON.parse(readFileSync(`${dataDir}/bootstrap.json`, 'utf8'));
let seq = 0;
async function call(method, path, body) {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': `bench-${process.pid}-${seq++}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
const customer = await call('POST', '/v1/customers', { type: 'business', name: 'Bench Ltd' });
async function account(funds) {
  const a = await call('POST', '/v1/accounts', { customer: customer.id, currency: 'EUR' });
  if (funds) await call('POST', '/v1/sandbox/deposits', { account: a.id, amount: funds, currency: 'EUR' });
  return a.id;
}
const percentile = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

// --- rail: open loop at RATE/s; each payment's settled event time minus its send time. ----
{
  const payers = [];
  for (let i = 0; i < 50; i++) payers.push(await account('100000000.00'));
  const start = await call('GET', '/v1/events?limit=1&after=0');
  let after = 0;
  // Skip the set-up's events.
  for (;;) {
    const page = await call('GET', `/v1/events?after=${after}&limit=100`);
    if (page.data.length === 0) break;
    after = page.last_seq;
  }
  void start;
  const sentAt = new Map();
  const inflight = new Set();
  const t0 = Date.now();
  let sent = 0;
  const total = RATE * DURATION;
  while (sent < total) {
    const due = t0 + (sent * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const i = sent++;
    const body = {
      from_account: payers[i % payers.length],
      to: { iban: 'DE89370400440532013000', name: 'Max Muster' },
      amount: '0.01', currency: 'EUR',
    };
    const t = Date.now();
    const req = call('POST', '/v1/payments', body).then((p) => sentAt.set(p.id, t));
    inflight.add(req);
    req.finally(() => inflight.delete(req));
    // At most 128 requests in flight: the server allows 256 connections per address.
    while (inflight.size >= 128) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  // Wait for the answers, then read every payment.settled event with its commit time.
  const latencies = [];
  const deadline = Date.now() + 60000;
  while (latencies.length < sentAt.size && Date.now() < deadline) {
    const page = await call('GET', `/v1/events?after=${after}&limit=100`);
    for (const e of page.data) {
      if (e.type === 'payment.settled' && sentAt.has(e.data.id)) {
        latencies.push(Date.parse(e.created_at) - sentAt.get(e.data.id));
      }
    }
    if (page.data.length === 0) await new Promise((r) => setTimeout(r, 100));
    else after = page.last_seq;
  }
  latencies.sort((a, b) => a - b);
  console.log(`payments bench: scenario=rail rate=${RATE} sent=${sentAt.size} settled=${latencies.length} ` +
    `p50_ms=${percentile(latencies, 50)} p99_ms=${percentile(latencies, 99)} achieved_rate=${(total / ((Date.now() - t0) / 1000)).toFixed(0)}`);
}

// --- batch: ITEMS internal rows, from POST to every row settled. ---------------------------
{
  const from = await account('100000000.00');
  const payees = [];
  for (let i = 0; i < 20; i++) payees.push(await account(null));
  const items = [];
  for (let i = 0; i < ITEMS; i++) items.push({ to: { account: payees[i % payees.length] }, amount: '0.01', currency: 'EUR' });
  const t = Date.now();
  const b = await call('POST', '/v1/payment_batches', { from_account: from, items });
  for (;;) {
    const g = await call('GET', `/v1/payment_batches/${b.id}`);
    if (g.status === 'processed') {
      const seconds = (Date.now() - t) / 1000;
      console.log(`payments bench: scenario=batch items=${ITEMS} settled=${g.summary.settled ?? 0} seconds=${seconds.toFixed(2)}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
