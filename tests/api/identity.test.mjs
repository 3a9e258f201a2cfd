// Identity resources under /v1 (apps, users, TOTP, sessions, consents, signing keys) and how
// scopes and credentials are checked. Every answer is validated against api/openapi.yaml by lib.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

import { expectError, idemKey, sleep, startServer, totpAt, totpStep } from './lib.mjs';

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

const APP_ID = /^app_[0-9A-HJKMNP-TV-Z]{26}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

// An EC P-256 key pair; the public half as a JWK the app registers.
function clientKey(kid = 'k-' + randomBytes(4).toString('hex')) {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, kid, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' } };
}

// An RFC 7523 client assertion for the token endpoint, signed ES256 with `privateKey`.
function clientAssertion(clientId, { privateKey, kid }, aud) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'ES256', typ: 'JWT', kid })}.${b64({
    iss: clientId,
    sub: clientId,
    aud,
    iat: now,
    exp: now + 60,
    jti: randomBytes(12).toString('hex'),
  })}`;
  const sig = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

describe('apps', () => {
  test('client_secret_basic: 201 with client_id and a client_secret that authenticates at /oauth2/token', async () => {
    const app = await s.createApp({ name: 'basic app', scope: 'accounts.read balances.read' });
    assert.equal(app.object, 'app');
    assert.match(app.id, APP_ID);
    assert.equal(app.client_id, app.id);
    assert.equal(app.name, 'basic app');
    assert.equal(app.token_endpoint_auth_method, 'client_secret_basic');
    assert.deepEqual(app.grant_types, ['client_credentials']);
    assert.equal(app.scope, 'accounts.read balances.read');
    assert.equal(app.status, 'active');
    assert.match(app.client_secret, SECRET);
    const token = await s.ccToken(app, 'accounts.read');
    const r = await s.api('GET', '/v1/accounts', { key: token });
    assert.equal(r.status, 200, r.text);
  });

  test('client_secret_post: the secret authenticates in the form, not with HTTP Basic', async () => {
    const app = await s.createApp({ token_endpoint_auth_method: 'client_secret_post' });
    assert.equal(app.token_endpoint_auth_method, 'client_secret_post');
    assert.match(app.client_secret, SECRET);
    let r = await s.form('/oauth2/token', { grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.scope, 'accounts.read balances.read', 'default scope: the app scope');
    r = await s.form('/oauth2/token', { grant_type: 'client_credentials' }, { basic: [app.client_id, app.client_secret] });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.error, 'invalid_client');
  });

  test('private_key_jwt with an EC P-256 JWK: no client_secret; a signed assertion gets a token', async () => {
    const key = clientKey();
    const app = await s.createApp({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.jwk] } });
    assert.equal(app.token_endpoint_auth_method, 'private_key_jwt');
    assert.ok(!('client_secret' in app), `no secret for private_key_jwt: ${JSON.stringify(app)}`);
    const r = await s.form('/oauth2/token', {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion(app.client_id, key, `${s.url}/oauth2/token`),
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.scope, 'accounts.read balances.read');
    // An assertion signed by another key is refused.
    const other = clientKey(key.kid);
    const bad = await s.form('/oauth2/token', {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion(app.client_id, other, `${s.url}/oauth2/token`),
    });
    assert.equal(bad.status, 401, bad.text);
    assert.equal(bad.body.error, 'invalid_client');
  });

  test('list (never secrets) and get', async () => {
    const app = await s.createApp({ name: 'listed app' });
    let r = await s.api('GET', '/v1/apps?limit=100');
    assert.equal(r.status, 200, r.text);
    const listed = r.body.data.find((a) => a.id === app.id);
    assert.ok(listed, 'the new app is listed');
    assert.ok(r.body.data.every((a) => !('client_secret' in a)), 'lists never show secrets');
    const { client_secret: _, ...withoutSecret } = app;
    assert.deepEqual(listed, withoutSecret);
    r = await s.api('GET', `/v1/apps/${app.id}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, withoutSecret);
  });

  test('list pages with limit and cursor; a bad cursor → 400 cursor_invalid', async () => {
    await s.createApp();
    await s.createApp();
    const first = await s.api('GET', '/v1/apps?limit=1');
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.data.length, 1);
    assert.equal(first.body.has_more, true);
    assert.equal(first.body.next_cursor, first.body.data[0].id);
    const second = await s.api('GET', `/v1/apps?limit=1&cursor=${first.body.next_cursor}`);
    assert.equal(second.status, 200, second.text);
    assert.notEqual(second.body.data[0].id, first.body.data[0].id);
    expectError(await s.api('GET', '/v1/apps?cursor=nope'), 400, 'cursor_invalid', 'cursor');
    expectError(await s.api('GET', '/v1/apps?cursor=app_00000000000000000000000001'), 400, 'cursor_invalid', 'cursor');
  });

  test('unknown app → 404 app_not_found; malformed id → 404 resource_not_found', async () => {
    expectError(await s.api('GET', '/v1/apps/app_00000000000000000000000001'), 404, 'app_not_found');
    expectError(await s.api('GET', '/v1/apps/app_00000000000000000000000001/usage'), 404, 'app_not_found');
    expectError(await s.api('POST', '/v1/apps/app_00000000000000000000000001/revoke'), 404, 'app_not_found');
    expectError(await s.api('GET', '/v1/apps/nope'), 404, 'resource_not_found');
  });

  test('rotate_secret: 200 with a new secret; the old one stops working', async () => {
    const app = await s.createApp();
    const r = await s.api('POST', `/v1/apps/${app.id}/rotate_secret`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, app.id);
    assert.match(r.body.client_secret, SECRET);
    assert.notEqual(r.body.client_secret, app.client_secret);
    const old = await s.form('/oauth2/token', { grant_type: 'client_credentials' }, { basic: [app.client_id, app.client_secret] });
    assert.equal(old.status, 401, old.text);
    assert.equal(old.body.error, 'invalid_client');
    await s.ccToken({ ...app, client_secret: r.body.client_secret });
  });

  test('rotate_secret of a private_key_jwt app → 422 app_has_no_secret', async () => {
    const app = await s.createApp({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [clientKey().jwk] } });
    expectError(await s.api('POST', `/v1/apps/${app.id}/rotate_secret`), 422, 'app_has_no_secret', 'id');
  });

  test('revoke: 200 revoked; its tokens and secret stop working; revoking again changes nothing; rotating → 422 app_revoked', async () => {
    const app = await s.createApp();
    const token = await s.ccToken(app);
    let r = await s.api('POST', `/v1/apps/${app.id}/revoke`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'revoked');
    assert.ok(!('client_secret' in r.body));
    expectError(await s.api('GET', '/v1/accounts', { key: token }), 401, 'invalid_token');
    r = await s.form('/oauth2/token', { grant_type: 'client_credentials' }, { basic: [app.client_id, app.client_secret] });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.error, 'invalid_client');
    const again = await s.api('POST', `/v1/apps/${app.id}/revoke`);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.status, 'revoked');
    expectError(await s.api('POST', `/v1/apps/${app.id}/rotate_secret`), 422, 'app_revoked', 'id');
    r = await s.api('GET', `/v1/apps/${app.id}`);
    assert.equal(r.body.status, 'revoked');
  });

  test('usage: empty for a new app, then counts the requests made with its token', async () => {
    const app = await s.createApp();
    let r = await s.api('GET', `/v1/apps/${app.id}/usage`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { object: 'app_usage', app: app.id, data: [] });
    const token = await s.ccToken(app, 'accounts.read');
    for (let i = 0; i < 3; i++) assert.equal((await s.api('GET', '/v1/accounts', { key: token })).status, 200);
    // Counts reach the journal every ~10 s (a flush may fall between the requests).
    const counted = () => r.body.data.filter((e) => e.route === '/v1/accounts').reduce((n, e) => n + e.requests, 0);
    const deadline = Date.now() + 30000;
    while (counted() < 3 && Date.now() < deadline) {
      await sleep(500);
      r = await s.api('GET', `/v1/apps/${app.id}/usage`);
      assert.equal(r.status, 200, r.text);
    }
    assert.equal(counted(), 3, `usage of /v1/accounts: ${r.text}`);
    assert.deepEqual([...new Set(r.body.data.map((e) => e.route))], ['/v1/accounts'], 'only the route used');
    const days = [new Date(Date.now() - 60000).toISOString().slice(0, 10), new Date().toISOString().slice(0, 10)];
    for (const e of r.body.data) assert.ok(days.includes(e.day), `a UTC day: ${e.day}`);
  });

  test('bad inputs → 400 naming the field', async () => {
    const base = { name: 'x', grant_types: ['client_credentials'], scope: 'accounts.read' };
    const cases = [
      [{ ...base, grant_types: ['password'] }, 'parameter_invalid', 'grant_types'],
      [{ ...base, grant_types: [] }, 'parameter_invalid', 'grant_types'],
      [{ ...base, redirect_uris: ['http://client.example/cb'] }, 'parameter_invalid', 'redirect_uris'],
      [{ ...base, redirect_uris: ['https://client.example/cb#frag'] }, 'parameter_invalid', 'redirect_uris'],
      [{ ...base, grant_types: ['authorization_code'] }, 'parameter_invalid', 'redirect_uris'],
      [{ ...base, name: undefined }, 'parameter_missing', 'name'],
      [{ ...base, name: '' }, 'parameter_invalid', 'name'],
      [{ ...base, token_endpoint_auth_method: 'private_key_jwt' }, 'parameter_invalid', 'jwks'],
      [{ ...base, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [] } }, 'parameter_invalid', 'jwks'],
      [{ ...base, jwks: { keys: [clientKey().jwk] } }, 'parameter_invalid', 'jwks'],
      [{ ...base, token_endpoint_auth_method: 'none' }, 'parameter_invalid', 'token_endpoint_auth_method'],
      [{ ...base, scope: 'accounts.read nope' }, 'parameter_invalid', 'scope'],
      [{ ...base, scope: 'openid' }, 'parameter_invalid', 'scope'],
      [{ ...base, scope: undefined }, 'parameter_missing', 'scope'],
      [{ ...base, rate_limit_per_s: 100001 }, 'parameter_invalid', 'rate_limit_per_s'],
      [{ ...base, colour: 'red' }, 'unknown_field', 'colour'],
    ];
    for (const [body, code, param] of cases) {
      const r = await s.api('POST', '/v1/apps', { body });
      expectError(r, 400, code, param);
    }
    // Controls: plain http is fine to the loopback interface, and duplicates are dropped.
    const app = await s.createApp({
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['http://127.0.0.1:8765/cb', 'http://localhost/cb', 'http://127.0.0.1:8765/cb'],
    });
    assert.deepEqual(app.redirect_uris, ['http://127.0.0.1:8765/cb', 'http://localhost/cb']);
    assert.deepEqual(app.grant_types, ['authorization_code', 'refresh_token']);
  });

  test('idempotent replay of POST /v1/apps: same app, Idempotent-Replayed, and no client_secret', async () => {
    const key = idemKey();
    const body = { name: 'replayed app', grant_types: ['client_credentials'], scope: 'accounts.read' };
    const first = await s.api('POST', '/v1/apps', { body, idem: key });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.match(first.body.client_secret, SECRET);
    const again = await s.api('POST', '/v1/apps', { body, idem: key });
    assert.equal(again.status, 201, again.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.body.client_secret, null, 'the secret is recorded as null');
    assert.ok(!again.text.includes(first.body.client_secret), 'the replay does not reveal the secret');
    assert.deepEqual({ ...again.body, client_secret: 'x' }, { ...first.body, client_secret: 'x' });
    const r = await s.api('GET', '/v1/apps?limit=100');
    assert.equal(r.body.data.filter((a) => a.name === 'replayed app').length, 1, 'created once');
  });

  test('idempotent replay of rotate_secret answers client_secret null', async () => {
    const app = await s.createApp();
    const key = idemKey();
    const first = await s.api('POST', `/v1/apps/${app.id}/rotate_secret`, { idem: key });
    assert.equal(first.status, 200, first.text);
    const again = await s.api('POST', `/v1/apps/${app.id}/rotate_secret`, { idem: key });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.body.client_secret, null);
    await s.ccToken({ ...app, client_secret: first.body.client_secret }); // rotated once
  });
});

