// Fees on external payments (ADR 0019): a tenant admin sets a fee per rail and currency to
// one of the tenant's own accounts; each external payment then reserves its fee with the
// payment as a linked ledger transfer, through the real server and the real scheme process:
// posted when the scheme settles, voided when it rejects, kept on a return, and never half
// made (a payer short of amount + fee pays neither). Bad schedules change nothing. Every
// answer is validated against api/openapi.yaml.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { expectError, startServer } from './lib.mjs';
import { startScheme } from './scheme.mjs';

const PAYEE_IBAN = 'DE89370400440532013000';

let scheme;
let s;
let payer;
let feeAccount;
before(async () => {
  scheme = await startScheme(['--delay-ms', '20']);
  s = await startServer({ env: { COREBANK_SCHEME_URL: scheme.url } });
  payer = (await s.createKey('operator')).secret;
  feeAccount = (await s.openAccount('EUR')).id;
});
after(async () => {
  if (s) await s.stop();
  if (scheme) await scheme.stop();
});

async function funded(amount) {
  const a = await s.openAccount('EUR');
  await s.deposit(a.id, amount);
  return a.id;
}

function pay(from, name, amount) {
  return s.api('POST', '/v1/payments', {
    key: payer,
    body: { from_account: from, to: { iban: PAYEE_IBAN, name }, amount, currency: 'EUR', rail: 'sepa' },
  });
}

async function available(account) {
  return (await s.balances(account)).available;
}

function until(id, done) {
  return s.until(`/v1/payments/${id}`, done, { timeoutMs: 10000 });
}
const final = (p) => ['settled', 'rejected', 'failed', 'returned', 'cancelled'].includes(p.status);

