// The OAuth 2.0 / OIDC endpoints and pages (docs/oauth.md) through the same harness as /v1:
// every answer (JSON, HTML page or redirect) is validated against api/openapi.yaml. Also what a
// customer's token may do on /v1 (consents, step-up). tests/oauth/ drives the same endpoints
// with real OAuth client libraries; this file keeps the contract honest.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';

import { expectError, spec, startServer, totpAt, totpStep } from './lib.mjs';

const REDIRECT = 'https://client.example/cb';
const USER_APP = {
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  scope: 'accounts.read balances.read transactions.read payments.write customers.read consents.read consents.write',
};

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

// A cookie jar for the pages.
class Jar {
  constructor() {
    this.cookies = new Map();
  }
  store(headers) {
    for (const sc of headers.getSetCookie()) {
      const pair = sc.split(';')[0];
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
  }
  headers() {
    return this.cookies.size ? { Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }
}

function hidden(html, name) {
  const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  assert.ok(m, `no hidden field ${name} in the page:\n${html.slice(0, 1500)}`);
  return m[1];
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function page(jar, path) {
  const r = await s.api('GET', path, { key: null, headers: jar.headers() });
  jar.store(r.headers);
  return r;
}

async function submit(jar, path, fields) {
  const r = await s.form(path, fields, { headers: jar.headers() });
  jar.store(r.headers);
  return r;
}

// The authorization request of `app` as query/form fields.
function authParams(app, { challenge }, { scope = 'openid accounts.read balances.read', ...extra } = {}) {
  return {
    client_id: app.client_id,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st-' + randomBytes(4).toString('hex'),
    ...extra,
  };
}

// Walks authorize → login [→ TOTP] → consent for `login` ({username, password}) and returns
// the redirect back to the client (a URL), asserting every step's answer.
async function signIn(app, login, { params = {}, accounts = [], totp, decision = 'approve', jar = new Jar(), par = false } = {}) {
  const p = pkce();
  const q = authParams(app, p, params);
  let r;
  if (par) {
    r = await s.form('/oauth2/par', q, { basic: [app.client_id, app.client_secret] });
    assert.equal(r.status, 201, r.text);
    r = await page(jar, '/oauth2/authorize?' + new URLSearchParams({ client_id: app.client_id, request_uri: r.body.request_uri }));
  } else {
    r = await page(jar, '/oauth2/authorize?' + new URLSearchParams(q));
  }
  for (let hop = 0; hop < 12; hop++) {
    if (r.status === 303) {
      const loc = r.headers.get('location');
      if (!loc.startsWith('/')) return { callback: new URL(loc), verifier: p.verifier, state: q.state, jar };
      r = await page(jar, loc);
      continue;
    }
    assert.equal(r.status, 200, `a page to fill: ${r.status} ${r.text.slice(0, 500)}`);
    const request = hidden(r.text, 'request');
    const csrf = hidden(r.text, 'csrf_token');
    if (r.text.includes('name="password"')) {
      r = await submit(jar, '/oauth2/login', { request, csrf_token: csrf, username: login.username, password: login.password });
    } else if (r.text.includes('name="code"')) {
      assert.ok(totp, 'the TOTP page is shown: a code is needed');
      r = await submit(jar, '/oauth2/mfa', { request, csrf_token: csrf, code: totp() });
    } else {
      const body = new URLSearchParams({ request, csrf_token: csrf, decision });
      for (const a of accounts) body.append('account', a);
      r = await submit(jar, '/oauth2/consent', body);
    }
  }
  assert.fail('too many hops');
}

async function redeem(app, { callback, verifier }) {
  const r = await s.form(
    '/oauth2/token',
    { grant_type: 'authorization_code', code: callback.searchParams.get('code'), redirect_uri: REDIRECT, code_verifier: verifier },
    { basic: [app.client_id, app.client_secret] },
  );
  assert.equal(r.status, 200, r.text);
  return r.body;
}

// A customer with two EUR accounts (the first funded), its user, and an app for the code flow.
async function customerSetup() {
  const customer = await s.createCustomer({ name: 'Ada', email: 'ada@example.com' });
  const funded = await s.openAccount('EUR', { customer: customer.id });
  const other = await s.openAccount('EUR', { customer: customer.id });
  await s.deposit(funded.id, '100.00');
  const login = await s.createUser({ customer: customer.id });
  const app = await s.createApp(USER_APP);
  return { customer, funded, other, login, app };
}

function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));
}

