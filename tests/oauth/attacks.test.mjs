// Attacks that must be refused: forged and tampered tokens, scope escalation, PKCE downgrade,
// redirect URI games, code replay, refresh token reuse, cross-tenant reads, password guessing.
// Each forged token has a control: the same construction with the one defect removed is
// accepted, so a refusal is due to the defect and not to the forging.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, createHmac } from 'node:crypto';

import { Browser, REDIRECT_URI, b64url, client, decodeJwt, jose, oauthError, parseForms, startServer } from './lib.mjs';

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

// A real client-credentials token (accepted on GET /v1/accounts) and its parts.
async function realToken() {
  const app = await s.createApp({ scope: 'accounts.read balances.read' });
  const token = await s.ccToken(app, 'accounts.read');
  const r = await s.api('GET', '/v1/accounts', { key: token });
  assert.equal(r.status, 200, `control: the real token is accepted: ${r.text}`);
  return { app, token, ...decodeJwt(token) };
}

async function statusWith(token) {
  const r = await s.api('GET', '/v1/accounts', { key: token });
  return r.status;
}

// Signs `payload` with the server's own current key (dev KMS file), header like the server's.
async function serverSigned(payload, header) {
  const { key, kid } = await s.serverSigningKey();
  return new jose.SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid, ...header }).sign(key);
}

function hs256(header, payload, secret) {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('forged and tampered access tokens → 401', () => {
  test('alg: none', async () => {
    const { header, payload, token } = await realToken();
    const unsigned = `${b64url({ ...header, alg: 'none' })}.${b64url(payload)}.`;
    assert.equal(await statusWith(unsigned), 401);
    // Keeping the original signature does not help.
    const keptSig = `${b64url({ ...header, alg: 'none' })}.${b64url(payload)}.${token.split('.')[2]}`;
    assert.equal(await statusWith(keptSig), 401);
    for (const alg of ['None', 'NONE']) {
      assert.equal(await statusWith(`${b64url({ ...header, alg })}.${b64url(payload)}.`), 401, alg);
    }
  });

  test('signed with an unknown key (under the server kid, and under an unknown kid)', async () => {
    const { header, payload } = await realToken();
    const { privateKey } = await jose.generateKeyPair('ES256');
    const underServerKid = await new jose.SignJWT(payload).setProtectedHeader(header).sign(privateKey);
    assert.equal(await statusWith(underServerKid), 401);
    const underOtherKid = await new jose.SignJWT(payload).setProtectedHeader({ ...header, kid: 'attacker-key' }).sign(privateKey);
    assert.equal(await statusWith(underOtherKid), 401);
  });

  test('a tampered payload (scope widened) under the original signature', async () => {
    const { payload, token } = await realToken();
    const [h, , sig] = token.split('.');
    const widened = `${h}.${b64url({ ...payload, scope: 'admin accounts.read' })}.${sig}`;
    assert.equal(await statusWith(widened), 401);
  });

  test('HS256 signed with the server public key as the HMAC secret', async () => {
    const { header, payload } = await realToken();
    const jwks = await (await fetch(`${s.url}/oauth2/jwks`)).json();
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    assert.ok(jwk, 'the token kid is in the JWKS');
    const pub = createPublicKey({ key: jwk, format: 'jwk' });
    const secrets = {
      'JWK JSON': JSON.stringify(jwk),
      'JWKS JSON': JSON.stringify(jwks),
      'SPKI PEM': pub.export({ type: 'spki', format: 'pem' }),
      'SPKI DER': pub.export({ type: 'spki', format: 'der' }),
      'raw point': Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]),
      x: Buffer.from(jwk.x, 'base64url'),
    };
    for (const [what, secret] of Object.entries(secrets)) {
      assert.equal(await statusWith(hs256({ ...header, alg: 'HS256' }, payload, secret)), 401, what);
    }
  });

  test('expired (signed with the server key, exp 2 min ago: past the 60 s leeway)', async () => {
    const { payload } = await realToken();
    assert.equal(await statusWith(await serverSigned(payload)), 200, 'control: the same claims re-signed are accepted');
    const now = Math.floor(Date.now() / 1000);
    const expired = await serverSigned({ ...payload, iat: now - 420, nbf: now - 420, exp: now - 120 });
    assert.equal(await statusWith(expired), 401);
  });

  test('wrong aud (signed with the server key)', async () => {
    const { payload } = await realToken();
    assert.equal(await statusWith(await serverSigned(payload)), 200, 'control: the same claims re-signed are accepted');
    assert.equal(await statusWith(await serverSigned({ ...payload, aud: 'https://other.example/v1' })), 401, 'other API');
    assert.equal(await statusWith(await serverSigned({ ...payload, aud: s.issuer })), 401, 'the issuer is not the API');
  });

  test('wrong iss, wrong typ, or nbf in the future (signed with the server key)', async () => {
    const { payload } = await realToken();
    assert.equal(await statusWith(await serverSigned(payload)), 200, 'control: the same claims re-signed are accepted');
    assert.equal(await statusWith(await serverSigned({ ...payload, iss: 'https://evil.example' })), 401, 'iss');
    assert.equal(await statusWith(await serverSigned(payload, { typ: 'JWT' })), 401, 'typ JWT');
    const now = Math.floor(Date.now() / 1000);
    assert.equal(await statusWith(await serverSigned({ ...payload, nbf: now + 300, iat: now + 300, exp: now + 600 })), 401, 'nbf 5 min ahead');
  });

  test('an ID token is not an access token (typ JWT, aud = client_id)', async () => {
    const c = await s.customerWithAccounts();
    const u = await s.createCustomerUser(c.customer);
    const app = await s.createUserApp();
    const { tokens } = await s.codeFlow(app, u, { accounts: [c.funded] });
    assert.equal(await statusWith(tokens.access_token), 200, 'control: the access token works');
    assert.equal(await statusWith(tokens.id_token), 401);
  });
});

