// Consents (app-created, authorised on the consent page, enforced on /v1, revoked) and step-up
// authentication (RFC 9470) with a TOTP second factor computed here (RFC 6238).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { ACR_MFA, ACR_PWD, Browser, REDIRECT_URI, client, nextTotp, parseForms, pollUntil, startServer } from './lib.mjs';

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

// An app-created consent for `permissions`, authorised by the customer for `accounts`.
async function consentFlow({ permissions = 'accounts.read balances.read', accounts, browser } = {}) {
  const c = await s.customerWithAccounts();
  const stranger = await s.customerWithAccounts({ name: 'Someone Else' });
  const u = await s.createCustomerUser(c.customer);
  const app = await s.createUserApp();
  const appToken = await s.ccToken(app, 'consents.read consents.write');
  const r = await s.api('POST', '/v1/consents', { key: appToken, body: { permissions } });
  assert.equal(r.status, 201, `POST /v1/consents: ${r.text}`);
  assert.equal(r.body.status, 'awaiting_authorisation', r.text);
  const consent = r.body.id;
  const { tokens } = await s.codeFlow(app, { ...u, browser }, {
    scope: `openid ${permissions}`,
    extra: { consent_id: consent },
    accounts: accounts ?? [c.funded],
  });
  return { c, stranger, u, app, appToken, consent, tokens };
}