describe('discovery and keys', () => {
  test('openid-configuration: the issuer, its endpoints, and exactly the scopes of the oauth2 scheme', async () => {
    const r = await s.api('GET', '/.well-known/openid-configuration', { key: null });
    assert.equal(r.status, 200, r.text);
    const m = r.body;
    assert.equal(m.issuer, s.url);
    assert.equal(m.token_endpoint, `${s.url}/oauth2/token`);
    assert.equal(m.authorization_endpoint, `${s.url}/oauth2/authorize`);
    assert.equal(m.jwks_uri, `${s.url}/oauth2/jwks`);
    assert.deepEqual(m.scopes_supported, Object.keys(spec.components.securitySchemes.oauth2.flows.clientCredentials.scopes));
    assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
    const again = await s.api('GET', '/.well-known/oauth-authorization-server', { key: null });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, m);
  });

  test('jwks: the ES256 key that signs tokens', async () => {
    const r = await s.api('GET', '/oauth2/jwks', { key: null });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^application\/jwk-set\+json/);
    const app = await s.createApp();
    const kid = JSON.parse(Buffer.from((await s.ccToken(app)).split('.')[0], 'base64url')).kid;
    assert.ok(r.body.keys.some((k) => k.kid === kid), 'the signing key is published');
  });
});

describe('token endpoint errors', () => {
  let app;
  before(async () => {
    app = await s.createApp({ scope: 'accounts.read' });
  });

  test('no, wrong, or two client authentications → 401 invalid_client', async () => {
    const cases = [
      [{ grant_type: 'client_credentials' }, {}],
      [{ grant_type: 'client_credentials' }, { basic: [app.client_id, 'wrong'] }],
      [{ grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret }, { basic: [app.client_id, app.client_secret] }],
      [{ grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret }, {}], // registered for Basic
      [{ grant_type: 'client_credentials' }, { basic: ['app_00000000000000000000000001', 'x'] }],
    ];
    for (const [fields, opts] of cases) {
      const r = await s.form('/oauth2/token', fields, opts);
      assert.equal(r.status, 401, r.text);
      assert.equal(r.body.error, 'invalid_client');
      assert.equal(r.headers.get('www-authenticate'), 'Basic realm="oauth2"');
    }
  });

  test('an unknown grant type → 400 unsupported_grant_type', async () => {
    const r = await s.form('/oauth2/token', { grant_type: 'password' }, { basic: [app.client_id, app.client_secret] });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'unsupported_grant_type');
  });

  test("a scope beyond the app's, unknown, or OIDC for client credentials → 400 invalid_scope", async () => {
    for (const scope of ['accounts.read admin', 'nope']) {
      const r = await s.form('/oauth2/token', { grant_type: 'client_credentials', scope }, { basic: [app.client_id, app.client_secret] });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error, 'invalid_scope');
    }
    // An app may list OIDC scopes, but its own token (no user) never carries them.
    const oidcApp = await s.createApp({ scope: 'accounts.read openid profile' });
    assert.equal(oidcApp.scope, 'accounts.read openid profile');
    let r = await s.form('/oauth2/token', { grant_type: 'client_credentials', scope: 'accounts.read openid' }, { basic: [oidcApp.client_id, oidcApp.client_secret] });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_scope');
    r = await s.form('/oauth2/token', { grant_type: 'client_credentials' }, { basic: [oidcApp.client_id, oidcApp.client_secret] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.scope, 'accounts.read', 'the default: the API scopes only');
  });

  test('a JSON body, or a repeated parameter → 400 invalid_request', async () => {
    let r = await s.api('POST', '/oauth2/token', {
      key: null,
      idem: null,
      body: { grant_type: 'client_credentials' },
      headers: { Authorization: 'Basic ' + Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64') },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_request');
    r = await s.form('/oauth2/token', 'grant_type=client_credentials&scope=accounts.read&scope=accounts.read', { basic: [app.client_id, app.client_secret] });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_request');
  });

  test('a grant the app may not use → 400 unauthorized_client', async () => {
    for (const grant_type of ['authorization_code', 'refresh_token']) {
      const r = await s.form('/oauth2/token', { grant_type, code: 'x', redirect_uri: REDIRECT, refresh_token: 'x' }, { basic: [app.client_id, app.client_secret] });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error, 'unauthorized_client');
    }
  });

  test('authorization_code without code_verifier → 400 invalid_request; an unknown code → 400 invalid_grant', async () => {
    const userApp = await s.createApp(USER_APP);
    const basic = [userApp.client_id, userApp.client_secret];
    let r = await s.form('/oauth2/token', { grant_type: 'authorization_code', code: 'abc', redirect_uri: REDIRECT }, { basic });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_request');
    r = await s.form('/oauth2/token', { grant_type: 'authorization_code', code: 'abc', redirect_uri: REDIRECT, code_verifier: pkce().verifier }, { basic });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_grant');
    r = await s.form('/oauth2/token', { grant_type: 'refresh_token', refresh_token: 'rt_nope' }, { basic });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_grant');
  });
});

