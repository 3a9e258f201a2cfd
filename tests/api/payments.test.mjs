// The payments orchestrator (src/modules/payments, ADR 0019) through the real binary:
// internal payments by account and by alias, confirmation of payee, the status machine and
// its history in the answer and the event feed, risk deny / hold -> approve / reject on a
// payment, refusals that change nothing (bad IBANs, amounts, rails, payees), tenant
// isolation, lists, and payments surviving a kill -9. Every answer is validated against
// api/openapi.yaml by lib.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { expectError, idemKey, startServer } from './lib.mjs';

// Amounts choose the outcome (docs/policy-bundles.md): >= 5000.00 denied, >= 1000.00 held.
const MANIFEST = `name = "payments_test"
version = 2
on_rule_error = "hold"
hold_timeout_s = 600

[[rule]]
name = "deny_big"
file = "rules/r.lua"
reads = []
score = 10

[[rule]]
name = "hold_mid"
file = "rules/r.lua"
reads = []
score = 10
`;
const RULES = `function deny_big(x)
  if x.amount_minor >= 500000 then return "deny:too_big" end
  return "allow"
end
function hold_mid(x)
  if x.amount_minor >= 100000 then return "hold:review_amount" end
  return "allow"
end
`;

let s;
let payer; // the operator key that pays (the requester of every hold)
let analyst; // another operator key, made before any payment: the four-eyes approver
before(async () => {
  s = await startServer();
  const r = await s.api('POST', '/v1/policies', { body: { files: { 'manifest.toml': MANIFEST, 'rules/r.lua': RULES } } });
  assert.equal(r.status, 201, r.text);
  payer = (await s.createKey('operator')).secret;
  analyst = (await s.createKey('operator')).secret;
});
after(async () => s && (await s.stop()));

let aliasSeq = 0;
// A funded payer and a payee named `payeeName` with a fresh phone alias.
async function pair({ funds = '10000.00', payeeName = 'Jane Doe', currency = 'EUR' } = {}) {
  const from = await s.openAccount(currency);
  if (funds) await s.deposit(from.id, funds, currency);
  const customer = await s.createCustomer({ name: payeeName });
  const alias = `+4477009${String(++aliasSeq).padStart(5, '0')}`;
  const to = await s.openAccount(currency, { customer: customer.id, aliases: [alias] });
  return { from: from.id, to: to.id, alias };
}

function pay(body, opts = {}) {
  return s.api('POST', '/v1/payments', { body: { currency: 'EUR', ...body }, key: payer, ...opts });
}

// The feed's events about one object, in journal order.
async function eventsOf(id) {
  const mine = [];
  for (let after = 0; ;) {
    const page = await s.api('GET', `/v1/events?after=${after}&limit=100`);
    assert.equal(page.status, 200, page.text);
    for (const e of page.body.data) if (e.data.id === id) mine.push(e);
    if (page.body.data.length < 100) return mine;
    after = page.body.last_seq;
  }
}

async function available(account) {
  return (await s.balances(account)).available;
}