describe('fees on external payments', () => {
  test('set, read back, and survive a kill -9', async () => {
    const none = await s.api('GET', '/v1/payment_fees');
    assert.equal(none.status, 200, none.text);
    assert.deepEqual(none.body, { object: 'payment_fee_schedule', fees: [], updated_at: null });
    const fees = [
      { rail: 'sepa', currency: 'EUR', amount: '0.50', account: feeAccount },
      { rail: 'swift', currency: 'EUR', amount: '15.00', account: feeAccount },
    ];
    const r = await s.api('PUT', '/v1/payment_fees', { body: { fees } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.fees, fees);
    assert.ok(r.body.updated_at);
    await s.crashAndRestart();
    const g = await s.api('GET', '/v1/payment_fees', { key: payer });
    assert.deepEqual(g.body, r.body);
  });

  test('settled: the fee is reserved with the payment and posted with it', async () => {
    const from = await funded('100.00');
    const before = await available(feeAccount);
    const r = await pay(from, 'Max Muster', '25.00');
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.fee, { amount: '0.50', currency: 'EUR', account: feeAccount, transfer: r.body.fee.transfer });
    assert.match(r.body.fee.transfer, /^tr_/);
    assert.equal(await available(from), '74.50', 'amount and fee reserved together');
    // A client can neither post nor void the fee's reservation around the payment.
    expectError(await s.api('POST', `/v1/transfers/${r.body.fee.transfer}/void`, { key: payer }), 404, 'transfer_not_found');
    const p = await until(r.body.id, final);
    assert.equal(p.status, 'settled', JSON.stringify(p.history));
    assert.equal(await available(from), '74.50');
    assert.equal(await available(feeAccount), addCents(before, 50));
    assert.deepEqual((await s.api('GET', `/v1/payments/${r.body.id}`)).body.fee, r.body.fee);
    // The fee account's own payments carry no fee: it would pay itself.
    await s.deposit(feeAccount, '10.00');
    const own = await pay(feeAccount, 'Max Muster', '1.00');
    assert.equal(own.status, 201, own.text);
    assert.equal(own.body.fee, null);
  });

  test('rejected by the scheme: the fee is voided with the payment', async () => {
    const from = await funded('100.00');
    const before = await available(feeAccount);
    const r = await pay(from, 'REJECT AC04 Closed Account', '25.00');
    const p = await until(r.body.id, final);
    assert.equal(p.status, 'rejected', JSON.stringify(p.history));
    assert.equal(await available(from), '100.00');
    assert.equal(await available(feeAccount), before);
  });

  test('returned: the amount comes back, the fee does not', async () => {
    const from = await funded('100.00');
    const before = await available(feeAccount);
    const r = await pay(from, 'RETURN AC04 Gone Away', '30.00');
    const p = await until(r.body.id, (x) => x.status === 'returned');
    assert.equal(p.status, 'returned');
    assert.equal(await available(from), '99.50');
    assert.equal(await available(feeAccount), addCents(before, 50));
  });

  test('a payer short of amount + fee pays neither', async () => {
    const from = await funded('25.20');
    const before = await available(feeAccount);
    const r = await pay(from, 'Max Muster', '25.00');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.status, 'rejected');
    assert.equal(r.body.status_reason.code, 'insufficient_funds');
    assert.equal(await available(from), '25.20');
    assert.equal(await available(feeAccount), before);
  });

  test('a frozen fee account refuses the payment whole, naming the set-up', async () => {
    const frozen = await s.openAccount('EUR');
    const put = await s.api('PUT', '/v1/payment_fees', { body: { fees: [{ rail: 'sepa', currency: 'EUR', amount: '0.50', account: frozen.id }] } });
    assert.equal(put.status, 200, put.text);
    const f = await s.api('POST', `/v1/accounts/${frozen.id}/freeze`);
    assert.equal(f.status, 200, f.text);
    // Set again now it is frozen: refused, naming the field.
    expectError(await s.api('PUT', '/v1/payment_fees', { body: { fees: [{ rail: 'sepa', currency: 'EUR', amount: '0.50', account: frozen.id }] } }), 422, 'fee_account_unavailable', 'fees[0].account');
    const from = await funded('100.00');
    expectError(await pay(from, 'Max Muster', '1.00'), 422, 'fee_account_unavailable', 'rail');
    assert.equal(await available(from), '100.00');
    assert.deepEqual((await s.api('GET', `/v1/payments?account=${from}`)).body.data, []);
    // Back to the fee account for the other tests.
    const back = await s.api('PUT', '/v1/payment_fees', { body: { fees: [{ rail: 'sepa', currency: 'EUR', amount: '0.50', account: feeAccount }] } });
    assert.equal(back.status, 200, back.text);
  });

  test('bad schedules change nothing', async () => {
    const was = (await s.api('GET', '/v1/payment_fees')).body;
    const gbp = await s.openAccount('GBP');
    const other = await s.createTenant('fees-other');
    const theirs = await s.openAccount('EUR', {}, { key: other.admin_api_key.secret });
    const fee = (x) => ({ rail: 'sepa', currency: 'EUR', amount: '0.50', account: feeAccount, ...x });
    const cases = [
      [{}, 400, 'parameter_missing', 'fees'],
      [{ fees: 'all' }, 400, 'parameter_invalid', 'fees'],
      [{ fees: [fee({ rail: 'internal' })] }, 400, 'parameter_invalid', 'fees[0].rail'],
      [{ fees: [fee({ rail: 'carrier_pigeon' })] }, 400, 'parameter_invalid', 'fees[0].rail'],
      [{ fees: [fee({ amount: '0.00' })] }, 400, 'amount_invalid', 'fees[0].amount'],
      [{ fees: [fee({ amount: '0.001' })] }, 400, 'amount_invalid', 'fees[0].amount'],
      [{ fees: [fee({ amount: 1 })] }, 400, 'parameter_invalid', 'fees[0].amount'],
      [{ fees: [fee({ currency: 'XXY' })] }, 400, 'currency_unknown', 'fees[0].currency'],
      [{ fees: [fee({ account: 'nope' })] }, 400, 'parameter_invalid', 'fees[0].account'],
      [{ fees: [fee({ extra: 1 })] }, 400, 'unknown_field', 'fees[0].extra'],
      [{ fees: [fee(), fee({ amount: '0.70' })] }, 400, 'parameter_invalid', 'fees[1].rail'],
      [{ fees: Array.from({ length: 33 }, () => fee()) }, 400, 'parameter_invalid', 'fees'],
      [{ fees: [fee({ account: theirs.id })] }, 404, 'account_not_found', 'fees[0].account'],
      [{ fees: [fee({ account: gbp.id })] }, 422, 'currency_mismatch', 'fees[0].currency'],
    ];
    for (const [body, status, code, param] of cases) {
      expectError(await s.api('PUT', '/v1/payment_fees', { body }), status, code, param);
    }
    // Only an admin sets fees; an operator (who pays) reads them.
    expectError(await s.api('PUT', '/v1/payment_fees', { key: payer, body: { fees: [] } }), 403, 'insufficient_permissions');
    assert.deepEqual((await s.api('GET', '/v1/payment_fees')).body, was);
    // Another tenant sees its own (empty) schedule.
    const mine = await s.api('GET', '/v1/payment_fees', { key: other.admin_api_key.secret });
    assert.deepEqual(mine.body.fees, []);
  });
});

// "12.34" + cents, exact (no floating point near money).
function addCents(amount, cents) {
  const [units, frac] = amount.split('.');
  const total = BigInt(units) * 100n + BigInt(frac) + BigInt(cents);
  return `${total / 100n}.${String(total % 100n).padStart(2, '0')}`;
}