describe('introspection and revocation', () => {
  let app;
  before(async () => {
    app = await s.createApp({ scope: 'accounts.read balances.read' });
  });

  test("introspect: a live access token → active with its claims; anything else → {active: false}", async () => {
    const token = await s.ccToken(app, 'accounts.read');
    let r = await s.form('/oauth2/introspect', { token }, { basic: [app.client_id, app.client_secret] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, true);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.body.client_id, app.client_id);
    assert.equal(r.body.sub, app.client_id, "an app's own token: sub is the app");
    assert.equal(r.body.scope, 'accounts.read');
    assert.equal(r.body.tenant, s.tenantId);
    assert.equal(r.body.aud, `${s.url}/v1`);
    for (const token of ['garbage', 'a.b.c']) {
      r = await s.form('/oauth2/introspect', { token }, { basic: [app.client_id, app.client_secret] });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body, { active: false });
    }
  });

  test('introspect and revoke need client authentication (401) and a token (400)', async () => {
    for (const path of ['/oauth2/introspect', '/oauth2/revoke']) {
      let r = await s.form(path, { token: 'x' });
      assert.equal(r.status, 401, r.text);
      assert.equal(r.body.error, 'invalid_client');
      r = await s.form(path, {}, { basic: [app.client_id, app.client_secret] });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error, 'invalid_request');
    }
  });

  test('revoke an access token: 200 {}; it is then inactive and refused by /v1; unknown tokens answer 200 too', async () => {
    const token = await s.ccToken(app, 'accounts.read');
    assert.equal((await s.api('GET', '/v1/accounts', { key: token })).status, 200);
    let r = await s.form('/oauth2/revoke', { token }, { basic: [app.client_id, app.client_secret] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, {});
    r = await s.form('/oauth2/introspect', { token }, { basic: [app.client_id, app.client_secret] });
    assert.deepEqual(r.body, { active: false });
    expectError(await s.api('GET', '/v1/accounts', { key: token }), 401, 'invalid_token');
    r = await s.form('/oauth2/revoke', { token: 'never-issued' }, { basic: [app.client_id, app.client_secret] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, {});
  });

  test("another client's token is not revoked by this client", async () => {
    const other = await s.createApp({ scope: 'accounts.read' });
    const token = await s.ccToken(other);
    const r = await s.form('/oauth2/revoke', { token }, { basic: [app.client_id, app.client_secret] });
    assert.equal(r.status, 200, r.text);
    assert.equal((await s.api('GET', '/v1/accounts', { key: token })).status, 200, 'still valid');
  });
});

