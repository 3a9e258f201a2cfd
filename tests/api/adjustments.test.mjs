// Money integrity over HTTP: the settlement account is never an end of a transfer (the
// review's reproduction in a production tenant), and adjustments need a second admin.
// Every answer is validated against api/openapi.yaml by lib.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { expectError, startServer } from './lib.mjs';

let s;
let prod; // a production tenant: {id, admin, operator, second admin}
before(async () => {
  s = await startServer();
  const t = await s.api('POST', '/v1/tenants', { body: { name: 'bank', sandbox: false } });
  assert.equal(t.status, 201, t.text);
  const admin = t.body.admin_api_key.secret;
  const key = async (role) => {
    const r = await s.api('POST', '/v1/api_keys', { body: { role, name: role }, key: admin });
    assert.equal(r.status, 201, r.text);
    return r.body.secret;
  };
  prod = { id: t.body.id, admin, operator: await key('operator'), admin2: await key('admin') };
});
after(async () => s && (await s.stop()));

async function account(key) {
  return s.openAccount('EUR', {}, { key });
}

async function settlementOf(key) {
  const r = await s.api('GET', '/v1/accounts?limit=100', { key });
  assert.equal(r.status, 200, r.text);
  const settlement = r.body.data.find((a) => a.type === 'settlement' && a.currency === 'EUR');
  assert.ok(settlement, 'the tenant has an EUR settlement account');
  return settlement;
}

