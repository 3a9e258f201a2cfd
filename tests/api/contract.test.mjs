// Static checks of api/openapi.yaml against the server's sources: every route the server has
// is documented (and nothing else), each /v1 route's scope is the one its route table names,
// every error code the C++ emits is in the enums, and the conventions every operation must
// follow hold. No server needed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { COREBANK, REPO, requestSchemaErrors, responseSchemaErrors, spec } from './lib.mjs';

const OPERATIONAL = ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /v1/openapi.yaml'];
// The OAuth 2.0 / OIDC endpoints and pages (src/oauth/handler.cc): their own request and error
// formats, no Idempotency-Key, no API-key role.
const OAUTH = [
  'GET /.well-known/openid-configuration',
  'GET /.well-known/oauth-authorization-server',
  'GET /oauth2/jwks',
  'POST /oauth2/token',
  'POST /oauth2/par',
  'GET /oauth2/authorize',
  'GET /oauth2/login',
  'POST /oauth2/login',
  'GET /oauth2/mfa',
  'POST /oauth2/mfa',
  'GET /oauth2/consent',
  'POST /oauth2/consent',
  'GET /oauth2/consents',
  'POST /oauth2/consents/revoke',
  'POST /oauth2/introspect',
  'POST /oauth2/revoke',
  'GET /oauth2/userinfo',
  'POST /oauth2/userinfo',
  'POST /oauth2/register',
];

const read = (...p) => readFileSync(join(REPO, ...p), 'utf8');
// A local "#/components/..." $ref (a shared response) resolved against the spec.
const deref = (obj) =>
  obj?.$ref ? deref(obj.$ref.slice(2).split('/').map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~')).reduce((o, k) => o?.[k], spec)) : obj;
const norm = (p) => p.replace(/\{[^}]*\}/g, '{}');

// What the binary says it serves: `corebank routes` prints the route registry (every
// service's table) and the scope table, so these checks never parse C++ source.
//   route METHOD PATTERN service=S scope=X step_up=B
//   scope NAME
const DUMP = execFileSync(COREBANK, ['routes'], { encoding: 'utf8' });

function scopeNames() {
  const names = [...DUMP.matchAll(/^scope (\S+)$/gm)].map((m) => m[1]);
  assert.ok(names.length >= 15, 'corebank routes lists the scopes');
  return names;
}

// [{key: "GET /v1/accounts/{}", scope: "accounts.read", service, stepUp}].
function routerRoutes() {
  const names = new Set(scopeNames());
  const routes = [...DUMP.matchAll(/^route (GET|POST|PUT) (\S+) service=(\S+) scope=(\S+) step_up=(true|false)$/gm)].map(
    ([, m, p, service, scope, stepUp]) => {
      assert.ok(names.has(scope), `route ${m} ${p}: scope ${scope} is not a known scope`);
      return { key: `${m} ${norm(p)}`, scope, service, stepUp: stepUp === 'true' };
    },
  );
  assert.ok(routes.length >= 45, 'corebank routes lists the routes');
  assert.equal(routes.length, DUMP.split('\n').filter((l) => l.startsWith('route ')).length, 'every route line parsed');
  return routes;
}

// "METHOD path" of every path src/oauth/handler.cc serves: the paths it compares against in
// Handle() and the methods of the Allow header it answers for each (405).
function oauthHandlerRoutes() {
  const src = read('src', 'oauth', 'handler.cc');
  const start = src.indexOf('void OAuthHandler::Handle(');
  const body = src.slice(start, src.indexOf('No such endpoint', start));
  const out = [];
  for (const seg of body.split(/\bif \(path ==/).slice(1)) {
    const paths = [...('path ==' + seg).matchAll(/path == "([^"]+)"/g)].map((x) => x[1]);
    const allow = seg.match(/method_not_allowed\("([^"]+)"\)/);
    assert.ok(allow, `handler.cc: no Allow for ${paths.join(', ')}`);
    for (const p of paths) for (const m of allow[1].split(/,\s*/)) out.push(`${m} ${p}`);
  }
  assert.ok(out.length >= 15, 'parsed OAuthHandler::Handle');
  // Every labelled path (RouteLabel's kKnown) is one Handle serves, and the reverse.
  const known = src.slice(src.indexOf('kKnown[]'), src.indexOf('};', src.indexOf('kKnown[]')));
  const labels = [...known.matchAll(/"([^"]+)"/g)].map((x) => x[1]).sort();
  assert.deepEqual([...new Set(out.map((r) => r.split(' ')[1]))].sort(), labels, 'handler.cc: Handle() and RouteLabel() disagree');
  return out;
}

function documented() {
  const ops = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const m of ['get', 'post', 'put', 'patch', 'delete']) {
      if (item[m]) ops.push({ key: `${m.toUpperCase()} ${norm(path)}`, path, method: m, op: item[m] });
    }
  }
  return ops;
}