describe('consents', () => {
  test('the authorised consent is recorded with the chosen account and bound into the token', async () => {
    const { c, app, appToken, consent, tokens } = await consentFlow();
    await s.verifyAccessToken(tokens.access_token, { client_id: app.client_id, consent, customer: c.customer });
    const r = await s.api('GET', `/v1/consents/${consent}`, { key: appToken });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'authorised', r.text);
    assert.equal(r.body.customer, c.customer);
    assert.deepEqual(r.body.accounts, [c.funded]);
  });

  test("a consent token reads its account (200), not the customer's other account (403) nor another customer's (404)", async () => {
    const { c, stranger, tokens } = await consentFlow();
    let r = await s.api('GET', `/v1/accounts/${c.funded}/balances`, { key: tokens.access_token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.current, '100.00');
    r = await s.api('GET', `/v1/accounts/${c.other}/balances`, { key: tokens.access_token });
    assert.equal(r.status, 403, `unconsented account of the same customer: ${r.text}`);
    r = await s.api('GET', `/v1/accounts/${stranger.funded}/balances`, { key: tokens.access_token });
    assert.equal(r.status, 404, `another customer's account: ${r.text}`);
  });

  test('after POST /v1/consents/{id}/revoke the delegated token gets 401 at once', async () => {
    const { c, appToken, consent, tokens } = await consentFlow();
    const path = `/v1/accounts/${c.funded}/balances`;
    let r = await s.api('GET', path, { key: tokens.access_token });
    assert.equal(r.status, 200, `control: ${r.text}`);
    r = await s.api('POST', `/v1/consents/${consent}/revoke`, { key: appToken });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'revoked', r.text);
    r = await s.api('GET', path, { key: tokens.access_token });
    assert.equal(r.status, 401, r.text);
  });

  test('the customer revokes it on GET /oauth2/consents (POST /oauth2/consents/revoke): the token gets 401', async () => {
    const b = new Browser(s);
    const { c, appToken, consent, tokens } = await consentFlow({ browser: b });
    const path = `/v1/accounts/${c.funded}/balances`;
    let r = await s.api('GET', path, { key: tokens.access_token });
    assert.equal(r.status, 200, `control: ${r.text}`);
    const page = await b.get(new URL('/oauth2/consents', s.url));
    assert.equal(page.status, 200, page.text.slice(0, 300));
    const form = parseForms(page.text).find((f) => f.fields.some((x) => x.name === 'consent' && x.value === consent));
    assert.ok(form, `the consents page lists ${consent} with a revoke form`);
    assert.equal(new URL(form.action, s.url).pathname, '/oauth2/consents/revoke');
    assert.ok(form.fields.some((x) => x.name === 'csrf_token' && x.value), 'the form has a csrf_token');
    const done = await b.submit(page, form);
    assert.ok(done.status === 200 || done.status === 303, `${done.status} ${done.text.slice(0, 300)}`);
    r = await s.api('GET', path, { key: tokens.access_token });
    assert.equal(r.status, 401, r.text);
    r = await s.api('GET', `/v1/consents/${consent}`, { key: appToken });
    assert.equal(r.body.status, 'revoked', r.text);
  });

  test('a consent denied on the consent page is rejected and no code is issued', async () => {
    const c = await s.customerWithAccounts();
    const u = await s.createCustomerUser(c.customer);
    const app = await s.createUserApp();
    const appToken = await s.ccToken(app, 'consents.read consents.write');
    const k = await s.api('POST', '/v1/consents', { key: appToken, body: { permissions: 'accounts.read' } });
    assert.equal(k.status, 201, k.text);
    const config = await s.oidc(app);
    const url = await client.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid accounts.read',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 'st',
      consent_id: k.body.id,
    });
    const cb = await new Browser(s).followLogin(url, { ...u, accounts: [c.funded], decision: 'deny' });
    assert.equal(cb.searchParams.get('error'), 'access_denied', `${cb}`);
    assert.equal(cb.searchParams.get('code'), null);
    const r = await s.api('GET', `/v1/consents/${k.body.id}`, { key: appToken });
    assert.equal(r.body.status, 'rejected', r.text);
  });

  test('past expires_at the consent reads expired and its token gets 401', async () => {
    const c = await s.customerWithAccounts();
    const u = await s.createCustomerUser(c.customer);
    const app = await s.createUserApp();
    const appToken = await s.ccToken(app, 'consents.read consents.write');
    const expiresMs = Date.now() + 8000;
    const k = await s.api('POST', '/v1/consents', {
      key: appToken,
      body: { permissions: 'accounts.read balances.read', expires_at: new Date(expiresMs).toISOString().replace(/\.\d+Z$/, 'Z') },
    });
    assert.equal(k.status, 201, k.text);
    const { tokens } = await s.codeFlow(app, u, {
      scope: 'openid accounts.read balances.read',
      extra: { consent_id: k.body.id },
      accounts: [c.funded],
    });
    const path = `/v1/accounts/${c.funded}/balances`;
    let r = await s.api('GET', path, { key: tokens.access_token });
    assert.equal(r.status, 200, `control, before expires_at: ${r.text}`);
    await pollUntil(async () => (await s.api('GET', path, { key: tokens.access_token })).status === 401, {
      timeoutMs: 20000,
      intervalMs: 250,
      what: 'the consent token to be refused after expires_at',
    });
    assert.ok(Date.now() >= expiresMs - 1000, 'not refused before expires_at');
    r = await s.api('GET', `/v1/consents/${k.body.id}`, { key: appToken });
    assert.equal(r.body.status, 'expired', r.text);
  });

  test("a consent token is limited to the consent's permissions", async () => {
    // The consent grants accounts.read only; the authorization request also asks balances.read.
    const c = await s.customerWithAccounts();
    const u = await s.createCustomerUser(c.customer);
    const app = await s.createUserApp();
    const appToken = await s.ccToken(app, 'consents.read consents.write');
    const k = await s.api('POST', '/v1/consents', { key: appToken, body: { permissions: 'accounts.read' } });
    assert.equal(k.status, 201, k.text);
    let tokens;
    try {
      ({ tokens } = await s.codeFlow(app, u, {
        scope: 'openid accounts.read balances.read',
        extra: { consent_id: k.body.id },
        accounts: [c.funded],
      }));
    } catch (e) {
      // Refusing the wider request outright is fine too.
      assert.ok(e.page || e instanceof client.AuthorizationResponseError || e instanceof client.ResponseBodyError, e.message);
      return;
    }
    let r = await s.api('GET', `/v1/accounts/${c.funded}`, { key: tokens.access_token });
    assert.equal(r.status, 200, r.text);
    r = await s.api('GET', `/v1/accounts/${c.funded}/balances`, { key: tokens.access_token });
    assert.equal(r.status, 403, `balances.read is not in the consent: ${r.text}`);
  });

  test("an account id of another customer injected into the consent form is not shared", async () => {
    const c = await s.customerWithAccounts();
    const stranger = await s.customerWithAccounts({ name: 'Someone Else' });
    const u = await s.createCustomerUser(c.customer);
    const app = await s.createUserApp();
    const appToken = await s.ccToken(app, 'consents.read consents.write');
    const k = await s.api('POST', '/v1/consents', { key: appToken, body: { permissions: 'accounts.read balances.read' } });
    assert.equal(k.status, 201, k.text);
    let tokens;
    try {
      ({ tokens } = await s.codeFlow(app, u, {
        scope: 'openid accounts.read balances.read',
        extra: { consent_id: k.body.id },
        accounts: [c.funded],
        injectAccounts: [stranger.funded],
      }));
    } catch (e) {
      // Refusing the tampered form is fine; it must not be a server error.
      assert.ok(e.page && e.page.status >= 400 && e.page.status < 500, e.message);
      return;
    }
    const r = await s.api('GET', `/v1/accounts/${stranger.funded}/balances`, { key: tokens.access_token });
    assert.equal(r.status, 404, r.text);
    const got = await s.api('GET', `/v1/consents/${k.body.id}`, { key: appToken });
    assert.ok(!got.body.accounts.includes(stranger.funded), got.text);
  });

  test("an app sees only its own consents", async () => {
    const { consent } = await consentFlow();
    const other = await s.createUserApp();
    const otherToken = await s.ccToken(other, 'consents.read');
    const r = await s.api('GET', `/v1/consents/${consent}`, { key: otherToken });
    assert.equal(r.status, 404, r.text);
  });
});

