// Step-up asked by the risk policy (issue 14, ADR 0017): "step-up -> MFA -> success" with the
// real binary and real clients. The edge's blanket step-up is off (COREBANK_STEP_UP_PAYMENTS=0),
// so the default bundle decides: a customer's app payment from the `app_mfa_eur` limit up gets
// 401 insufficient_user_authentication (RFC 9470) and is not recorded under its
// Idempotency-Key; after a TOTP sign-in the same request with the same key executes, and a
// replay answers the same bytes. Every answer of s.api() is validated against
// api/openapi.yaml (startServer's `contract`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { ACR_MFA, ACR_PWD, Browser, idemKey, nextTotp, startServer } from './lib.mjs';

// The step-up limit of the default bundle (the one a fresh server activates), read from the
// bundle itself so the amounts below stay on the right side of it.
const LIMITS = readFileSync(new URL('../../policies/default/limits.toml', import.meta.url), 'utf8');
const STEP_UP_LIMIT = 'app_mfa_eur';

function limitBlock(name) {
  const block = LIMITS.split('[[limit]]').find((b) => new RegExp(`^name = "${name}"$`, 'm').test(b));
  assert.ok(block, `policies/default/limits.toml has no limit ${name}`);
  const field = (k) => block.match(new RegExp(`^${k} = "([^"]*)"$`, 'm'))?.[1];
  return { action: field('action'), reason: field('reason'), currency: field('currency'), perTransaction: field('per_transaction') };
}

// Decimal strings with two places as integer cents (no floating point near money).
const cents = (a) => {
  assert.match(a, /^-?\d+\.\d{2}$/, `amount ${a}`);
  return BigInt(a.replace('.', ''));
};
const decimal = (c) => {
  const neg = c < 0n;
  const v = (neg ? -c : c).toString().padStart(3, '0');
  return `${neg ? '-' : ''}${v.slice(0, -2)}.${v.slice(-2)}`;
};

let s;
before(async () => {
  s = await startServer({ env: { COREBANK_STEP_UP_PAYMENTS: '0' }, contract: true });
});
after(async () => s && (await s.stop()));

async function balance(account) {
  const r = await s.api('GET', `/v1/accounts/${account}/balances`);
  assert.equal(r.status, 200, r.text);
  return cents(r.body.current);
}

