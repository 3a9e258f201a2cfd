// The attacker wants money from nowhere (issue 12, ADR 0010). Each tenant's settlement account
// is the one account allowed to go negative, so whoever can make it the `from_account` of a
// transfer mints money. We try it with every credential a tenant hands out (operator, admin,
// a customer's OAuth token), through single transfers, pending ones and batches, then attack
// the two legitimate doors (sandbox deposits, four-eyes adjustments), and end with the books:
// every currency sums to zero over the API, and `corebank replay` audits the journal offline.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';

import { expectError, startServer } from '../api/lib.mjs';
import { assertMoneyAudit, currencySums, listAll, stopKeepingData } from './util.mjs';

let s;
let prod; // a production tenant: {id, admin, operator, admin2}
// Step-up off: a customer's token without a second factor would be stopped by the 401 step-up
// check before any account is looked at; we want to reach the account check itself.
before(async () => {
  s = await startServer({ env: { COREBANK_STEP_UP_PAYMENTS: '0' } });
  const t = await s.api('POST', '/v1/tenants', { body: { name: 'prod bank', sandbox: false } });
  assert.equal(t.status, 201, t.text);
  assert.equal(t.body.sandbox, false);
  const admin = t.body.admin_api_key.secret;
  const key = async (role) => (await s.createKey(role, { key: admin })).secret;
  prod = { id: t.body.id, admin, operator: await key('operator'), admin2: await key('admin') };
});
after(async () => s && (await s.stop()));

async function settlementOf(key, currency = 'EUR') {
  const all = await listAll(s, '/v1/accounts', { key });
  const settlement = all.find((a) => a.type === 'settlement' && a.currency === currency);
  assert.ok(settlement, `the tenant has a ${currency} settlement account`);
  return settlement;
}

const xfer = (from, to, amount = '1000000.00', extra = {}) => ({ from_account: from, to_account: to, amount, currency: 'EUR', ...extra });

describe('tenant creation', () => {
  test('sandbox or production must be said explicitly; no default to fall into', async () => {
    const before = (await listAll(s, '/v1/tenants')).length;
    for (const [body, code] of [
      [{ name: 'implicit' }, 'parameter_missing'],
      [{ name: 'implicit', sandbox: null }, 'parameter_missing'],
      [{ name: 'implicit', sandbox: 'true' }, 'parameter_invalid'],
      [{ name: 'implicit', sandbox: 1 }, 'parameter_invalid'],
    ]) {
      expectError(await s.api('POST', '/v1/tenants', { body }), 400, code, 'sandbox');
    }
    assert.equal((await listAll(s, '/v1/tenants')).length, before, 'no tenant was created');
  });
});

describe('settlement accounts', () => {
  test('ids are random: nothing structured to guess from a tenant or currency', async () => {
    await s.openAccount('EUR', {}, { key: prod.operator });
    await s.openAccount('EUR');
    const ours = await settlementOf(prod.operator);
    const root = await settlementOf(s.adminKey);
    for (const id of [ours.id, root.id]) {
      // Before issue 12: acct_6B0000000... (0xCB, tenant seq, ISO numeric).
      assert.doesNotMatch(id, /^acct_6B0000000/, id);
      assert.match(id, /^acct_[0-9A-HJKMNP-TV-Z]{26}$/, id);
    }
    // Two tenants' EUR settlement ids: structured ids share a long prefix, random ones do not
    // (8 equal leading base32 characters by chance: 2^-40).
    let common = 0;
    while (ours.id[5 + common] === root.id[5 + common]) common++;
    assert.ok(common < 8, `settlement ids share ${common} leading characters: ${ours.id} ${root.id}`);
  });

  for (const who of ['operator', 'admin']) {
    test(`a production ${who} key cannot make it an end of a transfer, pending or batch item`, async () => {
      const key = prod[who];
      const a = await s.openAccount('EUR', {}, { key });
      const settlement = await settlementOf(key);
      const before = (await s.balances(settlement.id, { key })).current;
      expectError(await s.api('POST', '/v1/transfers', { key, body: xfer(settlement.id, a.id) }), 422, 'internal_account', 'from_account');
      // Pending: a hold on the settlement account that a later post would turn into money.
      expectError(
        await s.api('POST', '/v1/transfers', { key, body: xfer(settlement.id, a.id, '500.00', { pending: true, timeout_seconds: 3600 }) }),
        422,
        'internal_account',
        'from_account',
      );
      expectError(await s.api('POST', '/v1/transfers', { key, body: xfer(a.id, settlement.id, '0.01') }), 422, 'internal_account', 'to_account');
      const r = await s.api('POST', '/v1/transfers/batch', {
        key,
        body: { transfers: [xfer(settlement.id, a.id, '5.00'), xfer(a.id, settlement.id, '0.01'), xfer(settlement.id, a.id, '7.00', { pending: true })] },
      });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(
        r.body.results.map((x) => [x.status, x.error?.code, x.error?.param]),
        [
          ['failed', 'internal_account', 'from_account'],
          ['failed', 'internal_account', 'to_account'],
          ['failed', 'internal_account', 'from_account'],
        ],
      );
      assert.equal((await s.balances(a.id, { key })).current, '0.00', 'the customer account got nothing');
      assert.equal((await s.balances(settlement.id, { key })).current, before, 'the settlement account did not move');
      const txs = await s.api('GET', `/v1/accounts/${a.id}/transactions`, { key });
      assert.equal(txs.status, 200, txs.text);
      assert.deepEqual(txs.body.data, [], 'no history entry, not even a pending one');
    });
  }

  test('the sandbox root tenant is no different: its admin cannot either', async () => {
    const a = await s.openAccount('EUR');
    const settlement = await settlementOf(s.adminKey);
    const before = (await s.balances(settlement.id)).current;
    expectError(await s.api('POST', '/v1/transfers', { body: xfer(settlement.id, a.id) }), 422, 'internal_account', 'from_account');
    assert.equal((await s.balances(settlement.id)).current, before);
  });
});

