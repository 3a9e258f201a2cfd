// Transfers: single, by alias, pending (post, partial post, void, expiry), batches with
// linked chains, lists, sandbox deposits, and that rejected requests write nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { expectError, idemKey, sleep, startServer } from './lib.mjs';

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

// Two EUR accounts, the first funded.
async function pair(funds = '100.00', currency = 'EUR') {
  const a = await s.openAccount(currency);
  const b = await s.openAccount(currency);
  if (funds) await s.deposit(a.id, funds, currency);
  return [a, b];
}

function tr(from, to, amount, extra = {}) {
  return { from_account: from.id ?? from, to_account: to.id ?? to, amount, currency: 'EUR', ...extra };
}

async function post(path, body, opts = {}) {
  return s.api('POST', path, { body, ...opts });
}

function bal(list, account) {
  const b = list.find((x) => x.account === account.id);
  assert.ok(b, `no balances for ${account.id}`);
  return b;
}

describe('single transfers', () => {
  test('posted transfer: answer, balances, and GET', async () => {
    const [a, b] = await pair();
    const r = await post('/v1/transfers', tr(a, b, '12.34', { description: 'rent' }));
    assert.equal(r.status, 201, r.text);
    const t = r.body;
    assert.equal(t.object, 'transfer');
    assert.equal(t.from_account, a.id);
    assert.equal(t.to_account, b.id);
    assert.equal(t.amount, '12.34');
    assert.equal(t.status, 'posted');
    assert.equal(t.pending, false);
    assert.equal(t.posted_amount, null);
    assert.equal(t.timeout_at, null);
    assert.equal(t.description, 'rent');
    assert.ok(Number.isInteger(t.journal_seq) && t.journal_seq > 0);
    assert.equal(bal(t.balances, a).current, '87.66');
    assert.equal(bal(t.balances, b).current, '12.34');
    const g = await s.api('GET', `/v1/transfers/${t.id}`);
    assert.equal(g.status, 200);
    const { balances, journal_seq, ...rest } = t;
    assert.deepEqual(g.body, { ...rest, journal_seq: null });
    assert.equal((await s.balances(a.id)).current, '87.66');
  });

  test('to_account (and from_account) may be an alias', async () => {
    const a = await s.openAccount('EUR', { aliases: ['payer@x.example'] });
    const b = await s.openAccount('EUR', { aliases: ['+491701234567'] });
    await s.deposit(a.id, '10');
    let r = await post('/v1/transfers', tr(a, '+491701234567', '1.00'));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.to_account, b.id);
    r = await post('/v1/transfers', tr('payer@x.example', b, '2.00'));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.from_account, a.id);
    assert.equal((await s.balances(b.id)).current, '3.00');
    r = await post('/v1/transfers', tr(a, 'nobody@x.example', '1.00'));
    expectError(r, 404, 'account_not_found', 'to_account');
  });

  test('insufficient funds → 422, nothing moves', async () => {
    const [a, b] = await pair('5.00');
    const r = await post('/v1/transfers', tr(a, b, '5.01'));
    expectError(r, 422, 'insufficient_funds', 'amount');
    assert.equal(r.body.error.type, 'transfer_error');
    assert.equal((await s.balances(a.id)).current, '5.00');
    assert.equal((await s.balances(b.id)).current, '0.00');
    const ok = await post('/v1/transfers', tr(a, b, '5.00'));
    assert.equal(ok.status, 201, 'exactly the balance is fine');
    assert.equal(bal(ok.body.balances, a).current, '0.00');
  });

  test('currency mismatch → 422 currency_mismatch', async () => {
    const eur = await s.openAccount('EUR');
    const usd = await s.openAccount('USD');
    await s.deposit(eur.id, '10');
    let r = await post('/v1/transfers', tr(eur, usd, '1.00'));
    expectError(r, 422, 'currency_mismatch');
    r = await post('/v1/transfers', { ...tr(eur, usd, '1.00'), currency: 'USD' });
    expectError(r, 422, 'currency_mismatch', 'currency');
    r = await s.api('POST', '/v1/sandbox/deposits', { body: { account: usd.id, amount: '1', currency: 'EUR' } });
    expectError(r, 422, 'currency_mismatch', 'currency');
    assert.equal((await s.balances(eur.id)).current, '10.00');
    assert.equal((await s.balances(usd.id)).current, '0.00');
  });

  test('same account → 400 same_account', async () => {
    const [a] = await pair('1');
    const r = await post('/v1/transfers', tr(a, a, '1'));
    expectError(r, 400, 'same_account', 'to_account');
  });

  test('unknown accounts → 404 account_not_found with param', async () => {
    const [a] = await pair('1');
    let r = await post('/v1/transfers', tr('acct_00000000000000000000000001', a, '1'));
    expectError(r, 404, 'account_not_found', 'from_account');
    r = await post('/v1/transfers', tr(a, 'acct_00000000000000000000000001', '1'));
    expectError(r, 404, 'account_not_found', 'to_account');
  });

  test('a suspended customer\'s account cannot send', async () => {
    const [a, b] = await pair('10');
    await s.api('POST', `/v1/customers/${a.customer}`, { body: { status: 'suspended' } });
    const r = await post('/v1/transfers', tr(a, b, '1'));
    expectError(r, 422, 'customer_not_active', 'from_account');
  });

  test('a rejected transfer (400) writes nothing', async () => {
    const [a, b] = await pair('10.00');
    const before = [await s.balances(a.id), await s.balances(b.id)];
    const listBefore = await s.api('GET', `/v1/transfers?account=${a.id}`);
    const txBefore = await s.api('GET', `/v1/accounts/${a.id}/transactions`);
    for (const body of [
      tr(a, b, '1.234'),
      tr(a, b, '-1'),
      tr(a, b, '0'),
      { ...tr(a, b, '1'), currency: 'ABC' },
      { ...tr(a, b, '1'), extra: true },
      { ...tr(a, b, '1'), timeout_seconds: 5 },
    ]) {
      const r = await post('/v1/transfers', body);
      assert.equal(r.status, 400, r.text);
    }
    assert.deepEqual([await s.balances(a.id), await s.balances(b.id)], before);
    assert.deepEqual((await s.api('GET', `/v1/transfers?account=${a.id}`)).body, listBefore.body);
    assert.deepEqual((await s.api('GET', `/v1/accounts/${a.id}/transactions`)).body, txBefore.body);
  });

  test('GET unknown / malformed transfer → 404', async () => {
    let r = await s.api('GET', '/v1/transfers/tr_00000000000000000000000001');
    expectError(r, 404, 'transfer_not_found');
    r = await s.api('GET', '/v1/transfers/acct_00000000000000000000000001');
    expectError(r, 404, 'resource_not_found');
  });
});

