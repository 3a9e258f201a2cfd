// The attacker holds keys of one tenant and the ids of another's resources (leaked in a log, a
// support ticket, or guessed). Every read and every write that names the victim's id must
// answer 404, word for word the answer for an id that never existed: a 403, or any other
// difference, tells the attacker the id is real. And nothing of the victim may change: we
// compare its whole event feed, balances and objects before and after the attack.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { expectError, startServer } from '../api/lib.mjs';

let s;
let victim; // {admin, operator, customer, x (funded), y, alias, pending, posted, adjustment, apiKey, user}
let attacker; // {admin, operator, readOnly, account (funded), customer}

// Ids with the right shape that no tenant has.
const GHOST = {
  acct: 'acct_' + '7'.repeat(26),
  cus: 'cus_' + '7'.repeat(26),
  tr: 'tr_' + '7'.repeat(26),
  adj: 'adj_' + '7'.repeat(26),
  key: 'key_' + '7'.repeat(26),
  usr: 'usr_' + '7'.repeat(26),
};

before(async () => {
  s = await startServer();
  const tenant = async (name) => {
    const t = await s.api('POST', '/v1/tenants', { body: { name, sandbox: true } });
    assert.equal(t.status, 201, t.text);
    const admin = t.body.admin_api_key.secret;
    return { id: t.body.id, admin, key: async (role) => (await s.createKey(role, { key: admin })).secret };
  };
  const v = await tenant('victim');
  const as = { key: v.admin };
  const customer = await s.createCustomer({ name: 'Victim' }, as);
  const alias = 'victim@example.com';
  const x = await s.openAccount('EUR', { customer: customer.id, aliases: [alias] }, as);
  const y = await s.openAccount('EUR', { customer: customer.id }, as);
  await s.deposit(x.id, '100.00', 'EUR', as);
  const tr = (extra) => s.api('POST', '/v1/transfers', { ...as, body: { from_account: x.id, to_account: y.id, amount: '10.00', currency: 'EUR', ...extra } });
  const pending = await tr({ pending: true, timeout_seconds: 3600 });
  assert.equal(pending.status, 201, pending.text);
  const posted = await tr({});
  assert.equal(posted.status, 201, posted.text);
  const adj = await s.api('POST', '/v1/adjustments', { ...as, body: { account: y.id, direction: 'credit', amount: '5.00', currency: 'EUR', reason: 'pending review' } });
  assert.equal(adj.status, 201, adj.text);
  const apiKey = await s.createKey('operator', as);
  const user = await s.createUser({ customer: customer.id }, as);
  victim = { admin: v.admin, customer, x, y, alias, pending: pending.body, posted: posted.body, adjustment: adj.body, apiKey, user: user.user };

  const a = await tenant('attacker');
  const aCustomer = await s.createCustomer({ name: 'Attacker' }, { key: a.admin });
  // The attacker registers the victim's alias in its own tenant: aliases are per tenant, so a
  // payment to it must land here, never on the victim's account.
  const aliasAccount = await s.openAccount('EUR', { customer: aCustomer.id, aliases: [alias] }, { key: a.admin });
  const account = await s.openAccount('EUR', { customer: aCustomer.id }, { key: a.admin });
  await s.deposit(account.id, '100.00', 'EUR', { key: a.admin });
  attacker = { admin: a.admin, operator: await a.key('operator'), readOnly: await a.key('read_only'), account, aliasAccount, customer: aCustomer };
});
after(async () => s && (await s.stop()));

// The victim's whole event feed (bounded paging).
async function feed(key) {
  const events = [];
  let after = 0;
  for (let page = 0; page < 1000; page++) {
    const r = await s.api('GET', `/v1/events?after=${after}&limit=100`, { key });
    assert.equal(r.status, 200, r.text);
    events.push(...r.body.data);
    if (r.body.data.length === 0 && r.body.next_cursor === null) return events;
    after = r.body.last_seq;
  }
  assert.fail('event feed did not end');
}