describe('internal accounts', () => {
  test('an operator cannot mint money from the settlement account (the review reproduction)', async () => {
    const a = await account(prod.operator);
    const settlement = await settlementOf(prod.operator);
    // Before issue 12: acct_6B000000000010000000000... (0xCB, tenant seq, ISO numeric).
    assert.doesNotMatch(settlement.id, /^acct_6B0000000/, 'settlement ids are random, not structured');
    let r = await s.api('POST', '/v1/transfers', {
      key: prod.operator,
      body: { from_account: settlement.id, to_account: a.id, amount: '1000000.00', currency: 'EUR' },
    });
    expectError(r, 422, 'internal_account', 'from_account');
    r = await s.api('POST', '/v1/transfers', {
      key: prod.operator,
      body: { from_account: a.id, to_account: settlement.id, amount: '0.01', currency: 'EUR' },
    });
    expectError(r, 422, 'internal_account', 'to_account');
    r = await s.api('POST', '/v1/transfers/batch', {
      key: prod.operator,
      body: { transfers: [{ from_account: settlement.id, to_account: a.id, amount: '5.00', currency: 'EUR' }] },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.results[0].status, 'failed');
    assert.equal(r.body.results[0].error.code, 'internal_account');
    assert.equal((await s.balances(a.id, { key: prod.operator })).current, '0.00');
    assert.equal((await s.balances(settlement.id, { key: prod.operator })).current, '0.00');
  });

  test('sandbox deposits stay refused in production tenants', async () => {
    const a = await account(prod.operator);
    const r = await s.api('POST', '/v1/sandbox/deposits', {
      key: prod.operator,
      body: { account: a.id, amount: '10.00', currency: 'EUR' },
    });
    expectError(r, 403, 'sandbox_only');
  });
});

describe('adjustments (four-eyes)', () => {
  test('requested by one admin, applied only when another approves', async () => {
    const a = await account(prod.admin);
    let r = await s.api('POST', '/v1/adjustments', {
      key: prod.admin2,
      body: { account: a.id, direction: 'credit', amount: '12.50', currency: 'EUR', reason: 'goodwill, case 17' },
    });
    assert.equal(r.status, 201, r.text);
    const adj = r.body;
    assert.equal(adj.status, 'pending_approval');
    assert.equal(adj.transfer, null);
    assert.equal(adj.requested_by.type, 'api_key');
    assert.equal((await s.balances(a.id, { key: prod.admin })).current, '0.00');

    r = await s.api('POST', `/v1/adjustments/${adj.id}/approve`, { key: prod.admin2 });
    expectError(r, 403, 'four_eyes_required', 'id');
    r = await s.api('POST', `/v1/adjustments/${adj.id}/approve`, { key: prod.operator });
    assert.equal(r.status, 403, r.text);

    r = await s.api('POST', `/v1/adjustments/${adj.id}/approve`, { key: prod.admin, body: { note: 'ok' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'applied');
    assert.equal(r.body.decision_note, 'ok');
    assert.notEqual(r.body.decided_by.id, adj.requested_by.id);
    assert.match(r.body.transfer, /^tr_/);
    assert.equal((await s.balances(a.id, { key: prod.admin })).current, '12.50');
    const t = await s.api('GET', `/v1/transfers/${r.body.transfer}`, { key: prod.admin });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.body.to_account, a.id);

    r = await s.api('POST', `/v1/adjustments/${adj.id}/reject`, { key: prod.admin2 });
    expectError(r, 422, 'adjustment_not_pending', 'id');
    r = await s.api('GET', `/v1/adjustments/${adj.id}`, { key: prod.admin });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'applied');
    r = await s.api('GET', '/v1/adjustments?status=applied', { key: prod.admin });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.data.some((x) => x.id === adj.id));
  });

  test('debit beyond the balance is refused at approval and stays pending; reject moves nothing', async () => {
    const a = await account(prod.admin);
    let r = await s.api('POST', '/v1/adjustments', {
      key: prod.admin2,
      body: { account: a.id, direction: 'debit', amount: '1.00', currency: 'EUR', reason: 'fee' },
    });
    assert.equal(r.status, 201, r.text);
    const id = r.body.id;
    r = await s.api('POST', `/v1/adjustments/${id}/approve`, { key: prod.admin });
    expectError(r, 422, 'insufficient_funds', 'amount');
    r = await s.api('GET', `/v1/adjustments/${id}`, { key: prod.admin });
    assert.equal(r.body.status, 'pending_approval');
    r = await s.api('POST', `/v1/adjustments/${id}/reject`, { key: prod.admin2 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'rejected');
    assert.equal((await s.balances(a.id, { key: prod.admin })).current, '0.00');
  });

  test('bad input is a clear 400 and records nothing; other tenants see 404', async () => {
    const a = await account(prod.admin);
    const base = { account: a.id, direction: 'credit', amount: '1.00', currency: 'EUR', reason: 'x' };
    for (const [body, code, param] of [
      [{ ...base, direction: 'sideways' }, 'parameter_invalid', 'direction'],
      [{ ...base, amount: '0.00' }, 'amount_invalid', 'amount'],
      [{ ...base, amount: '1.001' }, 'amount_invalid', 'amount'],
      [{ ...base, reason: '' }, 'parameter_invalid', 'reason'],
      [{ ...base, reason: 'r'.repeat(501) }, 'string_too_long', 'reason'],
      [{ ...base, extra: 1 }, 'unknown_field', 'extra'],
    ]) {
      const r = await s.api('POST', '/v1/adjustments', { key: prod.admin, body });
      expectError(r, 400, code, param);
    }
    const r = await s.api('POST', '/v1/adjustments', { key: prod.admin, body: { ...base, currency: 'USD' } });
    expectError(r, 422, 'currency_mismatch', 'currency');
    const list = await s.api('GET', '/v1/adjustments?limit=100', { key: prod.admin });
    assert.ok(!list.body.data.some((x) => x.account === a.id), 'no adjustment was recorded');
    // The root tenant's admin: another tenant.
    const mine = await s.api('POST', '/v1/adjustments', { key: prod.admin, body: base });
    assert.equal(mine.status, 201, mine.text);
    expectError(await s.api('GET', `/v1/adjustments/${mine.body.id}`), 404, 'adjustment_not_found', 'id');
    expectError(await s.api('POST', `/v1/adjustments/${mine.body.id}/approve`), 404, 'adjustment_not_found', 'id');
    expectError(await s.api('POST', '/v1/adjustments', { body: base }), 404, 'account_not_found', 'account');
  });
});

describe('the books', () => {
  test('in every tenant, per currency, all balances (settlement included) sum to zero', async () => {
    // Exact decimal sums: minor units as BigInt, never floating point.
    const minor = (s) => {
      const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
      assert.ok(m, `amount ${s}`);
      const v = BigInt(m[2] + (m[3] ?? '').padEnd(2, '0'));
      return m[1] ? -v : v;
    };
    // The root tenant is a sandbox: money enters it by deposits.
    const [x, y] = [await s.openAccount('EUR'), await s.openAccount('EUR')];
    await s.deposit(x.id, '30.00');
    const t = await s.api('POST', '/v1/transfers', {
      body: { from_account: x.id, to_account: y.id, amount: '7.25', currency: 'EUR' },
    });
    assert.equal(t.status, 201, t.text);
    for (const key of [prod.admin, s.adminKey]) {
      const sums = new Map();
      let cursor = null;
      let n = 0;
      do {
        const r = await s.api('GET', `/v1/accounts?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { key });
        assert.equal(r.status, 200, r.text);
        for (const a of r.body.data) {
          sums.set(a.currency, (sums.get(a.currency) ?? 0n) + minor(a.balances.current));
          n++;
        }
        cursor = r.body.next_cursor;
      } while (cursor);
      assert.ok(n > 1, 'the tenant has accounts');
      for (const [currency, sum] of sums) assert.equal(sum, 0n, `${currency} sums to ${sum}`);
    }
  });
});
