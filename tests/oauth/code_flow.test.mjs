// Authorization code flow with PKCE (S256), pushed authorization requests, the login and
// consent pages, ID tokens and userinfo: openid-client for the protocol, jose for the tokens.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { ACR_PWD, Browser, REDIRECT_URI, USER_APP_SCOPE, apiScopes, client, parseForms, scopeSet, startServer } from './lib.mjs';

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

// A fresh customer (two EUR accounts), its user and an app, per test.
async function setup() {
  const c = await s.customerWithAccounts();
  const u = await s.createCustomerUser(c.customer);
  const app = await s.createUserApp();
  return { c, u, app };
}

async function pkceParams(extra = {}) {
  const verifier = client.randomPKCECodeVerifier();
  return {
    verifier,
    params: {
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid accounts.read',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: client.randomState(),
      ...extra,
    },
  };
}

describe('pushed authorization requests', () => {
  test('POST /oauth2/par → 201 {request_uri, expires_in: 90}', async () => {
    const { app } = await setup();
    const { params } = await pkceParams();
    const r = await s.form('/oauth2/par', { client_id: app.client_id, ...params }, {
      auth: { id: app.client_id, secret: app.client_secret },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(typeof r.body.request_uri, 'string', r.text);
    assert.ok(r.body.request_uri.length > 0);
    assert.equal(r.body.expires_in, 90, r.text);
  });

  test('PAR needs client authentication → 401 invalid_client', async () => {
    const { app } = await setup();
    const { params } = await pkceParams();
    const r = await s.form('/oauth2/par', { client_id: app.client_id, ...params }, {
      auth: { id: app.client_id, secret: 'not-the-secret' },
    });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.error, 'invalid_client', r.text);
  });
});

describe('apps', () => {
  test('an app may list OIDC scopes (openid, offline_access) beside its API scopes', async () => {
    // docs/oauth.md: POST /v1/apps takes `scope`; nothing says OIDC scopes are refused, and
    // RFC 7591 `scope` is every value the client may request, openid included.
    const r = await s.api('POST', '/v1/apps', {
      body: {
        name: 'oidc scopes',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'openid offline_access accounts.read',
        token_endpoint_auth_method: 'client_secret_basic',
      },
    });
    assert.equal(r.status, 201, r.text);
  });
});

describe('authorization code + PKCE', () => {
  test('PAR + login + consent + code: verified access token and ID token with the user claims', async () => {
    const { c, u, app } = await setup();
    const { tokens, callback, nonce } = await s.codeFlow(app, u, { accounts: [c.funded] });
    // RFC 9207: the authorization response names the issuer.
    assert.equal(callback.searchParams.get('iss'), s.issuer, `callback ${callback}`);
    assert.ok(callback.href.startsWith(REDIRECT_URI + '?'), `callback ${callback}`);

    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');
    const at = await s.verifyAccessToken(tokens.access_token, {
      client_id: app.client_id,
      sub: u.id,
      tenant: s.tenantId,
      customer: c.customer,
      acr: ACR_PWD,
    });
    // Every API scope asked for is granted, nothing more (OIDC scopes may be left out of the AT).
    assert.deepEqual(apiScopes(at.scope), apiScopes(USER_APP_SCOPE), `scope ${at.scope}`);
    for (const x of scopeSet(at.scope)) assert.ok(scopeSet(USER_APP_SCOPE).includes(x), `${x} was not asked for`);
    assert.ok(Array.isArray(at.amr) && at.amr.includes('pwd'), `amr ${JSON.stringify(at.amr)}`);
    assert.equal(typeof at.auth_time, 'number');
    assert.ok(at.auth_time <= at.iat, 'auth_time not after iat');
    assert.equal(typeof at.grant, 'string', 'grant claim');

    assert.ok(tokens.id_token, 'openid scope gives an ID token');
    const id = await s.verifyIdToken(tokens.id_token, app.client_id, {
      sub: u.id,
      nonce,
      acr: ACR_PWD,
      azp: app.client_id,
    });
    assert.equal(typeof id.auth_time, 'number');
    assert.equal(typeof id.sid, 'string', 'sid');
    assert.ok(Array.isArray(id.amr) && id.amr.includes('pwd'));
    // openid-client's own view of the ID token agrees.
    assert.equal(tokens.claims().sub, u.id);

    const r = await s.api('GET', `/v1/accounts/${c.funded}/balances`, { key: tokens.access_token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.current, '100.00');
  });

  test('plain query parameters (no PAR) complete the flow too', async () => {
    const { c, u, app } = await setup();
    const { tokens } = await s.codeFlow(app, u, { accounts: [c.funded], par: false });
    await s.verifyAccessToken(tokens.access_token, { client_id: app.client_id, sub: u.id });
    await s.verifyIdToken(tokens.id_token, app.client_id, { sub: u.id });
  });

  test('authorize → 303 to the login page, cb_bsid is HttpOnly SameSite=Lax, the form has request and csrf_token', async () => {
    const { app } = await setup();
    const config = await s.oidc(app);
    const { params } = await pkceParams();
    const url = await client.buildAuthorizationUrlWithPAR(config, params);
    const b = new Browser(s);
    const r = await b.get(url);
    assert.equal(r.status, 303, r.text.slice(0, 300));
    const loc = new URL(r.headers.get('location'), s.url);
    assert.equal(loc.origin, new URL(s.url).origin);
    assert.equal(loc.pathname, '/oauth2/login');
    assert.ok(loc.searchParams.get('request'), `login URL carries request: ${loc}`);
    const bsid = b.jar.get('cb_bsid');
    assert.ok(bsid, `cb_bsid set: ${JSON.stringify([...b.jar.cookies.keys()])}`);
    assert.ok(bsid.attrs.includes('httponly'), bsid.raw);
    assert.ok(bsid.attrs.includes('samesite=lax'), bsid.raw);
    const page = await b.get(loc);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') || '', /^text\/html/);
    const [form] = parseForms(page.text);
    assert.ok(form, 'login page has a form');
    const byName = Object.fromEntries(form.fields.map((f) => [f.name, f]));
    assert.equal(byName.request?.type, 'hidden');
    assert.equal(byName.request.value, loc.searchParams.get('request'));
    assert.equal(byName.csrf_token?.type, 'hidden');
    assert.ok(byName.csrf_token.value.length >= 16, 'a real CSRF token');
    assert.ok(byName.username && byName.password, 'username and password fields');
    assert.equal(byName.password.type, 'password');
  });

  test('a wrong password answers 401 with the login page again', async () => {
    const { u, app } = await setup();
    const config = await s.oidc(app);
    const { params } = await pkceParams();
    const b = new Browser(s);
    const first = await b.get(await client.buildAuthorizationUrlWithPAR(config, params));
    const page = await b.get(new URL(first.headers.get('location'), s.url));
    const [form] = parseForms(page.text);
    const r = await b.submit(page, form, { username: u.username, password: u.password + 'x' });
    assert.equal(r.status, 401, r.text.slice(0, 300));
    const again = parseForms(r.text);
    assert.ok(again.some((f) => f.fields.some((x) => x.name === 'password')), 'the login form again');
  });

  test('a bad CSRF token on the login form → 403', async () => {
    const { u, app } = await setup();
    const config = await s.oidc(app);
    const { params } = await pkceParams();
    const b = new Browser(s);
    const first = await b.get(await client.buildAuthorizationUrlWithPAR(config, params));
    const page = await b.get(new URL(first.headers.get('location'), s.url));
    const [form] = parseForms(page.text);
    const csrf = form.fields.find((f) => f.name === 'csrf_token').value;
    const tampered = (csrf[0] === 'A' ? 'B' : 'A') + csrf.slice(1);
    let r = await b.submit(page, form, { username: u.username, password: u.password, csrf_token: tampered });
    assert.equal(r.status, 403, r.text.slice(0, 300));
    // The token of this request does not verify for another request of the same browser.
    const { params: other } = await pkceParams();
    const second = await b.get(await client.buildAuthorizationUrlWithPAR(config, other));
    const otherRequest = new URL(second.headers.get('location'), s.url).searchParams.get('request');
    assert.notEqual(otherRequest, form.fields.find((f) => f.name === 'request').value);
    r = await b.submit(page, form, { username: u.username, password: u.password, request: otherRequest });
    assert.equal(r.status, 403, `CSRF token of another request: ${r.text.slice(0, 300)}`);
    // Without the binding cookie the (untampered) token does not verify either.
    const cookieless = new Browser(s);
    r = await cookieless.submit(page, form, { username: u.username, password: u.password });
    assert.equal(r.status, 403, r.text.slice(0, 300));
  });

  test('the customer denies on the consent page → redirect with error=access_denied and the state', async () => {
    const { c, u, app } = await setup();
    const config = await s.oidc(app);
    const { params } = await pkceParams();
    const b = new Browser(s);
    const cb = await b.followLogin(await client.buildAuthorizationUrlWithPAR(config, params), {
      ...u,
      accounts: [c.funded],
      decision: 'deny',
    });
    assert.ok(cb.href.startsWith(REDIRECT_URI), `${cb}`);
    assert.equal(cb.searchParams.get('error'), 'access_denied', `${cb}`);
    assert.equal(cb.searchParams.get('state'), params.state);
    assert.equal(cb.searchParams.get('code'), null);
    assert.equal(cb.searchParams.get('iss'), s.issuer, 'RFC 9207: iss on error responses too');
  });

  test('a live session skips the login page; prompt=login asks for the password again', async () => {
    const { c, u, app } = await setup();
    const b = new Browser(s);
    await s.codeFlow(app, { ...u, browser: b }, { accounts: [c.funded] });
    const config = await s.oidc(app);

    let { params } = await pkceParams();
    let r = await b.get(await client.buildAuthorizationUrlWithPAR(config, params));
    assert.equal(r.status, 303);
    assert.equal(new URL(r.headers.get('location'), s.url).pathname, '/oauth2/consent', 'straight to consent');

    ({ params } = await pkceParams({ prompt: 'login' }));
    r = await b.get(await client.buildAuthorizationUrlWithPAR(config, params));
    assert.equal(r.status, 303);
    assert.equal(new URL(r.headers.get('location'), s.url).pathname, '/oauth2/login', 'prompt=login shows the login page');
  });
});

describe('max_age', () => {
  test('max_age=0 (= prompt=login, OIDC Core §3.1.2.1) asks for the password again despite a live session', async () => {
    const { c, u, app } = await setup();
    const b = new Browser(s);
    await s.codeFlow(app, { ...u, browser: b }, { accounts: [c.funded] });
    const config = await s.oidc(app);
    const { params } = await pkceParams({ max_age: '0' });
    const r = await b.get(await client.buildAuthorizationUrlWithPAR(config, params));
    assert.equal(r.status, 303);
    assert.equal(new URL(r.headers.get('location'), s.url).pathname, '/oauth2/login', 'max_age=0 shows the login page');
  });
});

describe('staff users', () => {
  test("a staff user's token carries only the scopes of the user's roles (support: no payments.write)", async () => {
    const c = await s.customerWithAccounts();
    const app = await s.createUserApp();
    const username = 'staff-' + randomBytes(6).toString('hex');
    const password = 'pw-' + randomBytes(12).toString('base64url');
    const r = await s.api('POST', '/v1/users', { body: { username, password, kind: 'staff', roles: ['support'] } });
    assert.equal(r.status, 201, r.text);
    const { tokens } = await s.codeFlow(app, { username, password }, { scope: 'openid accounts.read payments.write' });
    const claims = await s.verifyAccessToken(tokens.access_token, { sub: r.body.id });
    assert.deepEqual(apiScopes(claims.scope), ['accounts.read'], `scope ${claims.scope}`);
    // RFC 6749 §5.1: a granted scope different from the requested one is in the answer.
    assert.ok(tokens.scope !== undefined, 'the token answer names the granted scope');
    assert.deepEqual(apiScopes(tokens.scope), ['accounts.read'], `answer scope ${tokens.scope}`);
    const t = await s.api('POST', '/v1/transfers', {
      key: tokens.access_token,
      body: { from_account: c.funded, to_account: c.other, amount: '1.00', currency: 'EUR' },
    });
    assert.equal(t.status, 403, t.text);
    assert.match(t.headers.get('www-authenticate') || '', /error="insufficient_scope"/);
  });
});

describe('userinfo', () => {
  test('GET and POST /oauth2/userinfo answer the signed-in user (sub = ID token sub)', async () => {
    const { c, u, app } = await setup();
    const { tokens, config } = await s.codeFlow(app, u, { accounts: [c.funded] });
    const sub = tokens.claims().sub;
    const info = await client.fetchUserInfo(config, tokens.access_token, sub);
    assert.equal(info.sub, u.id);
    const r = await fetch(`${s.url}/oauth2/userinfo`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).sub, u.id);
  });

  test('userinfo without a valid bearer token → 401 with WWW-Authenticate: Bearer', async () => {
    const r = await fetch(`${s.url}/oauth2/userinfo`, { headers: { Authorization: 'Bearer not-a-token' } });
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate') || '', /^Bearer\b/);
  });
});
