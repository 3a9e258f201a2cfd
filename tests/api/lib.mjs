// Shared harness for the API contract tests: starts a fresh `corebank serve` in a temp data
// dir, talks to it with fetch, and validates EVERY answer against api/openapi.yaml (status
// documented for the operation, body against its schema, documented headers present and
// well-formed, no undocumented Idempotent-Replayed). A test cannot see an answer that was not
// validated, so the contract cannot drift from the server unnoticed.
import { spawn } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, '..', '..');
export const SPEC_PATH = join(REPO, 'api', 'openapi.yaml');
export const SPEC_TEXT = readFileSync(SPEC_PATH, 'utf8');
export const spec = parseYaml(SPEC_TEXT);
export const COREBANK = process.env.COREBANK || '/work/main/build/corebank';

// ---- schema validation ------------------------------------------------------------------

const SPEC_ID = 'urn:corebank:openapi';
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// The whole document is one schema resource, so "#/components/schemas/X" refs resolve against
// it and any schema inside it can be compiled by JSON pointer.
ajv.addSchema({ ...spec, $id: SPEC_ID });
const compiled = new Map();

function pointer(...parts) {
  return '#/' + parts.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
}

function validatorAt(ptr) {
  let v = compiled.get(ptr);
  if (!v) {
    v = ajv.compile({ $ref: SPEC_ID + ptr });
    compiled.set(ptr, v);
  }
  return v;
}

function deref(obj) {
  // Resolves a local "#/components/..." $ref (responses, headers, parameters).
  let guard = 0;
  while (obj && obj.$ref) {
    assert.ok(guard++ < 8, 'ref loop');
    assert.ok(obj.$ref.startsWith('#/'), `only local refs: ${obj.$ref}`);
    obj = obj.$ref
      .slice(2)
      .split('/')
      .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce((o, k) => o?.[k], spec);
    assert.ok(obj, 'dangling $ref');
  }
  return obj;
}

function schemaErrors(v) {
  return ajv.errorsText(v.errors, { separator: '\n  ', dataVar: 'body' });
}

// Validates `body` against the schema of the error-only Error object (for routes outside the
// contract: unknown path 404 route_not_found, wrong method 405 method_not_allowed).
export function validateError(body) {
  const v = validatorAt(pointer('components', 'schemas', 'Error'));
  assert.ok(v(body), `error body does not match #/components/schemas/Error:\n  ${schemaErrors(v)}\n${JSON.stringify(body)}`);
}

// Checks an answer against the operation `method route` (route is the OpenAPI path template)
// for `status`: the status must be documented, the body must match the media type's schema
// (a response documented without content must have no body), headers declared required must
// be there and match their schemas, and a header the response does not declare among
// Idempotent-Replayed/Retry-After/WWW-Authenticate/Location/Set-Cookie must not appear.
// The errors of a request body `value` against the JSON request schema of an operation, or
// null when it validates (the documented examples are checked with it).
export function requestSchemaErrors(route, method, value) {
  const v = validatorAt(pointer('paths', route, method, 'requestBody', 'content', 'application/json', 'schema'));
  return v(value) ? null : schemaErrors(v);
}

// The errors of a response body `value` against the schema of `mediaType` in the response
// `status` of an operation (a $ref response resolved as validate() does), or null when it
// validates (the documented response examples are checked with it).
export function responseSchemaErrors(route, method, status, mediaType, value) {
  const raw = spec.paths[route][method].responses[String(status)];
  const ptr = raw.$ref
    ? raw.$ref + pointer('content', mediaType, 'schema').slice(1)
    : pointer('paths', route, method, 'responses', String(status), 'content', mediaType, 'schema');
  const v = validatorAt(ptr);
  return v(value) ? null : schemaErrors(v);
}