describe('users', () => {
  let customer;
  before(async () => {
    customer = await s.createCustomer({ name: 'Grace Hopper' });
  });

  test('a customer user names its customer; a staff user has roles', async () => {
    const { user, username } = await s.createUser({ kind: 'customer', customer: customer.id });
    assert.equal(user.object, 'user');
    assert.match(user.id, /^usr_[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.equal(user.username, username);
    assert.equal(user.kind, 'customer');
    assert.equal(user.customer, customer.id);
    assert.deepEqual(user.roles, []);
    assert.equal(user.totp, 'none');
    assert.ok(!JSON.stringify(user).includes('password'), 'no password in the answer');
    const staff = (await s.createUser({ kind: 'staff', roles: ['auditor', 'admin'] })).user;
    assert.equal(staff.kind, 'staff');
    assert.equal(staff.customer, null);
    assert.deepEqual(staff.roles, ['admin', 'auditor']);
  });

  test('kind defaults to customer; the customer/roles rules → 400 naming the field', async () => {
    const pw = 'a fine password';
    const cases = [
      [{ username: 'nocust', password: pw }, 'parameter_missing', 'customer'],
      [{ username: 'custroles', password: pw, customer: customer.id, roles: ['admin'] }, 'parameter_invalid', 'roles'],
      [{ username: 'staffcust', password: pw, kind: 'staff', customer: customer.id, roles: ['admin'] }, 'parameter_invalid', 'customer'],
      [{ username: 'staffnoroles', password: pw, kind: 'staff' }, 'parameter_missing', 'roles'],
      [{ username: 'staffbadrole', password: pw, kind: 'staff', roles: ['king'] }, 'parameter_invalid', 'roles'],
      [{ username: 'robot', password: pw, kind: 'robot' }, 'parameter_invalid', 'kind'],
      [{ username: 'has space', password: pw, customer: customer.id }, 'parameter_invalid', 'username'],
      [{ username: 'bad-cust', password: pw, customer: 'cus_nope' }, 'parameter_invalid', 'customer'],
      [{ password: pw, customer: customer.id }, 'parameter_missing', 'username'],
      [{ username: 'nopw', customer: customer.id }, 'parameter_missing', 'password'],
    ];
    for (const [body, code, param] of cases) {
      expectError(await s.api('POST', '/v1/users', { body }), 400, code, param);
    }
  });

  test('weak password → 400 password_too_weak', async () => {
    for (const password of ['short', '11 bytes!!!', 'aaaaaaaaaaaaaaaa']) {
      const r = await s.api('POST', '/v1/users', { body: { username: 'weak-' + randomBytes(3).toString('hex'), password, customer: customer.id } });
      expectError(r, 400, 'password_too_weak', 'password');
    }
    const r = await s.api('POST', '/v1/users', { body: { username: 'long', password: 'p'.repeat(100) + 'q'.repeat(29), customer: customer.id } });
    expectError(r, 400, 'string_too_long', 'password');
  });

  test('duplicate username → 409 username_taken', async () => {
    const { username } = await s.createUser({ customer: customer.id });
    const r = await s.api('POST', '/v1/users', { body: { username, password: 'another fine password', kind: 'staff', roles: ['support'] } });
    expectError(r, 409, 'username_taken', 'username');
  });

  test('unknown customer → 404 customer_not_found', async () => {
    const r = await s.api('POST', '/v1/users', { body: { username: 'orphan', password: 'a fine password', customer: 'cus_00000000000000000000000001' } });
    expectError(r, 404, 'customer_not_found', 'customer');
  });

  test('list and get; unknown user → 404 user_not_found', async () => {
    const { user } = await s.createUser({ customer: customer.id });
    let r = await s.api('GET', '/v1/users?limit=100');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.data.find((u) => u.id === user.id), user);
    r = await s.api('GET', `/v1/users/${user.id}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, user);
    expectError(await s.api('GET', '/v1/users/usr_00000000000000000000000001'), 404, 'user_not_found');
    expectError(await s.api('GET', '/v1/users/nope'), 404, 'resource_not_found');
  });

  test('TOTP: enrol (secret + otpauth_uri), a wrong code → 422, the right one enables it', async () => {
    const { user, username } = await s.createUser({ customer: customer.id });
    expectError(await s.api('POST', `/v1/users/${user.id}/totp/confirm`, { body: { code: '123456' } }), 422, 'totp_not_enrolled');
    let r = await s.api('POST', `/v1/users/${user.id}/totp`);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.object, 'totp_enrolment');
    assert.equal(r.body.user, user.id);
    assert.equal(r.body.status, 'pending');
    const secret = r.body.secret;
    assert.match(secret, /^[A-Z2-7]{32}$/);
    const uri = new URL(r.body.otpauth_uri);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.searchParams.get('secret'), secret);
    assert.ok(decodeURIComponent(uri.pathname).endsWith(`:${username}`), r.body.otpauth_uri);
    r = await s.api('GET', `/v1/users/${user.id}`);
    assert.equal(r.body.totp, 'pending');

    const step = totpStep();
    const right = totpAt(secret, step);
    // A code of no step in the window (now ±1, now possibly one step on) is wrong.
    let wrong = '000000';
    while ([step - 1, step, step + 1, step + 2].some((t) => totpAt(secret, t) === wrong)) wrong = String(Number(wrong) + 1).padStart(6, '0');
    expectError(await s.api('POST', `/v1/users/${user.id}/totp/confirm`, { body: { code: wrong } }), 422, 'totp_code_invalid', 'code');
    r = await s.api('POST', `/v1/users/${user.id}/totp/confirm`, { body: { code: right } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, user.id);
    assert.equal(r.body.totp, 'enabled');
    // The same code again is refused (a step is used once), and so is a new enrolment.
    expectError(await s.api('POST', `/v1/users/${user.id}/totp/confirm`, { body: { code: right } }), 422, 'totp_code_invalid', 'code');
    expectError(await s.api('POST', `/v1/users/${user.id}/totp`), 409, 'totp_already_enabled');
  });

  test('TOTP of an unknown user → 404 user_not_found; a malformed code → 400', async () => {
    expectError(await s.api('POST', '/v1/users/usr_00000000000000000000000001/totp'), 404, 'user_not_found');
    expectError(await s.api('POST', '/v1/users/usr_00000000000000000000000001/totp/confirm', { body: { code: '123456' } }), 404, 'user_not_found');
    const { user } = await s.createUser({ customer: customer.id });
    expectError(await s.api('POST', `/v1/users/${user.id}/totp/confirm`, { body: {} }), 400, 'parameter_missing', 'code');
    expectError(await s.api('POST', `/v1/users/${user.id}/totp/confirm`, { body: { code: '123456789' } }), 400, 'string_too_long', 'code');
  });

  test('idempotent replay of a TOTP enrolment answers secret null', async () => {
    const { user } = await s.createUser({ customer: customer.id });
    const key = idemKey();
    const first = await s.api('POST', `/v1/users/${user.id}/totp`, { idem: key });
    assert.equal(first.status, 201, first.text);
    const again = await s.api('POST', `/v1/users/${user.id}/totp`, { idem: key });
    assert.equal(again.status, 201, again.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.body.secret, null);
    assert.equal(again.body.otpauth_uri, null);
  });

  test('sessions: none for a user who never signed in; unknown session → 404 session_not_found', async () => {
    const { user } = await s.createUser({ customer: customer.id });
    const r = await s.api('GET', `/v1/users/${user.id}/sessions`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { object: 'list', data: [], has_more: false, next_cursor: null });
    expectError(await s.api('GET', '/v1/users/usr_00000000000000000000000001/sessions'), 404, 'user_not_found');
    expectError(await s.api('POST', '/v1/sessions/ses_00000000000000000000000001/revoke'), 404, 'session_not_found');
    expectError(await s.api('POST', '/v1/sessions/nope/revoke'), 404, 'resource_not_found');
  });
});

describe('consents', () => {
  let app; // may ask for accounts.read balances.read
  let token; // its client-credentials token with consents.write consents.read
  before(async () => {
    app = await s.createApp({ scope: 'accounts.read balances.read consents.read consents.write' });
    token = await s.ccToken(app, 'consents.write consents.read');
  });

  test('create (app token), get, list, revoke; revoking again → 422 consent_not_active', async () => {
    const expires = new Date(Date.now() + 86400_000).toISOString();
    let r = await s.api('POST', '/v1/consents', { key: token, body: { permissions: 'balances.read accounts.read', expires_at: expires } });
    assert.equal(r.status, 201, r.text);
    const c = r.body;
    assert.equal(c.object, 'consent');
    assert.match(c.id, /^cns_[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.equal(c.app, app.id);
    assert.equal(c.customer, null);
    assert.equal(c.permissions, 'accounts.read balances.read');
    assert.deepEqual(c.accounts, []);
    assert.equal(c.status, 'awaiting_authorisation');
    assert.equal(Date.parse(c.expires_at), Date.parse(expires));

    r = await s.api('GET', `/v1/consents/${c.id}`, { key: token });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, c);
    r = await s.api('GET', '/v1/consents?limit=100', { key: token });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.data.find((x) => x.id === c.id), c);
    assert.ok(r.body.data.every((x) => x.app === app.id), 'an app sees its own consents');

    r = await s.api('POST', `/v1/consents/${c.id}/revoke`, { key: token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'revoked');
    expectError(await s.api('POST', `/v1/consents/${c.id}/revoke`, { key: token }), 422, 'consent_not_active', 'id');
  });

  test('every consent change is in the event feed: consent.created, consent.revoked (by the app)', async () => {
    const c = (await s.api('POST', '/v1/consents', { key: token, body: { permissions: 'accounts.read' } })).body;
    assert.equal((await s.api('POST', `/v1/consents/${c.id}/revoke`, { key: token })).status, 200);
    const seen = [];
    for (let after = 0; ; ) {
      const r = await s.api('GET', `/v1/events?after=${after}&limit=100`);  // validated per type
      assert.equal(r.status, 200, r.text);
      seen.push(...r.body.data.filter((e) => e.data.id === c.id));
      if (!r.body.next_cursor) break;  // reached the durable end
      after = r.body.last_seq;
    }
    assert.deepEqual(seen.map((e) => e.type), ['consent.created', 'consent.revoked']);
    assert.equal(seen[0].data.app, app.id);
    assert.equal(seen[0].data.permissions, 'accounts.read');
    assert.equal(seen[1].data.by, 'app');
    assert.ok(seen[0].seq < seen[1].seq);
  });

  test('API keys: creating → 403 app_token_required; reading and revoking see every consent', async () => {
    expectError(await s.api('POST', '/v1/consents', { body: { permissions: 'accounts.read' } }), 403, 'app_token_required');
    const op = await s.createKey('operator');
    expectError(await s.api('POST', '/v1/consents', { key: op.secret, body: { permissions: 'accounts.read' } }), 403, 'app_token_required');
    const c = (await s.api('POST', '/v1/consents', { key: token, body: { permissions: 'accounts.read' } })).body;
    const ro = await s.createKey('read_only');
    let r = await s.api('GET', `/v1/consents/${c.id}`, { key: ro.secret });
    assert.equal(r.status, 200, r.text);
    expectError(await s.api('POST', `/v1/consents/${c.id}/revoke`, { key: ro.secret }), 403, 'insufficient_permissions');
    r = await s.api('POST', `/v1/consents/${c.id}/revoke`, { key: op.secret });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'revoked');
  });

  test("another app's token does not see the consent (404 consent_not_found)", async () => {
    const c = (await s.api('POST', '/v1/consents', { key: token, body: { permissions: 'accounts.read' } })).body;
    const other = await s.createApp({ scope: 'consents.read consents.write accounts.read' });
    const otherToken = await s.ccToken(other, 'consents.read consents.write');
    expectError(await s.api('GET', `/v1/consents/${c.id}`, { key: otherToken }), 404, 'consent_not_found');
    expectError(await s.api('POST', `/v1/consents/${c.id}/revoke`, { key: otherToken }), 404, 'consent_not_found');
    const r = await s.api('GET', '/v1/consents', { key: otherToken });
    assert.ok(!r.body.data.some((x) => x.id === c.id));
    expectError(await s.api('GET', '/v1/consents/cns_00000000000000000000000001', { key: token }), 404, 'consent_not_found');
  });

  test('permissions beyond the app → 400 permissions_invalid; not consentable, past expiry → 400 parameter_invalid', async () => {
    let r = await s.api('POST', '/v1/consents', { key: token, body: { permissions: 'accounts.read transactions.read' } });
    expectError(r, 400, 'permissions_invalid', 'permissions');
    r = await s.api('POST', '/v1/consents', { key: token, body: { permissions: 'customers.read' } });
    expectError(r, 400, 'parameter_invalid', 'permissions');
    r = await s.api('POST', '/v1/consents', { key: token, body: { permissions: 'accounts.read', expires_at: '2000-01-01T00:00:00Z' } });
    expectError(r, 400, 'parameter_invalid', 'expires_at');
    r = await s.api('POST', '/v1/consents', { key: token, body: { permissions: 'accounts.read', expires_at: 'tomorrow' } });
    expectError(r, 400, 'parameter_invalid', 'expires_at');
    r = await s.api('POST', '/v1/consents', { key: token, body: {} });
    expectError(r, 400, 'parameter_missing', 'permissions');
  });

  test('the customer filter: a malformed id → 400, no match → an empty page', async () => {
    expectError(await s.api('GET', '/v1/consents?customer=nope', { key: token }), 400, 'parameter_invalid', 'customer');
    const r = await s.api('GET', '/v1/consents?customer=cus_00000000000000000000000001', { key: token });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.data, []);
  });
});

describe('signing keys', () => {
  test('only a root admin rotates (403 root_admin_required otherwise)', async () => {
    const other = await s.createTenant('keys-tenant');
    const r = await s.api('POST', '/v1/signing_keys/rotate', { key: other.admin_api_key.secret });
    expectError(r, 403, 'root_admin_required');
    const op = await s.createKey('operator');
    expectError(await s.api('POST', '/v1/signing_keys/rotate', { key: op.secret }), 403, 'insufficient_permissions');
  });

  test('rotate: 201 with the new kid; /oauth2/jwks then lists both keys; new tokens use the new kid', async () => {
    let jwks = await s.api('GET', '/oauth2/jwks', { key: null });
    assert.equal(jwks.status, 200, jwks.text);
    const before = jwks.body.keys.map((k) => k.kid);
    assert.equal(before.length, 1, jwks.text);
    const r = await s.api('POST', '/v1/signing_keys/rotate');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.object, 'signing_key');
    assert.equal(r.body.status, 'current');
    assert.ok(!before.includes(r.body.kid));
    jwks = await s.api('GET', '/oauth2/jwks', { key: null });
    assert.deepEqual(jwks.body.keys.map((k) => k.kid).sort(), [...before, r.body.kid].sort());
    const app = await s.createApp();
    const token = await s.ccToken(app);
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url'));
    assert.equal(header.kid, r.body.kid);
    assert.equal(header.alg, 'ES256');
  });
});

describe('scopes and credentials', () => {
  test('a read_only API key on POST /v1/apps → 403 insufficient_permissions', async () => {
    const ro = await s.createKey('read_only');
    const r = await s.api('POST', '/v1/apps', { key: ro.secret, body: { name: 'x', grant_types: ['client_credentials'], scope: 'accounts.read' } });
    expectError(r, 403, 'insufficient_permissions');
    assert.equal(r.body.error.type, 'permission_error');
    expectError(await s.api('GET', '/v1/users', { key: ro.secret }), 403, 'insufficient_permissions');
  });

  test('a client-credentials token without admin on GET /v1/apps → 403 insufficient_scope', async () => {
    const app = await s.createApp({ scope: 'accounts.read balances.read' });
    const token = await s.ccToken(app);
    const r = await s.api('GET', '/v1/apps', { key: token });
    expectError(r, 403, 'insufficient_scope');
    assert.equal(r.headers.get('www-authenticate'), 'Bearer error="insufficient_scope", scope="admin"');
    // Only the asked scopes are granted: balances.read was not asked for.
    const narrow = await s.ccToken(app, 'accounts.read');
    const acct = await s.openAccount('EUR');
    expectError(await s.api('GET', `/v1/accounts/${acct.id}/balances`, { key: narrow }), 403, 'insufficient_scope');
    assert.equal((await s.api('GET', `/v1/accounts/${acct.id}`, { key: narrow })).status, 200);
  });

  test('an app token with admin may administer apps', async () => {
    const app = await s.createApp({ scope: 'admin' });
    const token = await s.ccToken(app, 'admin');
    const r = await s.api('GET', `/v1/apps/${app.id}`, { key: token });
    assert.equal(r.status, 200, r.text);
  });

  test('a garbage JWT a.b.c → 401 invalid_token', async () => {
    const r = await s.api('GET', '/v1/apps', { key: 'a.b.c' });
    expectError(r, 401, 'invalid_token');
    assert.equal(r.body.error.type, 'authentication_error');
    assert.match(r.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
  });

  test('a token with a bad signature → 401 invalid_token', async () => {
    const app = await s.createApp();
    const token = await s.ccToken(app);
    const [h, p, sig] = token.split('.');
    const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
    expectError(await s.api('GET', '/v1/accounts', { key: `${h}.${p}.${flipped}` }), 401, 'invalid_token');
  });

  test('an API-key-looking garbage → 401 invalid_api_key', async () => {
    for (const key of ['garbage', 'sk_garbage', 'sk_' + '0'.repeat(26) + '_' + 'f'.repeat(64)]) {
      const r = await s.api('GET', '/v1/apps', { key });
      expectError(r, 401, 'invalid_api_key');
      assert.match(r.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
    }
  });
});

describe('secrets in idempotent replays, and query validation', () => {
  test(
    'a replayed TOTP enrolment reveals the secret nowhere (otpauth_uri carries it too)',
    async () => {
      const { user } = await s.createUser({ kind: 'staff', roles: ['support'] });
      const key = idemKey();
      const first = await s.api('POST', `/v1/users/${user.id}/totp`, { idem: key });
      assert.equal(first.status, 201, first.text);
      const again = await s.api('POST', `/v1/users/${user.id}/totp`, { idem: key });
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.ok(!again.text.includes(first.body.secret), `the replay shows the secret: ${again.text}`);
    },
  );

  test(
    'identity GETs refuse unknown query parameters (400 unknown_field) like every other route',
    async () => {
      const app = await s.createApp();
      const { user } = await s.createUser({ kind: 'staff', roles: ['support'] });
      for (const path of [`/v1/apps/${app.id}`, `/v1/apps/${app.id}/usage`, `/v1/users/${user.id}`, `/v1/users/${user.id}/sessions`]) {
        expectError(await s.api('GET', `${path}?sort=desc`), 400, 'unknown_field', 'sort');
      }
    },
  );
});
