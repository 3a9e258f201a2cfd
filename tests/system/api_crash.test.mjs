// Crash test over the REST API: concurrent transfers, kill -9 with requests in flight,
// restart on the same data dir, twice. After each restart:
//  - every answered POST replays with its key: same status, byte-identical body, replayed;
//  - every 201 transfer exists with the fields it was answered with;
//  - every unanswered POST, retried with its key, replays (it was durable) or runs once;
//  - the transfers listed per account are exactly the ones we know of, without duplicates;
//  - money is conserved and each balance equals credits - debits of its listed transfers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  call, deposit, expectCall, fromMinor, kill9, listTransfers, logTail, makeAccounts,
  makeTempDir, newKey, removeDir, startServer, stopServer, toMinor,
} from './lib.mjs';

const kAccounts = 20;
const kWorkers = 32;
const kLoadMs = Number(process.env.CRASH_LOAD_MS ?? 3000);
const kDepositMinor = 100_000n;  // 1000.00 per account
const kAmountMinorMax = 500;  // transfers of 0.01 .. 5.00
const kVerifyParallel = 16;
const kSeed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

// mulberry32: a small seeded PRNG so a failing run's choice of accounts can be replayed.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

// Runs fn over items with at most n in flight; collects failures instead of stopping early.
async function pool(items, n, fn) {
  const failures = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        failures.push(e.message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return failures;
}

function assertNoFailures(failures, what, server) {
  if (failures.length === 0) return;
  assert.fail(`${what}: ${failures.length} failures; first ones:\n` +
    `${failures.slice(0, 10).join('\n')}\nserver log tail:\n${logTail(server)}`);
}

const dirs = [];
const servers = [];
after(async () => {
  for (const s of servers) await stopServer(s);
  for (const d of dirs) await removeDir(d);
});

test('kill -9 under concurrent transfer load, twice', { timeout: 280_000 }, async (t) => {
  const random = rng(kSeed);
  t.diagnostic(`account/amount seed ${kSeed} (CRASH_SEED=${kSeed}; timing is not replayable)`);
  const dir = await makeTempDir('crash');
  dirs.push(dir);
  let server = await startServer(dir);
  servers.push(server);

  // --- model of what the server told us ---------------------------------------------------
  const answered = [];  // {key, path, body, status, text, replayed?}: POSTs with an answer
  const created = new Map();  // transfer id -> {from, to, amount (minor), key}
  const deposits = new Map();  // account -> minor deposited
  let totalDepositedMinor = 0n;
  let pending = [];  // POSTs that got no answer before the last crash

  const { accounts } = await makeAccounts(server, kAccounts, 'Crash Test');
  for (const a of accounts) {
    const key = newKey('dep');
    const body = { account: a, amount: fromMinor(kDepositMinor), currency: 'EUR' };
    const r = await expectCall(server, 201, 'POST', '/v1/sandbox/deposits', { body, key });
    answered.push({ key, path: '/v1/sandbox/deposits', body, status: r.status, text: r.text });
    created.set(r.json.id, { from: null, to: a, amount: kDepositMinor, key });
    deposits.set(a, kDepositMinor);
    totalDepositedMinor += kDepositMinor;
  }
  const accountSet = new Set(accounts);

  function recordAnswer(req, r) {
    answered.push({ key: req.key, path: '/v1/transfers', body: req.body, status: r.status,
      text: r.text });
    if (r.status === 201) {
      assert.ok(!created.has(r.json.id), `transfer id answered twice: ${r.json.id}`);
      created.set(r.json.id, { from: req.body.from_account, to: req.body.to_account,
        amount: toMinor(req.body.amount), key: req.key });
    }
  }

  // --- load until kill -9 -----------------------------------------------------------------
  async function loadAndKill(cycle) {
    let killed = false;
    let inFlight = 0;
    let inFlightAtKill = 0;
    const statuses = {};
    const unexpected = [];
    const lost = [];
    const lostBy = {};  // network error code -> count
    // Workers keep sending until their connection fails, so the kill lands on live requests:
    // each worker ends with exactly one request that got no answer (reset or refused).
    const worker = async () => {
      for (;;) {
        const from = accounts[Math.floor(random() * kAccounts)];
        let to = accounts[Math.floor(random() * (kAccounts - 1))];
        if (to === from) to = accounts[kAccounts - 1];
        const amount = fromMinor(1 + Math.floor(random() * kAmountMinorMax));
        const req = { key: newKey(`c${cycle}`),
          body: { from_account: from, to_account: to, amount, currency: 'EUR' } };
        inFlight++;
        let r;
        try {
          r = await call(server, 'POST', '/v1/transfers', { body: req.body, key: req.key });
        } catch (e) {
          inFlight--;
          lost.push(req);
          const code = e.cause?.code ?? e.code ?? e.message;
          lostBy[code] = (lostBy[code] ?? 0) + 1;
          if (!killed) unexpected.push(`no answer before the kill: ${e.message} ${e.cause ?? ''}`);
          break;
        }
        inFlight--;
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 201 || (r.status === 422 && r.json?.error?.code === 'insufficient_funds')) {
          recordAnswer(req, r);
        } else {
          unexpected.push(`${r.status} ${r.text}`);
        }
      }
    };
    const workers = Array.from({ length: kWorkers }, worker);
    await new Promise((resolve) => setTimeout(resolve, kLoadMs));
    killed = true;
    inFlightAtKill = inFlight;
    const exit = await kill9(server);
    await Promise.all(workers);
    t.diagnostic(`cycle ${cycle}: answers ${JSON.stringify(statuses)}, ${inFlightAtKill} in ` +
      `flight at kill -9, ${lost.length} without answer ${JSON.stringify(lostBy)}, ` +
      `exit ${JSON.stringify(exit)}`);
    assert.equal(exit.signal, 'SIGKILL', `server died on its own before the kill:\n${logTail(server)}`);
    assert.deepEqual(unexpected, [], `unexpected answers during load:\n${logTail(server)}`);
    assert.ok(inFlightAtKill > 0, 'requests were in flight at the kill');
    assert.equal(lost.length, kWorkers, 'each worker ends with one unanswered request');
    assert.ok((statuses[201] ?? 0) > 0, 'some transfers were created before the kill');
    pending = lost;
  }

  // --- checks after a restart ---------------------------------------------------------------
  async function verify(cycle) {
    // Unanswered requests first: retried with their key they either replay (they were durable
    // before the crash) or run now, once. A second retry must replay the first retry.
    let wasDurable = 0;
    let failures = await pool(pending, kVerifyParallel, async (req) => {
      const r = await call(server, 'POST', '/v1/transfers', { body: req.body, key: req.key });
      const ok = r.status === 201 ||
        (r.status === 422 && r.json?.error?.code === 'insufficient_funds');
      if (!ok) throw new Error(`retry of unanswered ${req.key}: ${r.status} ${r.text}`);
      if (r.replayed) wasDurable++;
      recordAnswer(req, r);
    });
    assertNoFailures(failures, `cycle ${cycle}: retrying unanswered requests`, server);
    t.diagnostic(`cycle ${cycle}: ${pending.length} unanswered retried, ${wasDurable} had been ` +
      'durable (replayed), the rest ran now');
    pending = [];

    // Every answered POST (all cycles so far) replays byte for byte.
    failures = await pool(answered, kVerifyParallel, async (a) => {
      const r = await call(server, 'POST', a.path, { body: a.body, key: a.key });
      if (r.status !== a.status || r.text !== a.text || !r.replayed) {
        throw new Error(`replay of ${a.key} ${JSON.stringify(a.body)}:\n  original ${a.status} ` +
          `${a.text}\n  replayed ${r.status} (Idempotent-Replayed: ${r.replayed}) ${r.text}`);
      }
    });
    assertNoFailures(failures, `cycle ${cycle}: replaying ${answered.length} answered requests`,
      server);

    // Every created transfer can be read back with the fields it was answered with.
    failures = await pool([...created], kVerifyParallel, async ([id, m]) => {
      const r = await call(server, 'GET', `/v1/transfers/${id}`);
      const j = r.json;
      if (r.status !== 200 || j.id !== id || toMinor(j.amount) !== m.amount ||
          j.currency !== 'EUR' || j.to_account !== m.to || (m.from && j.from_account !== m.from) ||
          j.status !== 'posted') {
        throw new Error(`GET /v1/transfers/${id} (key ${m.key}, expected ${JSON.stringify(
          { ...m, amount: fromMinor(m.amount) })}): ${r.status} ${r.text}`);
      }
    });
    assertNoFailures(failures, `cycle ${cycle}: reading ${created.size} transfers`, server);

    // Listings: unique ids per account, exactly the transfers we know, each where it belongs.
    const seen = new Map();  // id -> number of account listings it appears in
    let sumCurrentMinor = 0n;
    const problems = [];
    for (const acct of accounts) {
      const list = await listTransfers(server, acct);
      const ids = list.map((x) => x.id);
      const unique = new Set(ids);
      if (unique.size !== ids.length) {
        const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
        problems.push(`${acct}: ${ids.length - unique.size} duplicate ids in its listing, e.g. ` +
          `${dup.slice(0, 5).join(', ')}`);
      }
      let listedMinor = 0n;
      for (const x of list) {
        seen.set(x.id, (seen.get(x.id) ?? 0) + 1);
        if (x.to_account === acct) listedMinor += toMinor(x.amount);
        if (x.from_account === acct) listedMinor -= toMinor(x.amount);
        const m = created.get(x.id);
        if (!m) {
          problems.push(`${acct}: listed transfer ${x.id} was never answered to us: ` +
            JSON.stringify(x));
          continue;
        }
        if (toMinor(x.amount) !== m.amount || x.to_account !== m.to ||
            (m.from && x.from_account !== m.from)) {
          problems.push(`${acct}: listed ${JSON.stringify(x)} differs from the answer ` +
            `(key ${m.key})`);
        }
        if (x.to_account !== acct && x.from_account !== acct) {
          problems.push(`${acct}: listed ${x.id} does not touch this account`);
        }
      }
      const bal = await expectCall(server, 200, 'GET', `/v1/accounts/${acct}/balances`);
      const current = toMinor(bal.json.current);
      sumCurrentMinor += current;
      if (current !== listedMinor) {
        problems.push(`${acct}: current ${bal.json.current} but its listed transfers add up to ` +
          `${fromMinor(listedMinor)} (${list.length} transfers)`);
      }
      if (toMinor(bal.json.available) !== current) {
        problems.push(`${acct}: available ${bal.json.available} != current ${bal.json.current}`);
      }
      let modelMinor = deposits.get(acct);
      for (const m of created.values()) {
        if (m.from === null) continue;
        if (m.to === acct) modelMinor += m.amount;
        if (m.from === acct) modelMinor -= m.amount;
      }
      if (current !== modelMinor) {
        problems.push(`${acct}: current ${bal.json.current} but the answered transfers give ` +
          fromMinor(modelMinor));
      }
    }
    for (const [id, m] of created) {
      const want = m.from === null || !accountSet.has(m.from) ? 1 : 2;
      const got = seen.get(id) ?? 0;
      if (got !== want) {
        problems.push(`transfer ${id} (key ${m.key}) appears in ${got} account listings, ` +
          `expected ${want}`);
      }
    }
    if (sumCurrentMinor !== totalDepositedMinor) {
      problems.push(`money not conserved: balances add up to ${fromMinor(sumCurrentMinor)}, ` +
        `deposited ${fromMinor(totalDepositedMinor)}`);
    }
    assert.deepEqual(problems.slice(0, 20), [],
      `cycle ${cycle}: ${problems.length} listing/balance problems; server log:\n${logTail(server)}`);
    t.diagnostic(`cycle ${cycle}: verified ${answered.length} replays, ${created.size} transfers, ` +
      `balances add up to ${fromMinor(sumCurrentMinor)}`);
  }

  // Cycle 1: fresh server, journal only. Cycle 2 takes snapshots every second, so the second
  // recovery starts from a snapshot and replays the journal after it.
  await loadAndKill(1);
  server = await startServer(dir, ['--snapshot-interval-s', '1']);
  servers.push(server);
  await verify(1);
  await loadAndKill(2);
  server = await startServer(dir);
  servers.push(server);
  t.diagnostic(`restart 2: ${(/recovered .*/.exec(server.log) ?? ['?'])[0]}`);
  await verify(2);
  const exit = await stopServer(server);
  assert.equal(exit.code, 0, `SIGTERM stop: ${JSON.stringify(exit)}\n${logTail(server)}`);
});