describe('scope escalation → invalid_scope', () => {
  test('at the token endpoint: a scope the app may not have', async () => {
    const app = await s.createApp({ scope: 'accounts.read' });
    const config = await s.oidc(app);
    for (const scope of ['accounts.read payments.write', 'admin']) {
      const e = await oauthError(() => client.clientCredentialsGrant(config, { scope }));
      assert.equal(e.error, 'invalid_scope', scope);
      assert.equal(e.status, 400, scope);
    }
    await s.ccToken(app, 'accounts.read'); // control
  });

  test('at refresh: more than was granted (even a scope the app may have)', async () => {
    const c = await s.customerWithAccounts();
    const u = await s.createCustomerUser(c.customer);
    const app = await s.createUserApp(); // may have balances.read, payments.write
    const { tokens, config } = await s.codeFlow(app, u, { accounts: [c.funded], scope: 'openid offline_access accounts.read' });
    const e = await oauthError(() =>
      client.refreshTokenGrant(config, tokens.refresh_token, { scope: 'openid offline_access accounts.read balances.read' }),
    );
    assert.equal(e.error, 'invalid_scope');
    assert.equal(e.status, 400);
    const e2 = await oauthError(() => client.refreshTokenGrant(config, tokens.refresh_token, { scope: 'admin' }));
    assert.equal(e2.error, 'invalid_scope', 'a scope the app may not have either');
  });
});

