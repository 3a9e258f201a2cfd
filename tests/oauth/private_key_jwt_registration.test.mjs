// private_key_jwt client authentication (RFC 7523, assertion replay refused) and dynamic
// client registration (RFC 7591, the admin API key as initial access token).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { client, jose, oauthError, startServer } from './lib.mjs';

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

// An ES256 key pair and an app registered with its public JWK.
async function keyApp() {
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k-' + randomUUID(), alg: 'ES256', use: 'sig' };
  const app = await s.createApp({
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [jwk] },
    scope: 'accounts.read balances.read',
  });
  assert.ok(!app.client_secret, 'a private_key_jwt app has no secret');
  return { app, privateKey, kid: jwk.kid };
}

async function assertion(app, key, kid, { aud = `${s.issuer}/oauth2/token`, jti = randomUUID(), ...claims } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: app.client_id, sub: app.client_id, aud, jti, iat: now, exp: now + 120, ...claims };
  return new jose.SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid }).sign(key);
}

function ccWithAssertion(app, clientAssertion) {
  return s.form('/oauth2/token', {
    grant_type: 'client_credentials',
    scope: 'accounts.read',
    client_id: app.client_id,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: clientAssertion,
  });
}

describe('private_key_jwt', () => {
  test('openid-client with PrivateKeyJwt gets a verified client-credentials token', async () => {
    const { app, privateKey, kid } = await keyApp();
    const config = await s.oidc(app, { auth: client.PrivateKeyJwt({ key: privateKey, kid }) });
    const t = await client.clientCredentialsGrant(config, { scope: 'accounts.read' });
    await s.verifyAccessToken(t.access_token, { client_id: app.client_id, sub: app.client_id, scope: 'accounts.read', tenant: s.tenantId });
    const r = await s.api('GET', '/v1/accounts', { key: t.access_token });
    assert.equal(r.status, 200, r.text);
  });

  test('the assertion aud may be the token endpoint or the issuer', async () => {
    const { app, privateKey, kid } = await keyApp();
    for (const aud of [`${s.issuer}/oauth2/token`, s.issuer]) {
      const r = await ccWithAssertion(app, await assertion(app, privateKey, kid, { aud }));
      assert.equal(r.status, 200, `aud ${aud}: ${r.text}`);
      await s.verifyAccessToken(r.body.access_token, { client_id: app.client_id });
    }
  });

  test('RS256 and PS256 assertions from an RSA key are accepted too', async () => {
    for (const alg of ['RS256', 'PS256']) {
      const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
      const kid = 'k-' + randomUUID();
      const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg, use: 'sig' };
      const app = await s.createApp({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } });
      const now = Math.floor(Date.now() / 1000);
      const a = await new jose.SignJWT({ iss: app.client_id, sub: app.client_id, aud: `${s.issuer}/oauth2/token`, jti: randomUUID(), iat: now, exp: now + 120 })
        .setProtectedHeader({ alg, kid })
        .sign(privateKey);
      const r = await ccWithAssertion(app, a);
      assert.equal(r.status, 200, `${alg}: ${r.text}`);
      await s.verifyAccessToken(r.body.access_token, { client_id: app.client_id });
    }
  });

  test('a replayed assertion (same jti) → invalid_client', async () => {
    const { app, privateKey, kid } = await keyApp();
    const a = await assertion(app, privateKey, kid);
    const first = await ccWithAssertion(app, a);
    assert.equal(first.status, 200, `first use: ${first.text}`);
    await s.verifyAccessToken(first.body.access_token, { client_id: app.client_id });
    const again = await ccWithAssertion(app, a);
    assert.ok(again.status === 400 || again.status === 401, `${again.status} ${again.text}`);
    assert.equal(again.body.error, 'invalid_client', again.text);
    // The same jti in a freshly signed assertion is a replay too.
    const { jti } = jose.decodeJwt(a);
    const resigned = await ccWithAssertion(app, await assertion(app, privateKey, kid, { jti }));
    assert.equal(resigned.body.error, 'invalid_client', resigned.text);
  });

  test('an assertion signed by a key the app did not register → invalid_client', async () => {
    const { app, kid } = await keyApp();
    const { privateKey: other } = await jose.generateKeyPair('ES256');
    const r = await ccWithAssertion(app, await assertion(app, other, kid));
    assert.ok(r.status === 400 || r.status === 401, `${r.status} ${r.text}`);
    assert.equal(r.body.error, 'invalid_client', r.text);
  });

  test('an assertion for another audience, or expiring too far ahead → invalid_client', async () => {
    const { app, privateKey, kid } = await keyApp();
    let r = await ccWithAssertion(app, await assertion(app, privateKey, kid, { aud: 'https://other.example/token' }));
    assert.equal(r.body.error, 'invalid_client', `other aud: ${r.text}`);
    const now = Math.floor(Date.now() / 1000);
    r = await ccWithAssertion(app, await assertion(app, privateKey, kid, { exp: now + 3600 }));
    assert.equal(r.body.error, 'invalid_client', `exp 1 h ahead (max 5 min): ${r.text}`);
  });
});

