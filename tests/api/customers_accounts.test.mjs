// Customers, accounts, aliases, balances (now and as of), history, freeze/unfreeze/close.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { expectError, startServer } from './lib.mjs';

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

describe('customers', () => {
  test('create with every field, then GET', async () => {
    const c = await s.createCustomer({
      type: 'business',
      name: 'Zoë & Co "Ltd"',
      email: 'ops@zoe.example',
      phone: '+447700900123',
      kyc_tier: 2,
    });
    assert.equal(c.object, 'customer');
    assert.equal(c.type, 'business');
    assert.equal(c.name, 'Zoë & Co "Ltd"');
    assert.equal(c.kyc_tier, 2);
    assert.equal(c.status, 'active');
    assert.equal(typeof c.journal_seq, 'number');
    const r = await s.api('GET', `/v1/customers/${c.id}`);
    assert.equal(r.status, 200);
    const { journal_seq, ...read } = c;
    assert.deepEqual(r.body, read);
  });

  test('optional fields default to null / 0', async () => {
    const c = await s.createCustomer({ email: null });
    assert.equal(c.email, null);
    assert.equal(c.phone, null);
    assert.equal(c.kyc_tier, 0);
  });

  test('update kyc_tier, contact and status', async () => {
    const c = await s.createCustomer();
    let r = await s.api('POST', `/v1/customers/${c.id}`, { body: { kyc_tier: 3, email: 'a@b.example', phone: '+14155550100' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.kyc_tier, 3);
    assert.equal(r.body.email, 'a@b.example');
    assert.equal(r.body.phone, '+14155550100');
    assert.ok(r.body.journal_seq > c.journal_seq);
    r = await s.api('POST', `/v1/customers/${c.id}`, { body: { status: 'suspended' } });
    assert.equal(r.body.status, 'suspended');
    r = await s.api('GET', `/v1/customers/${c.id}`);
    assert.equal(r.body.status, 'suspended');
    assert.equal(r.body.kyc_tier, 3);
  });

  test('update errors', async () => {
    const c = await s.createCustomer();
    let r = await s.api('POST', `/v1/customers/${c.id}`, { body: {} });
    expectError(r, 400, 'parameter_missing');
    r = await s.api('POST', `/v1/customers/${c.id}`, { body: { name: 'renamed' } });
    expectError(r, 400, 'unknown_field', 'name');
    r = await s.api('POST', `/v1/customers/${c.id}`, { body: { status: 'deleted' } });
    expectError(r, 400, 'parameter_invalid', 'status');
    r = await s.api('POST', '/v1/customers/cus_00000000000000000000000001', { body: { kyc_tier: 1 } });
    expectError(r, 404, 'customer_not_found');
    r = await s.api('POST', `/v1/customers/${c.id}`, { body: { status: 'closed' } });
    assert.equal(r.status, 200);
    r = await s.api('POST', `/v1/customers/${c.id}`, { body: { kyc_tier: 1 } });
    expectError(r, 422, 'customer_closed');
  });

  test('GET unknown or malformed customer → 404', async () => {
    let r = await s.api('GET', '/v1/customers/cus_00000000000000000000000001');
    expectError(r, 404, 'customer_not_found');
    r = await s.api('GET', '/v1/customers/acct_00000000000000000000000001');
    expectError(r, 404, 'resource_not_found');
  });

  test('cursor pagination: limit=2 over 5 customers', async () => {
    // A fresh tenant, so that exactly these 5 customers exist.
    const t = await s.createTenant('paging');
    const key = t.admin_api_key.secret;
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await s.createCustomer({ name: `C${i}` }, { key })).id);
    const pages = [];
    let cursor = null;
    for (let i = 0; i < 10; i++) {
      const r = await s.api('GET', `/v1/customers?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key });
      assert.equal(r.status, 200);
      pages.push(r.body);
      if (!r.body.has_more) break;
      cursor = r.body.next_cursor;
    }
    assert.deepEqual(pages.map((p) => p.data.length), [2, 2, 1]);
    assert.deepEqual(pages.map((p) => p.has_more), [true, true, false]);
    assert.equal(pages[0].next_cursor, ids[1]);
    assert.equal(pages[1].next_cursor, ids[3]);
    assert.equal(pages[2].next_cursor, null);
    assert.deepEqual(pages.flatMap((p) => p.data.map((c) => c.id)), ids);
    // Exactly a full last page: has_more false.
    const r = await s.api('GET', `/v1/customers?limit=1&cursor=${ids[3]}`, { key });
    assert.deepEqual(r.body.data.map((c) => c.id), [ids[4]]);
    assert.equal(r.body.has_more, false);
    assert.equal(r.body.next_cursor, null);
    // Default limit is 10.
    const all = await s.api('GET', '/v1/customers', { key });
    assert.equal(all.body.data.length, 5);
    // Another tenant's customer id is no cursor here.
    const foreign = await s.createCustomer();
    const bad = await s.api('GET', `/v1/customers?cursor=${foreign.id}`, { key });
    expectError(bad, 400, 'cursor_invalid', 'cursor');
  });
});

describe('accounts', () => {
  test('open, GET, list by customer', async () => {
    const c = await s.createCustomer();
    const a = await s.openAccount('EUR', { customer: c.id, type: 'savings' });
    assert.equal(a.object, 'account');
    assert.equal(a.customer, c.id);
    assert.equal(a.currency, 'EUR');
    assert.equal(a.type, 'savings');
    assert.equal(a.status, 'open');
    assert.deepEqual(a.aliases, []);
    assert.deepEqual(a.balances, {
      object: 'balances', account: a.id, currency: 'EUR', current: '0.00', available: '0.00',
      pending_debits: '0.00', pending_credits: '0.00', as_of: null,
    });
    const b = await s.openAccount('USD', { customer: c.id });
    assert.equal(b.type, 'current', 'type defaults to current');
    let r = await s.api('GET', `/v1/accounts/${a.id}`);
    assert.equal(r.status, 200);
    const { journal_seq, ...read } = a;
    assert.deepEqual(r.body, read);
    r = await s.api('GET', `/v1/accounts?customer=${c.id}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data.map((x) => x.id), [a.id, b.id]);
    assert.equal(r.body.has_more, false);
    r = await s.api('GET', `/v1/accounts?customer=${c.id}&limit=1`);
    assert.deepEqual(r.body.data.map((x) => x.id), [a.id]);
    assert.equal(r.body.has_more, true);
    r = await s.api('GET', `/v1/accounts?customer=${c.id}&limit=1&cursor=${r.body.next_cursor}`);
    assert.deepEqual(r.body.data.map((x) => x.id), [b.id]);
    assert.equal(r.body.has_more, false);
  });

  test('the first account in a currency opens a settlement account', async () => {
    const t = await s.createTenant('settle');
    const key = t.admin_api_key.secret;
    const a = await s.openAccount('GBP', {}, { key });
    const r = await s.api('GET', '/v1/accounts', { key });
    assert.equal(r.status, 200);
    const settle = r.body.data.filter((x) => x.type === 'settlement');
    assert.equal(settle.length, 1);
    assert.equal(settle[0].customer, null);
    assert.equal(settle[0].currency, 'GBP');
    assert.ok(r.body.data.some((x) => x.id === a.id));
    const f = await s.api('POST', `/v1/accounts/${settle[0].id}/freeze`, { key });
    expectError(f, 422, 'account_not_customer');
  });

  test('open errors', async () => {
    const c = await s.createCustomer();
    let r = await s.api('POST', '/v1/accounts', { body: { customer: c.id, currency: 'XYZ' } });
    expectError(r, 400, 'currency_unknown', 'currency');
    r = await s.api('POST', '/v1/accounts', { body: { customer: c.id, currency: 'EUR', type: 'checking' } });
    expectError(r, 400, 'parameter_invalid', 'type');
    r = await s.api('POST', '/v1/accounts', { body: { customer: 'cus_x', currency: 'EUR' } });
    expectError(r, 400, 'parameter_invalid', 'customer');
    r = await s.api('POST', '/v1/accounts', { body: { currency: 'EUR' } });
    expectError(r, 400, 'parameter_missing', 'customer');
    r = await s.api('POST', '/v1/accounts', { body: { customer: 'cus_00000000000000000000000001', currency: 'EUR' } });
    expectError(r, 404, 'customer_not_found', 'customer');
    r = await s.api('POST', '/v1/accounts', { body: { customer: c.id, currency: 'EUR', aliases: 'x@y.z' } });
    expectError(r, 400, 'parameter_invalid', 'aliases');
    r = await s.api('POST', '/v1/accounts', { body: { customer: c.id, currency: 'EUR', aliases: ['x@y.z', 'not an alias'] } });
    expectError(r, 400, 'parameter_invalid', 'aliases[1]');
    r = await s.api('POST', '/v1/accounts', { body: { customer: c.id, currency: 'EUR', aliases: ['x@y.z', 'x@y.z'] } });
    expectError(r, 400, 'parameter_invalid', 'aliases[1]');
    r = await s.api('POST', '/v1/accounts', {
      body: { customer: c.id, currency: 'EUR', aliases: ['a@y.z', 'b@y.z', 'c@y.z', 'd@y.z', 'e@y.z', 'f@y.z'] },
    });
    expectError(r, 400, 'parameter_invalid', 'aliases');
    await s.api('POST', `/v1/customers/${c.id}`, { body: { status: 'suspended' } });
    r = await s.api('POST', '/v1/accounts', { body: { customer: c.id, currency: 'EUR' } });
    expectError(r, 422, 'customer_not_active', 'customer');
  });

  test('list filter errors', async () => {
    let r = await s.api('GET', '/v1/accounts?customer=nope');
    expectError(r, 400, 'parameter_invalid', 'customer');
    r = await s.api('GET', '/v1/accounts?customer=cus_00000000000000000000000001');
    expectError(r, 404, 'customer_not_found', 'customer');
    r = await s.api('GET', '/v1/accounts/acct_00000000000000000000000001');
    expectError(r, 404, 'account_not_found');
    r = await s.api('GET', '/v1/accounts/nope/balances');
    expectError(r, 404, 'resource_not_found');
  });
});

describe('aliases', () => {
  test('resolve an alias; unknown alias 404; taken alias 409', async () => {
    const a = await s.openAccount('EUR', { aliases: ['+447700900999', 'alice@pay.example'] });
    assert.deepEqual(a.aliases, ['+447700900999', 'alice@pay.example']);
    // '+' and '@' are valid in a path segment as they are.
    let r = await s.api('GET', '/v1/aliases/+447700900999');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { object: 'alias', alias: '+447700900999', account: a.id });
    r = await s.api('GET', '/v1/aliases/alice@pay.example');
    assert.equal(r.body.account, a.id);
    r = await s.api('GET', '/v1/aliases/bob@pay.example');
    expectError(r, 404, 'resource_not_found');
    r = await s.api('POST', '/v1/accounts', { body: { customer: a.customer, currency: 'EUR', aliases: ['new@pay.example', 'alice@pay.example'] } });
    expectError(r, 409, 'alias_taken', 'aliases[1]');
    r = await s.api('GET', '/v1/aliases/new@pay.example');
    expectError(r, 404, 'resource_not_found'); // the failed open registered nothing
  });

  test('a percent-encoded alias resolves like the literal one', async () => {
    const a = await s.openAccount('EUR', { aliases: ['+447700900998', 'carol@pay.example'] });
    let r = await s.api('GET', `/v1/aliases/${encodeURIComponent('+447700900998')}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.alias, '+447700900998');
    assert.equal(r.body.account, a.id);
    r = await s.api('GET', `/v1/aliases/${encodeURIComponent('carol@pay.example')}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.account, a.id);
  });

  test('aliases are per tenant', async () => {
    const t = await s.createTenant('alias tenant');
    const key = t.admin_api_key.secret;
    await s.openAccount('EUR', { aliases: ['shared@pay.example'] });
    const theirs = await s.openAccount('EUR', { aliases: ['shared@pay.example'] }, { key });
    const r = await s.api('GET', '/v1/aliases/shared@pay.example', { key });
    assert.equal(r.body.account, theirs.id);
  });
});