describe('internal payments', () => {
  test('by account: settled at once, the money moved, history and feed carry each transition, a replay pays once', async () => {
    const p = await pair();
    const key = idemKey();
    const body = { from_account: p.from, to: { account: p.to }, amount: '12.50', reference: 'Dinner' };
    const r = await pay(body, { idem: key });
    assert.equal(r.status, 201, r.text);
    assert.match(r.body.id, /^pay_/);
    assert.equal(r.body.status, 'settled');
    assert.equal(r.body.rail, 'internal');
    assert.equal(r.body.to.type, 'account');
    assert.equal(r.body.to.account, p.to);
    assert.equal(r.body.amount, '12.50');
    assert.equal(r.body.reference, 'Dinner');
    assert.equal(r.body.end_to_end_id, r.body.id.slice(4), 'the default end-to-end id is the payment id');
    assert.match(r.body.transfer, /^tr_/);
    assert.match(r.body.decision, /^dec_/);
    assert.equal(r.body.status_reason, null);
    assert.deepEqual(r.body.history.map((h) => h.status), ['created', 'settled']);
    assert.equal(await available(p.from), '9987.50');
    assert.equal(await available(p.to), '12.50');
    // The ledger transfer is the payment's, with its reference.
    const t = await s.api('GET', `/v1/transfers/${r.body.transfer}`);
    assert.equal(t.status, 200, t.text);
    assert.equal(t.body.amount, '12.50');
    assert.equal(t.body.description, 'Dinner');
    // A replay answers the same bytes and pays nothing more.
    const again = await pay(body, { idem: key });
    assert.equal(again.status, 201);
    assert.equal(again.text, r.text);
    assert.equal(await available(p.from), '9987.50');
    // GET answers the same payment.
    const g = await s.api('GET', `/v1/payments/${r.body.id}`);
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(g.body, r.body);
    // The feed has payment.created then payment.settled, in journal order.
    const mine = await eventsOf(r.body.id);
    assert.deepEqual(mine.map((e) => e.type), ['payment.created', 'payment.settled']);
    assert.equal(mine[1].data.previous_status, 'created');
  });

  test('by alias with confirmation of payee: match, close match (with the real name), no match', async () => {
    const p = await pair({ payeeName: 'Jane Alice Doe' });
    const cases = [
      ['Jane Alice Doe', 'match', null],
      ['J A Doe', 'close_match', 'Jane Alice Doe'],
      ['Doe Jane Alice', 'close_match', 'Jane Alice Doe'],
      ['John Smith', 'no_match', null],
    ];
    for (const [name, result, real] of cases) {
      const r = await pay({ from_account: p.from, to: { alias: p.alias, name }, amount: '1.00' });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.status, 'settled', 'confirmation of payee is advisory');
      assert.equal(r.body.to.type, 'alias');
      assert.equal(r.body.to.alias, p.alias);
      assert.equal(r.body.to.account, p.to, 'the alias resolved to its account');
      assert.deepEqual(r.body.confirmation_of_payee, { result, name: real }, name);
    }
    // Without a name, no check.
    const r = await pay({ from_account: p.from, to: { alias: p.alias }, amount: '1.00' });
    assert.equal(r.body.confirmation_of_payee, null);
    assert.equal(await available(p.to), '5.00');
  });

  test('insufficient funds: a rejected payment with its reason, nothing moved', async () => {
    const p = await pair({ funds: '5.00' });
    const r = await pay({ from_account: p.from, to: { account: p.to }, amount: '5.01' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.status, 'rejected');
    assert.equal(r.body.status_reason.code, 'insufficient_funds');
    assert.deepEqual(r.body.history.map((h) => [h.status, h.reason_code]), [['created', null], ['rejected', 'insufficient_funds']]);
    assert.equal(await available(p.from), '5.00');
    assert.equal(await available(p.to), '0.00');
    expectError(await s.api('GET', `/v1/transfers/${r.body.transfer}`), 404, 'transfer_not_found');
  });

  test('cancel: a settled payment cannot be cancelled', async () => {
    const p = await pair();
    const r = await pay({ from_account: p.from, to: { account: p.to }, amount: '1.00' });
    expectError(await s.api('POST', `/v1/payments/${r.body.id}/cancel`, { key: payer }), 409, 'payment_not_cancellable');
    assert.equal((await s.api('GET', `/v1/payments/${r.body.id}`)).body.status, 'settled');
  });
});

describe('risk on payments', () => {
  test('deny: a rejected payment naming the decision and its reasons; nothing moved', async () => {
    const p = await pair();
    const r = await pay({ from_account: p.from, to: { account: p.to }, amount: '6000.00' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.status, 'rejected');
    assert.equal(r.body.status_reason.code, 'risk_denied');
    assert.match(r.body.status_reason.message, /too_big/);
    const d = await s.api('GET', `/v1/decisions/${r.body.decision}`);
    assert.equal(d.body.outcome, 'deny');
    assert.equal(await available(p.from), '10000.00');
  });

  test('hold -> approve: 202 held with the funds reserved, the analyst approves, the payment settles', async () => {
    const p = await pair();
    const r = await pay({ from_account: p.from, to: { account: p.to }, amount: '1500.00' });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.status, 'held');
    assert.equal(r.body.status_reason.code, 'risk_review');
    assert.equal(await available(p.from), '8500.00');
    assert.equal(await available(p.to), '0.00');
    expectError(await s.api('POST', `/v1/payments/${r.body.id}/cancel`, { key: payer }), 409, 'payment_not_cancellable');
    const d = (await s.api('GET', `/v1/decisions/${r.body.decision}`)).body;
    expectError(await s.api('POST', `/v1/cases/${d.case}/approve`, { key: payer }), 403, 'four_eyes_required');
    const a = await s.api('POST', `/v1/cases/${d.case}/approve`, { key: analyst });
    assert.equal(a.status, 200, a.text);
    const g = await s.api('GET', `/v1/payments/${r.body.id}`);
    assert.equal(g.body.status, 'settled');
    assert.deepEqual(g.body.history.map((h) => h.status), ['created', 'held', 'settled']);
    assert.equal(await available(p.to), '1500.00');
  });

  test('hold -> reject: the payment is rejected and the reservation voided', async () => {
    const p = await pair();
    const r = await pay({ from_account: p.from, to: { alias: p.alias }, amount: '2000.00' });
    assert.equal(r.status, 202, r.text);
    const d = (await s.api('GET', `/v1/decisions/${r.body.decision}`)).body;
    const x = await s.api('POST', `/v1/cases/${d.case}/reject`, { key: analyst });
    assert.equal(x.status, 200, x.text);
    const g = await s.api('GET', `/v1/payments/${r.body.id}`);
    assert.equal(g.body.status, 'rejected');
    assert.equal(g.body.status_reason.code, 'risk_review_rejected');
    assert.equal(await available(p.from), '10000.00');
    assert.equal(await available(p.to), '0.00');
  });
});

