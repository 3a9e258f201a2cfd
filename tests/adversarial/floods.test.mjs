// Floods from one client address, with the server's default limits (none set by the test):
// password and TOTP form posts (guessing credentials: 5/s, burst 30), the unauthenticated
// OAuth endpoints (100/s, burst 200), and idle connections (connections_per_ip_max, 256). Each
// flood comes from its own loopback address (any 127.x.y.z reaches the server), so one flood's
// bucket cannot explain another's result, and we can check the limits are per address: the
// victim of a flood from one address is not every other client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { expectError, sleep, startServer } from '../api/lib.mjs';
import { httpRequest } from './util.mjs';

const SIGN_IN_BURST = 30;
const SIGN_IN_PER_S = 5;
const UNAUTH_BURST = 200;
const UNAUTH_PER_S = 100;
const CONNECTIONS_PER_IP_MAX = 256;

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

// A limited answer: 429 rate_limited in the /v1 error shape, with a whole-seconds Retry-After.
function assertLimited(r, label) {
  expectError(r, 429, 'rate_limited');
  assert.equal(r.body.error.type, 'rate_limit_error', label);
  assert.match(r.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/, `${label}: Retry-After`);
}

// `answers` from a flood that took `elapsedMs`: the burst was served, then the rate held.
function assertBucket(answers, elapsedMs, burst, perS, label) {
  const limited = answers.filter((r) => r.status === 429);
  const served = answers.length - limited.length;
  for (const r of limited) assertLimited(r, label);
  assert.ok(limited.length > 0, `${label}: ${answers.length} requests in ${elapsedMs} ms, none limited`);
  // Refill during the flood, plus one token of slack for the clock.
  const allowed = burst + Math.ceil((perS * elapsedMs) / 1000) + 1;
  assert.ok(served <= allowed, `${label}: ${served} served in ${elapsedMs} ms, the bucket allows ${allowed}`);
  assert.ok(served >= burst, `${label}: only ${served} served, the burst is ${burst}`);
}

describe('sign-in floods', () => {
  test('60 password posts in a burst: 429 rate_limited after the burst, whatever X-Forwarded-For says', async () => {
    const t0 = Date.now();
    const answers = [];
    for (let i = 0; i < 2 * SIGN_IN_BURST; i++) {
      // Forwarding headers are the client's word: the limit is keyed by the socket's address.
      const spoof = `198.51.100.${i}`;
      const r = await s.form(
        '/oauth2/login',
        { request: 'guess', csrf_token: 'guess', username: 'admin', password: `guess-${i}` },
        { headers: { 'X-Forwarded-For': spoof, 'X-Real-IP': spoof, Forwarded: `for=${spoof}` } },
      );
      answers.push(r);
    }
    const elapsed = Date.now() - t0;
    assertBucket(answers, elapsed, SIGN_IN_BURST, SIGN_IN_PER_S, 'POST /oauth2/login');
    // Before the limit, the posts were answered by the endpoint (a page), not refused.
    for (const r of answers.slice(0, SIGN_IN_BURST - 5)) assert.notEqual(r.status, 429);
    // The limit is the flooding address's, not everyone's: another address still gets the
    // login endpoint itself, and the flooder's API key calls are not sign-in posts.
    const other = await httpRequest(s, 'POST', '/oauth2/login', {
      key: null,
      form: { request: 'guess', csrf_token: 'guess', username: 'admin', password: 'x' },
      localAddress: '127.0.0.3',
    });
    assert.notEqual(other.status, 429, other.text);
    const api = await s.api('GET', '/v1/customers');
    assert.equal(api.status, 200, api.text);
  });

  test('TOTP code posts are limited the same way', async () => {
    const t0 = Date.now();
    const answers = [];
    for (let i = 0; i < 2 * SIGN_IN_BURST; i++) {
      answers.push(
        await httpRequest(s, 'POST', '/oauth2/mfa', {
          key: null,
          form: { request: 'guess', csrf_token: 'guess', code: String(i).padStart(6, '0') },
          localAddress: '127.0.0.2',
        }),
      );
    }
    assertBucket(answers, Date.now() - t0, SIGN_IN_BURST, SIGN_IN_PER_S, 'POST /oauth2/mfa');
  });
});

