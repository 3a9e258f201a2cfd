// Shared helpers for the REST system tests: start/kill `corebank serve` on loopback, call the
// API, money in minor units. Node 20 built-ins only (node:test, fetch, child_process).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

export const COREBANK = process.env.COREBANK;
if (!COREBANK) throw new Error('COREBANK must point at the corebank binary');

const kStartTimeoutMs = 60_000;
const kLogTailChars = 4000;

// Every server we start, so a failing test still kills them.
const live = new Set();
process.on('exit', () => {
  for (const s of live) {
    try { s.proc.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export async function makeTempDir(tag) {
  return mkdtemp(join(tmpdir(), `corebank-${tag}-`));
}

export async function removeDir(dir) {
  if (dir) await rm(dir, { recursive: true, force: true });
}

// The child's environment without COREBANK_* settings: the test decides the config.
function serverEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('COREBANK_')) env[k] = v;
  }
  return env;
}

// Starts `corebank serve` on 127.0.0.1:0 over `dataDir`; resolves once it prints "ready.".
export async function startServer(dataDir, extraArgs = []) {
  const args = ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--access-log', 'off',
    ...extraArgs];
  const proc = spawn(COREBANK, args, { stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv() });
  const server = { proc, url: null, log: '', exited: null, args };
  live.add(server);
  server.exitPromise = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      server.exited = { code, signal };
      live.delete(server);
      resolve(server.exited);
    });
  });
  const append = (chunk) => {
    server.log += chunk.toString();
    if (server.log.length > 4 * kLogTailChars) server.log = server.log.slice(-2 * kLogTailChars);
  };
  proc.stderr.on('data', append);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(
      `server not ready after ${kStartTimeoutMs} ms; log:\n${server.log}`)), kStartTimeoutMs);
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (code ${code}, signal ${signal}) before ready; log:\n` +
        server.log));
    });
    proc.stdout.on('data', (chunk) => {
      append(chunk);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.log);
      if (m && !server.url) server.url = m[1];
      if (server.url && /ready\./.test(server.log)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const boot = JSON.parse(await readFile(join(dataDir, 'bootstrap.json'), 'utf8'));
  server.apiKey = boot.api_key;
  server.tenantId = boot.tenant_id;
  return server;
}

export function logTail(server) {
  return server ? server.log.slice(-kLogTailChars) : '(no server)';
}

// SIGKILL: no shutdown path runs, the journal is whatever reached the disk.
export async function kill9(server) {
  if (!server || server.exited) return server?.exited;
  server.proc.kill('SIGKILL');
  return server.exitPromise;
}

// SIGTERM, then SIGKILL if it does not stop within `graceMs`.
export async function stopServer(server, graceMs = 10_000) {
  if (!server || server.exited) return server?.exited;
  server.proc.kill('SIGTERM');
  const timer = setTimeout(() => server.proc.kill('SIGKILL'), graceMs);
  const r = await server.exitPromise;
  clearTimeout(timer);
  return r;
}

export function newKey(tag = 'k') {
  return `${tag}-${randomUUID()}`;
}

// One HTTP call. Resolves {status, headers, text, json, replayed}; throws on network errors
// (connection refused or reset), which callers treat as "no answer".
export async function call(server, method, path, { body, key, bodyText, apiKey } = {}) {
  const headers = { Authorization: `Bearer ${apiKey ?? server.apiKey}` };
  let payload;
  if (method === 'POST') {
    payload = bodyText ?? JSON.stringify(body ?? {});
    headers['Content-Type'] = 'application/json';
    headers['Idempotency-Key'] = key ?? newKey();
  }
  const res = await fetch(server.url + path, { method, headers, body: payload });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON: keep the text for diagnostics */ }
  return {
    status: res.status,
    headers: res.headers,
    text,
    json,
    replayed: res.headers.get('idempotent-replayed') === 'true',
  };
}

// Like call(), but the answer must have `status`; the message shows what came back instead.
export async function expectCall(server, status, method, path, opts = {}) {
  const r = await call(server, method, path, opts);
  if (r.status !== status) {
    throw new Error(`${method} ${path} ${JSON.stringify(opts.body ?? null)}: expected ${status}, ` +
      `got ${r.status}: ${r.text}`);
  }
  return r;
}

// "12.34" -> 1234n (EUR, 2 decimals, possibly negative or with fewer decimals).
export function toMinor(s) {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new Error(`not an EUR amount: ${JSON.stringify(s)}`);
  const v = BigInt(m[2]) * 100n + BigInt((m[3] ?? '').padEnd(2, '0') || '0');
  return m[1] ? -v : v;
}

export function fromMinor(v) {
  const n = BigInt(v);
  const neg = n < 0n;
  const a = neg ? -n : n;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

// Creates an individual customer and `count` EUR accounts for it.
export async function makeAccounts(server, count, name = 'System Test') {
  const c = await expectCall(server, 201, 'POST', '/v1/customers',
    { body: { type: 'individual', name } });
  const accounts = [];
  for (let i = 0; i < count; i++) {
    const a = await expectCall(server, 201, 'POST', '/v1/accounts',
      { body: { customer: c.json.id, currency: 'EUR' } });
    accounts.push(a.json.id);
  }
  return { customer: c.json.id, accounts };
}

export async function deposit(server, account, amount) {
  const r = await expectCall(server, 201, 'POST', '/v1/sandbox/deposits',
    { body: { account, amount, currency: 'EUR' } });
  return r.json;
}

export async function currentBalance(server, account) {
  const r = await expectCall(server, 200, 'GET', `/v1/accounts/${account}/balances`);
  return toMinor(r.json.current);
}

// Every transfer of `account`, following next_cursor; checks the page invariants.
export async function listTransfers(server, account, limit = 100) {
  const all = [];
  let cursor = null;
  for (let page = 0; page < 100_000; page++) {
    const q = `/v1/transfers?account=${account}&limit=${limit}` +
      (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');
    const r = await expectCall(server, 200, 'GET', q);
    const { data, has_more: hasMore, next_cursor: next } = r.json;
    if (!Array.isArray(data) || data.length > limit) {
      throw new Error(`${q}: bad page: ${r.text.slice(0, 500)}`);
    }
    all.push(...data);
    if (!hasMore) {
      if (next !== null) throw new Error(`${q}: has_more=false but next_cursor=${next}`);
      return all;
    }
    if (typeof next !== 'string' || next === cursor || data.length === 0) {
      throw new Error(`${q}: has_more=true with next_cursor=${next}, ${data.length} items`);
    }
    cursor = next;
  }
  throw new Error(`listing ${account} did not end`);
}