describe('the legitimate doors', () => {
  test('sandbox deposits are refused in a production tenant (403 sandbox_only), for admin and operator', async () => {
    const a = await s.openAccount('EUR', {}, { key: prod.operator });
    for (const key of [prod.operator, prod.admin]) {
      const r = await s.api('POST', '/v1/sandbox/deposits', { key, body: { account: a.id, amount: '1000.00', currency: 'EUR' } });
      expectError(r, 403, 'sandbox_only');
    }
    assert.equal((await s.balances(a.id, { key: prod.operator })).current, '0.00');
    // Control: the same request in the sandbox root tenant is accepted, so the 403 above is
    // the production rule and not a broken route.
    const mine = await s.openAccount('EUR');
    await s.deposit(mine.id, '1000.00');
    assert.equal((await s.balances(mine.id)).current, '1000.00');
  });

  test('an adjustment needs a second admin: not the requester, not an operator', async () => {
    const a = await s.openAccount('EUR', {}, { key: prod.admin });
    const base = { account: a.id, direction: 'credit', amount: '250.00', currency: 'EUR', reason: 'attacker: goodwill to self' };
    expectError(await s.api('POST', '/v1/adjustments', { key: prod.operator, body: base }), 403, 'insufficient_permissions');
    // The requester, admin2, was made by the tenant's first key (admin).
    const minted = (await s.createKey('admin', { key: prod.admin2 })).secret;  // its own key
    const req = await s.api('POST', '/v1/adjustments', { key: prod.admin2, body: base });
    assert.equal(req.status, 201, req.text);
    const id = req.body.id;
    const late = (await s.createKey('admin', { key: prod.admin })).secret;  // made after the request
    expectError(await s.api('POST', `/v1/adjustments/${id}/approve`, { key: prod.admin2 }), 403, 'four_eyes_required', 'id');
    // A second key the requester made, or any key made after the request, is no second person.
    expectError(await s.api('POST', `/v1/adjustments/${id}/approve`, { key: minted }), 403, 'four_eyes_required', 'id');
    expectError(await s.api('POST', `/v1/adjustments/${id}/approve`, { key: late }), 403, 'four_eyes_required', 'id');
    expectError(await s.api('POST', `/v1/adjustments/${id}/approve`, { key: prod.operator }), 403, 'insufficient_permissions');
    assert.equal((await s.balances(a.id, { key: prod.admin })).current, '0.00', 'nothing moved before approval');
    const ok = await s.api('POST', `/v1/adjustments/${id}/approve`, { key: prod.admin });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.status, 'applied');
    assert.equal((await s.balances(a.id, { key: prod.admin })).current, '250.00');
  });

  test('racing approvals of one adjustment apply it exactly once', async () => {
    const admin3 = (await s.createKey('admin', { key: prod.admin })).secret;
    const a = await s.openAccount('EUR', {}, { key: prod.admin });
    const req = await s.api('POST', '/v1/adjustments', {
      key: prod.admin2,
      body: { account: a.id, direction: 'credit', amount: '100.00', currency: 'EUR', reason: 'race' },
    });
    assert.equal(req.status, 201, req.text);
    // Two approvers, distinct Idempotency-Keys: these are different requests, not retries.
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        s.api('POST', `/v1/adjustments/${req.body.id}/approve`, { key: i % 2 ? prod.admin : admin3 }),
      ),
    );
    const applied = answers.filter((r) => r.status === 200);
    assert.equal(applied.length, 1, answers.map((r) => `${r.status} ${r.text}`).join('\n'));
    for (const r of answers.filter((x) => x.status !== 200)) expectError(r, 422, 'adjustment_not_pending', 'id');
    expectError(await s.api('POST', `/v1/adjustments/${req.body.id}/reject`, { key: prod.admin2 }), 422, 'adjustment_not_pending', 'id');
    assert.equal((await s.balances(a.id, { key: prod.admin })).current, '100.00', 'credited once');
  });
});

