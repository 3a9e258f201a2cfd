// The example module (src/modules/counter, docs/adding-a-service.md) through the real
// binary: its route, its durable timer and its after-commit subscriber, each surviving a
// restart. Every answer is validated against api/openapi.yaml by lib.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { expectError, idemKey, sleep, startServer } from './lib.mjs';

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

async function counter(name, opts = {}) {
  return s.api('GET', `/v1/counters/${name}`, opts);
}

// Polls until `check(answer)` holds (subscribers and timers run after the request).
async function eventually(fn, check, what, ms = 10000) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < ms) {
    last = await fn();
    if (check(last)) return last;
    await sleep(50);
  }
  assert.fail(`${what}: still ${last && last.text}`);
}

describe('the counter module', () => {
  test('a route: increments add up, a replay answers the same bytes, bad input changes nothing', async () => {
    const key = idemKey();
    let r = await s.api('POST', '/v1/counters/visits/increment', { body: { by: 5 }, idem: key });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { object: 'counter', name: 'visits', value: 5, resets_at: null });
    const replay = await s.api('POST', '/v1/counters/visits/increment', { body: { by: 5 }, idem: key });
    assert.equal(replay.text, r.text);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    r = await s.api('POST', '/v1/counters/visits/increment', {});
    assert.equal(r.body.value, 6);
    expectError(await s.api('POST', '/v1/counters/visits/increment', { body: { by: 0 } }), 400, 'parameter_invalid', 'by');
    expectError(await s.api('POST', '/v1/counters/visits/increment', { body: { nope: 1 } }), 400, 'unknown_field', 'nope');
    expectError(await s.api('POST', '/v1/counters/Bad-Name/increment', {}), 400, 'parameter_invalid', 'name');
    assert.equal((await counter('visits')).body.value, 6);
    expectError(await counter('never'), 404, 'resource_not_found', 'name');
  });

  test("another tenant's counters are its own, and a read-only key may not increment", async () => {
    const t = await s.api('POST', '/v1/tenants', { body: { name: 'other', sandbox: true } });
    assert.equal(t.status, 201, t.text);
    const other = t.body.admin_api_key.secret;
    await s.api('POST', '/v1/counters/visits/increment', { body: { by: 100 } });
    expectError(await counter('visits', { key: other }), 404, 'resource_not_found', 'name');
    // The module's own scopes (counters.read / counters.write), held by roles by class.
    const ro = await s.api('POST', '/v1/api_keys', { body: { role: 'read_only', name: 'ro' } });
    expectError(await s.api('POST', '/v1/counters/visits/increment', { key: ro.body.secret }), 403, 'insufficient_permissions');
    assert.equal((await counter('visits', { key: ro.body.secret })).body.value, 100 + 6, 'read-only keys hold counters.read');
    const op = await s.api('POST', '/v1/api_keys', { body: { role: 'operator', name: 'op' } });
    const r = await s.api('POST', '/v1/counters/visits/increment', { key: op.body.secret });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.value, 107, 'operator keys hold counters.write');
  });

  test('a durable timer resets the counter, also across kill -9 and a restart', async () => {
    let r = await s.api('POST', '/v1/counters/resets_soon/increment', { body: { by: 3, reset_after_s: 1 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.value, 3);
    assert.ok(r.body.resets_at, 'resets_at is set');
    r = await s.api('POST', '/v1/counters/resets_later/increment', { body: { by: 4, reset_after_s: 3 } });
    assert.equal(r.body.value, 4);
    await eventually(() => counter('resets_soon'), (x) => x.body.value === 0, 'reset after 1 s');
    assert.equal((await counter('resets_later')).body.value, 4, 'the later timer has not fired yet');
    await s.crashAndRestart();  // the pending timer is journal state: it fires after kill -9
    await eventually(() => counter('resets_later'), (x) => x.body.value === 0, 'reset after the restart');
    const events = await s.api('GET', '/v1/events?limit=100');
    assert.ok(events.body.data.some((e) => e.type === 'counter.reset' && e.data.name === 'resets_soon'));
  });

  test('an after-commit subscriber counts opened accounts exactly once, across kill -9 and a restart', async () => {
    // The truth: the tenant's account.opened events (settlement accounts included).
    const opened = async () => {
      let n = 0;
      let after = 0;
      for (;;) {
        const page = await s.api('GET', `/v1/events?limit=100&after=${after}`);
        assert.equal(page.status, 200, page.text);
        n += page.body.data.filter((e) => e.type === 'account.opened').length;
        if (!page.body.has_more || page.body.last_seq <= after) return n;
        after = page.body.last_seq;
      }
    };
    for (let i = 0; i < 3; i++) await s.openAccount('EUR');
    let want = await opened();
    assert.ok(want >= 3);
    await eventually(() => counter('accounts_opened'), (x) => x.status === 200 && x.body.value === want, `${want} accounts counted`);
    await s.crashAndRestart();
    await s.openAccount('USD');  // a new currency: its settlement account too
    want = await opened();
    await eventually(() => counter('accounts_opened'), (x) => x.body.value === want, `${want} after the restart`);
    await sleep(300);  // and nothing counted twice later
    assert.equal((await counter('accounts_opened')).body.value, want);
  });
});