async function decision(id) {
  // The root admin key holds risk.read.
  const r = await s.api('GET', `/v1/decisions/${id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.id, id, r.text);
  return r.body;
}

const SCOPE = 'openid accounts.read balances.read payments.write';

// The payer: a verified customer (KYC tier 2: its hold limits are far above the amounts here)
// with a funded account and a user with TOTP; the payee: another customer of the tenant.
async function payerAndPayee() {
  const payer = await s.customerWithAccounts();
  const payee = await s.customerWithAccounts({ name: 'Grace Hopper' });
  const r = await s.api('POST', `/v1/customers/${payer.customer}`, { body: { kyc_tier: 2 } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.kyc_tier, 2, r.text);
  await s.deposit(payer.funded, '900.00');
  const u = await s.createCustomerUser(payer.customer);
  const secret = await s.enrolTotp(u.id);
  const app = await s.createUserApp();
  return { payer, payee, u, secret, app, b: new Browser(s) };
}

describe('risk step-up (RFC 9470) -> MFA -> success', () => {
  test('a password-only token paying above the app step-up limit gets 401; after TOTP the same request and key pays once', async () => {
    const limit = limitBlock(STEP_UP_LIMIT);
    assert.equal(limit.action, 'step_up', `${STEP_UP_LIMIT} asks for step-up`);
    assert.equal(limit.currency, 'EUR');
    const amount = '300.00';
    assert.ok(cents(amount) > cents(limit.perTransaction), `${amount} is above ${STEP_UP_LIMIT} (${limit.perTransaction})`);

    const { payer, payee, u, secret, app, b } = await payerAndPayee();
    const pwd = await s.codeFlow(app, { ...u, browser: b }, { scope: SCOPE, accounts: [payer.funded] });
    const pwdClaims = await s.verifyAccessToken(pwd.tokens.access_token, { acr: ACR_PWD, sub: u.id });
    assert.ok(pwdClaims.scope.split(' ').includes('payments.write'), pwdClaims.scope);

    // Control: below the limit the password-only token pays, so the edge's blanket step-up is
    // off and the 401 below is the policy's.
    const small = { from_account: payer.funded, to_account: payee.funded, amount: '10.00', currency: 'EUR' };
    let r = await s.api('POST', '/v1/transfers', { key: pwd.tokens.access_token, body: small });
    assert.equal(r.status, 201, `below ${STEP_UP_LIMIT}: ${r.text}`);
    assert.equal((await decision(r.body.decision)).outcome, 'allow');

    const payerBefore = await balance(payer.funded);
    const payeeBefore = await balance(payee.funded);
    const K = idemKey();
    const transfer = { from_account: payer.funded, to_account: payee.funded, amount, currency: 'EUR' };

    // 1. Password only: the policy asks for the second factor.
    const refused = await s.api('POST', '/v1/transfers', { key: pwd.tokens.access_token, body: transfer, idem: K });
    assert.equal(refused.status, 401, refused.text);
    const err = refused.body.error;
    assert.equal(err.code, 'insufficient_user_authentication', refused.text);
    assert.equal(err.type, 'authentication_error', refused.text);
    assert.match(err.decision ?? '', /^dec_[0-9A-HJKMNP-TV-Z]{26}$/, refused.text);
    // The step-up limit and nothing else (no KYC-tier hold, no AML rule).
    assert.deepEqual(err.reasons, [limit.reason], refused.text);
    const challenge = refused.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer\b/, challenge);
    assert.match(challenge, /error="insufficient_user_authentication"/, challenge);
    assert.match(challenge, /acr_values="urn:corebank:acr:mfa"/, challenge);
    assert.equal(refused.headers.get('idempotent-replayed'), null, 'not a replay');

    const stepUp = await decision(err.decision);
    assert.equal(stepUp.outcome, 'step_up', JSON.stringify(stepUp));
    assert.equal(stepUp.disposition, 'refused', JSON.stringify(stepUp));
    assert.equal(stepUp.operation, 'transfer');
    assert.equal(stepUp.amount, amount);
    assert.equal(stepUp.currency, 'EUR');
    assert.deepEqual(stepUp.reasons, err.reasons);
    assert.deepEqual(stepUp.rules_fired, [`${STEP_UP_LIMIT}.per_transaction`], JSON.stringify(stepUp));
    assert.equal(stepUp.case, null);
    r = await s.api('GET', `/v1/transfers/${stepUp.transfer}`);
    assert.equal(r.status, 404, `no transfer under the refused decision: ${r.text}`);
    assert.equal(await balance(payer.funded), payerBefore, 'nothing left the payer');
    assert.equal(await balance(payee.funded), payeeBefore, 'nothing reached the payee');

    // The 401 is not recorded under K: the same token and key is decided again. (A recorded
    // 401 would come back as a replay: Idempotent-Replayed, the same decision and bytes. The
    // MFA token below shares K's record space too: records are per user, app and customer.)
    const refusedAgain = await s.api('POST', '/v1/transfers', { key: pwd.tokens.access_token, body: transfer, idem: K });
    assert.equal(refusedAgain.status, 401, refusedAgain.text);
    assert.equal(refusedAgain.headers.get('idempotent-replayed'), null, 'decided again, not replayed');
    assert.equal(refusedAgain.body.error.code, 'insufficient_user_authentication', refusedAgain.text);
    assert.notEqual(refusedAgain.body.error.decision, err.decision, 'a decision of its own');
    const stepUpAgain = await decision(refusedAgain.body.error.decision);
    assert.equal(stepUpAgain.outcome, 'step_up');
    assert.equal(stepUpAgain.disposition, 'refused');
    assert.match(refusedAgain.headers.get('www-authenticate') ?? '', /error="insufficient_user_authentication"/);
    assert.equal(await balance(payer.funded), payerBefore, 'still nothing left the payer');

    // 2. The user signs in again with the second factor (acr mfa).
    let totpShown = 0;
    const mfa = await s.codeFlow(app, { ...u, browser: b }, {
      scope: SCOPE,
      accounts: [payer.funded],
      extra: { acr_values: ACR_MFA },
      totp: () => {
        totpShown++;
        return nextTotp(secret);
      },
    });
    assert.equal(totpShown, 1, 'the TOTP page was shown once');
    const mfaClaims = await s.verifyAccessToken(mfa.tokens.access_token, { acr: ACR_MFA, sub: u.id });
    assert.ok(mfaClaims.amr.includes('otp'), `amr ${JSON.stringify(mfaClaims.amr)}`);

    // 3. The same request with the same key executes: the 401 was not recorded under K.
    const paid = await s.api('POST', '/v1/transfers', { key: mfa.tokens.access_token, body: transfer, idem: K });
    assert.equal(paid.status, 201, paid.text);
    assert.equal(paid.headers.get('idempotent-replayed'), null, 'executed, not replayed');
    assert.equal(paid.body.amount, amount);
    assert.equal(paid.body.from_account, payer.funded);
    assert.equal(paid.body.to_account, payee.funded);
    assert.equal(paid.body.status, 'posted', paid.text);
    assert.match(paid.body.decision ?? '', /^dec_/, paid.text);
    assert.notEqual(paid.body.decision, err.decision, 'a new decision, not the refused one');
    const allowed = await decision(paid.body.decision);
    assert.equal(allowed.outcome, 'allow', JSON.stringify(allowed));
    assert.equal(allowed.disposition, 'executed', JSON.stringify(allowed));
    assert.equal(allowed.transfer, paid.body.id);
    assert.equal(allowed.amount, amount);
    // The bundle's step_up_satisfied_by_mfa turns the step-up into allow and keeps its reasons
    // (docs/policy-bundles.md, "Evaluation" 5): the same verdict, now at MFA.
    assert.deepEqual(allowed.reasons, stepUp.reasons, JSON.stringify(allowed));
    assert.deepEqual(allowed.rules_fired, stepUp.rules_fired, JSON.stringify(allowed));
    // The refused decision is unchanged by the retry.
    assert.deepEqual(await decision(err.decision), stepUp);

    const payerAfter = await balance(payer.funded);
    const payeeAfter = await balance(payee.funded);
    assert.equal(decimal(payerAfter), decimal(payerBefore - cents(amount)), 'the payer paid once');
    assert.equal(decimal(payeeAfter), decimal(payeeBefore + cents(amount)), 'the payee got it once');
    const inBody = Object.fromEntries(paid.body.balances.map((x) => [x.account, x.current]));
    assert.equal(inBody[payer.funded], decimal(payerAfter), paid.text);
    assert.equal(inBody[payee.funded], decimal(payeeAfter), paid.text);

    // 4. A replay answers the recorded bytes and moves nothing.
    const replay = await s.api('POST', '/v1/transfers', { key: mfa.tokens.access_token, body: transfer, idem: K });
    assert.equal(replay.status, 201, replay.text);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(replay.text, paid.text, 'the same bytes');
    assert.equal(await balance(payer.funded), payerAfter);
    assert.equal(await balance(payee.funded), payeeAfter);
  });

  // A second sign-in mints a new consent. Idempotency-Key records were per user *and
  // consent*, so after a new sign-in the same request with the same key ran again: a client
  // whose 201 was lost and whose user signed in again paid twice. Records are now per user,
  // app and customer (kernel::CallerScope).
  test('after a new sign-in, the same request with the same key is a replay, not a second payment', async () => {
    const { payer, payee, u, secret, app, b } = await payerAndPayee();
    const signIn = () => s.codeFlow(app, { ...u, browser: b }, { scope: SCOPE, accounts: [payer.funded], extra: { acr_values: ACR_MFA }, totp: () => nextTotp(secret) });
    const K = idemKey();
    const transfer = { from_account: payer.funded, to_account: payee.funded, amount: '20.00', currency: 'EUR' };
    const first = await signIn();
    const paid = await s.api('POST', '/v1/transfers', { key: first.tokens.access_token, body: transfer, idem: K });
    assert.equal(paid.status, 201, paid.text);
    const payerAfter = await balance(payer.funded);
    const second = await signIn();
    const retry = await s.api('POST', '/v1/transfers', { key: second.tokens.access_token, body: transfer, idem: K });
    assert.equal(retry.status, 201, retry.text);
    assert.equal(decimal(await balance(payer.funded)), decimal(payerAfter), 'paid once');
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(retry.text, paid.text);
  });
});
