// Idempotency under concurrency: 50 parallel POST /v1/transfers with one Idempotency-Key.
// Same body: one transfer, 50 identical answers, all but one replayed. Different bodies:
// one 201, 49 x 409 idempotency_key_reused, one transfer. The answers survive kill -9.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  call, currentBalance, deposit, expectCall, fromMinor, kill9, listTransfers, logTail,
  makeAccounts, makeTempDir, newKey, removeDir, startServer, stopServer, toMinor,
} from './lib.mjs';

const kParallel = 50;
const kDepositMinor = 100_000n;  // 1000.00

let dir;
let server;

before(async () => {
  dir = await makeTempDir('idem');
  server = await startServer(dir);
});

after(async () => {
  await stopServer(server);
  await removeDir(dir);
});

// Two fresh accounts: `from` funded, `to` empty, so each listing holds only this case.
async function freshPair(name) {
  const { accounts: [from, to] } = await makeAccounts(server, 2, name);
  const dep = await deposit(server, from, fromMinor(kDepositMinor));
  return { from, to, depositId: dep.id };
}

function summary(answers) {
  const byStatus = {};
  for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
  return `statuses ${JSON.stringify(byStatus)}, replayed ${answers.filter((a) => a.replayed).length}`;
}

// For assertion messages: the counts and a few distinct answers.
function describe(answers) {
  const distinct = [...new Set(answers.map((a) => `${a.status} ${a.text}`))];
  return `${summary(answers)}; ${distinct.length} distinct answers, e.g.:\n` +
    distinct.slice(0, 3).join('\n');
}

test('same key, same body, 50 in parallel: one transfer', { timeout: 120_000 }, async (t) => {
  const { from, to, depositId } = await freshPair('Idem Same');
  const key = newKey('same');
  const body = { from_account: from, to_account: to, amount: '12.34', currency: 'EUR' };
  const answers = await Promise.all(Array.from({ length: kParallel },
    () => call(server, 'POST', '/v1/transfers', { body, key })));
  const why = describe(answers);
  t.diagnostic(summary(answers));

  for (const a of answers) assert.equal(a.status, 201, `every answer is 201; ${why}`);
  for (const a of answers) assert.equal(a.text, answers[0].text, `byte-identical bodies; ${why}`);
  const fresh = answers.filter((a) => !a.replayed);
  assert.equal(fresh.length, 1, `exactly one answer is not a replay; ${why}`);
  const id = answers[0].json.id;
  assert.match(id, /^tr_/);

  assert.equal(await currentBalance(server, from), kDepositMinor - 1234n, 'source moved once');
  assert.equal(await currentBalance(server, to), 1234n, 'destination moved once');
  const toList = await listTransfers(server, to);
  assert.deepEqual(toList.map((x) => x.id), [id], 'destination lists exactly one transfer');
  const fromList = await listTransfers(server, from);
  assert.deepEqual(fromList.map((x) => x.id).sort(), [depositId, id].sort(),
    'source lists its deposit and exactly one transfer');

  // Durable: after kill -9 and a restart the same key still replays the same bytes.
  await kill9(server);
  server = await startServer(dir);
  const again = await call(server, 'POST', '/v1/transfers', { body, key });
  assert.equal(again.status, 201, `replay after restart: ${again.text}\n${logTail(server)}`);
  assert.equal(again.text, answers[0].text, 'replay after restart is byte-identical');
  assert.equal(again.replayed, true, 'replay after restart carries Idempotent-Replayed');
  assert.equal(await currentBalance(server, from), kDepositMinor - 1234n);
  assert.deepEqual((await listTransfers(server, to)).map((x) => x.id), [id]);
});

test('same key, 50 different bodies in parallel: one 201, 49 x 409', { timeout: 120_000 },
  async (t) => {
    const { from, to } = await freshPair('Idem Reused');
    const key = newKey('reused');
    const bodies = Array.from({ length: kParallel }, (_, i) => (
      { from_account: from, to_account: to, amount: fromMinor(100n + BigInt(i)), currency: 'EUR' }));
    const answers = await Promise.all(bodies.map(
      (body) => call(server, 'POST', '/v1/transfers', { body, key })));
    const why = describe(answers);
    t.diagnostic(summary(answers));

    const won = answers.map((a, i) => ({ a, i })).filter(({ a }) => a.status === 201);
    assert.equal(won.length, 1, `exactly one 201; ${why}`);
    const lost = answers.filter((a) => a.status !== 201);
    for (const a of lost) {
      assert.equal(a.status, 409, `the others are 409; ${why}`);
      assert.equal(a.json?.error?.code, 'idempotency_key_reused', `409 code: ${a.text}`);
      assert.equal(a.replayed, false, '409 for a different body is not a replay');
    }
    assert.equal(won[0].a.replayed, false);
    const { a: winner, i: wi } = won[0];
    const amount = toMinor(bodies[wi].amount);
    assert.equal(toMinor(winner.json.amount), amount, 'the 201 is for its own body');

    assert.equal(await currentBalance(server, from), kDepositMinor - amount, 'source moved once');
    assert.equal(await currentBalance(server, to), amount, 'destination moved once');
    const toList = await listTransfers(server, to);
    assert.deepEqual(toList.map((x) => x.id), [winner.json.id], 'exactly one transfer');

    // The winning body replays; any other body stays 409.
    const replay = await call(server, 'POST', '/v1/transfers', { body: bodies[wi], key });
    assert.equal(replay.status, 201);
    assert.equal(replay.text, winner.text);
    assert.equal(replay.replayed, true);
    const other = await expectCall(server, 409, 'POST', '/v1/transfers',
      { body: bodies[(wi + 1) % kParallel], key });
    assert.equal(other.json.error.code, 'idempotency_key_reused');
  });
