// Issue 12: an OAuth answer that arrives after its request timed out must not read the
// request, whose connection may be gone by then. The server runs with a 1 ms request
// timeout, so nearly every /oauth2/authorize (answered by the writer after an fdatasync)
// times out first; each client closes its connection right after the 503, so the session
// and its request buffer are freed while the writer's callback is still queued. The old
// code read freed memory there: a crash, or under AddressSanitizer (`make test-asan`) a
// heap-use-after-free report (checked: with the old code an ASan build dies in this test).
// Here the server must stay up and keep answering. 100 at a time: the writer falls behind,
// so callbacks run well after their sessions were freed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expectCall, logTail, makeTempDir, removeDir, startServer, stopServer } from './lib.mjs';

const kAttempts = 400;

// One raw request on a fresh connection, closed as soon as the status line arrives.
function hitAndRun(url, path, cookie) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect(Number(port), hostname, () => {
      sock.write(`GET ${path} HTTP/1.1\r\nHost: t\r\nCookie: ${cookie}\r\n\r\n`);
    });
    let got = '';
    sock.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) {
        sock.destroy();
        resolve(got.slice(9, 12));
      }
    });
    sock.on('error', () => resolve('error'));
    sock.on('close', () => resolve(got.slice(9, 12) || 'closed'));
  });
}

test('late OAuth answers after request timeouts and closed connections do not crash', async () => {
  const dir = await makeTempDir('oauth-timeout');
  let server;
  try {
    // Set-up with the normal timeout: an app allowed the code flow.
    server = await startServer(join(dir, 'data'));
    const app = await expectCall(server, 201, 'POST', '/v1/apps', {
      body: {
        name: 'late', grant_types: ['authorization_code'], scope: 'accounts.read',
        redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'client_secret_basic',
      },
    });
    await stopServer(server);
    await writeFile(join(dir, 'fast.toml'), 'request_timeout_ms = 1\nrate_unauth_per_ip_per_s = 0\n');
    server = await startServer(join(dir, 'data'), ['--config', join(dir, 'fast.toml')]);
    const path = `/oauth2/authorize?response_type=code&client_id=${app.json.client_id}` +
      '&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=accounts.read&state=s' +
      '&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-cM&code_challenge_method=S256';
    // A long cookie header: the freed buffer is big enough to be reused by the next request.
    const cookie = `cb_bsid=${'b'.repeat(64)}; cb_session=${'x'.repeat(2000)}`;
    const statuses = {};
    for (let i = 0; i < kAttempts; i += 100) {
      const batch = await Promise.all(Array.from({ length: 100 }, () => hitAndRun(server.url, path, cookie)));
      for (const s of batch) statuses[s] = (statuses[s] ?? 0) + 1;
    }
    // The timeout path was really taken (and some answers may have won the race).
    assert.ok((statuses['503'] ?? 0) > 0, `no request timed out: ${JSON.stringify(statuses)}`);
    await new Promise((r) => setTimeout(r, 300));  // let the late callbacks run
    assert.equal(server.exited, null, `the server died:\n${logTail(server)}`);
    const ready = await fetch(server.url + '/readyz');
    assert.equal(ready.status, 200);
  } finally {
    await stopServer(server);
    await removeDir(dir);
  }
});
