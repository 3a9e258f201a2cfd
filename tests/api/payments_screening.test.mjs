// Sanctions screening of external payees (ADR 0019): a payment to a name that matches an
// entry of the loaded sanctions lists (the test server loads testdata/sanctions/ofac_tiny)
// at the block threshold is rejected `compliance_refused` (saying nothing of which list or
// entry: no tipping off) before any money moves or any message leaves; now or when a
// scheduled one falls due. Through the real server and the real scheme process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from './lib.mjs';
import { startScheme } from './scheme.mjs';

const PAYEE_IBAN = 'DE89370400440532013000';
let scheme;
let s;
before(async () => {
  scheme = await startScheme(['--delay-ms', '20']);
  s = await startServer({ env: { COREBANK_SCHEME_URL: scheme.url } });
});
after(async () => {
  if (s) await s.stop();
  if (scheme) await scheme.stop();
});

async function funded() {
  const a = await s.openAccount('EUR');
  await s.deposit(a.id, '100.00');
  return a.id;
}

function pay(from, name, extra = {}) {
  return s.api('POST', '/v1/payments', {
    body: { from_account: from, to: { iban: PAYEE_IBAN, name }, amount: '10.00', currency: 'EUR', ...extra },
  });
}

describe('sanctions screening of external payees', () => {
  test('a listed payee: rejected compliance_refused, nothing reserved, nothing sent', async () => {
    const from = await funded();
    const r = await pay(from, 'Daniel Moreno');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.status, 'rejected');
    assert.equal(r.body.status_reason.code, 'compliance_refused');
    assert.doesNotMatch(r.body.status_reason.message, /OFAC|SDN|Moreno|entry/i);
    assert.deepEqual(r.body.history.map((h) => h.status), ['created', 'rejected']);
    assert.equal((await s.balances(from)).available, '100.00');
    const m = await s.api('GET', `/v1/payments/${r.body.id}/messages`);
    assert.deepEqual(m.body.data, []);
    // Someone else goes through.
    const ok = await pay(from, 'Max Muster');
    const done = await s.until(`/v1/payments/${ok.body.id}`, (p) => p.status === 'settled');
    assert.equal(done.status_reason, null);
    // A wrong request is still a 4xx, even to a listed payee: another tenant's account.
    const other = await s.createTenant('screening-other');
    const r2 = await s.api('POST', '/v1/payments', {
      key: other.admin_api_key.secret,
      body: { from_account: from, to: { iban: PAYEE_IBAN, name: 'Daniel Moreno' }, amount: '10.00', currency: 'EUR' },
    });
    assert.equal(r2.status, 404, r2.text);
    assert.equal(r2.body.error.param, 'from_account');
  });

  test('a scheduled payment to a listed payee is rejected at once, its timer never armed', async () => {
    const from = await funded();
    const r = await pay(from, 'Daniel Moreno', { scheduled_for: new Date(Date.now() + 800).toISOString() });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.status, 'rejected');
    assert.equal(r.body.status_reason.code, 'compliance_refused');
    await new Promise((res) => setTimeout(res, 1200));
    const g = await s.api('GET', `/v1/payments/${r.body.id}`);
    assert.deepEqual(g.body, r.body);
    assert.equal((await s.balances(from)).available, '100.00');
  });
});
