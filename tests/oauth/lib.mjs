// Shared harness for the OAuth 2.0 / OIDC tests: starts a fresh `corebank serve` on a free
// 127.0.0.1 port in a temp data dir (so the issuer is http://127.0.0.1:<port>), builds state
// over the REST API with the bootstrap admin key, and drives the authorization server with
// real clients: openid-client for the protocol, jose for every token, and a tiny "browser"
// (cookie jar + generic HTML form parser) for the login, TOTP and consent pages.
import { spawn } from 'node:child_process';
import { createPrivateKey, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

import { Browser } from './browser.mjs';
import { nextTotp } from './totp.mjs';
import { pollUntil, sleep } from './util.mjs';
import * as client from 'openid-client';
import * as jose from 'jose';

export { client, jose };
export { sleep, pollUntil } from './util.mjs';
export { base32Decode, totpAt, nextTotp } from './totp.mjs';
export { parseForms, CookieJar, Browser } from './browser.mjs';

export const COREBANK = process.env.COREBANK || '/work/main/build/corebank';
export const ACCESS_TOKEN_TTL_S_MAX = 600;
export const ACR_PWD = 'urn:corebank:acr:pwd';
export const ACR_MFA = 'urn:corebank:acr:mfa';
export const REDIRECT_URI = 'https://client.example/cb';
// Scopes of the apps that run the authorization code flow.
export const USER_APP_SCOPE =
  'openid profile offline_access accounts.read balances.read transactions.read payments.write';

export function idemKey() {
  return 'idem-' + randomUUID();
}

// ---- server -----------------------------------------------------------------------------

function freePort() {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

// The binary may be mid-rebuild (missing, or being written): wait for it rather than fail.
async function waitForBinary(timeoutMs) {
  await pollUntil(() => existsSync(COREBANK), {
    timeoutMs,
    intervalMs: 500,
    what: `the corebank binary at ${COREBANK} (set COREBANK)`,
  });
}

async function startOnce({ env, timeoutMs }) {
  // The data dir is the fresh (empty, existing) temp dir itself.
  const dir = mkdtempSync(join(tmpdir(), 'corebank-oauth-test-'));
  const data = dir;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    COREBANK,
    ['serve', '--data', data, '--listen', `127.0.0.1:${port}`, '--access-log', 'off', '--durable', 'none'],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let exited = null;
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  child.on('error', (e) => (exited = `spawn error: ${e.message}`));
  child.on('exit', (code, sig) => (exited = `exited (${code ?? sig})`));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      rmSync(dir, { recursive: true, force: true });
      const err = new Error(`corebank serve ${exited} before ready:\n${out}`);
      err.retryable = true;
      throw err;
    }
    try {
      const r = await fetch(url + '/readyz');
      if (r.status === 200 && existsSync(join(data, 'bootstrap.json'))) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`corebank serve not ready (GET /readyz 200) within ${timeoutMs} ms:\n${out}`);
    }
    await sleep(50);
  }
  const bootstrap = JSON.parse(readFileSync(join(data, 'bootstrap.json'), 'utf8'));
  return new Server({ url, child, dir, data, bootstrap, log: () => out });
}

// Starts `corebank serve --data <tmp> --listen 127.0.0.1:<free port>` and waits for GET /readyz.
// Retries a start that died early (the port taken between probe and bind, the binary replaced
// under us). contract: validate every answer of `api()` against api/openapi.yaml with the
// API suite's validator (tests/api/lib.mjs, its packages installed by node_suite.sh).
export async function startServer({ env = {}, timeoutMs = 30000, contract = false } = {}) {
  const validator = contract ? await import('../api/lib.mjs') : null;
  let lastErr;
  for (let attempt = 0; attempt < 5; attempt++) {
    await waitForBinary(120000);
    try {
      const server = await startOnce({ env, timeoutMs });
      server.contract = validator;
      return server;
    } catch (e) {
      if (!e.retryable) throw e;
      lastErr = e;
      await sleep(1000);
    }
  }
  throw lastErr;
}