describe('bad input changes nothing', () => {
  test('each refusal names its field', async () => {
    const p = await pair();
    const base = { from_account: p.from, to: { account: p.to }, amount: '1.00' };
    const cases = [
      [{ ...base, to: { iban: 'DE89370400440532013000', name: ' . ' } }, 400, 'parameter_invalid', 'to.name'], // names nobody
      [{ ...base, to: { iban: 'DE89370400440532013001', name: 'X' } }, 400, 'iban_invalid', 'to.iban'], // check digits
      [{ ...base, to: { iban: 'DE8937040044053201300', name: 'X' } }, 400, 'iban_invalid', 'to.iban'], // length
      [{ ...base, to: { iban: 'XX89370400440532013000', name: 'X' } }, 400, 'iban_invalid', 'to.iban'], // country
      [{ ...base, to: { iban: 'DE89370400440532013000' } }, 400, 'parameter_missing', 'to.name'],
      [{ ...base, to: { account: p.to, alias: p.alias } }, 400, 'parameter_invalid', 'to'],
      [{ ...base, to: {} }, 400, 'parameter_invalid', 'to'],
      [{ ...base, to: { sort_code: '12345', account_number: '12345678', name: 'X' } }, 400, 'parameter_invalid', 'to.sort_code'],
      [{ ...base, to: { sort_code: '12-34-56', account_number: '1234', name: 'X' } }, 400, 'parameter_invalid', 'to.account_number'],
      [{ ...base, to: { iban: 'DE89370400440532013000', name: 'X', bic: 'nope' } }, 400, 'parameter_invalid', 'to.bic'],
      [{ ...base, amount: '1.001' }, 400, 'amount_invalid', 'amount'],
      [{ ...base, amount: '0.00' }, 400, 'amount_invalid', 'amount'],
      [{ ...base, amount: '-1.00' }, 400, 'amount_invalid', 'amount'],
      [{ ...base, amount: '1e3' }, 400, 'amount_invalid', 'amount'],
      [{ ...base, currency: 'XYZ' }, 400, 'currency_unknown', 'currency'],
      [{ ...base, rail: 'fps' }, 400, 'rail_invalid', 'rail'],
      [{ ...base, rail: 'carrier_pigeon' }, 400, 'parameter_invalid', 'rail'],
      [{ ...base, reference: 'x'.repeat(141) }, 400, 'string_too_long', 'reference'],
      [{ ...base, reference: 'emoji \u{1F600}' }, 400, 'parameter_invalid', 'reference'],
      [{ ...base, end_to_end_id: 'a//b' }, 400, 'parameter_invalid', 'end_to_end_id'],
      [{ ...base, scheduled_at: 'soon' }, 400, 'unknown_field', 'scheduled_at'],
      [{ ...base, to: { account: p.from } }, 400, 'same_account', 'to.account'],
      [{ ...base, to: { alias: '+440000000000' } }, 404, 'account_not_found', 'to.alias'],
      [{ ...base, to: { iban: 'DE89 3704 0044 0532 0130 00', name: 'Max Muster' } }, 422, 'rail_unavailable', 'to'],
      [{ ...base, currency: 'GBP', to: { sort_code: '40-47-84', account_number: '70872490', name: 'Sam Smith' } }, 422, 'rail_unavailable', 'to'],
      [{ ...base, to: { sort_code: '40-47-84', account_number: '70872490', name: 'Sam Smith' } }, 400, 'rail_invalid', 'rail'], // UK accounts take GBP
      [{ ...base, currency: 'USD', to: { iban: 'DE89370400440532013000', name: 'Max Muster' } }, 400, 'parameter_missing', 'to.bic'], // swift needs a BIC
      [{ ...base, rail: 'sepa_instant', amount: '100000.01', to: { iban: 'DE89370400440532013000', name: 'Max Muster' } }, 400, 'rail_invalid', 'rail'],
      [{ ...base, rail: 'fps', to: { iban: 'DE89370400440532013000', name: 'Max Muster' } }, 400, 'rail_invalid', 'rail'],
    ];
    for (const [body, status, code, param] of cases) {
      expectError(await pay(body), status, code, param);
    }
    const usd = await s.openAccount('USD');
    expectError(await pay({ ...base, to: { account: usd.id } }), 422, 'currency_mismatch');
    assert.equal(await available(p.from), '10000.00');
    const list = await s.api('GET', `/v1/payments?account=${p.from}`);
    assert.deepEqual(list.body.data, [], 'no refusal made a payment');
  });

  test("another tenant's accounts and payments are not there", async () => {
    const p = await pair();
    const mine = await pay({ from_account: p.from, to: { account: p.to }, amount: '1.00' });
    const other = await s.createTenant('payments-other');
    const key = other.admin_api_key.secret;
    expectError(await s.api('GET', `/v1/payments/${mine.body.id}`, { key }), 404, 'payment_not_found');
    const theirs = await s.openAccount('EUR', {}, { key });
    await s.deposit(theirs.id, '10.00', 'EUR', { key });
    // Paying into this tenant's account, or out of it, from the other tenant.
    expectError(await s.api('POST', '/v1/payments', { key, body: { from_account: theirs.id, to: { account: p.to }, amount: '1.00', currency: 'EUR' } }), 404, 'account_not_found', 'to.account');
    expectError(await s.api('POST', '/v1/payments', { key, body: { from_account: p.from, to: { account: theirs.id }, amount: '1.00', currency: 'EUR' } }), 404, 'account_not_found', 'from_account');
    expectError(await s.api('POST', '/v1/payments', { key, body: { from_account: theirs.id, to: { alias: p.alias }, amount: '1.00', currency: 'EUR' } }), 404, 'account_not_found', 'to.alias');
    const list = await s.api('GET', '/v1/payments', { key });
    assert.deepEqual(list.body.data, []);
    expectError(await s.api('POST', `/v1/payments/${mine.body.id}/cancel`, { key }), 404, 'payment_not_found');
  });

  test('a read-only key may read but not pay', async () => {
    const p = await pair();
    const ro = (await s.createKey('read_only')).secret;
    expectError(await s.api('POST', '/v1/payments', { key: ro, body: { from_account: p.from, to: { account: p.to }, amount: '1.00', currency: 'EUR' } }), 403, 'insufficient_permissions');
    const list = await s.api('GET', '/v1/payments?limit=1', { key: ro });
    assert.equal(list.status, 200, list.text);
  });
});