// ---- a customer's OAuth token (authorization code + PKCE through the login pages) ----------

const REDIRECT = 'https://client.example/cb';

class Jar {
  cookies = new Map();
  store(headers) {
    for (const sc of headers.getSetCookie()) {
      const pair = sc.split(';')[0];
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
  }
  headers() {
    return this.cookies.size ? { Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }
}

function hidden(html, name) {
  const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  assert.ok(m, `no hidden field ${name} in the page:\n${html.slice(0, 1500)}`);
  return m[1];
}

// Signs `login` in for `app` with consent to `account`; returns the access token.
async function customerToken(app, login, account, scope) {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const jar = new Jar();
  const step = async (r) => (jar.store(r.headers), r);
  const q = { client_id: app.client_id, response_type: 'code', redirect_uri: REDIRECT, scope, code_challenge: challenge, code_challenge_method: 'S256', state: 'st' };
  let r = await step(await s.api('GET', '/oauth2/authorize?' + new URLSearchParams(q), { key: null, headers: jar.headers() }));
  for (let hop = 0; hop < 8; hop++) {
    if (r.status === 303) {
      const loc = r.headers.get('location');
      if (!loc.startsWith('/')) {
        const code = new URL(loc).searchParams.get('code');
        const t = await s.form('/oauth2/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { basic: [app.client_id, app.client_secret] });
        assert.equal(t.status, 200, t.text);
        return t.body.access_token;
      }
      r = await step(await s.api('GET', loc, { key: null, headers: jar.headers() }));
      continue;
    }
    assert.equal(r.status, 200, r.text.slice(0, 500));
    const request = hidden(r.text, 'request');
    const csrf_token = hidden(r.text, 'csrf_token');
    const fields = r.text.includes('name="password"')
      ? ['/oauth2/login', { request, csrf_token, username: login.username, password: login.password }]
      : ['/oauth2/consent', new URLSearchParams({ request, csrf_token, decision: 'approve', account })];
    r = await step(await s.form(...fields, { headers: jar.headers() }));
  }
  assert.fail('too many hops');
}

describe("a customer's token", () => {
  test('cannot see the settlement account, nor pay into it (404, as for an id that does not exist)', async () => {
    const customer = await s.createCustomer({ name: 'Mallory' });
    const funded = await s.openAccount('EUR', { customer: customer.id });
    const own2 = await s.openAccount('EUR', { customer: customer.id });
    await s.deposit(funded.id, '50.00');
    const login = await s.createUser({ customer: customer.id });
    const app = await s.createApp({
      grant_types: ['authorization_code'],
      scope: 'accounts.read balances.read payments.write',
    });
    const token = await customerToken(app, login, funded.id, 'accounts.read balances.read payments.write');
    const settlement = await settlementOf(s.adminKey);
    const ghost = 'acct_' + '7'.repeat(26);

    for (const path of [`/v1/accounts/${settlement.id}`, `/v1/accounts/${settlement.id}/balances`]) {
      const r = await s.api('GET', path, { key: token });
      const g = await s.api('GET', path.replace(settlement.id, ghost), { key: token });
      expectError(r, 404, 'account_not_found');
      assert.deepEqual({ ...r.body.error, trace_id: null }, { ...g.body.error, trace_id: null }, 'indistinguishable from a made-up id');
    }
    const listed = await listAll(s, '/v1/accounts', { key: token });
    assert.ok(listed.length > 0, 'the token lists its own accounts');
    assert.ok(!listed.some((a) => a.type === 'settlement' || a.id === settlement.id), JSON.stringify(listed));

    // Control: the token can pay (step-up is off), so the 404 below is the payee rule.
    const paid = await s.api('POST', '/v1/transfers', { key: token, body: xfer(funded.id, own2.id, '1.00') });
    assert.equal(paid.status, 201, paid.text);
    const before = (await s.balances(settlement.id)).current;
    const r = await s.api('POST', '/v1/transfers', { key: token, body: xfer(funded.id, settlement.id, '1.00') });
    expectError(r, 404, 'account_not_found', 'to_account');
    expectError(await s.api('POST', '/v1/transfers', { key: token, body: xfer(settlement.id, funded.id) }), 404, 'account_not_found', 'from_account');
    assert.equal((await s.balances(settlement.id)).current, before);
    assert.equal((await s.balances(funded.id)).current, '49.00');
  });
});

describe('the books', () => {
  // Last in the file: it stops the server.
  test('every currency of every tenant sums to zero, and the offline journal audit passes', async () => {
    for (const key of [prod.admin, s.adminKey]) {
      const sums = await currencySums(s, key);
      assert.ok(sums.size > 0);
      for (const [currency, sum] of sums) assert.equal(sum, 0n, `${currency} sums to ${sum} minor units`);
    }
    await stopKeepingData(s);
    assertMoneyAudit(s);
  });
});