describe('balances and history', () => {
  // GET balances is answered on the io thread from a view of durable state (ADR 0013).
  test('read path: read-your-writes after each 201, tenant isolation, served off the writer', async () => {
    const metric = async (name) => {
      const r = await s.api('GET', '/metrics', { key: null });
      const line = r.text.split('\n').find((l) => l.startsWith(name + ' '));
      return line ? Number(line.split(' ')[1]) : 0;
    };
    const served0 = await metric('corebank_read_path_answers_total');
    const a = await s.openAccount('EUR');
    const b = await s.openAccount('EUR');
    await s.deposit(a.id, '20.00');
    for (let i = 1; i <= 20; i++) {
      const t = await s.api('POST', '/v1/transfers', {
        body: { from_account: a.id, to_account: b.id, amount: '1.00', currency: 'EUR' },
      });
      assert.equal(t.status, 201, t.text);
      // The very next read, on whichever io thread, sees the transfer the 201 acknowledged.
      const [ra, rb] = await Promise.all([s.balances(a.id), s.balances(b.id)]);
      assert.equal(ra.current, `${20 - i}.00`);
      assert.equal(rb.current, `${i}.00`);
    }
    assert.ok((await metric('corebank_read_path_answers_total')) >= served0 + 40, 'not served off the writer');
    // Another tenant asking for this tenant's account gets the writer's 404, the same
    // answer as for an id that does not exist at all.
    const t = await s.createTenant('read path tenant');
    const key = t.admin_api_key.secret;
    const theirs = await s.api('GET', `/v1/accounts/${a.id}/balances`, { key });
    const missing = await s.api('GET', '/v1/accounts/acct_00000000000000000000000001/balances', { key });
    expectError(theirs, 404, 'account_not_found', 'id');
    const strip = (r) => ({ ...r.body.error, trace_id: null });
    assert.deepEqual(strip(theirs), strip(missing));
    // The owner still reads it; the other tenant's own accounts are its own.
    assert.equal((await s.balances(a.id)).current, '0.00');
    const mine = await s.openAccount('EUR', {}, { key });
    assert.equal((await s.balances(mine.id, { key })).current, '0.00');
    expectError(await s.api('GET', `/v1/accounts/${mine.id}/balances`), 404, 'account_not_found', 'id');
  });

  test('balances now and as of an instant', async () => {
    const a = await s.openAccount('EUR');
    const d1 = await s.deposit(a.id, '10.00');
    const d2 = await s.deposit(a.id, '5.5');
    const now = await s.balances(a.id);
    assert.equal(now.current, '15.50');
    assert.equal(now.available, '15.50');
    assert.equal(now.as_of, null);
    let r = await s.api('GET', `/v1/accounts/${a.id}/balances?as_of=${d1.created_at}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.current, '10.00');
    assert.equal(r.body.as_of, d1.created_at);
    r = await s.api('GET', `/v1/accounts/${a.id}/balances?as_of=${d2.created_at}`);
    assert.equal(r.body.current, '15.50');
    r = await s.api('GET', `/v1/accounts/${a.id}/balances?as_of=2000-01-01T00:00:00Z`);
    assert.equal(r.body.current, '0.00', 'before the account existed');
    r = await s.api('GET', `/v1/accounts/${a.id}/balances?as_of=yesterday`);
    expectError(r, 400, 'parameter_invalid', 'as_of');
  });

  test('transactions: oldest first, balance_after, cursor walk, from/to', async () => {
    const a = await s.openAccount('EUR');
    const b = await s.openAccount('EUR');
    const d = await s.deposit(a.id, '100');
    const t1 = await s.api('POST', '/v1/transfers', { body: { from_account: a.id, to_account: b.id, amount: '30', currency: 'EUR' } });
    const t2 = await s.api('POST', '/v1/transfers', { body: { from_account: a.id, to_account: b.id, amount: '20', currency: 'EUR' } });
    assert.equal(t2.status, 201);
    let r = await s.api('GET', `/v1/accounts/${a.id}/transactions`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data.map((x) => [x.transfer, x.direction, x.amount, x.balance_after.current, x.kind]), [
      [d.id, 'credit', '100.00', '100.00', 'transfer'],
      [t1.body.id, 'debit', '30.00', '70.00', 'transfer'],
      [t2.body.id, 'debit', '20.00', '50.00', 'transfer'],
    ]);
    assert.equal(r.body.data[0].balance_after.as_of, d.created_at);
    assert.equal(r.body.has_more, false);
    const seen = [];
    let cursor = null;
    for (let i = 0; i < 10; i++) {
      r = await s.api('GET', `/v1/accounts/${a.id}/transactions?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      seen.push(...r.body.data.map((x) => x.transfer));
      if (!r.body.has_more) break;
      cursor = r.body.next_cursor;
    }
    assert.deepEqual(seen, [d.id, t1.body.id, t2.body.id]);
    r = await s.api('GET', `/v1/accounts/${a.id}/transactions?from=${t1.body.created_at}&to=${t1.body.created_at}`);
    assert.deepEqual(r.body.data.map((x) => x.transfer), [t1.body.id]);
    r = await s.api('GET', `/v1/accounts/${a.id}/transactions?from=${t2.body.created_at}&to=${t1.body.created_at}`);
    expectError(r, 400, 'parameter_invalid', 'from');
    r = await s.api('GET', `/v1/accounts/${a.id}/transactions?from=soon`);
    expectError(r, 400, 'parameter_invalid', 'from');
  });
});