describe('lists and durability', () => {
  test('filters by account and status, pages newest first with a cursor', async () => {
    const p = await pair({ funds: '100.00' });
    const made = [];
    for (const amount of ['1.00', '2.00', '3.00', '500.00']) {
      made.push((await pay({ from_account: p.from, to: { account: p.to }, amount })).body);
    }
    assert.deepEqual(made.map((x) => x.status), ['settled', 'settled', 'settled', 'rejected']);
    const all = await s.api('GET', `/v1/payments?account=${p.to}`);
    assert.deepEqual(all.body.data.map((x) => x.id), made.map((x) => x.id).reverse());
    const rejected = await s.api('GET', `/v1/payments?account=${p.from}&status=rejected`);
    assert.deepEqual(rejected.body.data.map((x) => x.id), [made[3].id]);
    const page1 = await s.api('GET', `/v1/payments?account=${p.from}&limit=3`);
    assert.equal(page1.body.has_more, true);
    assert.deepEqual(page1.body.data.map((x) => x.amount), ['500.00', '3.00', '2.00']);
    const page2 = await s.api('GET', `/v1/payments?account=${p.from}&limit=3&cursor=${page1.body.next_cursor}`);
    assert.deepEqual(page2.body.data.map((x) => x.amount), ['1.00']);
    const future = await s.api('GET', `/v1/payments?account=${p.from}&from=2100-01-01T00:00:00Z`);
    assert.deepEqual(future.body.data, []);
    expectError(await s.api('GET', '/v1/payments?status=lost'), 400, 'parameter_invalid', 'status');
    expectError(await s.api('GET', '/v1/payments?cursor=zz'), 400, 'cursor_invalid', 'cursor');
  });

  test('payments in every state survive a kill -9 exactly as they were', async () => {
    const p = await pair();
    const settled = (await pay({ from_account: p.from, to: { account: p.to }, amount: '3.00' })).body;
    const held = (await pay({ from_account: p.from, to: { account: p.to }, amount: '1200.00' })).body;
    const rejected = (await pay({ from_account: p.from, to: { account: p.to }, amount: '7000.00' })).body;
    assert.deepEqual([settled.status, held.status, rejected.status], ['settled', 'held', 'rejected']);
    await s.crashAndRestart();
    for (const x of [settled, held, rejected]) {
      const g = await s.api('GET', `/v1/payments/${x.id}`);
      assert.equal(g.status, 200, g.text);
      assert.deepEqual(g.body, x);
    }
    assert.equal(await available(p.from), '8797.00');
    // The held one is still decided by its case after the restart.
    const d = (await s.api('GET', `/v1/decisions/${held.decision}`)).body;
    const a = await s.api('POST', `/v1/cases/${d.case}/approve`, { key: analyst });
    assert.equal(a.status, 200, a.text);
    assert.equal((await s.api('GET', `/v1/payments/${held.id}`)).body.status, 'settled');
    assert.equal(await available(p.to), '1203.00');
  });
});