describe('authorize refuses, without an open redirect', () => {
  async function authorize(params) {
    const app = await s.createUserApp();
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: app.client_id,
      redirect_uri: REDIRECT_URI,
      scope: 'openid accounts.read',
      state: 'st-' + Math.random().toString(36).slice(2),
      ...params,
    });
    for (const [k, v] of Object.entries(params)) if (v === undefined) q.delete(k);
    const r = await fetch(`${s.url}/oauth2/authorize?${q}`, { redirect: 'manual' });
    return { status: r.status, location: r.headers.get('location'), text: await r.text(), state: q.get('state') };
  }

  function assertRedirectedError(r, what) {
    assert.ok(r.status >= 300 && r.status < 400, `${what}: a redirect, got ${r.status} ${r.text.slice(0, 200)}`);
    const loc = new URL(r.location);
    assert.equal(`${loc.origin}${loc.pathname}`, REDIRECT_URI, `${what}: to the redirect_uri`);
    assert.equal(loc.searchParams.get('error'), 'invalid_request', `${what}: ${loc}`);
    assert.equal(loc.searchParams.get('state'), r.state, `${what}: state echoed`);
    assert.equal(loc.searchParams.get('code'), null);
    // RFC 9207 §2: advertised authorization_response_iss_parameter_supported → iss on errors too.
    assert.equal(loc.searchParams.get('iss'), s.issuer, `${what}: iss`);
  }

  test('PKCE missing → redirect with error=invalid_request', async () => {
    assertRedirectedError(await authorize({}), 'no code_challenge');
  });

  test('PKCE plain → redirect with error=invalid_request', async () => {
    const verifier = client.randomPKCECodeVerifier();
    assertRedirectedError(await authorize({ code_challenge: verifier, code_challenge_method: 'plain' }), 'plain');
    // RFC 7636 §4.3: no method means plain.
    assertRedirectedError(await authorize({ code_challenge: verifier }), 'method omitted (= plain)');
  });

  test('redirect URI mismatch → 400 error page, not redirected', async () => {
    const challenge = await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier());
    const ok = await authorize({ code_challenge: challenge, code_challenge_method: 'S256' });
    assert.equal(ok.status, 303, `control: the registered redirect_uri is accepted: ${ok.status}`);
    assert.equal(new URL(ok.location, s.url).pathname, '/oauth2/login');
    for (const uri of ['https://evil.example/cb', `${REDIRECT_URI}/more`, `${REDIRECT_URI}?x=1`, REDIRECT_URI.replace('https', 'http')]) {
      const r = await authorize({ redirect_uri: uri, code_challenge: challenge, code_challenge_method: 'S256' });
      assert.equal(r.status, 400, `${uri}: ${r.status} ${r.text.slice(0, 200)}`);
      assert.equal(r.location, null, `${uri}: not redirected`);
    }
  });
});

describe('replay and reuse', () => {
  test('a code redeemed twice → invalid_grant, and the first redemption tokens stop working', async () => {
    const c = await s.customerWithAccounts();
    const u = await s.createCustomerUser(c.customer);
    const app = await s.createUserApp();
    const { tokens, config, callback, verifier, state, nonce } = await s.codeFlow(app, u, { accounts: [c.funded] });
    const path = `/v1/accounts/${c.funded}/balances`;
    let r = await s.api('GET', path, { key: tokens.access_token });
    assert.equal(r.status, 200, `control: ${r.text}`);

    const e = await oauthError(() =>
      client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }),
    );
    assert.equal(e.error, 'invalid_grant');
    r = await s.api('GET', path, { key: tokens.access_token });
    assert.equal(r.status, 401, `the first access token is revoked: ${r.text}`);
    const e2 = await oauthError(() => client.refreshTokenGrant(config, tokens.refresh_token));
    assert.equal(e2.error, 'invalid_grant', 'the first refresh token is revoked');
  });

  test('refresh token reuse: the old one → invalid_grant, then the rotated one and its access token are dead', async () => {
    const c = await s.customerWithAccounts();
    const u = await s.createCustomerUser(c.customer);
    const app = await s.createUserApp({ refresh_token_rotation: true });
    const { tokens, config } = await s.codeFlow(app, u, { accounts: [c.funded] });
    const rotated = await client.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(rotated.refresh_token && rotated.refresh_token !== tokens.refresh_token, 'rotated');
    await s.verifyAccessToken(rotated.access_token, { client_id: app.client_id });
    const path = `/v1/accounts/${c.funded}/balances`;
    let r = await s.api('GET', path, { key: rotated.access_token });
    assert.equal(r.status, 200, `control: ${r.text}`);

    const e = await oauthError(() => client.refreshTokenGrant(config, tokens.refresh_token));
    assert.equal(e.error, 'invalid_grant', 'the retired refresh token');
    const e2 = await oauthError(() => client.refreshTokenGrant(config, rotated.refresh_token));
    assert.equal(e2.error, 'invalid_grant', 'the rotated refresh token died with the grant');
    r = await s.api('GET', path, { key: rotated.access_token });
    assert.equal(r.status, 401, `the grant's access token died too: ${r.text}`);
  });
});

