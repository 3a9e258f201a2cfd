// GET /v1/events: the tenant's journal events, in order, tenant-filtered, paged by seq.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { TRACE_RE, expectError, newTraceparent, startServer } from './lib.mjs';

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

async function allEvents(key, from = 0) {
  const out = [];
  let afterSeq = from;
  for (let i = 0; i < 1000; i++) {
    const r = await s.api('GET', `/v1/events?after=${afterSeq}&limit=100`, { key });
    assert.equal(r.status, 200, r.text);
    out.push(...r.body.data);
    assert.ok(r.body.last_seq >= afterSeq);
    if (!r.body.has_more) break;
    afterSeq = r.body.last_seq;
  }
  return out;
}

describe('events', () => {
  test('writes appear as typed events, in order', async () => {
    const start = (await s.api('GET', '/v1/events?limit=100')).body;
    const from = start.has_more ? 0 : start.last_seq;
    const a = await s.openAccount('EUR', { aliases: ['ev@x.example'] });
    const b = await s.openAccount('EUR');
    await s.api('POST', `/v1/customers/${a.customer}`, { body: { kyc_tier: 2 } });
    const d = await s.deposit(a.id, '10');
    const t = await s.api('POST', '/v1/transfers', {
      body: { from_account: a.id, to_account: b.id, amount: '1', currency: 'EUR', description: 'memo', pending: true },
    });
    await s.api('POST', `/v1/transfers/${t.body.id}/post`);
    await s.api('POST', `/v1/accounts/${b.id}/freeze`);
    const events = await allEvents(undefined, from);
    const seqs = events.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'ordered by seq');
    assert.equal(new Set(seqs).size, seqs.length);
    assert.ok(seqs.every((q) => q > from));
    const types = events.map((e) => e.type);
    for (const ty of ['customer.created', 'customer.updated', 'account.opened', 'ledger_account.created', 'transfer.created', 'transfer.annotated', 'account.status_changed']) {
      assert.ok(types.includes(ty), `${ty} in ${types.join(',')}`);
    }
    const opened = events.find((e) => e.type === 'account.opened' && e.data.id === a.id);
    assert.deepEqual(opened.data.aliases, ['ev@x.example']);
    const upd = events.find((e) => e.type === 'customer.updated');
    assert.deepEqual(upd.data, { id: a.customer, kyc_tier: 2 });
    const dep = events.find((e) => e.type === 'transfer.created' && e.data.id === d.id);
    assert.equal(dep.data.amount, '10.00');
    const post = events.find((e) => e.type === 'transfer.created' && e.data.pending_transfer === t.body.id);
    assert.ok(post, 'the post record is an event with pending_transfer');
    const frozen = events.find((e) => e.type === 'account.status_changed');
    assert.deepEqual(frozen.data, { id: b.id, status: 'frozen' });
  });

  test('paging: limit, next_cursor, last_seq', async () => {
    const first = await s.api('GET', '/v1/events?limit=2');
    assert.equal(first.status, 200);
    assert.equal(first.body.data.length, 2);
    assert.equal(first.body.has_more, true);
    assert.equal(first.body.next_cursor, String(first.body.last_seq));
    const next = await s.api('GET', `/v1/events?limit=2&cursor=${first.body.next_cursor}`);
    assert.equal(next.status, 200);
    assert.ok(next.body.data[0].seq > first.body.data[1].seq);
    const viaAfter = await s.api('GET', `/v1/events?limit=2&after=${first.body.last_seq}`);
    assert.deepEqual(viaAfter.body, next.body);
  });

  test('another tenant sees none of these events', async () => {
    const t = await s.createTenant('events-other');
    const key = t.admin_api_key.secret;
    const mine = await allEvents(undefined, 0);
    const theirs = await allEvents(key, 0);
    const mineSeqs = new Set(mine.map((e) => e.seq));
    assert.ok(theirs.every((e) => !mineSeqs.has(e.seq)));
    const c = await s.createCustomer({ name: 'Theirs' }, { key });
    const after = await allEvents(key, 0);
    assert.ok(after.some((e) => e.type === 'customer.created' && e.data.id === c.id));
    assert.ok(!(await allEvents(undefined, 0)).some((e) => e.data.id === c.id));
  });

  test('errors', async () => {
    let r = await s.api('GET', '/v1/events?limit=0');
    expectError(r, 400, 'limit_invalid', 'limit');
    r = await s.api('GET', '/v1/events?after=x');
    expectError(r, 400, 'parameter_invalid', 'after');
    r = await s.api('GET', '/v1/events?since=1');
    expectError(r, 400, 'unknown_field', 'since');
    r = await s.api('GET', '/v1/events', { key: null });
    expectError(r, 401, 'authentication_required');
    const ro = await s.createKey('read_only');
    r = await s.api('GET', '/v1/events?limit=1', { key: ro.secret });
    assert.equal(r.status, 200);
  });

  test('error trace_id is the request\'s trace id', async () => {
    const tp = newTraceparent();
    const r = await s.api('GET', '/v1/events?limit=0', { headers: { traceparent: tp } });
    expectError(r, 400, 'limit_invalid');
    assert.equal(r.body.error.trace_id, tp.split('-')[1]);
  });

  test('without a traceparent, error trace_id is the trace id the answer\'s traceparent starts',
    async () => {
      const r = await s.api('GET', '/v1/events?limit=0');
      expectError(r, 400, 'limit_invalid');
      assert.equal(r.body.error.trace_id, r.headers.get('traceparent').match(TRACE_RE)[1]);
    });
});