export class Server {
  constructor({ url, child, dir, data, bootstrap, log }) {
    this.url = url;
    this.issuer = url; // default --issuer: http://<listen address>
    this.audience = `${url}/v1`;
    this.child = child;
    this.dir = dir;
    this.data = data;
    this.tenantId = bootstrap.tenant_id;
    this.adminKey = bootstrap.api_key;
    this.log = log;
    this._jwks = null;
    this.contract = null; // tests/api/lib.mjs when every answer of api() is validated
  }

  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  // One REST call. body: object (JSON). key: bearer token (default the admin API key; null:
  // none). Every POST gets a fresh Idempotency-Key unless `idem` is given. On a server started
  // with `contract`, the answer is validated against api/openapi.yaml before it is returned.
  // Returns {status, body, text, headers}.
  async api(method, path, { body, key, idem, headers = {} } = {}) {
    const h = { ...headers };
    const token = key === undefined ? this.adminKey : key;
    if (token !== null) h['Authorization'] = `Bearer ${token}`;
    if (method === 'POST') h['Idempotency-Key'] = idem ?? idemKey();
    let payload;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      h['Content-Type'] = 'application/json';
    }
    const res = await fetch(this.url + path, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed = text;
    if ((res.headers.get('content-type') || '').startsWith('application/json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        assert.fail(`${method} ${path} ${res.status}: Content-Type is JSON but the body is not: ${text.slice(0, 200)}`);
      }
    }
    if (this.contract) {
      const route = this.contract.routeFor(method, path);
      assert.ok(route, `${method} ${path} matches no operation of api/openapi.yaml (got ${res.status}: ${text.slice(0, 200)})`);
      this.contract.validate(route, method, res.status, parsed, {
        headers: res.headers,
        contentType: res.headers.get('content-type') || '',
      });
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  }

  // A form POST to an OAuth endpoint (token, par, introspect, revoke, register is JSON).
  // auth: {id, secret} for client_secret_basic, or undefined.
  async form(path, fields, { auth, headers = {} } = {}) {
    const h = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...headers };
    if (auth) h['Authorization'] = basicAuth(auth.id, auth.secret);
    const res = await fetch(this.url + path, { method: 'POST', headers: h, body: new URLSearchParams(fields).toString() });
    const text = await res.text();
    let body = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: the assertion on the answer will show the text
    }
    return { status: res.status, body, text, headers: res.headers };
  }

  // ---- state over the REST API (admin key unless `key` is given) -------------------------

  async createCustomer(fields = {}, { key } = {}) {
    const r = await this.api('POST', '/v1/customers', { body: { type: 'individual', name: 'Ada Lovelace', ...fields }, key });
    assert.equal(r.status, 201, `POST /v1/customers: ${r.text}`);
    return r.body;
  }

  async openAccount(customer, currency = 'EUR', { key } = {}) {
    const r = await this.api('POST', '/v1/accounts', { body: { customer, currency }, key });
    assert.equal(r.status, 201, `POST /v1/accounts: ${r.text}`);
    return r.body;
  }

  async deposit(account, amount, currency = 'EUR', { key } = {}) {
    const r = await this.api('POST', '/v1/sandbox/deposits', { body: { account, amount, currency }, key });
    assert.equal(r.status, 201, `POST /v1/sandbox/deposits: ${r.text}`);
    return r.body;
  }

  // A customer with two EUR accounts, the first funded with 100.00.
  async customerWithAccounts({ key, name = 'Ada Lovelace' } = {}) {
    const customer = await this.createCustomer({ name }, { key });
    const a1 = await this.openAccount(customer.id, 'EUR', { key });
    const a2 = await this.openAccount(customer.id, 'EUR', { key });
    await this.deposit(a1.id, '100.00', 'EUR', { key });
    return { customer: customer.id, funded: a1.id, other: a2.id };
  }

  // POST /v1/apps: the app with client_id and client_secret (shown once).
  async createApp(fields = {}, { key } = {}) {
    const body = {
      name: 'test app ' + randomBytes(4).toString('hex'),
      redirect_uris: [REDIRECT_URI],
      grant_types: ['client_credentials'],
      scope: 'accounts.read balances.read',
      token_endpoint_auth_method: 'client_secret_basic',
      ...fields,
    };
    const r = await this.api('POST', '/v1/apps', { body, key });
    assert.equal(r.status, 201, `POST /v1/apps: ${r.text}`);
    assert.ok(r.body.client_id, `POST /v1/apps answered no client_id: ${r.text}`);
    return r.body;
  }

  // An app for the authorization code flow (PKCE, refresh with rotation by default). Its
  // scope lists the API scopes only: the server treats OIDC scopes as implicit and refuses
  // them in an app's scope (see the test "an app may list OIDC scopes" in code_flow).
  async createUserApp(fields = {}, opts = {}) {
    return this.createApp(
      {
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        scope: apiScopes(USER_APP_SCOPE).join(' ') + ' consents.read consents.write',
        ...fields,
      },
      opts,
    );
  }

  // POST /v1/users: a customer user bound to `customer`. Returns {user, username, password}.
  async createCustomerUser(customer, { key } = {}) {
    const username = 'user-' + randomBytes(6).toString('hex');
    const password = 'pw-' + randomBytes(12).toString('base64url'); // >= 12 characters
    const r = await this.api('POST', '/v1/users', { body: { username, password, kind: 'customer', customer }, key });
    assert.equal(r.status, 201, `POST /v1/users: ${r.text}`);
    return { user: r.body, id: r.body.id, username, password };
  }

  // Enrols and confirms TOTP for a user; returns the base32 secret.
  async enrolTotp(userId, { key } = {}) {
    let r = await this.api('POST', `/v1/users/${userId}/totp`, { key });
    assert.ok(r.status === 200 || r.status === 201, `POST /v1/users/{id}/totp: ${r.status} ${r.text}`);
    const secret = r.body.secret;
    assert.match(secret, /^[A-Z2-7]+=*$/i, `TOTP secret is not base32: ${r.text}`);
    assert.match(r.body.otpauth_uri, /^otpauth:\/\/totp\//, r.text);
    const code = await nextTotp(secret);
    r = await this.api('POST', `/v1/users/${userId}/totp/confirm`, { body: { code }, key });
    assert.ok(r.status === 200 || r.status === 201, `POST /v1/users/{id}/totp/confirm: ${r.status} ${r.text}`);
    return secret;
  }

  // ---- OAuth clients ------------------------------------------------------------------------

  // An openid-client Configuration from discovery for `app` (client_secret_basic by default).
  async oidc(app, { auth, metadata = {} } = {}) {
    const clientAuth = auth ?? (app.client_secret ? client.ClientSecretBasic(app.client_secret) : client.None());
    return client.discovery(
      new URL(this.issuer),
      app.client_id,
      { id_token_signed_response_alg: 'ES256', ...(app.client_secret ? { client_secret: app.client_secret } : {}), ...metadata },
      clientAuth,
      { execute: [client.allowInsecureRequests] },
    );
  }

  // A client-credentials access token for `app` (verified like every access token).
  async ccToken(app, scope) {
    const config = await this.oidc(app);
    const t = await client.clientCredentialsGrant(config, scope === undefined ? {} : { scope });
    await this.verifyAccessToken(t.access_token, { client_id: app.client_id });
    return t.access_token;
  }

  jwks() {
    // No cooldown: after a key rotation a token with the new kid makes jose refetch at once.
    if (!this._jwks) this._jwks = jose.createRemoteJWKSet(new URL(this.url + '/oauth2/jwks'), { cooldownDuration: 0 });
    return this._jwks;
  }

  // RFC 9068 checks every test applies to every access token it gets; returns the claims.
  async verifyAccessToken(token, expect = {}) {
    const { payload, protectedHeader } = await jose.jwtVerify(token, this.jwks(), {
      issuer: this.issuer,
      audience: this.audience,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.ok(protectedHeader.kid, 'access token header has a kid');
    assert.equal(typeof payload.client_id, 'string', 'client_id claim');
    assert.equal(typeof payload.scope, 'string', 'scope claim');
    assert.equal(typeof payload.tenant, 'string', 'tenant claim');
    assert.equal(typeof payload.sub, 'string', 'sub claim');
    assert.equal(typeof payload.jti, 'string', 'jti claim');
    assert.equal(typeof payload.iat, 'number', 'iat claim');
    assert.equal(typeof payload.exp, 'number', 'exp claim');
    assert.ok(payload.exp - payload.iat <= ACCESS_TOKEN_TTL_S_MAX, `exp - iat = ${payload.exp - payload.iat} > 600`);
    assert.ok(payload.exp > payload.iat, 'exp after iat');
    for (const [k, v] of Object.entries(expect)) {
      if (k === 'scope') assert.deepEqual(scopeSet(payload.scope), scopeSet(v), 'scope claim');
      else assert.deepEqual(payload[k], v, `claim ${k}`);
    }
    return payload;
  }

  // OIDC Core ID token checks (aud = client_id); returns the claims.
  async verifyIdToken(token, clientId, expect = {}) {
    const { payload, protectedHeader } = await jose.jwtVerify(token, this.jwks(), {
      issuer: this.issuer,
      audience: clientId,
      algorithms: ['ES256'],
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(typeof payload.sub, 'string');
    assert.equal(typeof payload.iat, 'number');
    assert.equal(typeof payload.exp, 'number');
    for (const [k, v] of Object.entries(expect)) assert.deepEqual(payload[k], v, `ID token claim ${k}`);
    return payload;
  }

  // The private signing key the dev KMS keeps in DATA/kms/sig-<kid>.pem, for tests that need
  // a token the server itself could have signed but with one claim wrong (expired, wrong aud).
  async serverSigningKey() {
    const jwks = await (await fetch(this.url + '/oauth2/jwks')).json();
    const dir = join(this.data, 'kms');
    for (const f of readdirSync(dir)) {
      if (!/^sig-.*\.pem$/.test(f)) continue;
      const key = createPrivateKey(readFileSync(join(dir, f)));
      const pub = key.export({ format: 'jwk' });
      const match = jwks.keys.find((k) => k.x === pub.x && k.y === pub.y);
      if (match) return { key, kid: match.kid };
    }
    assert.fail(`no signing key in ${dir} matches a key of /oauth2/jwks`);
  }

  // Runs PAR + authorization code + PKCE for `app` as `login` ({username, password}), with
  // openid-client for the protocol and followLogin for the pages. Returns
  // {tokens, config, callback, state, nonce, verifier}.
  async codeFlow(app, login, { scope = USER_APP_SCOPE, extra = {}, accounts = [], injectAccounts, totp, decision, par = true, config } = {}) {
    config = config ?? (await this.oidc(app));
    const verifier = client.randomPKCECodeVerifier();
    const params = {
      redirect_uri: REDIRECT_URI,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: client.randomState(),
      nonce: client.randomNonce(),
      ...extra,
    };
    const url = par ? await client.buildAuthorizationUrlWithPAR(config, params) : client.buildAuthorizationUrl(config, params);
    const browser = login.browser ?? new Browser(this);
    const callback = await browser.followLogin(url, { ...login, accounts, injectAccounts, totp, decision });
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: params.state,
      expectedNonce: params.nonce,
    });
    // Every issued token is verified against the JWKS before a test sees it.
    await this.verifyAccessToken(tokens.access_token, { client_id: app.client_id, tenant: app.tenant ?? this.tenantId });
    if (tokens.id_token) await this.verifyIdToken(tokens.id_token, app.client_id, { nonce: params.nonce });
    return { tokens, config, callback, state: params.state, nonce: params.nonce, verifier, browser };
  }
}

export function basicAuth(id, secret) {
  // RFC 6749 §2.3.1: form-urlencode both before base64.
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64');
}

export function scopeSet(s) {
  return [...new Set(String(s).split(' ').filter(Boolean))].sort();
}

// The API scopes of a scope string (OIDC's openid/profile/email/offline_access left out: they
// need not appear in an access token's scope claim).
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
export function apiScopes(s) {
  return scopeSet(s).filter((x) => !OIDC_SCOPES.includes(x));
}

// Calls `fn` and returns the OAuth error it threw ({error, status}); fails if it succeeded.
export async function oauthError(fn) {
  try {
    await fn();
  } catch (e) {
    if (e instanceof client.ResponseBodyError) return { error: e.error, status: e.status, description: e.error_description, e };
    if (e instanceof client.WWWAuthenticateChallengeError) {
      const body = await e.response.json().catch(() => ({}));
      return { error: body.error ?? e.cause?.[0]?.parameters?.error, status: e.status, e };
    }
    if (e instanceof client.AuthorizationResponseError) return { error: e.error, status: undefined, e };
    throw e;
  }
  assert.fail('expected an OAuth error, the call succeeded');
}

// ---- crafted tokens -------------------------------------------------------------------------

export function b64url(x) {
  return Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
}

export function decodeJwt(token) {
  return { header: jose.decodeProtectedHeader(token), payload: jose.decodeJwt(token) };
}