describe('codes and pushed requests are bound to their client, redirect_uri and verifier', () => {
  // Runs login + consent and returns the callback without redeeming the code.
  async function codeOnly() {
    const c = await s.customerWithAccounts();
    const u = await s.createCustomerUser(c.customer);
    const app = await s.createUserApp();
    const config = await s.oidc(app);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = await client.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid accounts.read',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const callback = await new Browser(s).followLogin(url, { ...u, accounts: [c.funded] });
    const code = callback.searchParams.get('code');
    assert.ok(code, `a code: ${callback}`);
    return { app, config, verifier, state, callback, code, c, u };
  }

  function redeem(app, fields) {
    return s.form('/oauth2/token', { grant_type: 'authorization_code', redirect_uri: REDIRECT_URI, ...fields }, {
      auth: { id: app.client_id, secret: app.client_secret },
    });
  }

  test('a wrong code_verifier → invalid_grant', async () => {
    const { app, code } = await codeOnly();
    const r = await redeem(app, { code, code_verifier: client.randomPKCECodeVerifier() });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_grant', r.text);
  });

  test('a redirect_uri other than the authorized one at the token endpoint → invalid_grant', async () => {
    const { app, code, verifier } = await codeOnly();
    const r = await redeem(app, { code, code_verifier: verifier, redirect_uri: 'https://client.example/other' });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_grant', r.text);
  });

  test("another client redeeming the code → invalid_grant", async () => {
    const { code, verifier } = await codeOnly();
    const other = await s.createUserApp();
    const r = await redeem(other, { code, code_verifier: verifier });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'invalid_grant', r.text);
  });

  test("another client's request_uri at /oauth2/authorize → 400 page, nothing issued", async () => {
    const a = await s.createUserApp();
    const b = await s.createUserApp();
    const par = await s.form('/oauth2/par', {
      client_id: a.client_id,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid accounts.read',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 'st',
    }, { auth: { id: a.client_id, secret: a.client_secret } });
    assert.equal(par.status, 201, par.text);
    const q = new URLSearchParams({ client_id: b.client_id, request_uri: par.body.request_uri });
    const r = await fetch(`${s.url}/oauth2/authorize?${q}`, { redirect: 'manual' });
    assert.equal(r.status, 400, `${r.status} ${r.headers.get('location')}`);
    assert.equal(r.headers.get('location'), null);
  });

  test("an app cannot have another app's consent authorised through it", async () => {
    const c = await s.customerWithAccounts();
    const u = await s.createCustomerUser(c.customer);
    const owner = await s.createUserApp();
    const ownerToken = await s.ccToken(owner, 'consents.write consents.read');
    const k = await s.api('POST', '/v1/consents', { key: ownerToken, body: { permissions: 'accounts.read' } });
    assert.equal(k.status, 201, k.text);
    const thief = await s.createUserApp();
    const config = await s.oidc(thief);
    const url = await client
      .buildAuthorizationUrlWithPAR(config, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid accounts.read',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state: 'st',
        consent_id: k.body.id,
      })
      .catch((e) => e);
    if (url instanceof URL) {
      let callback;
      try {
        callback = await new Browser(s).followLogin(url, { ...u, accounts: [c.funded] });
      } catch (e) {
        assert.ok(e.page && e.page.status >= 400 && e.page.status < 500, e.message);
      }
      if (callback) assert.equal(callback.searchParams.get('code'), null, `no code for a foreign consent: ${callback}`);
    } else {
      assert.ok(url instanceof client.ResponseBodyError, `PAR refused with an OAuth error: ${url}`);
    }
    const after = await s.api('GET', `/v1/consents/${k.body.id}`, { key: ownerToken });
    assert.equal(after.body.status, 'awaiting_authorisation', after.text);
  });
});