describe('pending transfers', () => {
  test('pending holds funds; partial post settles part and releases the rest', async () => {
    const [a, b] = await pair('100.00');
    let r = await post('/v1/transfers', tr(a, b, '30.00', { pending: true }));
    assert.equal(r.status, 201, r.text);
    const p = r.body;
    assert.equal(p.status, 'pending');
    assert.equal(p.pending, true);
    assert.equal(p.timeout_at, null);
    assert.deepEqual(
      (({ current, available, pending_debits, pending_credits }) => ({ current, available, pending_debits, pending_credits }))(bal(p.balances, a)),
      { current: '100.00', available: '70.00', pending_debits: '30.00', pending_credits: '0.00' },
    );
    assert.equal(bal(p.balances, b).pending_credits, '30.00');
    assert.equal(bal(p.balances, b).current, '0.00');
    // The hold counts against available funds.
    r = await post('/v1/transfers', tr(a, b, '70.01'));
    expectError(r, 422, 'insufficient_funds');
    // Post more than pending → 422.
    r = await post(`/v1/transfers/${p.id}/post`, { amount: '30.01', currency: 'EUR' });
    expectError(r, 422, 'post_amount_exceeds_pending', 'amount');
    // Partial post.
    r = await post(`/v1/transfers/${p.id}/post`, { amount: '10', currency: 'EUR' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.id, p.id);
    assert.equal(r.body.status, 'posted');
    assert.equal(r.body.posted_amount, '10.00');
    assert.equal(r.body.amount, '30.00');
    assert.ok(r.body.journal_seq > p.journal_seq);
    const ba = await s.balances(a.id);
    const bb = await s.balances(b.id);
    assert.deepEqual([ba.current, ba.available, ba.pending_debits], ['90.00', '90.00', '0.00']);
    assert.deepEqual([bb.current, bb.available, bb.pending_credits], ['10.00', '10.00', '0.00']);
    const g = await s.api('GET', `/v1/transfers/${p.id}`);
    assert.equal(g.body.status, 'posted');
    assert.equal(g.body.posted_amount, '10.00');
    assert.equal(g.body.journal_seq, null);
    // Once posted it is no longer pending.
    r = await post(`/v1/transfers/${p.id}/void`);
    expectError(r, 422, 'transfer_not_pending');
    // History shows the hold, then the post.
    const h = await s.api('GET', `/v1/accounts/${a.id}/transactions`);
    assert.deepEqual(h.body.data.slice(-2).map((x) => [x.kind, x.direction, x.amount, x.balance_after.current]), [
      ['pending', 'debit', '30.00', '100.00'],
      ['post', 'debit', '10.00', '90.00'],
    ]);
    assert.equal(h.body.data.at(-2).transfer, p.id);
  });

  test('history entries of a post or void name the pending transfer (an id GET can read)',
    async () => {
      const [a, b] = await pair('100.00');
      const p = (await post('/v1/transfers', tr(a, b, '30.00', { pending: true }))).body;
      const q = (await post('/v1/transfers', tr(a, b, '5.00', { pending: true }))).body;
      assert.equal((await post(`/v1/transfers/${p.id}/post`, { amount: '10', currency: 'EUR' })).status, 201);
      assert.equal((await post(`/v1/transfers/${q.id}/void`)).status, 201);
      const h = await s.api('GET', `/v1/accounts/${a.id}/transactions`);
      const entries = h.body.data.filter((x) => x.kind === 'post' || x.kind === 'void');
      assert.equal(entries.length, 2);
      for (const e of entries) {
        const g = await s.api('GET', `/v1/transfers/${e.transfer}`);
        assert.equal(g.status, 200, `${e.kind} entry names ${e.transfer}: ${g.text}`);
      }
      assert.deepEqual(entries.map((e) => [e.kind, e.transfer]), [['post', p.id], ['void', q.id]]);
    });

  test('posting an already (partly) posted transfer again with another amount → 422 transfer_not_pending',
    async () => {
      const [a, b] = await pair('100.00');
      const p = (await post('/v1/transfers', tr(a, b, '30.00', { pending: true }))).body;
      let r = await post(`/v1/transfers/${p.id}/post`, { amount: '10', currency: 'EUR' });
      assert.equal(r.status, 201, r.text);
      r = await post(`/v1/transfers/${p.id}/post`, { amount: '5', currency: 'EUR' });
      expectError(r, 422, 'transfer_not_pending');
      r = await post(`/v1/transfers/${p.id}/post`);
      expectError(r, 422, 'transfer_not_pending');
      assert.equal((await s.balances(b.id)).current, '10.00');
    });

  test('full post without a body; repeating it under a new key is 422 transfer_not_pending', async () => {
    const [a, b] = await pair('50');
    const p = (await post('/v1/transfers', tr(a, b, '20', { pending: true }))).body;
    let r = await s.api('POST', `/v1/transfers/${p.id}/post`);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.posted_amount, '20.00');
    assert.equal(bal(r.body.balances, b).current, '20.00');
    // Under a new Idempotency-Key the transfer is no longer pending: refused, posted once.
    r = await s.api('POST', `/v1/transfers/${p.id}/post`);
    expectError(r, 422, 'transfer_not_pending');
    assert.equal((await s.balances(b.id)).current, '20.00', 'posted once');
    // The same for void.
    const q = (await post('/v1/transfers', tr(a, b, '5', { pending: true }))).body;
    r = await s.api('POST', `/v1/transfers/${q.id}/void`);
    assert.equal(r.status, 201, r.text);
    r = await s.api('POST', `/v1/transfers/${q.id}/void`);
    expectError(r, 422, 'transfer_not_pending');
  });

  test('post body: currency without amount, or a wrong currency', async () => {
    const [a, b] = await pair('50');
    const p = (await post('/v1/transfers', tr(a, b, '20', { pending: true }))).body;
    let r = await post(`/v1/transfers/${p.id}/post`, { currency: 'EUR' });
    expectError(r, 400, 'parameter_missing', 'amount');
    r = await post(`/v1/transfers/${p.id}/post`, { amount: '1.001', currency: 'EUR' });
    expectError(r, 400, 'amount_invalid', 'amount');
    r = await post(`/v1/transfers/${p.id}/post`, { amount: '1', currency: 'EUR', note: 'x' });
    expectError(r, 400, 'unknown_field', 'note');
    r = await post(`/v1/transfers/${p.id}/post`, {});
    assert.equal(r.status, 201, 'an empty object posts the full amount');
  });

  test('void releases the hold', async () => {
    const [a, b] = await pair('40');
    const p = (await post('/v1/transfers', tr(a, b, '15', { pending: true }))).body;
    let r = await post(`/v1/transfers/${p.id}/void`);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.status, 'voided');
    assert.equal(r.body.posted_amount, null);
    assert.deepEqual([bal(r.body.balances, a).available, bal(r.body.balances, a).pending_debits], ['40.00', '0.00']);
    assert.equal(bal(r.body.balances, b).pending_credits, '0.00');
    r = await s.api('GET', `/v1/transfers/${p.id}`);
    assert.equal(r.body.status, 'voided');
    r = await post(`/v1/transfers/${p.id}/post`);
    expectError(r, 422, 'transfer_not_pending');
    r = await post(`/v1/transfers/${p.id}/void`, { amount: '1', currency: 'EUR' });
    expectError(r, 400, 'unknown_field');
  });

  test('post/void of a transfer that was never pending → 422; unknown → 404', async () => {
    const [a, b] = await pair('10');
    const t = (await post('/v1/transfers', tr(a, b, '1'))).body;
    let r = await post(`/v1/transfers/${t.id}/post`);
    expectError(r, 422, 'transfer_not_pending');
    r = await post(`/v1/transfers/${t.id}/void`);
    expectError(r, 422, 'transfer_not_pending');
    r = await post('/v1/transfers/tr_00000000000000000000000001/void');
    expectError(r, 404, 'transfer_not_found');
    r = await post('/v1/transfers/nope/post');
    expectError(r, 404, 'resource_not_found');
  });

  test('a pending transfer expires after timeout_seconds', async () => {
    const [a, b] = await pair('10');
    const r = await post('/v1/transfers', tr(a, b, '4', { pending: true, timeout_seconds: 1 }));
    assert.equal(r.status, 201, r.text);
    const p = r.body;
    assert.ok(p.timeout_at);
    const ms = Date.parse(p.timeout_at) - Date.parse(p.created_at);
    assert.ok(ms >= 999 && ms <= 1001, `timeout_at is created_at + 1 s (${ms} ms)`);
    assert.equal(bal(p.balances, a).available, '6.00');
    await sleep(2500);
    const g = await s.api('GET', `/v1/transfers/${p.id}`);
    assert.equal(g.body.status, 'expired', g.text);
    const ba = await s.balances(a.id);
    assert.deepEqual([ba.current, ba.available, ba.pending_debits], ['10.00', '10.00', '0.00']);
    assert.equal((await s.balances(b.id)).pending_credits, '0.00');
    const x = await post(`/v1/transfers/${p.id}/post`);
    expectError(x, 422, 'transfer_not_pending');
    const h = await s.api('GET', `/v1/accounts/${a.id}/transactions`);
    assert.deepEqual(h.body.data.slice(-2).map((e) => [e.kind, e.transfer, e.balance_after.available]), [
      ['pending', p.id, '6.00'],
      ['expiry', p.id, '10.00'],
    ]);
    const l = await s.api('GET', `/v1/transfers?account=${a.id}`);
    assert.equal(l.body.data.find((t) => t.id === p.id).status, 'expired');
  });
});

