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
  const sentAt = new Map();   // payment id -> when its POST left (ms)
  const repliedAt = new Map(); // payment id -> when its answer came back (ms)
  let sendLagMax = 0;          // how late the client sent against its schedule (ms)
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
    sendLagMax = Math.max(sendLagMax, t - due);
    const req = call('POST', '/v1/payments', body).then((p) => {
      sentAt.set(p.id, t);
      repliedAt.set(p.id, Date.now());
    });
    inflight.add(req);
    req.finally(() => inflight.delete(req));
    // At most 128 requests in flight: the server allows 256 connections per address.
    while (inflight.size >= 128) await Promise.race(inflight);
  }
  // The offered rate is over the sending phase only (not the read-back below).
  const sendSeconds = (Date.now() - t0) / 1000;
  await Promise.all(inflight);
  // Then read every payment's events with their commit (batch) times: created_at is the
  // stamp of the batch that wrote the event, so how often this loop polls does not matter.
  const latencies = [];
  const stamps = new Map(); // payment id -> { submitted, accepted, settled } (ms)
  const deadline = Date.now() + 60000;
  while (latencies.length < sentAt.size && Date.now() < deadline) {
    const page = await call('GET', `/v1/events?after=${after}&limit=100`);
    for (const e of page.data) {
      const kind = e.type.startsWith('payment.') ? e.type.slice(8) : null;
      if (kind !== 'submitted' && kind !== 'accepted' && kind !== 'settled') continue;
      if (!sentAt.has(e.data.id)) continue;
      const s = stamps.get(e.data.id) ?? {};
      s[kind] = Date.parse(e.created_at);
      stamps.set(e.data.id, s);
      if (kind === 'settled') latencies.push(s.settled - sentAt.get(e.data.id));
    }
    if (page.data.length === 0) await new Promise((r) => setTimeout(r, 100));
    else after = page.last_seq;
  }
  latencies.sort((a, b) => a - b);
  // Where the time goes, per payment (ms): the POST's batch, its reply (after fdatasync),
  // its settled batch after the POST's batch, and the outbox's `accepted` commit.
  const parts = { post_batch: [], post_reply: [], to_settled: [], to_accepted: [], accepted_before_settled: 0 };
  for (const [id, s] of stamps) {
    if (s.submitted === undefined || s.settled === undefined) continue;
    parts.post_batch.push(s.submitted - sentAt.get(id));
    parts.post_reply.push(repliedAt.get(id) - sentAt.get(id));
    parts.to_settled.push(s.settled - s.submitted);
    if (s.accepted !== undefined) {
      parts.to_accepted.push(s.accepted - s.submitted);
      parts.accepted_before_settled++;
    }
  }
  const pct = (xs) => { xs.sort((a, b) => a - b); return `${percentile(xs, 50)}/${percentile(xs, 99)}`; };
  console.log(`payments bench: rail breakdown p50/p99 ms: POST->submitted batch ${pct(parts.post_batch)}, ` +
    `POST->reply ${pct(parts.post_reply)}, submitted->settled ${pct(parts.to_settled)}, ` +
    `submitted->accepted ${pct(parts.to_accepted)} (${parts.accepted_before_settled} accepted before settled); ` +
    `client send lag max ${sendLagMax} ms`);
  console.log(`payments bench: scenario=rail rate=${RATE} sent=${sentAt.size} settled=${latencies.length} ` +
    `p50_ms=${percentile(latencies, 50)} p99_ms=${percentile(latencies, 99)} achieved_rate=${(total / sendSeconds).toFixed(0)}`);
}

// --- batch: ITEMS internal rows, from POST to every row settled. ---------------------------
if (ITEMS > 0) {
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