export function validate(route, method, status, body, { headers, contentType } = {}) {
  const m = method.toLowerCase();
  const op = spec.paths[route]?.[m];
  assert.ok(op, `operation ${method.toUpperCase()} ${route} is not in api/openapi.yaml`);
  const rawResp = op.responses[String(status)];
  assert.ok(
    rawResp,
    `status ${status} is not documented for ${method.toUpperCase()} ${route} (documented: ${Object.keys(op.responses).join(', ')}); body: ${typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body)}`,
  );
  const resp = deref(rawResp);
  const content = resp.content || {};
  let mediaType = Object.keys(content)[0];
  if (!mediaType) {
    // Documented without a body (a 303): there must be none.
    assert.ok(body === '' || body === undefined, `${method.toUpperCase()} ${route} ${status}: documented without content, got ${JSON.stringify(body).slice(0, 200)}`);
    assert.ok(!contentType, `${method.toUpperCase()} ${route} ${status}: documented without content, got Content-Type ${contentType}`);
  } else if (contentType !== undefined) {
    const got = (contentType || '').split(';')[0].trim();
    assert.ok(content[got], `${method.toUpperCase()} ${route} ${status}: Content-Type ${contentType} not documented (${Object.keys(content).join(', ')})`);
    mediaType = got;
  }
  if (mediaType) {
    let ptr;
    if (rawResp.$ref) {
      ptr = rawResp.$ref.slice(1) + pointer('content', mediaType, 'schema').slice(1);
      ptr = '#' + ptr;
    } else {
      ptr = pointer('paths', route, m, 'responses', String(status), 'content', mediaType, 'schema');
    }
    const v = validatorAt(ptr);
    assert.ok(
      v(body),
      `${method.toUpperCase()} ${route} ${status}: body does not match the contract:\n  ${schemaErrors(v)}\nbody: ${JSON.stringify(body).slice(0, 2000)}`,
    );
  }
  if (headers) {
    const declared = Object.fromEntries(
      Object.entries(resp.headers || {}).map(([k, h]) => [k.toLowerCase(), deref(h)]),
    );
    for (const [name, h] of Object.entries(declared)) {
      const value = headers.get(name);
      if (h.required) {
        assert.ok(value !== null, `${method.toUpperCase()} ${route} ${status}: missing required header ${name}`);
      }
      if (value !== null && h.schema) {
        const hv = ajv.compile(h.schema);
        assert.ok(hv(value), `${method.toUpperCase()} ${route} ${status}: header ${name}: ${JSON.stringify(value)} does not match ${JSON.stringify(h.schema)}`);
      }
    }
    for (const name of ['idempotent-replayed', 'retry-after', 'www-authenticate', 'location', 'set-cookie']) {
      if (headers.get(name) !== null) {
        assert.ok(declared[name], `${method.toUpperCase()} ${route} ${status}: header ${name} is sent but not documented`);
      }
    }
  }
}

// The OpenAPI path template matching a concrete path (literal segments win over {params}),
// or undefined.
export function routeFor(method, path) {
  const segs = path.split('?')[0].split('/');
  let best;
  let bestScore = -1;
  for (const [tmpl, item] of Object.entries(spec.paths)) {
    const t = tmpl.split('/');
    if (t.length !== segs.length) continue;
    let score = 0;
    let ok = true;
    for (let i = 0; i < t.length && ok; i++) {
      if (/^\{.+\}$/.test(t[i])) ok = segs[i].length > 0;
      else if (t[i] === segs[i]) score++;
      else ok = false;
    }
    if (ok && item[method.toLowerCase()] && score > bestScore) {
      best = tmpl;
      bestScore = score;
    }
  }
  return best;
}

// ---- server -----------------------------------------------------------------------------

export const TRACE_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function newTraceparent() {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

export function idemKey() {
  return 'idem-' + randomUUID();
}

// The sanctions lists test servers load unless a test says otherwise: the 17-entry OFAC
// subset keeps every start fast (the full lists add ~0.6 s; tests/api/screening.test.mjs
// uses them).
export const SANCTIONS_DIR = join(REPO, 'testdata', 'sanctions');
const DEFAULT_ENV = { COREBANK_SANCTIONS_DIR: join(SANCTIONS_DIR, 'ofac_tiny') };

// Starts `corebank serve` on port 0 in a fresh temp dir; resolves once it printed "ready.".
// Spawns `corebank serve` on `data` and resolves with its child and URL once it is ready.
async function spawnServe(data, { env = {}, timeoutMs = 20000 } = {}) {
  const child = spawn(COREBANK, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--access-log', 'off'], {
    env: { ...process.env, ...DEFAULT_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve did not get ready in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m && /ready\./.test(out)) {
        clearTimeout(timer);
        res(m[1]);
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      rej(new Error(`serve exited (${code ?? sig}) before ready:\n${out}`));
    });
  });
  return { child, url, log: () => out };
}

export async function startServer({ env = {}, timeoutMs = 20000 } = {}) {
  assert.ok(existsSync(COREBANK), `corebank binary not found at ${COREBANK} (set COREBANK)`);
  const dir = mkdtempSync(join(tmpdir(), 'corebank-api-test-'));
  const data = join(dir, 'data');
  const { child, url, log } = await spawnServe(data, { env, timeoutMs });
  const bootstrap = JSON.parse(readFileSync(join(data, 'bootstrap.json'), 'utf8'));
  return new Server({ url, child, dir, bootstrap, log, env });
}