describe('unauthenticated OAuth endpoints', () => {
  test(`a flood of key and discovery GETs is served to ~${UNAUTH_BURST}, then 429 rate_limited on both`, async () => {
    // Alternating endpoints: one bucket per address, so hopping endpoints buys nothing.
    const paths = ['/oauth2/jwks', '/.well-known/openid-configuration'];
    const total = 2 * UNAUTH_BURST + 100;
    const answers = [];
    let next = 0;
    const t0 = Date.now();
    // 32 connections at a time from one address: well under the connection cap.
    const worker = async () => {
      while (next < total) {
        const path = paths[next++ % paths.length];
        const r = await httpRequest(s, 'GET', path, { key: null, localAddress: '127.0.0.4' });
        answers.push({ path, r });
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    assertBucket(answers.map((x) => x.r), Date.now() - t0, UNAUTH_BURST, UNAUTH_PER_S, 'OAuth GETs');
    for (const path of paths) {
      assert.ok(answers.some((x) => x.path === path && x.r.status === 429), `${path} was never limited`);
    }
  });
});

describe('failed authentications', () => {
  test('forged credentials from one address are refused unchecked once its budget is spent', async () => {
    // A forged JWT costs a signature check; an address whose credentials keep failing gets
    // 429 before the check. Only failures count: a valid key from that address still works.
    const forged = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.' + 'A'.repeat(86);
    // The budget refills while we send: on a slow machine the burst alone is not enough to
    // spend it. Send until refused, or until far more than the budget could ever allow.
    const answers = [];
    let sent = 0;
    const t0 = Date.now();
    const budget = () => UNAUTH_BURST + Math.ceil((UNAUTH_PER_S * (Date.now() - t0)) / 1000);
    const worker = async () => {
      while (!answers.some((x) => x.status === 429) && sent++ < budget() + 100) {
        answers.push(await httpRequest(s, 'GET', '/v1/customers', { key: forged, localAddress: '127.0.0.7' }));
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const elapsed = Date.now() - t0;
    for (const r of answers.filter((x) => x.status !== 429)) expectError(r, 401, 'invalid_token');
    const limited = answers.filter((x) => x.status === 429);
    assert.ok(limited.length > 0, `${answers.length} forged tokens in ${elapsed} ms, none refused unchecked`);
    for (const r of limited) assertLimited(r, 'failed authentications');
    const checked = answers.length - limited.length;
    assert.ok(checked <= UNAUTH_BURST + Math.ceil((UNAUTH_PER_S * elapsed) / 1000) + 1 + 16,
              `${checked} forged tokens checked in ${elapsed} ms`);
    // Another address is unaffected.
    const ok = await httpRequest(s, 'GET', '/v1/customers', { localAddress: '127.0.0.8' });
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('connection flood', () => {
  test(`${CONNECTIONS_PER_IP_MAX + 4} idle connections from one address: the extra ones are closed at once`, async () => {
    const FLOOD_IP = '127.0.0.5';
    const socks = [];
    try {
      const opened = [];
      for (let i = 0; i < CONNECTIONS_PER_IP_MAX + 4; i++) {
        const sock = net.connect({ host: s.host, port: s.port, localAddress: FLOOD_IP });
        const st = { sock, closedByServer: false, ours: false };
        sock.on('error', () => {}); // a reset from the server is one way of being closed
        sock.on('close', () => (st.closedByServer = !st.ours));
        socks.push(st);
        opened.push(new Promise((r) => (sock.once('connect', r), sock.once('close', r))));
      }
      await Promise.all(opened);
      // They send nothing, so only the cap can close them this soon: the idle timeout is 30 s.
      // Wait (up to 5 s, for a loaded machine) until the extra ones are closed, then a little
      // more to see that no others follow.
      const extra = socks.length - CONNECTIONS_PER_IP_MAX;
      for (let i = 0; i < 50 && socks.filter((x) => x.closedByServer).length < extra; i++) await sleep(100);
      await sleep(300);
      const closed = socks.filter((x) => x.closedByServer).length;
      assert.equal(closed, extra, `${closed} of ${socks.length} idle connections closed by the server`);

      // The cap is per address: another client is served while this one is at its cap...
      const other = await httpRequest(s, 'GET', '/healthz', { key: null, localAddress: '127.0.0.6' });
      assert.equal(other.status, 200);
      // ...and one more connection from the flooding address gets no answer.
      await assert.rejects(httpRequest(s, 'GET', '/healthz', { key: null, localAddress: FLOOD_IP, timeoutMs: 3000 }), /socket hang up|ECONNRESET|EPIPE/);
    } finally {
      for (const x of socks) {
        x.ours = true;
        x.sock.destroy();
      }
    }
    // Closing them frees the address's slots (a counter that leaked would lock it out).
    let r;
    for (let i = 0; i < 50; i++) {
      r = await httpRequest(s, 'GET', '/healthz', { key: null, localAddress: FLOOD_IP }).catch((e) => e);
      if (r.status === 200) break;
      await sleep(100);
    }
    assert.equal(r.status, 200, `the flooding address is served again after closing: ${r}`);
  });
});
