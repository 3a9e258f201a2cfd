// Sanctions screening through the real binary (issue 14, ADR 0016): POST /v1/screenings
// against the full OFAC SDN and UN lists loaded at start, stored content-addressed under
// DATA/sanctions and journaled once; bad input; scopes; a kill -9 keeps the same list hashes
// without journaling them again. Every answer is validated against api/openapi.yaml by lib.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SANCTIONS_DIR, expectError, idemKey, sleep, startServer } from './lib.mjs';

let s;
let readOnly;
before(async () => {
  s = await startServer({ env: { COREBANK_SANCTIONS_DIR: SANCTIONS_DIR } });
  readOnly = (await s.createKey('read_only')).secret;
});
after(async () => s && (await s.stop()));

const screen = (body, opts = {}) => s.api('POST', '/v1/screenings', { body, ...opts });

function assertRanked(hits) {
  for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].score >= hits[i].score, JSON.stringify(hits));
  for (const h of hits) assert.ok(h.score >= 0.8, `below the review threshold: ${JSON.stringify(h)}`);
}

describe('POST /v1/screenings', () => {
  test('finds a listed person despite a typo and reordering, with the lists screened against', async () => {
    // Listed as "LOGAN MOREY, Elvis Angus" (OFAC ent_num 10278, SDNT).
    const r = await screen({ name: 'Elvis Angus Logan Morei', type: 'person', date_of_birth: '1963-07-28', country: 'BZ' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.query, { name: 'Elvis Angus Logan Morei', type: 'person', date_of_birth: '1963-07-28', country: 'BZ' });
    assert.ok(r.body.hits.length >= 1 && r.body.hits.length <= 20);
    assert.equal(r.body.hits[0].list, 'ofac-sdn');
    assert.equal(r.body.hits[0].entry_id, '10278');
    assert.equal(r.body.hits[0].type, 'person');
    assert.deepEqual(r.body.hits[0].programs, ['SDNT']);
    assertRanked(r.body.hits);
    assert.deepEqual(r.body.lists.map((l) => l.name), ['ofac-sdn', 'un-consolidated']);
    // Each list is kept content-addressed in the data directory under its hash.
    for (const l of r.body.lists) {
      assert.ok(l.entries > 100, JSON.stringify(l));
      assert.ok(existsSync(join(s.dir, 'data', 'sanctions', `${l.sha256}.list`)), l.sha256);
    }
  });

  test('an alias scores as the entry it belongs to; the type defaults to unknown', async () => {
    const r = await screen({ name: 'Osama bin Ladn' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.query.type, 'unknown');
    assert.equal(r.body.query.date_of_birth, null);
    assert.equal(r.body.query.country, null);
    const top = r.body.hits[0];
    assert.equal(top.entry_id, '6365', r.text);
    assert.equal(top.matched_alias, true);
    assertRanked(r.body.hits);
  });

  test('an unrelated name gets no hits', async () => {
    const r = await screen({ name: 'Johanna Weissenberger', type: 'person' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.hits, []);
  });

  test('the same Idempotency-Key answers the same screen again', async () => {
    const key = idemKey();
    const a = await screen({ name: 'Osama bin Ladn' }, { idem: key });
    const b = await screen({ name: 'Osama bin Ladn' }, { idem: key });
    assert.equal(b.status, 200);
    assert.equal(b.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(b.body, a.body);
  });

  test('bad input is 400 with the field named', async () => {
    expectError(await screen({ type: 'person' }), 400, 'parameter_missing', 'name');
    expectError(await screen({ name: '' }), 400, 'parameter_invalid', 'name');
    expectError(await screen({ name: 'x'.repeat(257) }), 400, 'string_too_long', 'name');
    expectError(await screen({ name: 'Ann\u0007Lee' }), 400, 'parameter_invalid', 'name');
    expectError(await screen({ name: 42 }), 400, 'parameter_invalid', 'name');
    expectError(await screen({ name: 'Ann Lee', nickname: 'A' }), 400, 'unknown_field', 'nickname');
    expectError(await screen({ name: 'Ann Lee', type: 'company' }), 400, 'parameter_invalid', 'type');
    expectError(await screen({ name: 'Ann Lee', date_of_birth: '1990-02-30' }), 400, 'parameter_invalid', 'date_of_birth');
    expectError(await screen({ name: 'Ann Lee', date_of_birth: '1990/01/01' }), 400, 'parameter_invalid', 'date_of_birth');
    expectError(await screen({ name: 'Ann Lee', country: 'ZZ' }), 400, 'parameter_invalid', 'country');
    expectError(await screen({ name: 'Ann Lee', country: 'iran' }), 400, 'string_too_long', 'country');
    expectError(await screen('{"name": '), 400, 'invalid_json');
    // 256 bytes is still a name.
    assert.equal((await screen({ name: 'a'.repeat(256) })).status, 200);
  });

  test('a read-only key may not screen; no key is 401', async () => {
    expectError(await screen({ name: 'Ann Lee' }, { key: readOnly }), 403, 'insufficient_permissions');
    expectError(await screen({ name: 'Ann Lee' }, { key: null }), 401, 'authentication_required');
  });

  test('kill -9 and restart: the same list hashes, nothing journaled again', async () => {
    assert.match(s.log(), /sanctions screening on: 2 lists .*; 2 newly journaled/);
    const before = (await screen({ name: 'Elvis Angus Logan Morei' })).body;
    await s.crashAndRestart();
    assert.match(s.log(), /sanctions screening on: 2 lists .*; 0 newly journaled/);
    const again = await screen({ name: 'Elvis Angus Logan Morei' });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.body.lists, before.lists);
    assert.deepEqual(again.body.hits, before.hits);
    const files = readdirSync(join(s.dir, 'data', 'sanctions')).sort();
    assert.deepEqual(files, before.lists.map((l) => `${l.sha256}.list`).sort());
  });
});

describe('without sanctions lists', () => {
  let off;
  before(async () => {
    off = await startServer({ env: { COREBANK_SANCTIONS_DIR: join(SANCTIONS_DIR, 'no-such-dir') } });
  });
  after(async () => off && (await off.stop()));

  test('the server starts, says screening is off and answers 409 screening_unavailable', async () => {
    assert.match(off.log(), /sanctions screening is OFF/);
    const r = await off.api('POST', '/v1/screenings', { body: { name: 'Ann Lee' } });
    expectError(r, 409, 'screening_unavailable');
  });
});

describe('a reload (SIGHUP)', () => {
  let r;
  let sources;
  before(async () => {
    // A sanctions directory of our own: the tiny OFAC set first, the UN list added later.
    sources = mkdtempSync(join(tmpdir(), 'corebank-sanctions-'));
    for (const f of ['sdn.csv', 'alt.csv', 'add.csv']) copyFileSync(join(SANCTIONS_DIR, 'ofac_tiny', f), join(sources, f));
    r = await startServer({ env: { COREBANK_SANCTIONS_DIR: sources } });
  });
  after(async () => {
    if (r) await r.stop();
    rmSync(sources, { recursive: true, force: true });
  });

  async function waitForLog(re) {
    for (let i = 0; i < 100 && !re.test(r.log()); i++) await sleep(50);
    assert.match(r.log(), re);
  }

  test('journals a list that appeared, keeps the unchanged one, and a kill -9 keeps both', async () => {
    const first = await r.api('POST', '/v1/screenings', { body: { name: 'Elvis Angus Logan Morei' } });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.lists.map((l) => [l.name, l.entries]), [['ofac-sdn', 17]]);
    assert.equal(first.body.hits[0].entry_id, '10278');

    copyFileSync(join(SANCTIONS_DIR, 'un', 'UN_consolidated.xml'), join(sources, 'UN_consolidated.xml'));
    r.child.kill('SIGHUP');
    await waitForLog(/reload: sanctions screening on: 2 lists .*; 1 newly journaled/);
    const after = await r.api('POST', '/v1/screenings', { body: { name: 'Osama bin Ladin' } });
    assert.equal(after.status, 200, after.text);
    assert.deepEqual(after.body.lists.map((l) => l.name), ['ofac-sdn', 'un-consolidated']);
    assert.equal(after.body.lists[0].sha256, first.body.lists[0].sha256);
    assert.ok(after.body.hits.some((h) => h.list === 'un-consolidated'), after.text);

    // The same files again: nothing new.
    r.child.kill('SIGHUP');
    await waitForLog(/reload: sanctions screening on: 2 lists .*; 0 newly journaled/);

    await r.crashAndRestart();
    assert.match(r.log(), /sanctions screening on: 2 lists .*; 0 newly journaled/);
    const again = await r.api('POST', '/v1/screenings', { body: { name: 'Osama bin Ladin' } });
    assert.deepEqual(again.body.lists, after.body.lists);
  });
});