// String literals the C++ passes as an error code: Fail(err, "code", ...), Error(ErrorKind::k..,
// "code", ...), {ErrorKind::k.., "code", ...}, NotFound("code", ...), ErrorBody("type", "code").
function emittedRestCodes() {
  const files = [
    ['src', 'api', 'router.cc'],
    ['src', 'api', 'router_v1.cc'],
    ['src', 'api', 'decode.cc'],
    ['src', 'api', 'decode_util.h'],
    ['src', 'api', 'identity_routes.cc'],
    ['src', 'api', 'event_feed.cc'],
    ['src', 'platform', 'service.cc'],
    ['src', 'platform', 'handler_context.h'],
    ['src', 'platform', 'handlers_accounts.cc'],
    ['src', 'platform', 'handlers_admin.cc'],
    ['src', 'platform', 'handlers_transfers.cc'],
    ['src', 'identity', 'handlers_rest.cc'],
    ['src', 'identity', 'handlers_oauth.cc'],
    ['src', 'api', 'risk_routes.cc'],
    ['src', 'risk', 'handlers.cc'],
    ['src', 'risk', 'sanctions.cc'],
  ];
  // Every module's sources too (src/modules/<name>/*.cc): a module emits the same codes.
  for (const dir of readdirSync(join(REPO, 'src', 'modules'), { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(REPO, 'src', 'modules', dir.name))) {
      if (f.endsWith('.cc')) files.push(['src', 'modules', dir.name, f]);
    }
  }
  const codes = new Set();
  const res = [
    /\bFail\(\s*err_?,\s*"([a-z_]+)"/g,
    /\b(?:[Ee]rror|ErrorAnswer|ErrorResponse|fail)\(\s*(?:kernel::)?ErrorKind::k\w+,\s*"([a-z_]+)"/g,
    /\{(?:kernel::)?ErrorKind::k\w+,\s*"([a-z_]+)"/g,
    /\bNotFound\(\s*"([a-z_]+)"/g,
    /\bErrorBody\(\s*[^,()]+,\s*"([a-z_]+)"/g,
  ];
  for (const f of files) {
    const src = read(...f);
    for (const re of res) for (const [, c] of src.matchAll(re)) codes.add(c);
  }
  assert.ok(codes.size >= 40, `parsed the emitted codes (${codes.size})`);
  return codes;
}

// The `error` values the OAuth endpoints answer: OAuthError(status, "error", ...) in
// src/oauth/ and the writer's Fail("error", ...) in src/identity/handlers_oauth.cc.
function emittedOAuthErrors() {
  const errors = new Set();
  for (const f of ['handler.cc', 'token.cc', 'endpoints.cc', 'authorize.cc', 'client_auth.cc']) {
    for (const [, e] of read('src', 'oauth', f).matchAll(/OAuthError\(\s*\d{3},\s*"([a-z_]+)"/g)) errors.add(e);
    for (const [, e] of read('src', 'oauth', f).matchAll(/\bback\(\s*"([a-z_]+)"/g)) errors.add(e); // PAR answers these as JSON
    // Registration: metadata_error("code", ...) or metadata_error(cond ? "code" : "code", ...).
    for (const [, a, b] of read('src', 'oauth', f).matchAll(/\bmetadata_error\(\s*(?:[\w.]+\s*==\s*"[^"]*"\s*\?\s*)?"([a-z_]+)"(?:\s*:\s*"([a-z_]+)")?/g)) {
      errors.add(a);
      if (b) errors.add(b);
    }
  }
  for (const [, e] of read('src', 'identity', 'handlers_oauth.cc').matchAll(/\bFail\(\s*"([a-z_]+)"/g)) errors.add(e);
  assert.ok(errors.size >= 10, `parsed the OAuth errors (${errors.size})`);
  return errors;
}

describe('api/openapi.yaml', () => {
  test('documents exactly the routes `corebank routes` lists, plus the operational and the OAuth ones', () => {
    const want = [...routerRoutes().map((r) => r.key), ...OPERATIONAL, ...OAUTH].sort();
    const have = documented().map((o) => o.key).sort();
    assert.deepEqual(have, want);
  });

  test('the OAuth list is what src/oauth/handler.cc serves (paths and the methods of its Allow)', () => {
    assert.deepEqual([...OAUTH].sort(), oauthHandlerRoutes().sort());
  });

  test('is OpenAPI 3.1 with the 2020-12 dialect and bearer auth by default', () => {
    assert.equal(spec.openapi, '3.1.0');
    assert.equal(spec.jsonSchemaDialect, 'https://json-schema.org/draft/2020-12/schema');
    assert.deepEqual(spec.security, [{ bearerAuth: [] }]);
    assert.equal(spec.components.securitySchemes.bearerAuth.scheme, 'bearer');
  });

  test('the oauth2 scheme has both flows at the issuer-relative endpoints and lists every scope `corebank routes` lists', () => {
    const o = spec.components.securitySchemes.oauth2;
    assert.equal(o.type, 'oauth2');
    assert.equal(o.flows.clientCredentials.tokenUrl, '/oauth2/token');
    assert.equal(o.flows.authorizationCode.authorizationUrl, '/oauth2/authorize');
    assert.equal(o.flows.authorizationCode.tokenUrl, '/oauth2/token');
    const all = scopeNames();
    for (const flow of ['clientCredentials', 'authorizationCode']) {
      const scopes = o.flows[flow].scopes;
      assert.deepEqual(Object.keys(scopes), all, `${flow}: the scope list, in the scope table's order`);
      for (const [name, text] of Object.entries(scopes)) assert.ok(typeof text === 'string' && text.length > 3, `${flow}: ${name} has a description`);
    }
    assert.deepEqual(spec.components.schemas.Scope.enum, all, 'schemas/Scope lists the same scopes');
  });

  test("each route's scope is its operation's x-required-scope, and its oauth2 security", () => {
    const ops = new Map(documented().map((o) => [o.key, o.op]));
    for (const { key, scope } of routerRoutes()) {
      const op = ops.get(key);
      assert.ok(op, `${key}: documented`);
      assert.equal(op['x-required-scope'], scope, `${key}: x-required-scope`);
      assert.ok(Array.isArray(op.security), `${key}: declares its security`);
      assert.ok(
        op.security.some((s) => JSON.stringify(s) === JSON.stringify({ oauth2: [scope] })),
        `${key}: security lists {oauth2: [${scope}]}: ${JSON.stringify(op.security)}`,
      );
      for (const s of op.security) {
        for (const name of Object.keys(s)) assert.ok(spec.components.securitySchemes[name], `${key}: security scheme ${name} is defined`);
      }
    }
  });

  test('every POST requires Idempotency-Key; every operation has a unique operationId and a role', () => {
    const ids = new Set();
    for (const { key, method, op } of documented()) {
      assert.ok(op.operationId && !ids.has(op.operationId), `${key}: operationId`);
      ids.add(op.operationId);
      if (OAUTH.includes(key)) {
        // Their client authentication is in the body or a Basic/Bearer header of their own: each
        // says so explicitly instead of inheriting the API key scheme.
        assert.ok(Array.isArray(op.security), `${key}: declares its security`);
        continue;
      }
      const params = JSON.stringify(op.parameters ?? []);
      if (method === 'post' || method === 'put') {
        assert.ok(params.includes('#/components/parameters/IdempotencyKey'), `${key}: Idempotency-Key`);
        for (const s of ['400', '401', '403', '409', '413', '415', '429', '503']) {
          assert.ok(op.responses[s], `${key}: documents ${s}`);
        }
      }
      if (OPERATIONAL.includes(key)) {
        assert.deepEqual(op.security, [], `${key}: no auth`);
      } else {
        assert.ok(op['x-required-role'], `${key}: x-required-role`);
        assert.ok(op['x-required-scope'], `${key}: x-required-scope`);
        for (const s of ['400', '401', '403', '429', '503']) assert.ok(op.responses[s], `${key}: documents ${s}`);
        if (key.includes('{}')) assert.ok(op.responses['404'], `${key}: documents 404`);
      }
    }
  });

  test('the Error code enum has every code the C++ emits', () => {
    const enumCodes = new Set(spec.components.schemas.Error.properties.error.properties.code.enum);
    const missing = [...emittedRestCodes()].filter((c) => !enumCodes.has(c)).sort();
    assert.deepEqual(missing, []);
  });

  test('the OAuthError enum has every error the OAuth endpoints answer', () => {
    const enumErrors = new Set(spec.components.schemas.OAuthError.properties.error.enum);
    const missing = [...emittedOAuthErrors()].filter((e) => !enumErrors.has(e)).sort();
    assert.deepEqual(missing, []);
  });

  test('docs/api.md lists every error code of the enum', () => {
    const doc = read('docs', 'api.md');
    const missing = spec.components.schemas.Error.properties.error.properties.code.enum.filter((c) => !doc.includes(c));
    assert.deepEqual(missing, []);
  });

  test('every object schema with properties is closed (additionalProperties: false)', () => {
    const open = [];
    const walk = (node, where) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}[${i}]`));
      if (!node || typeof node !== 'object') return;
      if (node.properties && node.additionalProperties !== false) open.push(where);
      for (const [k, v] of Object.entries(node)) walk(v, `${where}/${k}`);
    };
    walk(spec.components.schemas, '#/components/schemas');
    // Event's per-type `then` clauses only narrow `data`; Event itself is closed.
    assert.deepEqual(open.filter((w) => !/\/(if|then)$/.test(w)), []);
  });

  test('every request example validates against its request schema', () => {
    let checked = 0;
    for (const [route, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const media = op?.requestBody?.content?.['application/json'];
        if (!media) continue;
        const examples = Object.entries(media.examples ?? {}).map(([k, e]) => [k, e.value]);
        if (media.example !== undefined) examples.push(['example', media.example]);
        for (const [name, value] of examples) {
          const errors = requestSchemaErrors(route, method, value);
          assert.equal(errors, null, `${method.toUpperCase()} ${route} example ${name}: ${errors}`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 4, `only ${checked} request examples`);
  });

  test('every response example validates against its response schema', () => {
    let checked = 0;
    for (const [route, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, raw] of Object.entries(op?.responses ?? {})) {
          for (const [mediaType, media] of Object.entries(deref(raw).content ?? {})) {
            const examples = Object.entries(media.examples ?? {}).map(([k, e]) => [k, e.value]);
            if (media.example !== undefined) examples.push(['example', media.example]);
            if (examples.length) assert.ok(media.schema, `${method.toUpperCase()} ${route} ${status} ${mediaType}: examples without a schema`);
            for (const [name, value] of examples) {
              const errors = responseSchemaErrors(route, method, status, mediaType, value);
              assert.equal(errors, null, `${method.toUpperCase()} ${route} ${status} example ${name}: ${errors}`);
              checked++;
            }
          }
        }
      }
    }
    assert.ok(checked >= 20, `only ${checked} response examples`);
  });

  test('every payments operation has a request example (when it takes a body) and a success-response example', () => {
    const missing = [];
    let ops = 0;
    for (const { key, op } of documented()) {
      if (!(op.tags ?? []).includes('payments')) continue;
      ops++;
      const examplesOf = (media) => Object.keys(media?.examples ?? {}).length + (media?.example !== undefined ? 1 : 0);
      for (const [mediaType, media] of Object.entries(op.requestBody?.content ?? {})) {
        if (!examplesOf(media)) missing.push(`${key}: request ${mediaType}`);
      }
      // The main success answer: the first 2xx the operation documents.
      const success = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s)).sort()[0];
      if (!success) {
        missing.push(`${key}: no 2xx response`);
        continue;
      }
      const content = deref(op.responses[success]).content ?? {};
      if (!Object.keys(content).length) continue; // documented without a body
      for (const [mediaType, media] of Object.entries(content)) {
        if (!examplesOf(media)) missing.push(`${key}: ${success} ${mediaType}`);
      }
    }
    assert.ok(ops >= 19, `only ${ops} operations tagged payments`);
    assert.deepEqual(missing, []);
  });

  test('JSON answers list every property as required (fields are null, never absent)', () => {
    const optional = {
      // Only these answer fields may be absent, by design.
      CustomerUpdatedData: ['kyc_tier', 'status', 'email', 'phone'],
      // Shapes fixed by the OAuth RFCs, where a field that does not apply is absent.
      TokenResponse: ['refresh_token', 'id_token'],
      UserInfo: ['name', 'email', 'email_verified', 'customer'],
      ClientRegistration: ['client_secret', 'client_secret_expires_at'],
    };
    const requests = /Request$|^BatchTransferItem$/;
    for (const [name, schema] of Object.entries(spec.components.schemas)) {
      if (requests.test(name) || !schema.properties) continue;
      const missing = Object.keys(schema.properties).filter(
        (p) => !(schema.required ?? []).includes(p) && !(optional[name] ?? []).includes(p),
      );
      assert.deepEqual(missing, [], `${name}: properties not in required`);
    }
  });
});