// Everything an attack could change in the victim tenant, as the victim's admin sees it.
async function victimState() {
  const key = victim.admin;
  const get = async (path) => {
    const r = await s.api('GET', path, { key });
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return r.body;
  };
  return {
    events: await feed(key),
    customer: await get(`/v1/customers/${victim.customer.id}`),
    x: await get(`/v1/accounts/${victim.x.id}`),
    y: await get(`/v1/accounts/${victim.y.id}`),
    pending: await get(`/v1/transfers/${victim.pending.id}`),
    adjustment: await get(`/v1/adjustments/${victim.adjustment.id}`),
    keys: await get('/v1/api_keys?limit=100'),
    user: await get(`/v1/users/${victim.user.id}`),
  };
}

// `r` must be the 404 `code`, identical (but for the trace id) to `ghost`, the answer for an id
// that does not exist anywhere.
function assertSameAsGhost(r, ghost, code, label) {
  expectError(r, 404, code);
  assert.equal(ghost.status, 404, `${label}: the made-up id: ${ghost.text}`);
  const strip = (b) => ({ ...b.error, trace_id: null });
  assert.deepEqual(strip(r.body), strip(ghost.body), `${label}: distinguishable from a made-up id`);
}

describe('cross-tenant ids', () => {
  let beforeAttack;
  before(async () => {
    beforeAttack = await victimState();
    assert.ok(beforeAttack.events.length >= 6, 'the feed shows the setup, so an added event would show');
  });

  test("reading another tenant's resources is 404, as for ids that never existed", async () => {
    const reads = [
      [`/v1/accounts/${victim.x.id}`, GHOST.acct, 'account_not_found'],
      [`/v1/accounts/${victim.x.id}/balances`, GHOST.acct, 'account_not_found'],
      [`/v1/accounts/${victim.x.id}/transactions`, GHOST.acct, 'account_not_found'],
      [`/v1/transfers?account=${victim.x.id}`, GHOST.acct, 'account_not_found'],
      [`/v1/customers/${victim.customer.id}`, GHOST.cus, 'customer_not_found'],
      [`/v1/transfers/${victim.posted.id}`, GHOST.tr, 'transfer_not_found'],
      [`/v1/transfers/${victim.pending.id}`, GHOST.tr, 'transfer_not_found'],
    ];
    const adminReads = [
      [`/v1/adjustments/${victim.adjustment.id}`, GHOST.adj, 'adjustment_not_found'],
      [`/v1/users/${victim.user.id}`, GHOST.usr, 'user_not_found'],
    ];
    const ghostOf = (path, real) => path.replace(real, '');
    for (const [who, key] of [['admin', attacker.admin], ['operator', attacker.operator], ['read_only', attacker.readOnly]]) {
      for (const [path, ghostId, code] of who === 'admin' ? [...reads, ...adminReads] : reads) {
        const real = path.match(/(acct|cus|tr|adj|usr)_[0-9A-Z]{26}/)[0];
        const r = await s.api('GET', path, { key });
        const g = await s.api('GET', path.replace(real, ghostId), { key });
        assertSameAsGhost(r, g, code, `${who} GET ${ghostOf(path, real)}`);
      }
    }
    // Lists scoped by another tenant's customer show nothing of it.
    const r = await s.api('GET', `/v1/accounts?customer=${victim.customer.id}`, { key: attacker.admin });
    const g = await s.api('GET', `/v1/accounts?customer=${GHOST.cus}`, { key: attacker.admin });
    assert.equal(r.status, g.status, `${r.text} vs ${g.text}`);
    if (r.status === 200) assert.deepEqual([r.body.data, g.body.data], [[], []], r.text);
    else assertSameAsGhost(r, g, 'customer_not_found', 'GET /v1/accounts?customer=');
    // The alias resolves in the caller's tenant only: the attacker's own account.
    const a = await s.api('GET', `/v1/aliases/${victim.alias}`, { key: attacker.admin });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body.account, attacker.aliasAccount.id);
  });

  test("writing with another tenant's ids is 404 and moves nothing", async () => {
    const key = attacker.admin;
    const post = (path, body) => s.api('POST', path, { key, body });
    const pay = (from, to, amount = '10.00') => ({ from_account: from, to_account: to, amount, currency: 'EUR' });
    const cases = [
      // [label, real request, same request with a made-up id, code, param]
      ['transfer from', () => post('/v1/transfers', pay(victim.x.id, attacker.account.id)), () => post('/v1/transfers', pay(GHOST.acct, attacker.account.id)), 'account_not_found', 'from_account'],
      ['transfer to', () => post('/v1/transfers', pay(attacker.account.id, victim.x.id)), () => post('/v1/transfers', pay(attacker.account.id, GHOST.acct)), 'account_not_found', 'to_account'],
      ['deposit', () => post('/v1/sandbox/deposits', { account: victim.x.id, amount: '1.00', currency: 'EUR' }), () => post('/v1/sandbox/deposits', { account: GHOST.acct, amount: '1.00', currency: 'EUR' }), 'account_not_found', 'account'],
      ['open account', () => post('/v1/accounts', { customer: victim.customer.id, currency: 'EUR' }), () => post('/v1/accounts', { customer: GHOST.cus, currency: 'EUR' }), 'customer_not_found', 'customer'],
      ['update customer', () => post(`/v1/customers/${victim.customer.id}`, { status: 'closed' }), () => post(`/v1/customers/${GHOST.cus}`, { status: 'closed' }), 'customer_not_found'],
      ['freeze', () => post(`/v1/accounts/${victim.x.id}/freeze`), () => post(`/v1/accounts/${GHOST.acct}/freeze`), 'account_not_found'],
      ['close', () => post(`/v1/accounts/${victim.y.id}/close`), () => post(`/v1/accounts/${GHOST.acct}/close`), 'account_not_found'],
      ['post pending', () => post(`/v1/transfers/${victim.pending.id}/post`), () => post(`/v1/transfers/${GHOST.tr}/post`), 'transfer_not_found'],
      ['void pending', () => post(`/v1/transfers/${victim.pending.id}/void`), () => post(`/v1/transfers/${GHOST.tr}/void`), 'transfer_not_found'],
      ['adjust', () => post('/v1/adjustments', { account: victim.x.id, direction: 'debit', amount: '1.00', currency: 'EUR', reason: 'x' }), () => post('/v1/adjustments', { account: GHOST.acct, direction: 'debit', amount: '1.00', currency: 'EUR', reason: 'x' }), 'account_not_found', 'account'],
      // Another tenant's admin is a "different actor": four-eyes must not accept it.
      ['approve adjustment', () => post(`/v1/adjustments/${victim.adjustment.id}/approve`), () => post(`/v1/adjustments/${GHOST.adj}/approve`), 'adjustment_not_found'],
      ['reject adjustment', () => post(`/v1/adjustments/${victim.adjustment.id}/reject`), () => post(`/v1/adjustments/${GHOST.adj}/reject`), 'adjustment_not_found'],
      ['revoke key', () => post(`/v1/api_keys/${victim.apiKey.id}/revoke`), () => post(`/v1/api_keys/${GHOST.key}/revoke`), 'resource_not_found'],
    ];
    for (const [label, real, ghost, code, param] of cases) {
      const r = await real();
      assertSameAsGhost(r, await ghost(), code, label);
      if (param !== undefined) assert.equal(r.body.error.param, param, `${label}: ${r.text}`);
    }
    const batch = await post('/v1/transfers/batch', { transfers: [pay(victim.x.id, attacker.account.id), pay(attacker.account.id, victim.y.id)] });
    assert.equal(batch.status, 200, batch.text);
    assert.deepEqual(
      batch.body.results.map((x) => [x.status, x.error?.code, x.error?.param]),
      [
        ['failed', 'account_not_found', 'from_account'],
        ['failed', 'account_not_found', 'to_account'],
      ],
    );
    // Paying the alias the victim also uses lands on the attacker's own account.
    const viaAlias = await post('/v1/transfers', pay(attacker.account.id, victim.alias, '1.00'));
    assert.equal(viaAlias.status, 201, viaAlias.text);
    assert.equal(viaAlias.body.to_account, attacker.aliasAccount.id);
    assert.equal((await s.balances(attacker.account.id, { key })).current, '99.00');
    assert.equal((await s.balances(attacker.aliasAccount.id, { key })).current, '1.00', "the attacker's money did not leave its tenant");
  });

  test('the victim tenant is exactly as it was', async () => {
    const now = await victimState();
    assert.equal(now.pending.status, 'pending');
    assert.equal(now.adjustment.status, 'pending_approval');
    assert.equal(now.x.balances.current, '90.00');
    assert.deepEqual(now, beforeAttack);
  });
});