describe('freeze, unfreeze, close', () => {
  test('a frozen account cannot send but can receive; unfreeze restores it', async () => {
    const a = await s.openAccount('EUR');
    const b = await s.openAccount('EUR');
    await s.deposit(a.id, '50');
    let r = await s.api('POST', `/v1/accounts/${a.id}/freeze`);
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'frozen');
    assert.equal(typeof r.body.journal_seq, 'number');
    const body = { from_account: a.id, to_account: b.id, amount: '1', currency: 'EUR' };
    r = await s.api('POST', '/v1/transfers', { body });
    expectError(r, 422, 'account_frozen', 'from_account');
    r = await s.api('POST', '/v1/transfers', { body: { ...body, from_account: b.id, to_account: a.id } });
    expectError(r, 422, 'insufficient_funds'); // b is empty; the frozen side is not the problem
    await s.deposit(a.id, '1'); // receiving works
    assert.equal((await s.balances(a.id)).current, '51.00');
    r = await s.api('POST', `/v1/accounts/${a.id}/unfreeze`, { body: {} });
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'open');
    r = await s.api('POST', '/v1/transfers', { body });
    assert.equal(r.status, 201, r.text);
    r = await s.api('POST', `/v1/accounts/${a.id}/unfreeze`);
    assert.equal(r.status, 200, 'unfreezing an open account is a no-op');
    assert.equal(r.body.status, 'open');
  });

  test('close needs a zero balance; a closed account is final', async () => {
    const a = await s.openAccount('EUR');
    const b = await s.openAccount('EUR');
    await s.deposit(a.id, '5');
    let r = await s.api('POST', `/v1/accounts/${a.id}/close`);
    expectError(r, 422, 'account_not_empty', 'id');
    r = await s.api('POST', '/v1/transfers', { body: { from_account: a.id, to_account: b.id, amount: '5', currency: 'EUR' } });
    assert.equal(r.status, 201);
    r = await s.api('POST', `/v1/accounts/${a.id}/close`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'closed');
    r = await s.api('POST', '/v1/transfers', { body: { from_account: b.id, to_account: a.id, amount: '1', currency: 'EUR' } });
    expectError(r, 422, 'account_closed', 'to_account');
    r = await s.api('POST', `/v1/accounts/${a.id}/freeze`);
    expectError(r, 422, 'account_closed');
    r = await s.api('POST', `/v1/accounts/${a.id}/close`);
    expectError(r, 422, 'account_closed');
    r = await s.api('POST', '/v1/sandbox/deposits', { body: { account: a.id, amount: '1', currency: 'EUR' } });
    expectError(r, 422, 'account_closed');
  });

  test('unknown account → 404', async () => {
    for (const action of ['freeze', 'unfreeze', 'close']) {
      const r = await s.api('POST', `/v1/accounts/acct_00000000000000000000000001/${action}`);
      expectError(r, 404, 'account_not_found');
    }
  });
});