describe('dynamic client registration (RFC 7591)', () => {
  const metadata = {
    client_name: 'registered client',
    grant_types: ['client_credentials'],
    scope: 'accounts.read',
    token_endpoint_auth_method: 'client_secret_basic',
  };

  test('POST /oauth2/register with the admin API key → 201 client_id/client_secret; the client gets a token', async () => {
    const res = await fetch(`${s.url}/oauth2/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.adminKey}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(metadata),
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    const reg = JSON.parse(text);
    assert.equal(typeof reg.client_id, 'string', text);
    assert.equal(typeof reg.client_secret, 'string', text);
    assert.ok(reg.client_secret.length >= 32, 'a long secret');
    // RFC 7591 §3.2.1: REQUIRED when a secret is issued (0 = it never expires).
    assert.equal(typeof reg.client_secret_expires_at, 'number', `client_secret_expires_at: ${text}`);
    const config = await s.oidc({ client_id: reg.client_id, client_secret: reg.client_secret });
    const t = await client.clientCredentialsGrant(config, { scope: 'accounts.read' });
    await s.verifyAccessToken(t.access_token, { client_id: reg.client_id, sub: reg.client_id, scope: 'accounts.read', tenant: s.tenantId });
  });

  test('openid-client dynamicClientRegistration with the initial access token', async () => {
    const config = await client.dynamicClientRegistration(
      new URL(s.issuer),
      { ...metadata, id_token_signed_response_alg: 'ES256' },
      undefined,
      { initialAccessToken: s.adminKey, execute: [client.allowInsecureRequests] },
    );
    const { client_id, client_secret } = config.clientMetadata();
    assert.ok(client_id && client_secret, 'registered');
    const cfg = await s.oidc({ client_id, client_secret });
    const t = await client.clientCredentialsGrant(cfg, { scope: 'accounts.read' });
    await s.verifyAccessToken(t.access_token, { client_id });
  });

  test('registration without or with a wrong initial access token → 401', async () => {
    for (const auth of [undefined, 'Bearer sk_not_a_key']) {
      const res = await fetch(`${s.url}/oauth2/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) },
        body: JSON.stringify(metadata),
      });
      assert.equal(res.status, 401, `${auth}: ${await res.text()}`);
    }
  });

  test('a registered client cannot exceed its registered scope → invalid_scope', async () => {
    const res = await fetch(`${s.url}/oauth2/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.adminKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(metadata),
    });
    assert.equal(res.status, 201);
    const reg = await res.json();
    const config = await s.oidc({ client_id: reg.client_id, client_secret: reg.client_secret });
    const e = await oauthError(() => client.clientCredentialsGrant(config, { scope: 'accounts.read admin' }));
    assert.equal(e.error, 'invalid_scope');
  });
});
