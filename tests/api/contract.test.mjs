// Static checks of api/openapi.yaml against the router's route table: every route the
// server has is documented (and nothing else), and the conventions every operation must
// follow hold. No server needed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO, spec } from './lib.mjs';

const OPERATIONAL = ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /v1/openapi.yaml'];

function routerRoutes() {
  const src = readFileSync(join(REPO, 'src', 'api', 'router.cc'), 'utf8');
  const table = src.slice(src.indexOf('kRoutes[]'), src.indexOf('};', src.indexOf('kRoutes[]')));
  const routes = [...table.matchAll(/\{"(GET|POST)",\s*"([^"]+)"/g)].map(([, m, p]) => `${m} ${p.replace(/\{[^}]*\}/g, '{}')}`);
  assert.ok(routes.length >= 20, 'parsed the kRoutes table');
  return routes;
}

function documented() {
  const ops = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const m of ['get', 'post', 'put', 'patch', 'delete']) {
      if (item[m]) ops.push({ key: `${m.toUpperCase()} ${path.replace(/\{[^}]*\}/g, '{}')}`, path, method: m, op: item[m] });
    }
  }
  return ops;
}

describe('api/openapi.yaml', () => {
  test('documents exactly the routes in src/api/router.cc kRoutes, plus the operational ones', () => {
    const want = [...routerRoutes(), ...OPERATIONAL].sort();
    const have = documented().map((o) => o.key).sort();
    assert.deepEqual(have, want);
  });

  test('is OpenAPI 3.1 with the 2020-12 dialect and bearer auth by default', () => {
    assert.equal(spec.openapi, '3.1.0');
    assert.equal(spec.jsonSchemaDialect, 'https://json-schema.org/draft/2020-12/schema');
    assert.deepEqual(spec.security, [{ bearerAuth: [] }]);
    assert.equal(spec.components.securitySchemes.bearerAuth.scheme, 'bearer');
  });

  test('every POST requires Idempotency-Key; every operation has a unique operationId and a role', () => {
    const ids = new Set();
    for (const { key, method, op } of documented()) {
      assert.ok(op.operationId && !ids.has(op.operationId), `${key}: operationId`);
      ids.add(op.operationId);
      const params = JSON.stringify(op.parameters ?? []);
      if (method === 'post') {
        assert.ok(params.includes('#/components/parameters/IdempotencyKey'), `${key}: Idempotency-Key`);
        for (const s of ['400', '401', '403', '409', '413', '415', '429', '503']) {
          assert.ok(op.responses[s], `${key}: documents ${s}`);
        }
      }
      if (OPERATIONAL.includes(key)) {
        assert.deepEqual(op.security, [], `${key}: no auth`);
      } else {
        assert.ok(op['x-required-role'], `${key}: x-required-role`);
        for (const s of ['400', '401', '403', '429', '503']) assert.ok(op.responses[s], `${key}: documents ${s}`);
        if (key.includes('{}')) assert.ok(op.responses['404'], `${key}: documents 404`);
      }
    }
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

  test('JSON answers list every property as required (fields are null, never absent)', () => {
    const optional = {
      // Only these answer fields may be absent, by design.
      CustomerUpdatedData: ['kyc_tier', 'status', 'email', 'phone'],
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
