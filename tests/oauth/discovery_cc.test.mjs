// Discovery, JWKS and the client credentials grant (openid-client), every token verified with jose.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { client, jose, oauthError, pollUntil, startServer, totpAt } from './lib.mjs';

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

describe('harness', () => {
  test('the bootstrap admin key creates a customer with two EUR accounts, the first funded', async () => {
    const c = await s.customerWithAccounts();
    assert.match(c.customer, /^cus_/);
    assert.notEqual(c.funded, c.other);
    const r = await s.api('GET', `/v1/accounts/${c.funded}/balances`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.current, '100.00', r.text);
    const r2 = await s.api('GET', `/v1/accounts/${c.other}/balances`);
    assert.equal(r2.body.current, '0.00', r2.text);
  });

  test('the TOTP helper matches RFC 6238 Appendix B (SHA-1)', () => {
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // base32 of "12345678901234567890"
    // 8-digit vectors 94287082 (T=59), 07081804 (T=1111111109), 89005924 (T=1234567890): last 6.
    assert.equal(totpAt(secret, Math.floor(59 / 30)), '287082');
    assert.equal(totpAt(secret, Math.floor(1111111109 / 30)), '081804');
    assert.equal(totpAt(secret, Math.floor(1234567890 / 30)), '005924');
  });
});

describe('discovery', () => {
  test('openid-client discovers the issuer; the document names every endpoint of docs/oauth.md', async () => {
    const app = await s.createApp();
    const config = await s.oidc(app);
    const m = config.serverMetadata();
    const iss = s.issuer;
    assert.equal(m.issuer, iss);
    assert.equal(m.authorization_endpoint, `${iss}/oauth2/authorize`);
    assert.equal(m.token_endpoint, `${iss}/oauth2/token`);
    assert.equal(m.jwks_uri, `${iss}/oauth2/jwks`);
    assert.equal(m.pushed_authorization_request_endpoint, `${iss}/oauth2/par`);
    assert.equal(m.introspection_endpoint, `${iss}/oauth2/introspect`);
    assert.equal(m.revocation_endpoint, `${iss}/oauth2/revoke`);
    assert.equal(m.userinfo_endpoint, `${iss}/oauth2/userinfo`);
    assert.equal(m.registration_endpoint, `${iss}/oauth2/register`);
    // OIDC Discovery 1.0 §3 REQUIRED members.
    assert.ok(m.response_types_supported?.includes('code'), 'response_types_supported has code');
    assert.ok(Array.isArray(m.subject_types_supported) && m.subject_types_supported.length > 0, 'subject_types_supported');
    assert.ok(m.id_token_signing_alg_values_supported?.includes('ES256'), 'ES256 ID tokens');
    // PKCE: S256 only (plain is refused, so it must not be advertised).
    assert.ok(m.code_challenge_methods_supported?.includes('S256'), 'S256 advertised');
    assert.ok(!m.code_challenge_methods_supported.includes('plain'), 'plain not advertised');
    for (const g of ['client_credentials', 'authorization_code', 'refresh_token']) {
      assert.ok(m.grant_types_supported?.includes(g), `grant_types_supported has ${g}`);
    }
    for (const a of ['client_secret_basic', 'client_secret_post', 'private_key_jwt']) {
      assert.ok(m.token_endpoint_auth_methods_supported?.includes(a), `token_endpoint_auth_methods_supported has ${a}`);
    }
  });

  test('the JWKS holds ES256 P-256 public keys with kids and nothing private', async () => {
    const r = await fetch(`${s.url}/oauth2/jwks`);
    assert.equal(r.status, 200);
    const jwks = await r.json();
    assert.ok(Array.isArray(jwks.keys) && jwks.keys.length >= 1, JSON.stringify(jwks));
    for (const k of jwks.keys) {
      assert.equal(k.kty, 'EC', JSON.stringify(k));
      assert.equal(k.crv, 'P-256', JSON.stringify(k));
      assert.ok(k.kid, 'kid');
      if (k.alg !== undefined) assert.equal(k.alg, 'ES256');
      if (k.use !== undefined) assert.equal(k.use, 'sig');
      assert.ok(!('d' in k), 'no private key material');
    }
    assert.equal(new Set(jwks.keys.map((k) => k.kid)).size, jwks.keys.length, 'kids are unique');
  });
});