describe('standing orders', () => {
  test('a scheduled payment fires exactly once, across a kill -9 before and after it', async () => {
    const p = await pair();
    const start = new Date(Date.now() + 1500).toISOString();
    const r = await s.api('POST', '/v1/standing_orders', {
      key: payer,
      body: { from_account: p.from, to: { account: p.to }, amount: '7.00', currency: 'EUR', reference: 'Pocket money', frequency: 'once', start_at: start },
    });
    assert.equal(r.status, 201, r.text);
    assert.match(r.body.id, /^so_/);
    assert.equal(r.body.status, 'active');
    assert.equal(Date.parse(r.body.next_run_at), Date.parse(start));
    await s.crashAndRestart(); // before it is due
    const done = await s.until(`/v1/standing_orders/${r.body.id}`, (o) => o.status === 'completed');
    assert.equal(done.occurrences, 1);
    assert.equal(done.next_run_at, null);
    const pay = await s.api('GET', `/v1/payments/${done.last_payment}`);
    assert.equal(pay.body.status, 'settled');
    assert.equal(pay.body.reference, 'Pocket money');
    await s.crashAndRestart(); // after: nothing fires again
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(await available(p.to), '7.00');
    const list = await s.api('GET', `/v1/payments?account=${p.to}`);
    assert.equal(list.body.data.length, 1);
  });

  test('a monthly order on the 31st: next run, pause, resume, cancel', async () => {
    const p = await pair();
    // The next month with a 31st, at 10:00 UTC (within a year of any date).
    const now = new Date();
    let y = now.getUTCFullYear();
    let m = now.getUTCMonth();
    let start;
    for (let i = 0; i < 13; i++) {
      const d = new Date(Date.UTC(y, m, 31, 10));
      if (d.getUTCDate() === 31 && d > now) {
        start = d;
        break;
      }
      m++;
      if (m === 12) { m = 0; y++; }
    }
    const r = await s.api('POST', '/v1/standing_orders', {
      key: payer,
      body: { from_account: p.from, to: { alias: p.alias }, amount: '100.00', currency: 'EUR', frequency: 'monthly', day_of_month: 31, start_at: start.toISOString(), count: 12 },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.day_of_month, 31);
    assert.equal(r.body.count, 12);
    assert.equal(r.body.to.account, p.to, 'the alias resolved when the order was made');
    assert.equal(Date.parse(r.body.next_run_at), start.getTime());
    const paused = await s.api('POST', `/v1/standing_orders/${r.body.id}/pause`, { key: payer });
    assert.equal(paused.body.status, 'paused');
    assert.equal(paused.body.next_run_at, null);
    expectError(await s.api('POST', `/v1/standing_orders/${r.body.id}/pause`, { key: payer }), 409, 'standing_order_state');
    const resumed = await s.api('POST', `/v1/standing_orders/${r.body.id}/resume`, { key: payer });
    assert.equal(resumed.body.status, 'active');
    assert.equal(Date.parse(resumed.body.next_run_at), start.getTime());
    const cancelled = await s.api('POST', `/v1/standing_orders/${r.body.id}/cancel`, { key: payer });
    assert.equal(cancelled.body.status, 'cancelled');
    const other = await s.createTenant('orders-other');
    expectError(await s.api('GET', `/v1/standing_orders/${r.body.id}`, { key: other.admin_api_key.secret }), 404, 'standing_order_not_found');
    const list = await s.api('GET', '/v1/standing_orders?limit=100', { key: payer });
    assert.ok(list.body.data.some((o) => o.id === r.body.id));
  });

  test('bad schedules change nothing', async () => {
    const p = await pair();
    const base = { from_account: p.from, to: { account: p.to }, amount: '1.00', currency: 'EUR' };
    const soon = new Date(Date.now() + 3600e3).toISOString();
    const cases = [
      [{ ...base, frequency: 'once', start_at: new Date(Date.now() - 3600e3).toISOString() }, 422, 'schedule_invalid', 'start_at'],
      [{ ...base, frequency: 'once', start_at: new Date(Date.now() + 400 * 86400e3).toISOString() }, 422, 'schedule_invalid', 'start_at'],
      [{ ...base, frequency: 'daily', start_at: soon, end_at: new Date(Date.now() + 60e3).toISOString() }, 422, 'schedule_invalid', 'end_at'],
      [{ ...base, frequency: 'daily', start_at: soon, day_of_month: 3 }, 400, 'parameter_invalid', 'day_of_month'],
      [{ ...base, frequency: 'once', start_at: soon, count: 2 }, 400, 'parameter_invalid', 'count'],
      [{ ...base, frequency: 'hourly', start_at: soon }, 400, 'parameter_invalid', 'frequency'],
      [{ ...base, frequency: 'once', start_at: 'tomorrow' }, 400, 'parameter_invalid', 'start_at'],
      [{ ...base, frequency: 'monthly', start_at: soon, day_of_month: 32 }, 400, 'parameter_invalid', 'day_of_month'],
      [{ ...base, to: { alias: '+449999999999' }, frequency: 'once', start_at: soon }, 404, 'account_not_found', 'to.alias'],
    ];
    for (const [body, status, code, param] of cases) {
      expectError(await s.api('POST', '/v1/standing_orders', { key: payer, body }), status, code, param);
    }
  });
});

describe('scheduled payments (scheduled_for)', () => {
  test('waits as created with nothing moved, pays once when due, across a kill -9 before and after', async () => {
    const p = await pair({ funds: '50.00' });
    const at = new Date(Date.now() + 1500).toISOString();
    const r = await pay({ from_account: p.from, to: { alias: p.alias, name: 'Jane Doe' }, amount: '12.34', reference: 'Rent', scheduled_for: at });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.status, 'created');
    assert.equal(Date.parse(r.body.scheduled_for), Date.parse(at));
    assert.equal(r.body.decision, null);
    assert.equal(r.body.confirmation_of_payee.result, 'match');
    assert.equal(r.body.to.account, p.to, 'the alias resolved when it was scheduled');
    assert.equal(await available(p.from), '50.00', 'nothing reserved while it waits');
    const waiting = await s.api('GET', `/v1/payments?account=${p.from}&status=created`);
    assert.deepEqual(waiting.body.data.map((x) => x.id), [r.body.id]);
    await s.crashAndRestart(); // before it is due
    const done = await s.until(`/v1/payments/${r.body.id}`, (x) => x.status !== 'created');
    assert.equal(done.status, 'settled', JSON.stringify(done));
    assert.deepEqual(done.history.map((h) => h.status), ['created', 'settled']);
    assert.match(done.decision, /^dec_/, 'the risk decision is made when it falls due');
    assert.equal(await available(p.from), '37.66');
    assert.equal(await available(p.to), '12.34');
    await s.crashAndRestart(); // after: it never pays again
    await new Promise((res) => setTimeout(res, 500));
    assert.deepEqual((await s.api('GET', `/v1/payments/${r.body.id}`)).body, done);
    assert.equal(await available(p.to), '12.34');
    assert.deepEqual((await eventsOf(r.body.id)).map((e) => e.type), ['payment.created', 'payment.settled']);
  });

  test('cancel before it is due: cancelled, the timer dropped, nothing ever moves; then 409', async () => {
    const p = await pair({ funds: '20.00' });
    const r = await pay({ from_account: p.from, to: { account: p.to }, amount: '5.00', scheduled_for: new Date(Date.now() + 1500).toISOString() });
    assert.equal(r.body.status, 'created', r.text);
    const other = await s.createTenant('scheduled-other');
    expectError(await s.api('POST', `/v1/payments/${r.body.id}/cancel`, { key: other.admin_api_key.secret }), 404, 'payment_not_found');
    const c = await s.api('POST', `/v1/payments/${r.body.id}/cancel`, { key: payer });
    assert.equal(c.status, 200, c.text);
    assert.equal(c.body.status, 'cancelled');
    assert.deepEqual(c.body.history.map((h) => [h.status, h.reason_code]), [['created', null], ['cancelled', 'cancelled']]);
    expectError(await s.api('POST', `/v1/payments/${r.body.id}/cancel`, { key: payer }), 409, 'payment_not_cancellable');
    await new Promise((res) => setTimeout(res, 2500)); // past when it was due
    await s.crashAndRestart();
    assert.deepEqual((await s.api('GET', `/v1/payments/${r.body.id}`)).body, c.body);
    assert.equal(await available(p.from), '20.00');
    assert.equal(await available(p.to), '0.00');
    assert.deepEqual((await eventsOf(r.body.id)).map((e) => e.type), ['payment.created', 'payment.cancelled']);
  });

  test('refused when it falls due: rejected with the reason (funds, risk), nothing moved', async () => {
    const p = await pair({ funds: '5.00' });
    const soon = () => new Date(Date.now() + 800).toISOString();
    const poor = await pay({ from_account: p.from, to: { account: p.to }, amount: '6.00', scheduled_for: soon() });
    await s.deposit(p.from, '9000.00');
    const denied = await pay({ from_account: p.from, to: { account: p.to }, amount: '7000.00', scheduled_for: soon() });
    assert.deepEqual([poor.status, denied.status], [201, 201], poor.text + denied.text);
    await s.deposit(p.from, '1.00'); // 9006.00 when they fall due
    const a = await s.until(`/v1/payments/${poor.body.id}`, (x) => x.status !== 'created');
    const b = await s.until(`/v1/payments/${denied.body.id}`, (x) => x.status !== 'created');
    // The balance when it fell due decides: 6.00 is there by then.
    assert.equal(a.status, 'settled', JSON.stringify(a));
    assert.equal(b.status, 'rejected', JSON.stringify(b));
    assert.equal(b.status_reason.code, 'risk_denied');
    assert.match(b.decision, /^dec_/);
    assert.equal(await available(p.from), '9000.00');
    const poorer = await pair({ funds: '1.00' });
    const c = await pay({ from_account: poorer.from, to: { account: poorer.to }, amount: '2.00', scheduled_for: soon() });
    const cd = await s.until(`/v1/payments/${c.body.id}`, (x) => x.status !== 'created');
    assert.deepEqual([cd.status, cd.status_reason.code], ['rejected', 'insufficient_funds']);
    assert.equal(await available(poorer.from), '1.00');
  });

  test('bad scheduled_for changes nothing', async () => {
    const p = await pair();
    const base = { from_account: p.from, to: { account: p.to }, amount: '1.00' };
    const cases = [
      [{ ...base, scheduled_for: new Date(Date.now() - 3600e3).toISOString() }, 422, 'schedule_invalid', 'scheduled_for'],
      [{ ...base, scheduled_for: new Date(Date.now() + 400 * 86400e3).toISOString() }, 422, 'schedule_invalid', 'scheduled_for'],
      [{ ...base, scheduled_for: 'tomorrow' }, 400, 'parameter_invalid', 'scheduled_for'],
      [{ ...base, scheduled_for: 17 }, 400, 'parameter_invalid', 'scheduled_for'],
      [{ ...base, scheduled_for: '' }, 400, 'parameter_invalid', 'scheduled_for'],
      [{ ...base, scheduled_for: '2554-07-21T23:34:33.709551615Z' }, 422, 'schedule_invalid', 'scheduled_for'],
      [{ ...base, currency: 'GBP', scheduled_for: new Date(Date.now() + 3600e3).toISOString() }, 422, 'currency_mismatch', 'currency'],
    ];
    for (const [body, status, code, param] of cases) {
      expectError(await pay(body), status, code, param);
    }
    const list = await s.api('GET', `/v1/payments?account=${p.from}`);
    assert.deepEqual(list.body.data, []);
  });
});

