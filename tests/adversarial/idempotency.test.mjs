// Idempotency keys as an attack surface. (1) A colleague's key in the same tenant: with records
// scoped per tenant, another API key that sends (or guesses) the same Idempotency-Key gets the
// victim's recorded answer, or a 409 that confirms the key exists, or claims the key first so
// the victim's request is never executed. Records are per caller, so each caller gets its own
// execution. (2) A replay flood: replays of old keys are served from memory or read from the
// journal on a background pool; hundreds of them in parallel must all answer the original
// bytes while another tenant keeps moving money, also after a restart (cache empty, every
// replay read from disk).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { expectError, idemKey, sleep, startServer } from '../api/lib.mjs';
import { assertMoneyAudit, httpRequest, minor, restartServer, stopKeepingData } from './util.mjs';

const FLOOD_REPLAYS = 300;
const REPLAYS_PER_KEY = 5;
// Two source addresses: 300 parallel connections from one would pass connections_per_ip_max
// (256) and we would be measuring that limit instead (floods.test.mjs does).
const FLOOD_ADDRESSES = ['127.0.0.2', '127.0.0.3'];

let s;
let t1; // {admin, k1, k2 (operators), a (funded), b}
let t2; // another tenant: {admin, from, to}

async function sandboxTenant(name) {
  const t = await s.api('POST', '/v1/tenants', { body: { name, sandbox: true } });
  assert.equal(t.status, 201, t.text);
  return t.body.admin_api_key.secret;
}

before(async () => {
  s = await startServer();
  const admin = await sandboxTenant('victim');
  const a = await s.openAccount('EUR', {}, { key: admin });
  const b = await s.openAccount('EUR', {}, { key: admin });
  await s.deposit(a.id, '1000.00', 'EUR', { key: admin });
  t1 = { admin, k1: (await s.createKey('operator', { key: admin })).secret, k2: (await s.createKey('operator', { key: admin })).secret, a, b };
  const admin2 = await sandboxTenant('bystander');
  const from = await s.openAccount('EUR', {}, { key: admin2 });
  const to = await s.openAccount('EUR', {}, { key: admin2 });
  await s.deposit(from.id, '1000.00', 'EUR', { key: admin2 });
  t2 = { admin: admin2, from, to };
});
after(async () => s && (await s.stop()));

const pay = (amount, from = t1.a.id, to = t1.b.id) => ({ from_account: from, to_account: to, amount, currency: 'EUR' });

describe('keys are scoped to the caller', () => {
  test('two keys of one tenant, one Idempotency-Key, same body: two executions, each replays its own', async () => {
    const idem = idemKey();
    const before = (await s.balances(t1.b.id, { key: t1.admin })).current;
    const one = await s.api('POST', '/v1/transfers', { key: t1.k1, idem, body: pay('1.00') });
    const two = await s.api('POST', '/v1/transfers', { key: t1.k2, idem, body: pay('1.00') });
    for (const r of [one, two]) {
      assert.equal(r.status, 201, r.text);
      assert.equal(r.headers.get('idempotent-replayed'), null, 'executed, not a replay');
    }
    assert.notEqual(one.body.id, two.body.id);
    assert.equal(minor((await s.balances(t1.b.id, { key: t1.admin })).current), minor(before) + 200n, 'both moved money');
    // Each caller's retry is a replay of its own answer, byte for byte.
    for (const [key, first] of [[t1.k1, one], [t1.k2, two]]) {
      const again = await s.api('POST', '/v1/transfers', { key, idem, body: pay('1.00') });
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(again.text, first.text);
    }
  });

  test("a colleague cannot probe, steal or pre-claim another key's Idempotency-Key", async () => {
    // Probe: the victim's key with another body is not a 409 for the attacker (that would
    // confirm the key is in use) but an ordinary execution of the attacker's own request.
    const idem = idemKey();
    const victim = await s.api('POST', '/v1/transfers', { key: t1.k1, idem, body: pay('2.00') });
    assert.equal(victim.status, 201, victim.text);
    const probe = await s.api('POST', '/v1/customers', { key: t1.k2, idem, body: { type: 'individual', name: 'probe' } });
    assert.equal(probe.status, 201, probe.text);
    assert.equal(probe.headers.get('idempotent-replayed'), null);
    // Pre-claim: the attacker sends the key the victim is about to use, with the victim's very
    // body; the victim's request must still be executed, for the victim.
    const next = idemKey();
    const claim = await s.api('POST', '/v1/transfers', { key: t1.k2, idem: next, body: pay('3.00') });
    assert.equal(claim.status, 201, claim.text);
    const mine = await s.api('POST', '/v1/transfers', { key: t1.k1, idem: next, body: pay('3.00') });
    assert.equal(mine.status, 201, mine.text);
    assert.equal(mine.headers.get('idempotent-replayed'), null, "the victim got the attacker's recorded answer");
    assert.notEqual(mine.body.id, claim.body.id);
    // And the victim's own reuse with another body is still refused: the scoping did not
    // turn the key check off.
    expectError(await s.api('POST', '/v1/transfers', { key: t1.k1, idem: next, body: pay('3.01') }), 409, 'idempotency_key_reused', 'Idempotency-Key');
  });
});