export class Server {
  constructor({ url, child, dir, bootstrap, log, env = {} }) {
    this.env = env; // kept for restarts: the same configuration comes back
    this.url = url;
    this.child = child;
    this.dir = dir;
    this.tenantId = bootstrap.tenant_id;
    this.adminKey = bootstrap.api_key;
    this.log = log;
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port);
  }

  // kill -9, then `corebank serve` again on the same data directory (on a new port), after
  // `downMs` of downtime.
  async crashAndRestart({ downMs = 0 } = {}) {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    const { child, url, log } = await spawnServe(join(this.dir, 'data'), { env: this.env });
    this.child = child;
    this.url = url;
    this.log = log;
    this.port = Number(new URL(url).port);
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

  // One request; the answer is validated against the contract before it is returned.
  //   body:   object (sent as JSON) or string (sent as is)
  //   key:    bearer token (default: the root admin key); null sends no Authorization
  //   idem:   Idempotency-Key for POST and PUT (default: a fresh one); null sends none
  //   headers: extra request headers
  //   undocumented: true for requests outside the contract (unknown route, wrong method):
  //           the body is then checked against the Error schema only
  // Returns {status, body, text, headers, route}.
  async api(method, path, { body, key, idem, headers = {}, contentType, undocumented = false } = {}) {
    const h = { ...headers };
    const token = key === undefined ? this.adminKey : key;
    if (token !== null) h['Authorization'] = `Bearer ${token}`;
    if (method === 'POST' || method === 'PUT') {
      const k = idem === undefined ? idemKey() : idem;
      if (k !== null) h['Idempotency-Key'] = k;
    }
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['Content-Type'] = contentType === undefined ? 'application/json' : contentType;
    }
    // Redirects are answers to validate like any other, never followed.
    const res = await fetch(this.url + path, { method, headers: h, body: payload, redirect: 'manual' });
    const text = await res.text();
    const ctype = res.headers.get('content-type') || '';
    let parsed = text;
    if (/^application\/([a-z0-9.-]+\+)?json\b/.test(ctype)) {
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        assert.fail(`${method} ${path} ${res.status}: Content-Type is JSON but the body is not: ${text.slice(0, 200)}`);
      }
    }
    const route = routeFor(method, path);
    if (undocumented) {
      assert.ok([404, 405].includes(res.status), `expected 404/405 for an undocumented request, got ${res.status}: ${text}`);
      validateError(parsed);
      assert.ok(res.headers.get('x-request-id'), 'X-Request-Id missing');
    } else {
      assert.ok(route, `${method} ${path} matches no operation of api/openapi.yaml (got ${res.status}: ${text.slice(0, 200)})`);
      validate(route, method, res.status, parsed, { headers: res.headers, contentType: ctype });
    }
    return { status: res.status, body: parsed, text, headers: res.headers, route };
  }

  // Raw HTTP/1.1 over a socket, for what fetch cannot send (a lying Content-Length).
  // Resolves {status, headers: Headers, text} of the first answer.
  rawRequest(requestText, { writeBody } = {}) {
    return new Promise((res, rej) => {
      const sock = net.connect(this.port, this.host);
      let buf = Buffer.alloc(0);
      sock.on('connect', () => {
        sock.write(requestText);
        if (writeBody) writeBody(sock);
      });
      sock.on('data', (d) => (buf = Buffer.concat([buf, d])));
      sock.on('error', () => {}); // a reset after the answer is expected
      const finish = () => {
        const s = buf.toString('utf8');
        const head = s.indexOf('\r\n\r\n');
        if (head < 0) return rej(new Error(`no HTTP answer: ${JSON.stringify(s)}`));
        const lines = s.slice(0, head).split('\r\n');
        const status = Number(lines[0].split(' ')[1]);
        const headers = new Headers();
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          headers.append(l.slice(0, i).trim(), l.slice(i + 1).trim());
        }
        let text = s.slice(head + 4);
        const len = headers.get('content-length');
        if (len !== null) text = Buffer.from(text).subarray(0, Number(len)).toString('utf8');
        res({ status, headers, text });
      };
      sock.on('close', finish);
      sock.setTimeout(10000, () => sock.destroy());
    });
  }

  // ---- helpers that build state (each answer validated like any other) -------------------

  async createCustomer(fields = {}, opts = {}) {
    const r = await this.api('POST', '/v1/customers', {
      body: { type: 'individual', name: 'Ada Lovelace', ...fields },
      ...opts,
    });
    assert.equal(r.status, 201, r.text);
    return r.body;
  }

  async openAccount(currency = 'EUR', fields = {}, opts = {}) {
    const customer = fields.customer ?? (await this.createCustomer({}, opts)).id;
    const r = await this.api('POST', '/v1/accounts', { body: { currency, ...fields, customer }, ...opts });
    assert.equal(r.status, 201, r.text);
    return r.body;
  }

  async deposit(account, amount, currency = 'EUR', opts = {}) {
    const r = await this.api('POST', '/v1/sandbox/deposits', { body: { account, amount, currency }, ...opts });
    assert.equal(r.status, 201, r.text);
    return r.body;
  }

  // GETs `path` until `done(body)` holds (asynchronous work: a scheme's answer, a timer),
  // failing the test after `timeoutMs`. Returns the body that satisfied it.
  async until(path, done, { timeoutMs = 15000, intervalMs = 25 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const g = await this.api('GET', path);
      assert.equal(g.status, 200, g.text);
      if (done(g.body)) return g.body;
      if (Date.now() > deadline) assert.fail(`${path} still not done after ${timeoutMs} ms: ${g.text}`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  async balances(account, opts = {}) {
    const r = await this.api('GET', `/v1/accounts/${account}/balances`, opts);
    assert.equal(r.status, 200, r.text);
    return r.body;
  }

  async createKey(role, opts = {}) {
    const r = await this.api('POST', '/v1/api_keys', { body: { role, name: `${role} key` }, ...opts });
    assert.equal(r.status, 201, r.text);
    return r.body;
  }

  async createTenant(name = 'second', sandbox = true) {
    const r = await this.api('POST', '/v1/tenants', { body: { name, sandbox } });
    assert.equal(r.status, 201, r.text);
    return r.body;
  }

  // ---- OAuth --------------------------------------------------------------------------------

  // A form POST to an OAuth endpoint (no Idempotency-Key), validated like every answer.
  //   fields: object or URLSearchParams; basic: [client_id, secret] for HTTP Basic client
  //   authentication; key: a bearer token (default none)
  form(path, fields, { basic, key = null, headers = {} } = {}) {
    const h = { ...headers };
    if (basic) h['Authorization'] = basicAuth(...basic);
    return this.api('POST', path, {
      body: new URLSearchParams(fields).toString(),
      contentType: 'application/x-www-form-urlencoded',
      key,
      idem: null,
      headers: h,
    });
  }

  // POST /v1/apps with defaults (client credentials, client_secret_basic); 201 asserted.
  async createApp(fields = {}, opts = {}) {
    const body = {
      name: 'app ' + randomBytes(4).toString('hex'),
      redirect_uris: ['https://client.example/cb'],
      grant_types: ['client_credentials'],
      scope: 'accounts.read balances.read',
      token_endpoint_auth_method: 'client_secret_basic',
      ...fields,
    };
    const r = await this.api('POST', '/v1/apps', { body, ...opts });
    assert.equal(r.status, 201, r.text);
    return r.body;
  }

  // A client-credentials access token for a client_secret_basic app.
  async ccToken(app, scope) {
    const fields = { grant_type: 'client_credentials' };
    if (scope !== undefined) fields.scope = scope;
    const r = await this.form('/oauth2/token', fields, { basic: [app.client_id, app.client_secret] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.token_type, 'Bearer');
    return r.body.access_token;
  }

  // POST /v1/users; 201 asserted. Returns {user, username, password}.
  async createUser(fields = {}, opts = {}) {
    const username = fields.username ?? 'user-' + randomBytes(6).toString('hex');
    const password = fields.password ?? 'pw-' + randomBytes(12).toString('base64url');
    const r = await this.api('POST', '/v1/users', { body: { kind: 'customer', ...fields, username, password }, ...opts });
    assert.equal(r.status, 201, r.text);
    return { user: r.body, username, password };
  }
}

// RFC 6749 §2.3.1: both parts form-urlencoded, then base64.
export function basicAuth(id, secret) {
  const enc = (x) => encodeURIComponent(x).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64');
}

// ---- TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps) ---------------------------------

export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '')) {
    const v = alphabet.indexOf(ch);
    assert.ok(v >= 0, `not base32: ${text}`);
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// The code of `step` (unix seconds / 30) for a base32 secret (RFC 4226 dynamic truncation).
export function totpAt(secretBase32, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

export function totpStep(unixMs = Date.now()) {
  return Math.floor(unixMs / 1000 / 30);
}

// Asserts an error answer: status, code, and (optionally) param.
export function expectError(r, status, code, param) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status}: ${r.text}`);
  assert.equal(r.body.error.code, code, r.text);
  if (param !== undefined) assert.equal(r.body.error.param, param, r.text);
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
