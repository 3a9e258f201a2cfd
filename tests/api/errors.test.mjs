// Edge behaviour shared by all routes: body decoding and validation, idempotency, auth,
// tracing, operational endpoints. Every answer is validated against api/openapi.yaml by lib.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { SPEC_TEXT, TRACE_RE, expectError, idemKey, newTraceparent, startServer, validate } from './lib.mjs';

let s;
let eur; // a funded EUR account
let eur2; // an empty EUR account

before(async () => {
  s = await startServer();
  eur = await s.openAccount('EUR');
  eur2 = await s.openAccount('EUR');
  await s.deposit(eur.id, '100.00');
});
after(async () => s && (await s.stop()));

function transfer(amount = '1.00', extra = {}) {
  return { from_account: eur.id, to_account: eur2.id, amount, currency: 'EUR', ...extra };
}

describe('operational endpoints', () => {
  test('healthz and readyz need no auth', async () => {
    let r = await s.api('GET', '/healthz', { key: null });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'ok' });
    r = await s.api('GET', '/readyz', { key: null });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'ready' });
  });

  test('metrics are text/plain Prometheus text', async () => {
    const r = await s.api('GET', '/metrics', { key: null });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/plain/);
    assert.match(r.text, /^# (HELP|TYPE) /m);
  });

  test('GET /v1/openapi.yaml serves exactly api/openapi.yaml', async () => {
    const r = await s.api('GET', '/v1/openapi.yaml', { key: null });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/yaml/);
    assert.equal(r.text, SPEC_TEXT, 'the binary embeds a stale api/openapi.yaml: re-run cmake and rebuild');
  });

  test('unknown route is 404 route_not_found, wrong method 405', async () => {
    let r = await s.api('GET', '/v1/nope', { undocumented: true });
    expectError(r, 404, 'route_not_found');
    r = await s.api('DELETE', '/v1/customers', { undocumented: true });
    expectError(r, 405, 'method_not_allowed');
    r = await s.api('POST', '/healthz', { key: null, undocumented: true });
    expectError(r, 405, 'method_not_allowed');
  });
});

describe('authentication and roles', () => {
  test('no Authorization header → 401 authentication_required', async () => {
    const r = await s.api('GET', '/v1/customers', { key: null });
    expectError(r, 401, 'authentication_required');
    assert.equal(r.body.error.type, 'authentication_error');
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
  });

  test('bad keys → 401 invalid_api_key', async () => {
    const good = s.adminKey;
    const wrongSecret = good.slice(0, -4) + (good.endsWith('0000') ? '1111' : '0000');
    for (const key of ['sk_nope', wrongSecret, good + 'x', 'sk_' + '0'.repeat(26) + '_' + 'a'.repeat(64)]) {
      const r = await s.api('GET', '/v1/customers', { key });
      expectError(r, 401, 'invalid_api_key');
    }
    const r = await s.api('GET', '/v1/customers', { key: null, headers: { Authorization: `Basic ${good}` } });
    expectError(r, 401, 'invalid_api_key');
  });

  test('read_only key may GET but not POST (403)', async () => {
    const ro = await s.createKey('read_only');
    let r = await s.api('GET', '/v1/customers', { key: ro.secret });
    assert.equal(r.status, 200);
    r = await s.api('POST', '/v1/customers', { key: ro.secret, body: { type: 'individual', name: 'X' } });
    expectError(r, 403, 'insufficient_permissions');
    assert.equal(r.body.error.type, 'permission_error');
    r = await s.api('POST', '/v1/transfers', { key: ro.secret, body: transfer() });
    expectError(r, 403, 'insufficient_permissions');
  });

  test('operator key may write but not manage keys or tenants', async () => {
    const op = await s.createKey('operator');
    let r = await s.api('POST', '/v1/customers', { key: op.secret, body: { type: 'business', name: 'Acme' } });
    assert.equal(r.status, 201);
    r = await s.api('GET', '/v1/api_keys', { key: op.secret });
    expectError(r, 403, 'insufficient_permissions');
    r = await s.api('POST', '/v1/api_keys', { key: op.secret, body: { role: 'admin' } });
    expectError(r, 403, 'insufficient_permissions');
    r = await s.api('GET', '/v1/tenants', { key: op.secret });
    expectError(r, 403, 'insufficient_permissions');
  });
});

