// Helpers the attack files share on top of ../api/lib.mjs (which stays untouched): stop a
// server without deleting its data, restart it on the same data, run the offline money audit,
// raw HTTP from a chosen loopback source address, and exact decimal sums. Not a test file: the
// runner only picks up *.test.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import assert from 'node:assert/strict';

import { COREBANK, Server, routeFor, validate } from '../api/lib.mjs';

// Server.stop() removes the data dir; the audit and the restart need it, so this stops the
// process the same way (SIGTERM, SIGKILL after 5 s) and leaves the files. The caller's
// after() still calls s.stop(), which then only removes the dir.
export async function stopKeepingData(s) {
  const c = s.child;
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

// `corebank serve` again on the data of a stopped `s` (a new port): a process that starts
// with nothing in memory, which is what the journal-read paths need to be attacked through.
// The returned Server owns the same dir, so its stop() cleans up as usual.
export async function restartServer(s, { env = {}, timeoutMs = 20000 } = {}) {
  assert.ok(s.child.exitCode !== null || s.child.signalCode !== null, 'stop the old process first');
  const data = join(s.dir, 'data');
  const child = spawn(COREBANK, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--access-log', 'off'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve did not get ready in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m && /ready\./.test(out)) {
        clearTimeout(timer);
        res(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      rej(new Error(`serve exited (${code ?? sig}) before ready:\n${out}`));
    });
  });
  const bootstrap = JSON.parse(readFileSync(join(data, 'bootstrap.json'), 'utf8'));
  return new Server({ url, child, dir: s.dir, bootstrap, log: () => out });
}

// The offline audit of ADR 0010 over a stopped server's journal: every tenant's currencies sum
// to zero and internal accounts moved only by sandbox deposits and approved adjustments.
// Asserts exit 0 and the `replay: money_audit=ok` line; returns the output.
export function assertMoneyAudit(s) {
  assert.ok(s.child.exitCode !== null || s.child.signalCode !== null, 'audit a stopped server only');
  const r = spawnSync(COREBANK, ['replay', '--data', join(s.dir, 'data')], { encoding: 'utf8', timeout: 60000 });
  const out = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, `corebank replay failed (${r.status ?? r.signal}):\n${out}`);
  assert.match(r.stdout, /^replay: money_audit=ok$/m, `no money_audit=ok line:\n${out}`);
  assert.match(r.stdout, /trial_balance=balanced/, out);
  return out;
}

// One HTTP/1.1 request on its own connection (no keep-alive pool), from `localAddress` (any
// 127.x.y.z reaches a server listening on 127.0.0.1). fetch cannot choose its source address,
// and a flood of a few hundred parallel fetches would open as many connections from
// 127.0.0.1, past connections_per_ip_max: the per-address limits would be what we measure.
// The answer is validated against api/openapi.yaml like every s.api() answer.
//   key: bearer token (default the root admin key; null: none); idem: Idempotency-Key
//   (POST only; null: none); form: urlencoded fields instead of a JSON body.
export function httpRequest(s, method, path, { body, form, key, idem, headers = {}, localAddress = '127.0.0.1', timeoutMs = 20000 } = {}) {
  const h = { ...headers, Connection: 'close' };
  const token = key === undefined ? s.adminKey : key;
  if (token !== null) h.Authorization = `Bearer ${token}`;
  if (method === 'POST' && idem) h['Idempotency-Key'] = idem;
  let payload;
  if (form !== undefined) {
    payload = new URLSearchParams(form).toString();
    h['Content-Type'] = 'application/x-www-form-urlencoded';
  } else if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  if (payload !== undefined) h['Content-Length'] = Buffer.byteLength(payload);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: s.host, port: s.port, method, path, headers: h, localAddress, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => {
          try {
            const text = Buffer.concat(chunks).toString('utf8');
            const headersOut = new Headers();
            for (let i = 0; i < res.rawHeaders.length; i += 2) headersOut.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
            const ctype = headersOut.get('content-type') || '';
            const parsed = /^application\/([a-z0-9.-]+\+)?json\b/.test(ctype) ? JSON.parse(text) : text;
            const route = routeFor(method, path);
            assert.ok(route, `${method} ${path} matches no operation of api/openapi.yaml`);
            validate(route, method, res.statusCode, parsed, { headers: headersOut, contentType: ctype });
            resolve({ status: res.statusCode, headers: headersOut, text, body: parsed });
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

// Every item of a /v1 list, following next_cursor (bounded: a cursor loop is a failure).
export async function listAll(s, path, opts = {}) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < 100; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await s.api('GET', `${path}${sep}limit=100${cursor ? `&cursor=${cursor}` : ''}`, opts);
    assert.equal(r.status, 200, r.text);
    items.push(...r.body.data);
    cursor = r.body.next_cursor;
    if (!cursor) return items;
  }
  assert.fail(`${path}: more than 100 pages`);
}

// A decimal amount string as a BigInt of hundredths: exact, never a float. The scale is the
// same for every amount of one currency, which is all a per-currency zero-sum needs.
export function minor(amount) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount);
  assert.ok(m, `amount ${amount}`);
  const v = BigInt(m[2] + (m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -v : v;
}

// Per currency, the sum of every account's current balance of the caller's tenant (settlement
// accounts included): double entry means each must be zero.
export async function currencySums(s, key) {
  const sums = new Map();
  for (const a of await listAll(s, '/v1/accounts', { key })) {
    sums.set(a.currency, (sums.get(a.currency) ?? 0n) + minor(a.balances.current));
  }
  return sums;
}