describe('tenant isolation', () => {
  test("a token of tenant A asking for tenant B's account → 404", async () => {
    const t = await s.api('POST', '/v1/tenants', { body: { name: 'Tenant B', sandbox: true } });
    assert.equal(t.status, 201, t.text);
    const keyB = t.body.admin_api_key.secret;
    const b = await s.customerWithAccounts({ key: keyB });
    const a = await s.customerWithAccounts();

    const app = await s.createApp({ scope: 'accounts.read balances.read' });
    const token = await s.ccToken(app, 'accounts.read balances.read');
    let r = await s.api('GET', `/v1/accounts/${a.funded}`, { key: token });
    assert.equal(r.status, 200, `control: own tenant's account: ${r.text}`);
    r = await s.api('GET', `/v1/accounts/${b.funded}`, { key: token });
    assert.equal(r.status, 404, r.text);
    r = await s.api('GET', `/v1/accounts/${b.funded}/balances`, { key: token });
    assert.equal(r.status, 404, r.text);
  });

  test("a user of tenant B cannot sign in through tenant A's app", async () => {
    const t = await s.api('POST', '/v1/tenants', { body: { name: 'Tenant C', sandbox: true } });
    assert.equal(t.status, 201, t.text);
    const keyB = t.body.admin_api_key.secret;
    const cb = await s.customerWithAccounts({ key: keyB });
    const ub = await s.createCustomerUser(cb.customer, { key: keyB });
    const appA = await s.createUserApp();
    await assert.rejects(s.codeFlow(appA, ub, { accounts: [cb.funded] }), (e) => {
      assert.ok(e.page, `stopped on a page: ${e.message}`);
      assert.equal(e.page.status, 401, `the login is refused: ${e.message}`);
      return true;
    });
  });
});

describe('password guessing', () => {
  test('5 wrong passwords lock the user: the right password then gets 429 with Retry-After', async () => {
    const c = await s.customerWithAccounts();
    const u = await s.createCustomerUser(c.customer);
    const app = await s.createUserApp();
    const config = await s.oidc(app);
    const verifier = client.randomPKCECodeVerifier();
    const url = await client.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid accounts.read',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: client.randomState(),
    });
    const b = new Browser(s);
    const first = await b.get(url);
    assert.equal(first.status, 303);
    let page = await b.get(new URL(first.headers.get('location'), s.url));
    let [form] = parseForms(page.text);
    assert.ok(form, 'login form');
    for (let i = 1; i <= 5; i++) {
      const r = await b.submit(page, form, { username: u.username, password: `wrong-password-${i}` });
      // The 5th failure is the one that locks: docs/oauth.md leaves open whether it still
      // answers 401 or already 429.
      if (i < 5) assert.equal(r.status, 401, `wrong password #${i}: ${r.status}`);
      else assert.ok(r.status === 401 || r.status === 429, `wrong password #${i}: ${r.status}`);
      const again = parseForms(r.text).find((f) => f.fields.some((x) => x.name === 'password'));
      if (again) {
        page = r;
        form = again;
      }
    }
    const locked = await b.submit(page, form, { username: u.username, password: u.password });
    assert.equal(locked.status, 429, `the right password while locked: ${locked.status} ${locked.text.slice(0, 200)}`);
    const retry = locked.headers.get('retry-after');
    assert.ok(retry && Number(retry) > 0, `Retry-After: ${retry}`);
  });
});