describe('step-up (RFC 9470)', () => {
  test('a password-only token gets 401 insufficient_user_authentication on POST /v1/transfers; with TOTP (acr mfa) the transfer succeeds', async () => {
    const c = await s.customerWithAccounts();
    const u = await s.createCustomerUser(c.customer);
    const secret = await s.enrolTotp(u.id);
    const app = await s.createUserApp();
    const b = new Browser(s);
    const scope = 'openid accounts.read balances.read payments.write';
    const transfer = { from_account: c.funded, to_account: c.other, amount: '1.25', currency: 'EUR' };

    const pwd = await s.codeFlow(app, { ...u, browser: b }, { scope, accounts: [c.funded, c.other] });
    const pwdClaims = await s.verifyAccessToken(pwd.tokens.access_token, { acr: ACR_PWD, sub: u.id });
    assert.ok(pwdClaims.scope.split(' ').includes('payments.write'));
    let r = await s.api('POST', '/v1/transfers', { key: pwd.tokens.access_token, body: transfer });
    assert.equal(r.status, 401, r.text);
    const challenge = r.headers.get('www-authenticate') || '';
    assert.match(challenge, /^Bearer\b/, challenge);
    assert.match(challenge, /error="insufficient_user_authentication"/, challenge);
    assert.match(challenge, /acr_values="urn:corebank:acr:mfa"/, challenge);

    let totpShown = 0;
    const mfa = await s.codeFlow(app, { ...u, browser: b }, {
      scope,
      accounts: [c.funded, c.other],
      extra: { acr_values: ACR_MFA },
      totp: () => {
        totpShown++;
        return nextTotp(secret);
      },
    });
    assert.equal(totpShown, 1, 'the TOTP page was shown once');
    const mfaClaims = await s.verifyAccessToken(mfa.tokens.access_token, { acr: ACR_MFA, sub: u.id });
    assert.ok(mfaClaims.amr.includes('otp'), `amr ${JSON.stringify(mfaClaims.amr)}`);
    await s.verifyIdToken(mfa.tokens.id_token, app.client_id, { acr: ACR_MFA, sub: u.id });

    r = await s.api('POST', '/v1/transfers', { key: mfa.tokens.access_token, body: transfer });
    assert.equal(r.status, 201, r.text);
    const bal = await s.api('GET', `/v1/accounts/${c.other}/balances`);
    assert.equal(bal.body.current, '1.25');
  });

  test('a TOTP code is accepted once', async () => {
    const c = await s.customerWithAccounts();
    const u = await s.createCustomerUser(c.customer);
    const secret = await s.enrolTotp(u.id);
    const app = await s.createUserApp();
    const code = await nextTotp(secret);
    const first = await s.codeFlow(app, u, { accounts: [c.funded], extra: { acr_values: ACR_MFA }, totp: code });
    await s.verifyAccessToken(first.tokens.access_token, { acr: ACR_MFA });
    // A second sign-in (fresh browser) with the same code inside its 30 s window.
    await assert.rejects(s.codeFlow(app, u, { accounts: [c.funded], extra: { acr_values: ACR_MFA }, totp: code }), (e) => {
      assert.ok(e.page, `stopped on a page: ${e.message}`);
      assert.equal(e.page.url.pathname, '/oauth2/mfa', `refused at the TOTP step: ${e.message}`);
      return true;
    });
  });

  test('a wrong TOTP code does not complete the step-up', async () => {
    const c = await s.customerWithAccounts();
    const u = await s.createCustomerUser(c.customer);
    const secret = await s.enrolTotp(u.id);
    const app = await s.createUserApp();
    const good = await nextTotp(secret);
    const wrong = String((Number(good) + 1) % 1_000_000).padStart(6, '0');
    await assert.rejects(
      s.codeFlow(app, u, { accounts: [c.funded], extra: { acr_values: ACR_MFA }, totp: wrong }),
      (e) => {
        // Stopped on a page of ours (the TOTP page again or an error), never at the redirect_uri.
        assert.ok(e.page, `stopped on a page: ${e.message}`);
        assert.equal(e.page.url.pathname, '/oauth2/mfa', `refused at the TOTP step: ${e.message}`);
        assert.notEqual(e.page.status, 500, e.message);
        return true;
      },
    );
  });
});