describe('authorization code flow', () => {
  test('PAR → authorize → login → consent → code → tokens, every step as documented', async () => {
    const { login, app, funded } = await customerSetup();
    const p = pkce();
    const q = authParams(app, p, { scope: 'openid profile accounts.read', nonce: 'n-1' });
    let r = await s.form('/oauth2/par', q, { basic: [app.client_id, app.client_secret] });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.expires_in, 90);
    const jar = new Jar();
    r = await page(jar, '/oauth2/authorize?' + new URLSearchParams({ client_id: app.client_id, request_uri: r.body.request_uri }));
    assert.equal(r.status, 303, r.text);
    assert.match(r.headers.get('location'), /^\/oauth2\/login\?request=req_/);
    assert.match(r.headers.get('set-cookie'), /^cb_bsid=[^;]+; Path=\/oauth2; Max-Age=\d+; HttpOnly; SameSite=Lax/);
    const loginUrl = r.headers.get('location');
    r = await page(jar, loginUrl);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    const request = hidden(r.text, 'request');
    assert.equal(loginUrl, `/oauth2/login?request=${request}`);
    r = await submit(jar, '/oauth2/login', { request, csrf_token: hidden(r.text, 'csrf_token'), username: login.username, password: login.password });
    assert.equal(r.status, 303, r.text);
    assert.equal(r.headers.get('location'), `/oauth2/consent?request=${request}`);
    assert.ok(jar.cookies.has('cb_session') && jar.cookies.has('cb_device'), 'session and device cookies');
    r = await page(jar, r.headers.get('location'));
    assert.equal(r.status, 200);
    assert.ok(r.text.includes(`value="${funded.id}"`), 'the consent page offers the accounts');
    const body = new URLSearchParams({ request, csrf_token: hidden(r.text, 'csrf_token'), decision: 'approve', account: funded.id });
    r = await submit(jar, '/oauth2/consent', body);
    assert.equal(r.status, 303, r.text);
    const cb = new URL(r.headers.get('location'));
    assert.equal(cb.origin + cb.pathname, REDIRECT);
    assert.equal(cb.searchParams.get('state'), q.state);
    assert.equal(cb.searchParams.get('iss'), s.url);
    const tokens = await redeem(app, { callback: cb, verifier: p.verifier });
    assert.equal(tokens.token_type, 'Bearer');
    assert.match(tokens.refresh_token, /^rt_/);
    assert.equal(tokens.scope, 'accounts.read openid profile');
    const id = claims(tokens.id_token);
    assert.equal(id.sub, login.user.id);
    assert.equal(id.aud, app.client_id);
    assert.equal(id.nonce, 'n-1');
    assert.equal(claims(tokens.access_token).customer, login.user.customer);
    // The code is used once.
    r = await s.form('/oauth2/token', { grant_type: 'authorization_code', code: cb.searchParams.get('code'), redirect_uri: REDIRECT, code_verifier: p.verifier }, { basic: [app.client_id, app.client_secret] });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_grant');
  });

  test('the login page: wrong password → 401 page, forged CSRF → 403 page, unknown request → 400 page', async () => {
    const { login, app } = await customerSetup();
    const jar = new Jar();
    let r = await page(jar, '/oauth2/authorize?' + new URLSearchParams(authParams(app, pkce())));
    r = await page(jar, r.headers.get('location'));
    const request = hidden(r.text, 'request');
    const csrf = hidden(r.text, 'csrf_token');
    r = await submit(jar, '/oauth2/login', { request, csrf_token: csrf, username: login.username, password: 'not the password' });
    assert.equal(r.status, 401);
    assert.ok(r.text.includes('name="password"'), 'the login form again');
    r = await submit(jar, '/oauth2/login', { request, csrf_token: 'forged', username: login.username, password: login.password });
    assert.equal(r.status, 403);
    assert.ok(!jar.cookies.has('cb_session'));
    for (const path of ['/oauth2/login', '/oauth2/mfa', '/oauth2/consent']) {
      r = await page(new Jar(), `${path}?request=req_00000000000000000000000001`);
      assert.equal(r.status, 400, `${path}: ${r.status}`);
    }
    r = await page(new Jar(), `/oauth2/mfa?request=${request}`);
    assert.equal(r.status, 303, 'no session: back to login');
    assert.equal(r.headers.get('location'), `/oauth2/login?request=${request}`);
  });

  test('a login from a new device and a lockout are in the event feed (user.new_device, user.locked)', async () => {
    const { login, app } = await customerSetup();
    const events = async () => {
      const out = [];
      for (let after = 0; ; ) {
        const r = await s.api('GET', `/v1/events?after=${after}&limit=100`);  // validated per type
        assert.equal(r.status, 200, r.text);
        out.push(...r.body.data.filter((e) => e.data.user === login.user.id));
        if (!r.body.next_cursor) return out;
        after = r.body.last_seq;
      }
    };
    const jar = new Jar();
    let r = await page(jar, '/oauth2/authorize?' + new URLSearchParams(authParams(app, pkce())));
    r = await page(jar, r.headers.get('location'));
    const request = hidden(r.text, 'request');
    const csrf = hidden(r.text, 'csrf_token');
    r = await submit(jar, '/oauth2/login', { request, csrf_token: csrf, username: login.username, password: login.password });
    assert.equal(r.status, 303);
    assert.deepEqual((await events()).map((e) => e.type), ['user.new_device']);
    // Another request, five wrong passwords: the fifth locks the user.
    const jar2 = new Jar();
    r = await page(jar2, '/oauth2/authorize?' + new URLSearchParams(authParams(app, pkce())));
    r = await page(jar2, r.headers.get('location'));
    const request2 = hidden(r.text, 'request');
    const csrf2 = hidden(r.text, 'csrf_token');
    for (let i = 0; i < 5; i++) {
      r = await submit(jar2, '/oauth2/login', { request: request2, csrf_token: csrf2, username: login.username, password: 'wrong password ' + i });
    }
    assert.equal(r.status, 429);
    const seen = await events();
    assert.deepEqual(seen.map((e) => e.type), ['user.new_device', 'user.locked']);
    assert.ok(Date.parse(seen[1].data.locked_until) > Date.now() + 14 * 60_000);
  });

  test('authorize errors: unknown client or redirect URI → 400 page; others → 303 back to the client', async () => {
    const { app } = await customerSetup();
    let r = await page(new Jar(), '/oauth2/authorize?' + new URLSearchParams({ ...authParams(app, pkce()), client_id: 'app_00000000000000000000000001' }));
    assert.equal(r.status, 400);
    r = await page(new Jar(), '/oauth2/authorize?' + new URLSearchParams(authParams(app, pkce(), { redirect_uri: 'https://evil.example/cb' })));
    assert.equal(r.status, 400, 'never redirects to an unregistered URI');
    for (const [extra, error] of [
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ prompt: 'none' }, 'login_required'],
      [{ scope: 'openid admin' }, 'invalid_scope'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
    ]) {
      const q = authParams(app, pkce(), extra);
      r = await page(new Jar(), '/oauth2/authorize?' + new URLSearchParams(q));
      assert.equal(r.status, 303, r.text);
      const back = new URL(r.headers.get('location'));
      assert.equal(back.origin + back.pathname, REDIRECT);
      assert.equal(back.searchParams.get('error'), error);
      assert.equal(back.searchParams.get('state'), q.state);
    }
    r = await s.form('/oauth2/par', { ...authParams(app, pkce()), response_type: 'token' }, { basic: [app.client_id, app.client_secret] });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'unsupported_response_type');
  });

  test('denying → 303 back with error=access_denied', async () => {
    const { login, app, funded } = await customerSetup();
    const { callback } = await signIn(app, login, { accounts: [funded.id], decision: 'deny' });
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(callback.searchParams.get('code'), null);
  });

  test('userinfo (GET and POST): the user; an app token → 403 insufficient_scope; none → 401; garbage → 401 invalid_token', async () => {
    const { login, app, funded, customer } = await customerSetup();
    const tokens = await redeem(app, await signIn(app, login, { params: { scope: 'openid profile email accounts.read' }, accounts: [funded.id] }));
    for (const method of ['GET', 'POST']) {
      const r = await s.api(method, '/oauth2/userinfo', { key: tokens.access_token, idem: null });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body, {
        sub: login.user.id,
        preferred_username: login.username,
        name: 'Ada',
        email: 'ada@example.com',
        email_verified: false,
        customer: customer.id,
      });
    }
    let r = await s.api('GET', '/oauth2/userinfo', { key: await s.ccToken(app, 'accounts.read') });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.body.error, 'insufficient_scope');
    r = await s.api('GET', '/oauth2/userinfo', { key: null });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    r = await s.api('GET', '/oauth2/userinfo', { key: 'a.b.c' });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.error, 'invalid_token');
  });

  test("a customer's token: its consented account (200), its other one (403 consent_insufficient), another customer's (404)", async () => {
    const { login, app, funded, other } = await customerSetup();
    const stranger = await s.openAccount('EUR');
    const { access_token: token } = await redeem(app, await signIn(app, login, { params: { scope: 'accounts.read balances.read customers.read' }, accounts: [funded.id] }));
    assert.equal((await s.api('GET', `/v1/accounts/${funded.id}`, { key: token })).status, 200);
    assert.equal((await s.api('GET', `/v1/accounts/${funded.id}/balances`, { key: token })).status, 200);
    expectError(await s.api('GET', `/v1/accounts/${other.id}`, { key: token }), 403, 'consent_insufficient', 'id');
    expectError(await s.api('GET', `/v1/accounts/${stranger.id}`, { key: token }), 404, 'account_not_found');
    expectError(await s.api('GET', `/v1/customers/${stranger.customer}`, { key: token }), 404, 'customer_not_found');
    const list = await s.api('GET', '/v1/customers', { key: token });
    assert.deepEqual(list.body.data.map((c) => c.id), [login.user.customer]);
    expectError(await s.api('GET', '/v1/events', { key: token }), 403, 'insufficient_scope');
  });

  test("a customer's token may not deposit (403 not_allowed_for_customer), nor pay without the second factor (401)", async () => {
    const { login, app, funded, other } = await customerSetup();
    const { access_token: token } = await redeem(app, await signIn(app, login, { params: { scope: 'accounts.read payments.write' }, accounts: [funded.id] }));
    let r = await s.api('POST', '/v1/sandbox/deposits', { key: token, body: { account: funded.id, amount: '1.00', currency: 'EUR' } });
    expectError(r, 403, 'not_allowed_for_customer');
    r = await s.api('POST', '/v1/transfers', { key: token, body: { from_account: funded.id, to_account: other.id, amount: '1.00', currency: 'EUR' } });
    expectError(r, 401, 'insufficient_user_authentication');
    assert.match(r.headers.get('www-authenticate'), /error="insufficient_user_authentication".*acr_values="urn:corebank:acr:mfa"/);
  });

  test('the TOTP step (acr_values=mfa) through /oauth2/mfa: a wrong code → 401 page; then payments from the consented account', async () => {
    const { login, app, funded, other } = await customerSetup();
    let r = await s.api('POST', `/v1/users/${login.user.id}/totp`);
    const secret = r.body.secret;
    const step = totpStep();
    r = await s.api('POST', `/v1/users/${login.user.id}/totp/confirm`, { body: { code: totpAt(secret, step) } });
    assert.equal(r.status, 200, r.text);
    // The pages by hand up to the TOTP form, to see the wrong code refused.
    const jar = new Jar();
    const p = pkce();
    r = await page(jar, '/oauth2/authorize?' + new URLSearchParams(authParams(app, p, { scope: 'accounts.read payments.write', acr_values: 'urn:corebank:acr:mfa' })));
    r = await page(jar, r.headers.get('location'));
    const request = hidden(r.text, 'request');
    r = await submit(jar, '/oauth2/login', { request, csrf_token: hidden(r.text, 'csrf_token'), username: login.username, password: login.password });
    assert.equal(r.status, 303, r.text);
    assert.equal(r.headers.get('location'), `/oauth2/mfa?request=${request}`);
    r = await page(jar, r.headers.get('location'));
    assert.equal(r.status, 200);
    const csrf = hidden(r.text, 'csrf_token');
    let wrong = '000000';
    while ([step - 1, step, step + 1, step + 2, step + 3].some((t) => totpAt(secret, t) === wrong)) wrong = String(Number(wrong) + 1).padStart(6, '0');
    r = await submit(jar, '/oauth2/mfa', { request, csrf_token: csrf, code: wrong });
    assert.equal(r.status, 401);
    r = await submit(jar, '/oauth2/mfa', { request, csrf_token: 'forged', code: totpAt(secret, step + 1) });
    assert.equal(r.status, 403);
    r = await submit(jar, '/oauth2/mfa', { request, csrf_token: csrf, code: totpAt(secret, step + 1) });
    assert.equal(r.status, 303, r.text);
    assert.equal(r.headers.get('location'), `/oauth2/consent?request=${request}`);
    r = await page(jar, r.headers.get('location'));
    r = await submit(jar, '/oauth2/consent', new URLSearchParams({ request, csrf_token: hidden(r.text, 'csrf_token'), decision: 'approve', account: funded.id }));
    assert.equal(r.status, 303);
    const tokens = await redeem(app, { callback: new URL(r.headers.get('location')), verifier: p.verifier });
    assert.equal(claims(tokens.access_token).acr, 'urn:corebank:acr:mfa');
    r = await s.api('POST', '/v1/transfers', { key: tokens.access_token, body: { from_account: funded.id, to_account: other.id, amount: '1.00', currency: 'EUR' } });
    assert.equal(r.status, 201, r.text);
    r = await s.api('POST', '/v1/transfers', { key: tokens.access_token, body: { from_account: other.id, to_account: funded.id, amount: '1.00', currency: 'EUR' } });
    expectError(r, 403, 'consent_insufficient', 'from_account');
    // The sessions of the user: one, at the MFA level.
    r = await s.api('GET', `/v1/users/${login.user.id}/sessions`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.data.length, 1);
    assert.equal(r.body.data[0].acr, 'urn:corebank:acr:mfa');
    assert.deepEqual(r.body.data[0].amr, ['pwd', 'otp']);
  });

  test('an app-created consent is authorised on the consent page, bound to the chosen account; revoking it stops the token', async () => {
    const { login, app, funded, customer } = await customerSetup();
    const appToken = await s.ccToken(app, 'consents.read consents.write');
    let r = await s.api('POST', '/v1/consents', { key: appToken, body: { permissions: 'accounts.read' } });
    assert.equal(r.status, 201, r.text);
    const consent = r.body.id;
    const { access_token: token } = await redeem(app, await signIn(app, login, { params: { scope: 'accounts.read balances.read', consent_id: consent }, accounts: [funded.id] }));
    assert.equal(claims(token).consent, consent);
    assert.equal(claims(token).scope, 'accounts.read', 'bounded by the consent');
    r = await s.api('GET', `/v1/consents/${consent}`, { key: appToken });
    assert.equal(r.body.status, 'authorised');
    assert.equal(r.body.customer, customer.id);
    assert.deepEqual(r.body.accounts, [funded.id]);
    r = await s.api('GET', `/v1/consents?customer=${customer.id}`, { key: appToken });
    assert.deepEqual(r.body.data.map((c) => c.id), [consent]);
    assert.equal((await s.api('GET', `/v1/accounts/${funded.id}`, { key: token })).status, 200);
    r = await s.api('POST', `/v1/consents/${consent}/revoke`, { key: appToken });
    assert.equal(r.status, 200, r.text);
    expectError(await s.api('GET', `/v1/accounts/${funded.id}`, { key: token }), 401, 'invalid_token');
  });

  test('refresh rotates the refresh token; reusing one → 400 invalid_grant; introspection shows refresh tokens', async () => {
    const { login, app, funded } = await customerSetup();
    const tokens = await redeem(app, await signIn(app, login, { accounts: [funded.id] }));
    const basic = [app.client_id, app.client_secret];
    let r = await s.form('/oauth2/introspect', { token: tokens.refresh_token }, { basic });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.token_type, 'refresh_token');
    assert.equal(r.body.sub, login.user.id);
    r = await s.form('/oauth2/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, scope: 'accounts.read' }, { basic });
    assert.equal(r.status, 200, r.text);
    assert.notEqual(r.body.refresh_token, tokens.refresh_token);
    assert.equal(r.body.scope, 'accounts.read');
    r = await s.form('/oauth2/token', { grant_type: 'refresh_token', refresh_token: r.body.refresh_token, scope: 'accounts.read admin' }, { basic });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_scope');
    r = await s.form('/oauth2/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { basic });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_grant');
  });

  test('revoking a session (POST /v1/sessions/{id}/revoke) stops the tokens issued in it', async () => {
    const { login, app, funded } = await customerSetup();
    const { access_token: token } = await redeem(app, await signIn(app, login, { accounts: [funded.id] }));
    assert.equal((await s.api('GET', `/v1/accounts/${funded.id}`, { key: token })).status, 200);
    let r = await s.api('GET', `/v1/users/${login.user.id}/sessions`);
    assert.equal(r.body.data.length, 1);
    const session = r.body.data[0];
    assert.equal(session.status, 'active');
    assert.equal(session.acr, 'urn:corebank:acr:pwd');
    r = await s.api('POST', `/v1/sessions/${session.id}/revoke`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'revoked');
    expectError(await s.api('GET', `/v1/accounts/${funded.id}`, { key: token }), 401, 'invalid_token');
    r = await s.api('POST', `/v1/sessions/${session.id}/revoke`);
    assert.equal(r.status, 200, 'revoking again answers the session');
  });

  test('the consents dashboard: 401 page without a session; with one it lists and revokes (303)', async () => {
    let r = await page(new Jar(), '/oauth2/consents');
    assert.equal(r.status, 401);
    const { login, app, funded } = await customerSetup();
    const { jar, ...flow } = await signIn(app, login, { accounts: [funded.id] });
    const { access_token: token } = await redeem(app, flow);
    r = await page(jar, '/oauth2/consents');
    assert.equal(r.status, 200);
    const consent = hidden(r.text, 'consent');
    r = await submit(jar, '/oauth2/consents/revoke', { consent, csrf_token: 'forged' });
    assert.equal(r.status, 403);
    r = await page(jar, '/oauth2/consents');
    r = await submit(jar, '/oauth2/consents/revoke', { consent, csrf_token: hidden(r.text, 'csrf_token') });
    assert.equal(r.status, 303, r.text);
    assert.equal(r.headers.get('location'), '/oauth2/consents?revoked=1');
    expectError(await s.api('GET', `/v1/accounts/${funded.id}`, { key: token }), 401, 'invalid_token');
    r = await s.api('GET', `/v1/consents/${consent}`);
    assert.equal(r.body.status, 'revoked');
  });
});

