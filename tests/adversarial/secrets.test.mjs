// Secrets at rest, for an attacker who can read the disk but not the process. (1) Every file
// the server writes under its data dir (journal segments, snapshots, keys, bootstrap.json) is
// 0600 and every dir 0700, even with a permissive umask. (2) A password is never recorded in a
// form an attacker can test guesses against: the idempotency record of a request stores the
// SHA-256 of "METHOD PATH\n" + body, so for a body carrying a password that digest must not be
// in the journal (a guessed password would reproduce it). The positive control shows the same
// search finds the digest of an ordinary body, so its absence for /v1/users means something.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { sleep, startServer } from '../api/lib.mjs';
import { restartServer, stopKeepingData } from './util.mjs';

let s;
let umaskBefore;
before(async () => {
  // The child inherits the umask: with 022 a file created without an explicit mode would be
  // 0644, so a 0600 below is the server's doing, not the test machine's default.
  umaskBefore = process.umask(0o022);
  // A snapshot every second, so snapshot files exist to be checked too.
  s = await startServer({ env: { COREBANK_SNAPSHOT_INTERVAL_S: '1' } });
});
after(async () => {
  if (s) await s.stop();
  process.umask(umaskBefore);
});

// Every path under `dir` (bounded depth), with its stat. A file gone between the listing and
// the stat (an old snapshot pruned by a running server) is skipped.
function walk(dir, depth = 0, out = []) {
  assert.ok(depth < 6, `too deep: ${dir}`);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    out.push({ p, st });
    if (st.isDirectory()) walk(p, depth + 1, out);
  }
  return out;
}

const digest = (method, path, body) => createHash('sha256').update(`${method} ${path}\n`).update(body).digest();

function filesUnder(dir) {
  return walk(dir)
    .filter((x) => x.st.isFile())
    .map((x) => ({ p: x.p, bytes: readFileSync(x.p) }));
}

describe('files at rest', () => {
  test('the data dir and everything under it: dirs 0700, files 0600 (journal, snapshots, keys)', async () => {
    await s.deposit((await s.openAccount('EUR')).id, '10.00');
    await sleep(1500); // one snapshot interval
    const data = join(s.dir, 'data');
    const check = (label) => {
      const all = [{ p: data, st: statSync(data) }, ...walk(data)];
      const kinds = new Set(all.map((x) => x.p.slice(data.length).split('/')[1]));
      for (const want of ['journal', 'snapshots', 'kms']) assert.ok(kinds.has(want), `${label}: no ${want}/ to check`);
      assert.ok(all.some((x) => /\/journal\/.+/.test(x.p) && x.st.isFile()), `${label}: no journal segment`);
      const wrong = all
        .filter((x) => (x.st.mode & 0o777) !== (x.st.isDirectory() ? 0o700 : 0o600))
        .map((x) => `${(x.st.mode & 0o777).toString(8)} ${x.p.slice(data.length)}`);
      assert.deepEqual(wrong, [], `${label}: loose modes`);
    };
    check('first start');
    // What the server creates on a restart (recovery, a new snapshot) is just as closed.
    await stopKeepingData(s);
    s = await restartServer(s, { env: { COREBANK_SNAPSHOT_INTERVAL_S: '1' } });
    await s.createCustomer({ name: 'after restart' });
    await sleep(1500);
    check('after restart');
  });
});

describe('passwords in request hashes', () => {
  test('the digest of a POST /v1/users body is nowhere on disk; the digest of a customer body is', async () => {
    const customerBody = JSON.stringify({ type: 'individual', name: 'Control ' + randomBytes(4).toString('hex') });
    const c = await s.api('POST', '/v1/customers', { body: customerBody });
    assert.equal(c.status, 201, c.text);
    const password = 'pw-' + randomBytes(18).toString('base64url');
    // Exactly the bytes sent: the digest is over the body as received.
    const userBody = JSON.stringify({ kind: 'customer', customer: c.body.id, username: 'victim-' + randomBytes(4).toString('hex'), password });
    const idem = 'idem-user-' + randomBytes(8).toString('hex');
    const u = await s.api('POST', '/v1/users', { body: userBody, idem });
    assert.equal(u.status, 201, u.text);

    // The record exists nonetheless (the hash covers the other fields): a retry with the same
    // key and another password is the same request, replayed, and sets no new password.
    const retry = await s.api('POST', '/v1/users', { body: userBody.replace(password, password + 'x'), idem });
    assert.equal(retry.status, 201, retry.text);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(retry.text, u.text);

    // Stopped, so no snapshot is written or pruned while we read.
    await stopKeepingData(s);
    const data = join(s.dir, 'data');
    const journal = filesUnder(join(data, 'journal'));
    const everything = filesUnder(data);
    const find = (files, needle) => files.filter((f) => f.bytes.indexOf(needle) >= 0).map((f) => f.p.slice(data.length));
    // Positive control: without a password, the request digest is recorded (idempotency).
    assert.notDeepEqual(find(journal, digest('POST', '/v1/customers', customerBody)), [], 'the control digest is not in the journal: the search proves nothing');
    assert.deepEqual(find(everything, digest('POST', '/v1/users', userBody)), [], 'the digest of a body with a password is on disk');
    assert.deepEqual(find(everything, Buffer.from(password)), [], 'the password is on disk in clear');
  });
});