describe('client credentials', () => {
  test('client_secret_basic: a verified at+jwt with client_id, scope, tenant; it works on /v1', async () => {
    const app = await s.createApp({ scope: 'accounts.read balances.read' });
    const config = await s.oidc(app, { auth: client.ClientSecretBasic(app.client_secret) });
    const t = await client.clientCredentialsGrant(config, { scope: 'accounts.read' });
    assert.equal(t.token_type.toLowerCase(), 'bearer');
    assert.ok(t.expires_in > 0 && t.expires_in <= 600, `expires_in ${t.expires_in}`);
    const claims = await s.verifyAccessToken(t.access_token, {
      client_id: app.client_id,
      sub: app.client_id,
      scope: 'accounts.read',
      tenant: s.tenantId,
    });
    assert.ok(claims.nbf === undefined || claims.nbf <= claims.iat + 1, 'nbf not after iat');
    assert.ok(Math.abs(t.expires_in - (claims.exp - claims.iat)) <= 1, `expires_in ${t.expires_in} matches exp - iat`);
    const r = await s.api('GET', '/v1/accounts', { key: t.access_token });
    assert.equal(r.status, 200, r.text);
  });

  test('client_secret_post: a verified access token', async () => {
    const app = await s.createApp({ token_endpoint_auth_method: 'client_secret_post' });
    const config = await s.oidc(app, { auth: client.ClientSecretPost(app.client_secret) });
    const t = await client.clientCredentialsGrant(config, { scope: 'balances.read' });
    await s.verifyAccessToken(t.access_token, { client_id: app.client_id, scope: 'balances.read', tenant: s.tenantId });
  });

  test('the token answer is JSON with Cache-Control: no-store', async () => {
    const app = await s.createApp();
    const r = await s.form('/oauth2/token', { grant_type: 'client_credentials', scope: 'accounts.read' }, {
      auth: { id: app.client_id, secret: app.client_secret },
    });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type') || '', /^application\/json/);
    assert.match(r.headers.get('cache-control') || '', /no-store/);
    assert.equal(String(r.body.token_type).toLowerCase(), 'bearer');
    await s.verifyAccessToken(r.body.access_token, { client_id: app.client_id });
  });

  test('a wrong client secret → 401 invalid_client', async () => {
    const app = await s.createApp();
    const r = await s.form('/oauth2/token', { grant_type: 'client_credentials', scope: 'accounts.read' }, {
      auth: { id: app.client_id, secret: app.client_secret + 'x' },
    });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.error, 'invalid_client', r.text);
    // And through openid-client.
    const config = await s.oidc({ client_id: app.client_id, client_secret: 'wrong-' + app.client_secret });
    const e = await oauthError(() => client.clientCredentialsGrant(config, { scope: 'accounts.read' }));
    assert.equal(e.error, 'invalid_client');
  });

  test('a grant type the server does not support → unsupported_grant_type', async () => {
    const app = await s.createApp();
    const r = await s.form('/oauth2/token', { grant_type: 'password', username: 'x', password: 'y' }, {
      auth: { id: app.client_id, secret: app.client_secret },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'unsupported_grant_type', r.text);
  });

  test('an app not registered for client_credentials → unauthorized_client', async () => {
    const app = await s.createApp({ grant_types: ['authorization_code'] });
    const r = await s.form('/oauth2/token', { grant_type: 'client_credentials', scope: 'accounts.read' }, {
      auth: { id: app.client_id, secret: app.client_secret },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error, 'unauthorized_client', r.text);
  });

  test('rotate_secret: the old secret is refused, the new one works', async () => {
    const app = await s.createApp();
    const r = await s.api('POST', `/v1/apps/${app.id}/rotate_secret`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.client_secret && r.body.client_secret !== app.client_secret, 'a new secret, shown once');
    const old = await s.form('/oauth2/token', { grant_type: 'client_credentials', scope: 'accounts.read' }, {
      auth: { id: app.client_id, secret: app.client_secret },
    });
    assert.equal(old.body.error, 'invalid_client', old.text);
    await s.ccToken({ ...app, client_secret: r.body.client_secret }, 'accounts.read');
  });

  test('GET /v1/apps and /v1/apps/{id} never show the secret', async () => {
    const app = await s.createApp();
    let r = await s.api('GET', `/v1/apps/${app.id}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.client_id, app.client_id);
    assert.ok(!r.body.client_secret, r.text);
    r = await s.api('GET', '/v1/apps');
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.data.some((a) => a.client_id === app.client_id));
    assert.ok(!r.text.includes(app.client_secret), 'no secret in the list');
  });

  test('GET /v1/apps/{id}/usage counts the app token requests (flushed within ~10 s)', async () => {
    const app = await s.createApp();
    const token = await s.ccToken(app, 'accounts.read');
    const calls = 3;
    for (let i = 0; i < calls; i++) {
      const r = await s.api('GET', '/v1/accounts', { key: token });
      assert.equal(r.status, 200, r.text);
    }
    const usage = await pollUntil(
      async () => {
        const r = await s.api('GET', `/v1/apps/${app.id}/usage`);
        assert.equal(r.status, 200, r.text);
        const total = r.body.data.reduce((n, d) => n + d.requests, 0);
        return total >= calls ? r.body : null;
      },
      { timeoutMs: 25000, intervalMs: 500, what: `${calls} requests in the usage of ${app.id}` },
    );
    for (const d of usage.data) {
      assert.match(d.day, /^\d{4}-\d{2}-\d{2}$/, JSON.stringify(d));
      assert.equal(typeof d.route, 'string');
    }
  });

  test('a revoked app gets no more tokens (invalid_client)', async () => {
    const app = await s.createApp();
    await s.ccToken(app, 'accounts.read');
    const r = await s.api('POST', `/v1/apps/${app.id}/revoke`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'revoked');
    const t = await s.form('/oauth2/token', { grant_type: 'client_credentials', scope: 'accounts.read' }, {
      auth: { id: app.client_id, secret: app.client_secret },
    });
    assert.equal(t.body.error, 'invalid_client', t.text);
  });

  test('OAuth errors are {error, error_description} JSON (RFC 6749 §5.2)', async () => {
    const app = await s.createApp({ scope: 'accounts.read' });
    const r = await s.form('/oauth2/token', { grant_type: 'client_credentials', scope: 'admin' }, {
      auth: { id: app.client_id, secret: app.client_secret },
    });
    assert.equal(r.status, 400, r.text);
    assert.match(r.headers.get('content-type') || '', /^application\/json/);
    assert.equal(r.body.error, 'invalid_scope');
    assert.equal(typeof r.body.error_description, 'string', r.text);
  });

  test('a token without the route scope gets 403 on /v1 (POST /v1/customers needs customers.write)', async () => {
    const app = await s.createApp({ scope: 'accounts.read customers.read' });
    const token = await s.ccToken(app, 'accounts.read');
    const r = await s.api('POST', '/v1/customers', { key: token, body: { type: 'individual', name: 'No Scope' } });
    assert.equal(r.status, 403, r.text);
  });
});

describe('signing key rotation', () => {
  test('POST /v1/signing_keys/rotate: new tokens carry the new kid, the old key stays in the JWKS and old tokens keep working', async () => {
    const app = await s.createApp();
    const before = await s.ccToken(app, 'accounts.read');
    const oldKid = jose.decodeProtectedHeader(before).kid;
    const r = await s.api('POST', '/v1/signing_keys/rotate');
    assert.ok(r.status === 200 || r.status === 201, `${r.status} ${r.text}`);
    const jwks = await (await fetch(`${s.url}/oauth2/jwks`)).json();
    const kids = jwks.keys.map((k) => k.kid);
    assert.ok(kids.includes(oldKid), `the old key is still published: ${kids}`);
    assert.ok(kids.length >= 2, `a new key is published: ${kids}`);
    const after = await s.ccToken(app, 'accounts.read'); // verified against the JWKS
    const newKid = jose.decodeProtectedHeader(after).kid;
    assert.notEqual(newKid, oldKid, 'new tokens are signed with the new key');
    assert.ok(kids.includes(newKid));
    await s.verifyAccessToken(before, { client_id: app.client_id });
    for (const t of [before, after]) {
      const res = await s.api('GET', '/v1/accounts', { key: t });
      assert.equal(res.status, 200, res.text);
    }
  });
});