describe('dynamic registration', () => {
  test('an admin key of a sandbox tenant registers a client (201, RFC 7591); its secret works', async () => {
    const r = await s.api('POST', '/oauth2/register', { idem: null, body: { client_name: 'dyn', redirect_uris: [REDIRECT], grant_types: ['client_credentials'], scope: 'accounts.read openid' } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.client_name, 'dyn');
    assert.equal(r.body.scope, 'accounts.read openid');
    assert.deepEqual(r.body.response_types, ['code']);
    assert.equal(r.body.client_secret_expires_at, 0);
    await s.ccToken({ client_id: r.body.client_id, client_secret: r.body.client_secret });
    const defaults = await s.api('POST', '/oauth2/register', { idem: null, body: { redirect_uris: [REDIRECT], software_id: 'ignored' } });
    assert.equal(defaults.status, 201, defaults.text);
    assert.deepEqual(defaults.body.grant_types, ['authorization_code']);
    assert.equal(defaults.body.scope, 'accounts.read balances.read transactions.read');
    assert.equal(defaults.body.token_endpoint_auth_method, 'client_secret_basic');
  });

  test('bad metadata → 400 invalid_redirect_uri or invalid_client_metadata', async () => {
    let r = await s.api('POST', '/oauth2/register', { idem: null, body: { redirect_uris: ['http://client.example/cb'] } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_redirect_uri');
    for (const body of ['not json', { redirect_uris: [REDIRECT], grant_types: ['password'] }, { redirect_uris: [REDIRECT], response_types: ['token'] }]) {
      r = await s.api('POST', '/oauth2/register', { idem: null, body });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error, 'invalid_client_metadata');
    }
  });

  test('without an admin key → 401 invalid_token; an admin of a non-sandbox tenant → 403 access_denied', async () => {
    const body = { redirect_uris: [REDIRECT] };
    for (const key of [null, 'garbage', (await s.createKey('operator')).secret]) {
      const r = await s.api('POST', '/oauth2/register', { idem: null, key, body });
      assert.equal(r.status, 401, r.text);
      assert.equal(r.body.error, 'invalid_token');
    }
    const live = await s.createTenant('live bank', false);
    const r = await s.api('POST', '/oauth2/register', { idem: null, key: live.admin_api_key.secret, body });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.body.error, 'access_denied');
  });
});
