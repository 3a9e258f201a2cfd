// Refresh (RFC 6749 §6, rotation), introspection (RFC 7662) and revocation (RFC 7009) with
// openid-client; every access token verified with jose.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { apiScopes, client, oauthError, scopeSet, startServer } from './lib.mjs';

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

// A signed-in customer's tokens from a fresh app (rotation per `appFields`).
async function signedIn(appFields = {}) {
  const c = await s.customerWithAccounts();
  const u = await s.createCustomerUser(c.customer);
  const app = await s.createUserApp(appFields);
  const flow = await s.codeFlow(app, u, { accounts: [c.funded] });
  assert.ok(flow.tokens.refresh_token, 'a refresh token');
  return { c, u, app, ...flow };
}

describe('refresh', () => {
  test('refresh with rotation: a new verified access token, a new refresh token, the same scope', async () => {
    const { u, app, tokens, config, c } = await signedIn();
    const first = await s.verifyAccessToken(tokens.access_token);
    const next = await client.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(next.refresh_token, 'rotation returns a new refresh token');
    assert.notEqual(next.refresh_token, tokens.refresh_token);
    assert.notEqual(next.access_token, tokens.access_token);
    const claims = await s.verifyAccessToken(next.access_token, {
      client_id: app.client_id,
      sub: u.id,
      tenant: s.tenantId,
      customer: c.customer,
    });
    assert.deepEqual(scopeSet(claims.scope), scopeSet(first.scope));
    assert.notEqual(claims.jti, first.jti);
    assert.equal(claims.grant, first.grant, 'same grant');
    const r = await s.api('GET', `/v1/accounts/${c.funded}/balances`, { key: next.access_token });
    assert.equal(r.status, 200, r.text);
  });

  test('refresh may narrow the scope', async () => {
    const { tokens, config } = await signedIn();
    const next = await client.refreshTokenGrant(config, tokens.refresh_token, { scope: 'openid accounts.read' });
    const claims = await s.verifyAccessToken(next.access_token);
    assert.deepEqual(apiScopes(claims.scope), ['accounts.read'], `scope ${claims.scope}`);
  });

  test('without rotation (refresh_token_rotation: false) the same refresh token keeps working', async () => {
    const { tokens, config } = await signedIn({ refresh_token_rotation: false });
    const a = await client.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(a.refresh_token === undefined || a.refresh_token === tokens.refresh_token, 'not rotated');
    const b = await client.refreshTokenGrant(config, tokens.refresh_token);
    await s.verifyAccessToken(a.access_token);
    await s.verifyAccessToken(b.access_token);
  });

  test("another client cannot use the user's refresh token → invalid_grant", async () => {
    const { tokens } = await signedIn();
    const other = await s.createUserApp();
    const config = await s.oidc(other);
    const e = await oauthError(() => client.refreshTokenGrant(config, tokens.refresh_token));
    assert.equal(e.error, 'invalid_grant');
  });
});

describe('introspection (RFC 7662)', () => {
  test('an active access token → active: true with scope, client_id, sub, exp of the JWT', async () => {
    const { tokens, config, app, u } = await signedIn();
    const claims = await s.verifyAccessToken(tokens.access_token);
    const info = await client.tokenIntrospection(config, tokens.access_token);
    assert.equal(info.active, true, JSON.stringify(info));
    assert.deepEqual(scopeSet(info.scope), scopeSet(claims.scope));
    assert.equal(info.client_id, app.client_id);
    assert.equal(info.sub, u.id);
    assert.equal(info.exp, claims.exp);
  });

  test('a client-credentials token → active with sub = client_id', async () => {
    const app = await s.createUserApp();
    const token = await s.ccToken(app, 'accounts.read');
    const config = await s.oidc(app);
    const info = await client.tokenIntrospection(config, token);
    assert.equal(info.active, true, JSON.stringify(info));
    assert.equal(info.client_id, app.client_id);
    assert.equal(info.sub, app.client_id);
    assert.deepEqual(scopeSet(info.scope), ['accounts.read']);
  });

  test('a revoked access token → active: false, and /v1 refuses it (401)', async () => {
    const { tokens, config, c } = await signedIn();
    let r = await s.api('GET', `/v1/accounts/${c.funded}/balances`, { key: tokens.access_token });
    assert.equal(r.status, 200, r.text);
    await client.tokenRevocation(config, tokens.access_token);
    const info = await client.tokenIntrospection(config, tokens.access_token);
    assert.equal(info.active, false, JSON.stringify(info));
    r = await s.api('GET', `/v1/accounts/${c.funded}/balances`, { key: tokens.access_token });
    assert.equal(r.status, 401, r.text);
  });

  test('an unknown token → active: false', async () => {
    const app = await s.createUserApp();
    const config = await s.oidc(app);
    const info = await client.tokenIntrospection(config, 'rt_' + 'A'.repeat(43));
    assert.deepEqual({ ...info }, { active: false }, 'nothing else about an inactive token (RFC 7662 §2.2)');
  });

  test('introspection needs client authentication → 401 invalid_client', async () => {
    const app = await s.createUserApp();
    const token = await s.ccToken(app, 'accounts.read');
    let r = await s.form('/oauth2/introspect', { token });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.error, 'invalid_client', r.text);
    r = await s.form('/oauth2/introspect', { token }, { auth: { id: app.client_id, secret: 'wrong' } });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.error, 'invalid_client', r.text);
  });
});