describe('lists', () => {
  test('GET /v1/transfers?account= lists each transfer once, oldest first, with paging', async () => {
    const [a, b] = await pair('100');
    const ids = [];
    for (const amt of ['1', '2', '3']) ids.push((await post('/v1/transfers', tr(a, b, amt))).body.id);
    const p = (await post('/v1/transfers', tr(a, b, '4', { pending: true }))).body;
    await post(`/v1/transfers/${p.id}/post`);
    ids.push(p.id);
    let r = await s.api('GET', `/v1/transfers?account=${b.id}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data.map((t) => t.id), ids, 'the post record is not a transfer of its own');
    assert.equal(r.body.data[3].status, 'posted');
    for (const t of r.body.data) assert.equal(t.journal_seq, null);
    const seen = [];
    let cursor = null;
    for (let i = 0; i < 10; i++) {
      r = await s.api('GET', `/v1/transfers?account=${b.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      seen.push(...r.body.data.map((t) => t.id));
      if (!r.body.has_more) {
        assert.equal(r.body.next_cursor, null);
        break;
      }
      cursor = r.body.next_cursor;
    }
    assert.deepEqual(seen, ids);
  });

  test('from/to select by creation time', async () => {
    const [a, b] = await pair('10');
    const t1 = (await post('/v1/transfers', tr(a, b, '1'))).body;
    const t2 = (await post('/v1/transfers', tr(a, b, '2'))).body;
    let r = await s.api('GET', `/v1/transfers?account=${b.id}&from=${t2.created_at}`);
    assert.deepEqual(r.body.data.map((t) => t.id), [t2.id]);
    r = await s.api('GET', `/v1/transfers?account=${b.id}&to=${t1.created_at}`);
    assert.deepEqual(r.body.data.map((t) => t.id), [t1.id]);
  });

  test('list errors', async () => {
    let r = await s.api('GET', '/v1/transfers');
    expectError(r, 400, 'parameter_missing', 'account');
    r = await s.api('GET', '/v1/transfers?account=nope');
    expectError(r, 400, 'parameter_invalid', 'account');
    r = await s.api('GET', '/v1/transfers?account=acct_00000000000000000000000001');
    expectError(r, 404, 'account_not_found', 'account');
  });
});

describe('batches', () => {
  test('a linked chain with a failing item fails as a whole; other items succeed', async () => {
    const [a, b] = await pair('10.00');
    const [c, d] = await pair('10.00');
    const r = await post('/v1/transfers/batch', {
      transfers: [
        tr(c, d, '1.00', { description: 'independent' }),
        tr(a, b, '3.00', { linked: true }),
        tr(a, b, '50.00', { linked: true }), // insufficient funds
        tr(a, b, '2.00'), // last of the chain
        tr(c, d, '2.00'),
      ],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.object, 'batch_result');
    assert.ok(Number.isInteger(r.body.journal_seq));
    const res = r.body.results;
    assert.deepEqual(res.map((x) => x.index), [0, 1, 2, 3, 4]);
    assert.deepEqual(res.map((x) => x.status), ['created', 'failed', 'failed', 'failed', 'created']);
    assert.equal(res[0].error, null);
    assert.equal(res[1].error.code, 'linked_event_failed');
    assert.equal(res[2].error.code, 'insufficient_funds');
    assert.equal(res[3].error.code, 'linked_event_failed');
    assert.equal((await s.balances(a.id)).current, '10.00', 'no chain item applied');
    assert.equal((await s.balances(b.id)).current, '0.00');
    assert.equal((await s.balances(d.id)).current, '3.00');
    assert.deepEqual(r.body.balances.map((x) => x.account).sort(), [c.id, d.id].sort());
    const g = await s.api('GET', `/v1/transfers/${res[0].id}`);
    assert.equal(g.status, 200);
    assert.equal(g.body.description, 'independent');
    const f = await s.api('GET', `/v1/transfers/${res[1].id}`);
    expectError(f, 404, 'transfer_not_found');
  });

  test('a chain whose item fails before the ledger (unknown account) fails as a whole', async () => {
    const [a, b] = await pair('10.00');
    const r = await post('/v1/transfers/batch', {
      transfers: [tr(a, b, '1', { linked: true }), tr(a, 'acct_00000000000000000000000001', '1')],
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.results.map((x) => x.error?.code), ['linked_event_failed', 'account_not_found']);
    assert.equal(r.body.journal_seq, null, 'nothing applied');
    assert.deepEqual(r.body.balances, []);
  });

  test('a batch that succeeds entirely', async () => {
    const [a, b] = await pair('100.00');
    const transfers = Array.from({ length: 100 }, () => tr(a, b, '0.50'));
    const r = await post('/v1/transfers/batch', { transfers });
    assert.equal(r.status, 200);
    assert.ok(r.body.results.every((x) => x.status === 'created'));
    assert.equal(new Set(r.body.results.map((x) => x.id)).size, 100);
    assert.equal(bal(r.body.balances, a).current, '50.00');
    assert.equal(bal(r.body.balances, b).current, '50.00');
  });

  test('batch shape errors → 400 for the whole batch', async () => {
    const [a, b] = await pair('10.00');
    let r = await post('/v1/transfers/batch', { transfers: [tr(a, b, '1'), tr(a, b, '1.001')] });
    expectError(r, 400, 'amount_invalid', 'transfers[1].amount');
    r = await post('/v1/transfers/batch', { transfers: [tr(a, b, '1'), { ...tr(a, b, '1'), colour: 'red' }] });
    expectError(r, 400, 'unknown_field', 'transfers[1].colour');
    r = await post('/v1/transfers/batch', { transfers: [tr(a, b, '1'), 7] });
    expectError(r, 400, 'parameter_invalid', 'transfers[1]');
    r = await post('/v1/transfers/batch', { transfers: [] });
    expectError(r, 400, 'parameter_invalid', 'transfers');
    r = await post('/v1/transfers/batch', {});
    expectError(r, 400, 'parameter_missing', 'transfers');
    r = await post('/v1/transfers/batch', { transfers: [tr(a, b, '1')], atomic: true });
    expectError(r, 400, 'unknown_field', 'atomic');
    assert.equal((await s.balances(a.id)).current, '10.00', 'a 400 batch writes nothing');
  });

  test('more than 8190 items → 400 batch_too_large', async () => {
    const [a, b] = await pair('10.00');
    const r = await post('/v1/transfers/batch', { transfers: Array.from({ length: 8191 }, () => tr(a, b, '0.01')) });
    expectError(r, 400, 'batch_too_large', 'transfers');
    assert.equal((await s.balances(a.id)).current, '10.00');
  });

  test('exactly 8190 items are accepted', async () => {
    const [a, b] = await pair('100.00');
    const r = await post('/v1/transfers/batch', { transfers: Array.from({ length: 8190 }, () => tr(a, b, '0.01')) });
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.equal(r.body.results.length, 8190);
    assert.ok(r.body.results.every((x) => x.status === 'created'));
    assert.equal(bal(r.body.balances, a).current, '18.10');
  });

  test('a batch replays idempotently', async () => {
    const [a, b] = await pair('10.00');
    const key = idemKey();
    const body = { transfers: [tr(a, b, '1'), tr(a, b, '2')] };
    const first = await post('/v1/transfers/batch', body, { idem: key });
    const again = await post('/v1/transfers/batch', body, { idem: key });
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.text, first.text);
    assert.equal((await s.balances(a.id)).current, '7.00');
  });
});

describe('sandbox deposits', () => {
  test('deposit credits the account from the settlement account', async () => {
    const a = await s.openAccount('JPY');
    const d = await s.deposit(a.id, '1500', 'JPY');
    assert.equal(d.amount, '1500');
    assert.equal(d.currency, 'JPY');
    assert.equal(d.to_account, a.id);
    assert.equal(d.description, 'sandbox deposit');
    const settlement = d.balances.find((x) => x.account === d.from_account);
    assert.ok(settlement.current.startsWith('-'), 'the settlement account goes negative');
    const acct = await s.api('GET', `/v1/accounts/${d.from_account}`);
    assert.equal(acct.body.type, 'settlement');
    assert.equal((await s.balances(a.id)).current, '1500');
  });

  test('deposit errors', async () => {
    const a = await s.openAccount('EUR');
    let r = await s.api('POST', '/v1/sandbox/deposits', { body: { account: a.id, amount: '1' } });
    expectError(r, 400, 'parameter_missing', 'currency');
    r = await s.api('POST', '/v1/sandbox/deposits', { body: { account: a.id, amount: '-1', currency: 'EUR' } });
    expectError(r, 400, 'amount_invalid', 'amount');
    r = await s.api('POST', '/v1/sandbox/deposits', { body: { account: 'acct_00000000000000000000000001', amount: '1', currency: 'EUR' } });
    expectError(r, 404, 'account_not_found', 'account');
    const d = await s.deposit(a.id, '1');
    r = await s.api('POST', '/v1/sandbox/deposits', { body: { account: d.from_account, amount: '1', currency: 'EUR' } });
    expectError(r, 422, 'account_not_customer', 'account');
  });
});