// Recorded answers for the flood: a mix of routes and of success and handler errors (the 422
// is recorded and replayed like a 201).
async function recordOriginals(n) {
  const originals = [];
  for (let i = 0; i < n; i++) {
    const idem = idemKey();
    let req;
    if (i % 10 === 3) req = ['/v1/transfers', pay('999999.00')]; // 422 insufficient_funds
    else if (i % 10 === 7) req = ['/v1/customers', { type: 'business', name: `flood ${i}` }];
    else req = ['/v1/transfers', pay(`0.${String(i % 90 + 10)}`)];
    const r = await s.api('POST', req[0], { key: t1.k1, idem, body: req[1] });
    assert.ok([201, 422].includes(r.status), r.text);
    originals.push({ idem, path: req[0], body: JSON.stringify(req[1]), status: r.status, text: r.text });
  }
  return originals;
}

// FLOOD_REPLAYS replays in parallel (each original REPLAYS_PER_KEY times) while the other
// tenant's BYSTANDER_WORKERS send transfers back to back from 127.0.0.1 (new writes, so they
// need the writer and the journal that the replays read); returns what both saw.
const BYSTANDER_WORKERS = 4;
// A replay the server sheds (503 overloaded with Retry-After: its journal read pool holds at
// most a tenant's share) is what a client retries; it must never be a second execution, and
// the retry must come back with the original bytes.
async function replayUntilServed(o, localAddress) {
  for (let attempt = 1; ; attempt++) {
    const r = await httpRequest(s, 'POST', o.path, { key: t1.k1, idem: o.idem, body: o.body, localAddress });
    if (r.status !== 503 || attempt === 20) return r;
    expectError(r, 503, 'overloaded');
    assert.match(r.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
    await sleep(50);
  }
}

async function flood(originals) {
  let flooding = true;
  const worker = async () => {
    const answers = [];
    while (flooding || answers.length < 2) {
      answers.push(await s.api('POST', '/v1/transfers', { key: t2.admin, body: pay('0.01', t2.from.id, t2.to.id) }));
    }
    return answers;
  };
  const bystander = Promise.all(Array.from({ length: BYSTANDER_WORKERS }, worker)).then((a) => a.flat());
  const replays = await Promise.all(
    Array.from({ length: FLOOD_REPLAYS }, (_, i) => {
      const o = originals[i % originals.length];
      return replayUntilServed(o, FLOOD_ADDRESSES[i % FLOOD_ADDRESSES.length]).then((r) => ({ o, r }));
    }),
  ).finally(() => (flooding = false));
  return { replays, bystander: await bystander };
}

function assertFlood({ replays, bystander }, label) {
  const wrong = replays.filter(({ o, r }) => r.status !== o.status || r.text !== o.text || r.headers.get('idempotent-replayed') !== 'true');
  assert.equal(
    wrong.length,
    0,
    `${label}: ${wrong.length}/${replays.length} replays did not answer the original bytes, e.g.\n` +
      wrong.slice(0, 3).map(({ o, r }) => `  want ${o.status} ${o.text.slice(0, 120)}\n  got  ${r.status} ${r.headers.get('idempotent-replayed')} ${r.text.slice(0, 160)}`).join('\n'),
  );
  for (const r of bystander) assert.equal(r.status, 201, `${label}: the other tenant's transfer: ${r.text}`);
}

describe('replay flood', () => {
  let originals;
  let balances;
  before(async () => {
    originals = await recordOriginals(FLOOD_REPLAYS / REPLAYS_PER_KEY);
    balances = [(await s.balances(t1.a.id, { key: t1.admin })).current, (await s.balances(t1.b.id, { key: t1.admin })).current];
  });

  test(`${FLOOD_REPLAYS} parallel replays of old keys answer the original bytes; another tenant keeps transferring`, async () => {
    const seen = await flood(originals);
    assertFlood(seen, 'in memory');
    assert.deepEqual([(await s.balances(t1.a.id, { key: t1.admin })).current, (await s.balances(t1.b.id, { key: t1.admin })).current], balances, 'no replay executed');
  });

  test('after a restart (nothing cached) the flood still answers the original bytes, read from the journal', async () => {
    await stopKeepingData(s);
    s = await restartServer(s);
    const seen = await flood(originals);
    assertFlood(seen, 'after restart');
    assert.deepEqual([(await s.balances(t1.a.id, { key: t1.admin })).current, (await s.balances(t1.b.id, { key: t1.admin })).current], balances, 'no replay executed');
    // The caller scope is in the journal too, not only in memory: another key's request with
    // a recorded key is still its own execution, and the owner's changed body still a 409.
    const o = originals.find((x) => x.status === 201 && x.path === '/v1/transfers');
    const other = await s.api('POST', o.path, { key: t1.k2, idem: o.idem, body: o.body });
    assert.equal(other.status, 201, other.text);
    assert.equal(other.headers.get('idempotent-replayed'), null);
    assert.notEqual(other.text, o.text);
    expectError(await s.api('POST', o.path, { key: t1.k1, idem: o.idem, body: pay('0.09') }), 409, 'idempotency_key_reused');
  });

  test('the journal audit still passes', async () => {
    await stopKeepingData(s);
    assertMoneyAudit(s);
  });
});