describe('request decoding', () => {
  test('malformed JSON → 400 invalid_json', async () => {
    for (const body of ['{"type":', 'not json', '[1,2]', '"x"', '{"a":1}{']) {
      const r = await s.api('POST', '/v1/customers', { body });
      expectError(r, 400, 'invalid_json');
      assert.equal(r.body.error.type, 'invalid_request_error');
    }
  });

  test('empty body on a POST that needs one → 400 invalid_json', async () => {
    const r = await s.api('POST', '/v1/customers', { body: '' });
    expectError(r, 400, 'invalid_json');
  });

  test('nesting deeper than 16 → 400 invalid_json', async () => {
    const deep = '{"type":"individual","name":"x","email":' + '['.repeat(40) + ']'.repeat(40) + '}';
    const r = await s.api('POST', '/v1/customers', { body: deep });
    expectError(r, 400, 'invalid_json');
  });

  test('a key twice in one object → 400 invalid_json naming it, nothing written', async () => {
    const before = (await s.api('GET', '/v1/customers?limit=100')).body.data.length;
    let r = await s.api('POST', '/v1/customers', {
      body: '{"type":"individual","name":"Ada","name":"Eve"}',
    });
    expectError(r, 400, 'invalid_json', 'name');
    // The parser in front of us and ours must never read two different amounts.
    r = await s.api('POST', '/v1/transfers', {
      body: '{"from_account":"a","to_account":"b","amount":"1.00","amount":"1000.00","currency":"EUR"}',
    });
    expectError(r, 400, 'invalid_json', 'amount');
    assert.equal((await s.api('GET', '/v1/customers?limit=100')).body.data.length, before);
  });

  test('unknown field → 400 unknown_field naming it', async () => {
    let r = await s.api('POST', '/v1/customers', { body: { type: 'individual', name: 'x', nickname: 'y' } });
    expectError(r, 400, 'unknown_field', 'nickname');
    r = await s.api('POST', '/v1/transfers', { body: transfer('1.00', { memo: 'x' }) });
    expectError(r, 400, 'unknown_field', 'memo');
    r = await s.api('POST', `/v1/accounts/${eur2.id}/freeze`, { body: { reason: 'x' } });
    expectError(r, 400, 'unknown_field', 'reason');
  });

  test('unknown query parameter → 400 unknown_field', async () => {
    const r = await s.api('GET', '/v1/customers?limit=2&sort=desc');
    expectError(r, 400, 'unknown_field', 'sort');
  });

  test('wrong types → 400 parameter_invalid with param', async () => {
    const cases = [
      [{ type: 'individual', name: 42 }, 'name'],
      [{ type: 'individual', name: 'x', kyc_tier: '1' }, 'kyc_tier'],
      [{ type: 'individual', name: 'x', kyc_tier: -1 }, 'kyc_tier'],
      [{ type: 'individual', name: 'x', kyc_tier: 4 }, 'kyc_tier'],
      [{ type: 'individual', name: 'x', kyc_tier: 1.5 }, 'kyc_tier'],
      [{ type: 'robot', name: 'x' }, 'type'],
      [{ type: 'individual', name: '' }, 'name'],
      [{ type: 'individual', name: 'x', email: 'not-an-email' }, 'email'],
      [{ type: 'individual', name: 'x', phone: '12345' }, 'phone'],
      [{ type: 'individual', name: 'a\u0001b' }, 'name'],
    ];
    for (const [body, param] of cases) {
      const r = await s.api('POST', '/v1/customers', { body });
      expectError(r, 400, 'parameter_invalid', param);
    }
    let r = await s.api('POST', '/v1/transfers', { body: transfer('1.00', { pending: 'yes' }) });
    expectError(r, 400, 'parameter_invalid', 'pending');
    r = await s.api('POST', '/v1/transfers', { body: transfer(100) });
    expectError(r, 400, 'parameter_invalid', 'amount');
    r = await s.api('POST', '/v1/transfers', { body: { ...transfer(), from_account: 'acct_123' } });
    expectError(r, 400, 'parameter_invalid', 'from_account');
  });

  test('missing required field → 400 parameter_missing', async () => {
    let r = await s.api('POST', '/v1/customers', { body: { type: 'individual' } });
    expectError(r, 400, 'parameter_missing', 'name');
    r = await s.api('POST', '/v1/customers', { body: { type: 'individual', name: null } });
    expectError(r, 400, 'parameter_missing', 'name');
    const { amount, ...noAmount } = transfer();
    r = await s.api('POST', '/v1/transfers', { body: noAmount });
    expectError(r, 400, 'parameter_missing', 'amount');
  });

  test('too-long strings → 400 string_too_long', async () => {
    let r = await s.api('POST', '/v1/customers', { body: { type: 'individual', name: 'n'.repeat(201) } });
    expectError(r, 400, 'string_too_long', 'name');
    r = await s.api('POST', '/v1/customers', { body: { type: 'individual', name: 'é'.repeat(101) } });
    expectError(r, 400, 'string_too_long', 'name'); // 202 bytes: the limit is in bytes
    r = await s.api('POST', '/v1/transfers', { body: transfer('1.00', { description: 'd'.repeat(257) }) });
    expectError(r, 400, 'string_too_long', 'description');
    r = await s.api('POST', '/v1/customers', { body: { type: 'individual', name: 'n'.repeat(200) } });
    assert.equal(r.status, 201, 'exactly 200 bytes is fine');
  });

  test('body over 4 MiB → 413 body_too_large', async () => {
    // A declared length over the limit is refused before the body is read.
    const raw = await s.rawRequest(
      'POST /v1/transfers/batch HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: Bearer ${s.adminKey}\r\nIdempotency-Key: ${idemKey()}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${4 * 1024 * 1024 + 1}\r\n\r\n`,
    );
    assert.equal(raw.status, 413, raw.text);
    const body = JSON.parse(raw.text);
    validate('/v1/transfers/batch', 'post', 413, body, { headers: raw.headers, contentType: raw.headers.get('content-type') });
    assert.equal(body.error.code, 'body_too_large');
  });

  test('body over 4 MiB sent in full → 413 body_too_large', async () => {
    const item = transfer('0.01');
    const items = Array.from({ length: 40000 }, () => item); // ~5 MiB
    const payload = JSON.stringify({ transfers: items });
    assert.ok(payload.length > 4 * 1024 * 1024);
    let r;
    try {
      r = await s.api('POST', '/v1/transfers/batch', { body: payload });
    } catch (e) {
      // The server answers and closes as soon as the limit is crossed; the client may see the
      // reset before the answer. The declared-length case above checks the answer itself.
      if (/fetch failed|ECONNRESET|EPIPE|socket/i.test(String(e.cause ?? e))) return;
      throw e;
    }
    expectError(r, 413, 'body_too_large');
  });

  test('POST body without application/json → 415', async () => {
    const r = await s.api('POST', '/v1/customers', {
      body: JSON.stringify({ type: 'individual', name: 'x' }),
      contentType: 'text/plain',
    });
    expectError(r, 415, 'unsupported_media_type');
  });

  test('GET with a body → 400 parameter_invalid', async () => {
    const body = '{}';
    const raw = await s.rawRequest(
      'GET /v1/customers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n' +
        `Authorization: Bearer ${s.adminKey}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const parsed = JSON.parse(raw.text);
    validate('/v1/customers', 'get', raw.status, parsed, { headers: raw.headers, contentType: raw.headers.get('content-type') });
    assert.equal(raw.status, 400);
    assert.equal(parsed.error.code, 'parameter_invalid');
  });

  test('list limits: limit 0, 101, x → 400 limit_invalid; bad cursor → 400 cursor_invalid', async () => {
    for (const l of ['0', '101', 'x', '-1']) {
      const r = await s.api('GET', `/v1/customers?limit=${l}`);
      expectError(r, 400, 'limit_invalid', 'limit');
    }
    let r = await s.api('GET', '/v1/customers?cursor=nope');
    expectError(r, 400, 'cursor_invalid', 'cursor');
    r = await s.api('GET', `/v1/accounts/${eur.id}/transactions?cursor=nope`);
    expectError(r, 400, 'cursor_invalid', 'cursor');
  });
});

describe('money', () => {
  test('more decimals than the currency has → 400 amount_invalid (param amount)', async () => {
    const before = await s.balances(eur.id);
    let r = await s.api('POST', '/v1/transfers', { body: transfer('1.234') });
    expectError(r, 400, 'amount_invalid', 'amount');
    const jpy = await s.openAccount('JPY');
    r = await s.api('POST', '/v1/sandbox/deposits', { body: { account: jpy.id, amount: '1.5', currency: 'JPY' } });
    expectError(r, 400, 'amount_invalid', 'amount');
    assert.deepEqual(await s.balances(eur.id), before, 'a 400 writes nothing');
  });

  test('zero, negative and malformed amounts → 400 amount_invalid', async () => {
    for (const a of ['0', '0.00', '-1.00', '-0.01', '1.', '.5', '1e3', ' 1', '1,00', '', 'abc']) {
      const r = await s.api('POST', '/v1/transfers', { body: transfer(a) });
      assert.equal(r.status, 400, `amount ${JSON.stringify(a)}: ${r.text}`);
      assert.ok(['amount_invalid', 'parameter_invalid'].includes(r.body.error.code), r.text);
      assert.equal(r.body.error.param, 'amount', r.text);
    }
  });

  test('fewer decimals are fine and answers use the full scale', async () => {
    const r = await s.api('POST', '/v1/transfers', { body: transfer('1.5') });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.amount, '1.50');
  });

  test('unknown currency → 400 currency_unknown', async () => {
    for (const c of ['ABC', 'eur', 'EURO', '']) {
      const r = await s.api('POST', '/v1/transfers', { body: { ...transfer(), currency: c } });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error.param, 'currency', r.text);
      if (c !== '') assert.equal(r.body.error.code, c === 'EURO' ? 'string_too_long' : 'currency_unknown', r.text);
    }
    const r = await s.api('POST', '/v1/accounts', { body: { customer: eur.customer, currency: 'ABC' } });
    expectError(r, 400, 'currency_unknown', 'currency');
  });
});

describe('idempotency', () => {
  test('missing Idempotency-Key → 400 idempotency_key_missing', async () => {
    const r = await s.api('POST', '/v1/transfers', { body: transfer(), idem: null });
    expectError(r, 400, 'idempotency_key_missing', 'Idempotency-Key');
  });

  test('Idempotency-Key over 255 chars or not printable → 400 parameter_invalid', async () => {
    let r = await s.api('POST', '/v1/transfers', { body: transfer(), idem: 'k'.repeat(256) });
    expectError(r, 400, 'parameter_invalid', 'Idempotency-Key');
    r = await s.api('POST', '/v1/transfers', { body: transfer(), idem: 'has space' });
    expectError(r, 400, 'parameter_invalid', 'Idempotency-Key');
    r = await s.api('POST', '/v1/customers', { body: { type: 'individual', name: 'k255' }, idem: 'k'.repeat(255) });
    assert.equal(r.status, 201, r.text);
  });

  test('same key + same body → original answer replayed, nothing applied twice', async () => {
    const key = idemKey();
    const first = await s.api('POST', '/v1/transfers', { body: transfer('2.00'), idem: key });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const bal = await s.balances(eur.id);
    const again = await s.api('POST', '/v1/transfers', { body: transfer('2.00'), idem: key });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.text, first.text, 'the replay is byte-identical');
    assert.deepEqual(await s.balances(eur.id), bal, 'the replay moved no money');
  });

  test('replays errors produced by execution too (422)', async () => {
    const key = idemKey();
    const first = await s.api('POST', '/v1/transfers', { body: transfer('1000000.00'), idem: key });
    expectError(first, 422, 'insufficient_funds');
    const again = await s.api('POST', '/v1/transfers', { body: transfer('1000000.00'), idem: key });
    assert.equal(again.status, 422);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.text, first.text);
  });

  test('same key + different body or path → 409 idempotency_key_reused', async () => {
    const key = idemKey();
    const first = await s.api('POST', '/v1/transfers', { body: transfer('0.10'), idem: key });
    assert.equal(first.status, 201);
    let r = await s.api('POST', '/v1/transfers', { body: transfer('0.11'), idem: key });
    expectError(r, 409, 'idempotency_key_reused', 'Idempotency-Key');
    r = await s.api('POST', '/v1/customers', { body: { type: 'individual', name: 'x' }, idem: key });
    expectError(r, 409, 'idempotency_key_reused');
  });

  test('a request rejected with 400 is not recorded: the key stays usable', async () => {
    const key = idemKey();
    let r = await s.api('POST', '/v1/transfers', { body: transfer('1.234'), idem: key });
    expectError(r, 400, 'amount_invalid');
    r = await s.api('POST', '/v1/transfers', { body: transfer('0.25'), idem: key });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('idempotent-replayed'), null);
  });

  test('keys are per tenant', async () => {
    const other = await s.createTenant('idem-tenant');
    const key = idemKey();
    const body = { type: 'individual', name: 'Same' };
    const a = await s.api('POST', '/v1/customers', { body, idem: key });
    const b = await s.api('POST', '/v1/customers', { body, idem: key, key: other.admin_api_key.secret });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(b.headers.get('idempotent-replayed'), null);
    assert.notEqual(a.body.id, b.body.id);
  });
});

describe('tracing and request ids', () => {
  test('traceparent: the trace id is continued, the span id is the server\'s', async () => {
    const tp = newTraceparent();
    const [, traceId, spanId] = tp.match(TRACE_RE);
    const r = await s.api('GET', '/v1/customers', { headers: { traceparent: tp } });
    assert.equal(r.status, 200);
    const m = r.headers.get('traceparent').match(TRACE_RE);
    assert.ok(m);
    assert.equal(m[1], traceId);
    assert.notEqual(m[2], spanId);
    assert.equal(m[3], '01');
  });

  test('traceparent flags are kept', async () => {
    const tp = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`;
    const r = await s.api('GET', '/healthz', { key: null, headers: { traceparent: tp } });
    const m = r.headers.get('traceparent').match(TRACE_RE);
    assert.deepEqual([m[1], m[3]], ['a'.repeat(32), '00']);
  });

  test('errors carry the request trace id as trace_id', async () => {
    const tp = newTraceparent();
    const traceId = tp.split('-')[1];
    let r = await s.api('POST', '/v1/transfers', { body: transfer('1.234'), headers: { traceparent: tp } });
    expectError(r, 400, 'amount_invalid');
    assert.equal(r.body.error.trace_id, traceId);
    assert.equal(r.headers.get('traceparent').split('-')[1], traceId);
    r = await s.api('POST', '/v1/transfers', { body: transfer('1000000'), headers: { traceparent: tp } });
    expectError(r, 422, 'insufficient_funds');
    assert.equal(r.body.error.trace_id, traceId);
    r = await s.api('GET', '/v1/customers', { key: null, headers: { traceparent: tp } });
    expectError(r, 401, 'authentication_required');
    assert.equal(r.body.error.trace_id, traceId);
  });

  test('without (or with an invalid) traceparent a new trace starts', async () => {
    for (const headers of [{}, { traceparent: `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01` }, { traceparent: 'garbage' }]) {
      const r = await s.api('GET', '/v1/nope', { headers, undocumented: true });
      const m = r.headers.get('traceparent')?.match(TRACE_RE);
      assert.ok(m, 'traceparent answered');
      assert.notEqual(m[1], '0'.repeat(32));
      assert.equal(r.body.error.trace_id, m[1]);
    }
  });

  test('X-Request-Id is echoed when well-formed, minted otherwise', async () => {
    let r = await s.api('GET', '/healthz', { key: null, headers: { 'X-Request-Id': 'client-req-42' } });
    assert.equal(r.headers.get('x-request-id'), 'client-req-42');
    r = await s.api('POST', '/v1/transfers', { body: transfer('1.234'), headers: { 'X-Request-Id': 'client-req-43' } });
    assert.equal(r.headers.get('x-request-id'), 'client-req-43');
    for (const bad of ['x'.repeat(65), 'has"quote']) {
      r = await s.api('GET', '/healthz', { key: null, headers: { 'X-Request-Id': bad } });
      const got = r.headers.get('x-request-id');
      assert.ok(got && got !== bad, `minted, got ${got}`);
    }
    r = await s.api('GET', '/healthz', { key: null });
    assert.ok(r.headers.get('x-request-id'));
  });
});

describe('rate limiting', () => {
  let limited;
  before(async () => {
    limited = await startServer({ env: { COREBANK_RATE_PER_KEY_PER_S: '1', COREBANK_RATE_PER_KEY_BURST: '2' } });
  });
  after(async () => limited && (await limited.stop()));

  test('over the per-key rate → 429 rate_limited with Retry-After', async () => {
    let r;
    for (let i = 0; i < 5; i++) {
      r = await limited.api('GET', '/v1/customers');
      if (r.status === 429) break;
      assert.equal(r.status, 200);
    }
    expectError(r, 429, 'rate_limited');
    assert.equal(r.body.error.type, 'rate_limit_error');
    assert.match(r.headers.get('retry-after'), /^[0-9]+$/);
  });
});
