// Tenants (root admin only), API keys and tenant isolation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { expectError, idemKey, startServer } from './lib.mjs';

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

describe('bootstrap', () => {
  test('bootstrap.json holds the root sandbox tenant and a working admin key', async () => {
    assert.match(s.tenantId, /^ten_[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.match(s.adminKey, /^sk_[0-9A-HJKMNP-TV-Z]{26}_[0-9a-f]{64}$/);
    const r = await s.api('GET', `/v1/tenants/${s.tenantId}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.id, s.tenantId);
    assert.equal(r.body.sandbox, true);
  });
});

describe('tenants', () => {
  let second; // TenantCreated
  before(async () => {
    second = await s.createTenant('Second Bank', false);
  });

  test('POST /v1/tenants answers the tenant and its first admin key, secret shown once', async () => {
    assert.equal(second.object, 'tenant');
    assert.equal(second.name, 'Second Bank');
    assert.equal(second.sandbox, false);
    const k = second.admin_api_key;
    assert.equal(k.role, 'admin');
    assert.equal(k.status, 'active');
    assert.ok(k.secret.startsWith(`sk_${k.id.slice(4)}_`), 'the token embeds the key id');
    const r = await s.api('GET', '/v1/api_keys', { key: k.secret });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data.map((x) => x.id), [k.id]);
    assert.ok(!('secret' in r.body.data[0]), 'lists never show secrets');
  });

  test('idempotent replay of POST /v1/tenants does not reveal the secret again', async () => {
    const key = idemKey();
    const body = { name: 'Replay Tenant', sandbox: true };
    const first = await s.api('POST', '/v1/tenants', { body, idem: key });
    assert.equal(first.status, 201);
    assert.equal(first.body.sandbox, true);
    const again = await s.api('POST', '/v1/tenants', { body, idem: key });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.body.admin_api_key.secret, null);
    assert.deepEqual({ ...again.body, admin_api_key: { ...again.body.admin_api_key, secret: 'x' } }, {
      ...first.body,
      admin_api_key: { ...first.body.admin_api_key, secret: 'x' },
    });
  });

  test('GET /v1/tenants/{id}: root sees all, other admins only their own', async () => {
    let r = await s.api('GET', `/v1/tenants/${second.id}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { id: second.id, object: 'tenant', name: second.name, sandbox: false, created_at: second.created_at });
    const k2 = second.admin_api_key.secret;
    r = await s.api('GET', `/v1/tenants/${second.id}`, { key: k2 });
    assert.equal(r.status, 200);
    r = await s.api('GET', `/v1/tenants/${s.tenantId}`, { key: k2 });
    expectError(r, 404, 'resource_not_found');
    r = await s.api('GET', '/v1/tenants/ten_00000000000000000000000001');
    expectError(r, 404, 'resource_not_found');
    r = await s.api('GET', '/v1/tenants/not-an-id');
    expectError(r, 404, 'resource_not_found');
  });

  test('only root admins create or list tenants', async () => {
    const k2 = second.admin_api_key.secret;
    let r = await s.api('POST', '/v1/tenants', { key: k2, body: { name: 'nope', sandbox: false } });
    expectError(r, 403, 'insufficient_permissions');
    r = await s.api('GET', '/v1/tenants', { key: k2 });
    expectError(r, 403, 'insufficient_permissions');
    const op = await s.createKey('operator');
    r = await s.api('POST', '/v1/tenants', { key: op.secret, body: { name: 'nope', sandbox: false } });
    expectError(r, 403, 'insufficient_permissions');
  });

  test('POST /v1/tenants validates its body', async () => {
    let r = await s.api('POST', '/v1/tenants', { body: {} });
    expectError(r, 400, 'parameter_missing', 'name');
    // Production or sandbox is an explicit choice, never a default.
    r = await s.api('POST', '/v1/tenants', { body: { name: 'x' } });
    expectError(r, 400, 'parameter_missing', 'sandbox');
    r = await s.api('POST', '/v1/tenants', { body: { name: 'x', sandbox: null } });
    expectError(r, 400, 'parameter_missing', 'sandbox');
    r = await s.api('POST', '/v1/tenants', { body: { name: 'x', sandbox: 'yes' } });
    expectError(r, 400, 'parameter_invalid', 'sandbox');
    r = await s.api('POST', '/v1/tenants', { body: { name: 'x', sandbox: true, region: 'eu' } });
    expectError(r, 400, 'unknown_field', 'region');
  });

  test('GET /v1/tenants pages in creation order', async () => {
    await s.createTenant('Third');
    const all = await s.api('GET', '/v1/tenants?limit=100');
    assert.equal(all.status, 200);
    assert.equal(all.body.data[0].id, s.tenantId);
    assert.ok(all.body.data.length >= 3);
    const seen = [];
    let cursor = null;
    for (let page = 0; page < 20; page++) {
      const r = await s.api('GET', `/v1/tenants?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.data.length, 1);
      seen.push(r.body.data[0].id);
      if (!r.body.has_more) {
        assert.equal(r.body.next_cursor, null);
        break;
      }
      assert.equal(r.body.next_cursor, r.body.data[0].id);
      cursor = r.body.next_cursor;
    }
    assert.deepEqual(seen, all.body.data.map((t) => t.id));
  });

  test('another tenant\'s objects answer 404, like missing ones', async () => {
    const k2 = second.admin_api_key.secret;
    const mine = await s.openAccount('EUR');
    const theirs = await s.openAccount('EUR', {}, { key: k2 });
    let r = await s.api('GET', `/v1/accounts/${theirs.id}`);
    expectError(r, 404, 'account_not_found');
    r = await s.api('GET', `/v1/accounts/${mine.id}`, { key: k2 });
    expectError(r, 404, 'account_not_found');
    r = await s.api('GET', `/v1/accounts/${theirs.id}/balances`);
    expectError(r, 404, 'account_not_found');
    r = await s.api('GET', `/v1/accounts/${theirs.id}/transactions`);
    expectError(r, 404, 'account_not_found');
    r = await s.api('POST', `/v1/accounts/${theirs.id}/freeze`);
    expectError(r, 404, 'account_not_found');
    r = await s.api('GET', `/v1/customers/${theirs.customer}`);
    expectError(r, 404, 'customer_not_found');
    r = await s.api('POST', '/v1/accounts', { body: { customer: theirs.customer, currency: 'EUR' } });
    expectError(r, 404, 'customer_not_found', 'customer');
    r = await s.api('POST', '/v1/transfers', {
      body: { from_account: mine.id, to_account: theirs.id, amount: '1', currency: 'EUR' },
    });
    expectError(r, 404, 'account_not_found', 'to_account');
    r = await s.api('GET', `/v1/transfers?account=${theirs.id}`);
    expectError(r, 404, 'account_not_found', 'account');
    r = await s.api('POST', '/v1/sandbox/deposits', { body: { account: theirs.id, amount: '1', currency: 'EUR' } });
    expectError(r, 404, 'account_not_found', 'account');
    // Their lists do not show our objects.
    r = await s.api('GET', '/v1/accounts?limit=100', { key: k2 });
    assert.ok(!r.body.data.some((a) => a.id === mine.id));
  });

  test('a non-sandbox tenant may not make sandbox deposits (403 sandbox_only)', async () => {
    const k2 = second.admin_api_key.secret;
    const acct = await s.openAccount('EUR', {}, { key: k2 });
    const r = await s.api('POST', '/v1/sandbox/deposits', { key: k2, body: { account: acct.id, amount: '10', currency: 'EUR' } });
    expectError(r, 403, 'sandbox_only');
  });
});

describe('api keys', () => {
  test('create one of each role; the secret works and is shown once', async () => {
    for (const role of ['admin', 'operator', 'read_only']) {
      const k = await s.createKey(role);
      assert.equal(k.object, 'api_key');
      assert.equal(k.role, role);
      assert.equal(k.name, `${role} key`);
      const r = await s.api('GET', '/v1/customers', { key: k.secret });
      assert.equal(r.status, 200);
    }
    const list = await s.api('GET', '/v1/api_keys?limit=100');
    assert.equal(list.status, 200);
    assert.ok(list.body.data.length >= 4);
    for (const k of list.body.data) assert.ok(!('secret' in k));
  });

  test('a key without a name has name ""', async () => {
    const r = await s.api('POST', '/v1/api_keys', { body: { role: 'read_only' } });
    assert.equal(r.status, 201);
    assert.equal(r.body.name, '');
  });

  test('invalid role → 400 parameter_invalid', async () => {
    let r = await s.api('POST', '/v1/api_keys', { body: { role: 'superuser' } });
    expectError(r, 400, 'parameter_invalid', 'role');
    r = await s.api('POST', '/v1/api_keys', { body: { name: 'no role' } });
    expectError(r, 400, 'parameter_missing', 'role');
  });

  test('revoke: the key stops working at once; revoking again is a no-op', async () => {
    const k = await s.createKey('operator');
    let r = await s.api('POST', `/v1/api_keys/${k.id}/revoke`);
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'revoked');
    assert.equal(r.body.id, k.id);
    r = await s.api('GET', '/v1/customers', { key: k.secret });
    expectError(r, 401, 'invalid_api_key');
    r = await s.api('POST', `/v1/api_keys/${k.id}/revoke`, { body: {} });
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'revoked');
    const list = await s.api('GET', '/v1/api_keys?limit=100');
    assert.equal(list.body.data.find((x) => x.id === k.id).status, 'revoked');
  });

  test('revoke errors: unknown / foreign key → 404, body with fields → 400', async () => {
    let r = await s.api('POST', '/v1/api_keys/key_00000000000000000000000001/revoke');
    expectError(r, 404, 'resource_not_found');
    const other = await s.createTenant('foreign keys');
    r = await s.api('POST', `/v1/api_keys/${other.admin_api_key.id}/revoke`);
    expectError(r, 404, 'resource_not_found');
    const k = await s.createKey('read_only');
    r = await s.api('POST', `/v1/api_keys/${k.id}/revoke`, { body: { reason: 'x' } });
    expectError(r, 400, 'unknown_field', 'reason');
  });

  test('list keys pages with a cursor', async () => {
    const all = (await s.api('GET', '/v1/api_keys?limit=100')).body.data.map((k) => k.id);
    const seen = [];
    let cursor = null;
    for (let i = 0; i < 50; i++) {
      const r = await s.api('GET', `/v1/api_keys?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      seen.push(...r.body.data.map((k) => k.id));
      if (!r.body.has_more) break;
      cursor = r.body.next_cursor;
    }
    assert.deepEqual(seen, all);
  });
});