describe('bulk payouts', () => {
  async function settledBatch(id) {
    const deadline = Date.now() + 15000;
    for (;;) {
      const g = await s.api('GET', `/v1/payment_batches/${id}`);
      assert.equal(g.status, 200, g.text);
      if (g.body.status === 'processed') return g.body;
      if (Date.now() > deadline) assert.fail(g.text);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test('JSON items: a bad row is reported by index and field, the rest are paid once', async () => {
    const p = await pair({ funds: '100.00' });
    const items = [
      { to: { account: p.to }, amount: '1.00', currency: 'EUR', reference: 'row 0' },
      { to: { alias: p.alias }, amount: '2.00', currency: 'EUR' },
      { to: { iban: 'DE89370400440532013001', name: 'Bad Check' }, amount: '3.00', currency: 'EUR' },
      { to: { account: p.to }, amount: '4.001', currency: 'EUR' },
      { to: { account: p.to }, amount: '500.00', currency: 'EUR' }, // no funds: a rejected payment
      { to: { account: p.to }, amount: '1.00', currency: 'GBP' }, // valid here, refused when made
    ];
    const r = await s.api('POST', '/v1/payment_batches', { key: payer, body: { from_account: p.from, items } });
    assert.equal(r.status, 202, r.text);
    assert.match(r.body.id, /^pbt_/);
    const b = await settledBatch(r.body.id);
    assert.deepEqual(b.items.map((x) => x.status), ['settled', 'settled', 'invalid', 'invalid', 'rejected', 'not_made']);
    assert.equal(b.items[2].error.code, 'iban_invalid');
    assert.equal(b.items[2].error.param, 'items[2].to.iban');
    assert.equal(b.items[3].error.param, 'items[3].amount');
    // A row the platform refused when its payment was made says why.
    assert.equal(b.items[5].payment, null);
    assert.equal(b.items[5].error.code, 'currency_mismatch', JSON.stringify(b.items[5]));
    assert.deepEqual(b.summary, { items: 6, settled: 2, invalid: 2, rejected: 1, not_made: 1 });
    assert.equal(await available(p.from), '97.00');
    const one = await s.api('GET', `/v1/payments/${b.items[0].payment}`);
    assert.equal(one.body.reference, 'row 0');
    // Across a kill -9 nothing is paid again.
    await s.crashAndRestart();
    const again = await s.api('GET', `/v1/payment_batches/${r.body.id}`);
    assert.deepEqual(again.body, b);
    assert.equal(await available(p.from), '97.00');
  });

  test('CSV: refused lines named by line number; all_or_nothing refuses the whole file', async () => {
    const p = await pair({ funds: '100.00' });
    const csv = `alias,name,amount,currency,reference\n${p.alias},Jane Doe,1.50,EUR,csv one\n${p.alias},Jane Doe,abc,EUR,bad amount\n"${p.alias}","Doe, Jane",2.50,EUR,"quoted, fine"\n`;
    const r = await s.api('POST', '/v1/payment_batches', { key: payer, body: { from_account: p.from, csv } });
    assert.equal(r.status, 202, r.text);
    const b = await settledBatch(r.body.id);
    assert.deepEqual(b.items.map((x) => [x.line, x.status]), [[2, 'settled'], [3, 'invalid'], [4, 'settled']]);
    assert.match(b.items[1].error.message, /^line 3: amount/);
    assert.equal(await available(p.to), '4.00');
    const strict = await s.api('POST', '/v1/payment_batches', { key: payer, body: { from_account: p.from, csv, all_or_nothing: true } });
    expectError(strict, 400, 'amount_invalid');
    assert.match(strict.body.error.message, /line 3/);
    assert.equal(await available(p.to), '4.00', 'all_or_nothing made nothing');
    expectError(await s.api('POST', '/v1/payment_batches', { key: payer, body: { from_account: p.from, csv: 'colour,amount\nred,1.00\n' } }), 400, 'parameter_invalid', 'csv');
    expectError(await s.api('POST', '/v1/payment_batches', { key: payer, body: { from_account: p.from } }), 400, 'parameter_invalid', 'items');
    // A row with an unknown key of any length is a refused row, bounded; the server stays up.
    const odd = await s.api('POST', '/v1/payment_batches', { key: payer, body: { from_account: p.from, items: [{ to: { account: p.to }, amount: '1.00', currency: 'EUR', ['k'.repeat(5000)]: 1 }] } });
    assert.equal(odd.status, 202, odd.text);
    assert.equal(odd.body.items[0].status, 'invalid');
    assert.ok(odd.body.items[0].error.param.length <= 128);
    const other = await s.createTenant('batch-other');
    expectError(await s.api('GET', `/v1/payment_batches/${r.body.id}`, { key: other.admin_api_key.secret }), 404, 'payment_batch_not_found');
  });
});