describe('revocation (RFC 7009)', () => {
  test('a revoked refresh token no longer refreshes (invalid_grant) and introspects inactive', async () => {
    const { tokens, config } = await signedIn();
    let info = await client.tokenIntrospection(config, tokens.refresh_token);
    assert.equal(info.active, true, `refresh token active before: ${JSON.stringify(info)}`);
    await client.tokenRevocation(config, tokens.refresh_token, { token_type_hint: 'refresh_token' });
    const e = await oauthError(() => client.refreshTokenGrant(config, tokens.refresh_token));
    assert.equal(e.error, 'invalid_grant');
    info = await client.tokenIntrospection(config, tokens.refresh_token);
    assert.equal(info.active, false, JSON.stringify(info));
  });

  test('revoking an unknown token answers 200', async () => {
    const app = await s.createUserApp();
    const r = await s.form('/oauth2/revoke', { token: 'no-such-token' }, { auth: { id: app.client_id, secret: app.client_secret } });
    assert.equal(r.status, 200, r.text);
  });

  test('revocation needs client authentication → 401 invalid_client', async () => {
    const { tokens, config, app } = await signedIn();
    const r = await s.form('/oauth2/revoke', { token: tokens.refresh_token }, { auth: { id: app.client_id, secret: 'wrong' } });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.error, 'invalid_client', r.text);
    const next = await client.refreshTokenGrant(config, tokens.refresh_token);
    await s.verifyAccessToken(next.access_token);
  });

  test("a client cannot revoke another client's refresh token", async () => {
    const { tokens, config } = await signedIn();
    const other = await s.createUserApp();
    const r = await s.form('/oauth2/revoke', { token: tokens.refresh_token }, { auth: { id: other.client_id, secret: other.client_secret } });
    assert.ok(r.status < 500, `${r.status} ${r.text}`);
    const next = await client.refreshTokenGrant(config, tokens.refresh_token);
    await s.verifyAccessToken(next.access_token);
  });
});

describe('sessions', () => {
  test('POST /v1/sessions/{id}/revoke revokes every grant issued in the session', async () => {
    const { u, tokens, config, c } = await signedIn();
    const path = `/v1/accounts/${c.funded}/balances`;
    let r = await s.api('GET', path, { key: tokens.access_token });
    assert.equal(r.status, 200, `control: ${r.text}`);
    r = await s.api('GET', `/v1/users/${u.id}/sessions`);
    assert.equal(r.status, 200, r.text);
    const sid = tokens.claims().sid;
    const session = r.body.data.find((x) => x.id === sid);
    assert.ok(session, `the ID token sid ${sid} is among the user's sessions: ${r.text}`);
    assert.equal(session.status, 'active');
    r = await s.api('POST', `/v1/sessions/${sid}/revoke`);
    assert.equal(r.status, 200, r.text);
    r = await s.api('GET', path, { key: tokens.access_token });
    assert.equal(r.status, 401, `the access token of the session's grant: ${r.text}`);
    const e = await oauthError(() => client.refreshTokenGrant(config, tokens.refresh_token));
    assert.equal(e.error, 'invalid_grant', 'the refresh token of the session grant');
  });
});
