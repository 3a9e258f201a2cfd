// Risk decisions through the real binary (issue 14): a policy bundle activated over the API,
// then deny, hold -> approve / reject / time-out, rule errors (an endless loop, a huge
// allocation) falling back to the bundle's default while the server keeps answering,
// velocity limits across a kill -9, per-item decisions in batches, held transfers across a
// kill -9. Every answer is validated against api/openapi.yaml by lib.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { COREBANK, expectError, idemKey, sleep, startServer } from './lib.mjs';

// A small bundle whose outcomes the amounts choose (docs/policy-bundles.md).
const MANIFEST = `name = "api_test"
version = 2
on_rule_error = "hold"
hold_timeout_s = 5

[[rule]]
name = "deny_big"
file = "rules/r.lua"
reads = []
score = 10

[[rule]]
name = "hold_mid"
file = "rules/r.lua"
reads = []
score = 10

[[rule]]
name = "loop_forever"
file = "rules/r.lua"
reads = []

[[rule]]
name = "alloc_forever"
file = "rules/r.lua"
reads = []
`;
const RULES = `function deny_big(x)
  if x.amount_minor >= 500000 then return "deny:too_big" end
  return "allow"
end
function hold_mid(x)
  if x.amount_minor >= 100000 then return "hold:review_amount" end
  return "allow"
end
function loop_forever(x)
  if x.amount_minor == 777 then while true do end end
  return "allow"
end
function alloc_forever(x)
  if x.amount_minor == 778 then
    local t = {}
    local i = 0
    while true do i = i + 1; t[i] = string.rep("x", 4096) .. i end
  end
  return "allow"
end
`;
const LIMITS = `[[limit]]
name = "three_a_day"
reason = "daily_count_limit"
action = "deny"
currency = "EUR"
daily_count = 3
when = { customer_type = ["individual"], counterparty_type = ["customer"] }
`;
const BUNDLE = { 'manifest.toml': MANIFEST, 'rules/r.lua': RULES, 'limits.toml': LIMITS };

let s;
let payer; // the operator key that moves money (the requester of every hold)
let analyst; // another operator key, made before any request: the four-eyes approver
before(async () => {
  s = await startServer();
  const r = await s.api('POST', '/v1/policies', { body: { files: BUNDLE } });
  assert.equal(r.status, 201, r.text);
  payer = (await s.createKey('operator')).secret;
  analyst = (await s.createKey('operator')).secret;
});
after(async () => s && (await s.stop()));

// A funded payer (its own customer, so velocity is its own) and a payee.
async function pair(funds = '20000.00') {
  const from = await s.openAccount('EUR');
  const to = await s.openAccount('EUR');
  await s.deposit(from.id, funds);
  return { from: from.id, to: to.id };
}

function transfer(p, amount, opts = {}) {
  return s.api('POST', '/v1/transfers', {
    body: { from_account: p.from, to_account: p.to, amount, currency: 'EUR' },
    key: payer,
    ...opts,
  });
}

async function available(account) {
  return (await s.balances(account)).available;
}

describe('policy bundles', () => {
  test('the active bundle is listed; only root admins see or change it', async () => {
    const r = await s.api('GET', '/v1/policies');
    assert.equal(r.status, 200, r.text);
    const active = r.body.data.filter((p) => p.active);
    assert.deepEqual(active.map((p) => [p.name, p.version]), [['api_test', 2]]);
    assert.ok(r.body.data.some((p) => p.name === 'default' && !p.active), 'the default bundle was active before');
    const other = await s.createTenant('risk-other');
    expectError(await s.api('GET', '/v1/policies', { key: other.admin_api_key.secret }), 403, 'root_admin_required');
    expectError(
      await s.api('POST', '/v1/policies', { key: other.admin_api_key.secret, body: { files: { ...BUNDLE, 'manifest.toml': MANIFEST.replace('version = 2', 'version = 9') } } }),
      403,
      'root_admin_required',
    );
  });

  test('a malformed bundle, a syntax error, an unknown feature or a reused version changes nothing', async () => {
    const bad = [
      { ...BUNDLE, 'manifest.toml': MANIFEST.replace('version = 2', 'version = 3') + '\n[[rule\n' },
      { ...BUNDLE, 'manifest.toml': MANIFEST.replace('version = 2', 'version = 3'), 'rules/r.lua': RULES + '\nfunction broken(x) return end end\n' },
      { ...BUNDLE, 'manifest.toml': MANIFEST.replace('version = 2', 'version = 3').replace('reads = []', 'reads = ["no_such_feature"]') },
    ];
    for (const files of bad) {
      const r = await s.api('POST', '/v1/policies', { body: { files } });
      expectError(r, 422, 'policy_invalid');
    }
    const reused = await s.api('POST', '/v1/policies', { body: { files: { ...BUNDLE, 'rules/r.lua': RULES + '\n-- changed\n' } } });
    expectError(reused, 409, 'policy_version_conflict');
    const list = await s.api('GET', '/v1/policies');
    assert.deepEqual(list.body.data.filter((p) => p.active).map((p) => p.version), [2]);
    assert.equal(list.body.data.length, 2);
  });
});

describe('decisions', () => {
  test('deny: 422 risk_denied with its decision and reasons, nothing moves, a replay answers the same bytes', async () => {
    const p = await pair();
    const before = await available(p.from);
    const key = idemKey();
    const r = await transfer(p, '5000.00', { idem: key });
    expectError(r, 422, 'risk_denied');
    assert.deepEqual(r.body.error.reasons, ['too_big', 'review_amount']); // both rules fired
    assert.equal(await available(p.from), before);
    const again = await transfer(p, '5000.00', { idem: key });
    assert.equal(again.text, r.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const d = await s.api('GET', `/v1/decisions/${r.body.error.decision}`);
    assert.equal(d.status, 200, d.text);
    assert.equal(d.body.outcome, 'deny');
    assert.equal(d.body.disposition, 'refused');
    assert.equal(d.body.policy_version, 2);
    assert.equal(d.body.amount, '5000.00');
    assert.ok(d.body.rules_fired.includes('deny_big'));
  });

  test('allow: the transfer links its decision; another tenant cannot read it', async () => {
    const p = await pair();
    const r = await transfer(p, '10.00');
    assert.equal(r.status, 201, r.text);
    assert.match(r.body.decision, /^dec_/);
    const d = await s.api('GET', `/v1/decisions/${r.body.decision}`);
    assert.equal(d.body.outcome, 'allow');
    assert.equal(d.body.disposition, 'executed');
    assert.equal(d.body.transfer, r.body.id);
    assert.ok(d.body.score !== null && d.body.rules_fired !== undefined); // the root tenant sees the detail
    const other = await s.createTenant('risk-reader');
    const ok = other.admin_api_key.secret;
    expectError(await s.api('GET', `/v1/decisions/${r.body.decision}`, { key: ok }), 404, 'decision_not_found');
    // Another tenant sees its own decisions' outcome and reasons, not the policy's detail.
    const a = await s.openAccount('EUR', {}, { key: ok });
    const b = await s.openAccount('EUR', {}, { key: ok });
    await s.deposit(a.id, '10000.00', 'EUR', { key: ok });
    const big = await s.api('POST', '/v1/transfers', { key: ok, body: { from_account: a.id, to_account: b.id, amount: '5000.00', currency: 'EUR' } });
    expectError(big, 422, 'risk_denied');
    const mine = await s.api('GET', `/v1/decisions/${big.body.error.decision}`, { key: ok });
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual([mine.body.outcome, mine.body.score, mine.body.rules_fired, mine.body.features], ['deny', null, [], {}]);
    assert.deepEqual(mine.body.reasons, ['too_big', 'review_amount']);
    const feed = await s.api('GET', '/v1/events?limit=100&after=0');
    assert.ok(feed.body.data.some((e) => e.type === 'decision.recorded' && e.data.id === r.body.decision));
  });

  test('hold: 202 held, the funds reserved, a case; the requester may not approve, an analyst posts it', async () => {
    const p = await pair();
    const before = await available(p.from);
    const r = await transfer(p, '1500.00');
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.status, 'held');
    assert.equal(await available(p.from), (Number(before) - 1500).toFixed(2));
    const d = (await s.api('GET', `/v1/decisions/${r.body.decision}`)).body;
    assert.equal(d.outcome, 'hold');
    assert.match(d.case, /^case_/);
    const c = await s.api('GET', `/v1/cases/${d.case}`);
    assert.equal(c.body.status, 'open');
    assert.equal(c.body.transfer, r.body.id);
    // The client cannot post or void it around the case.
    expectError(await s.api('POST', `/v1/transfers/${r.body.id}/void`, { key: payer }), 409, 'transfer_held');
    expectError(await s.api('POST', `/v1/transfers/${r.body.id}/post`, {}), 409, 'transfer_held');
    // Four-eyes: not the requester, not a key made after the request.
    expectError(await s.api('POST', `/v1/cases/${d.case}/approve`, { key: payer }), 403, 'four_eyes_required');
    const late = (await s.createKey('operator')).secret;
    expectError(await s.api('POST', `/v1/cases/${d.case}/approve`, { key: late }), 403, 'four_eyes_required');
    const a = await s.api('POST', `/v1/cases/${d.case}/approve`, { key: analyst, body: { note: 'known payee' } });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body.status, 'approved');
    assert.equal(a.body.note, 'known payee');
    const t = await s.api('GET', `/v1/transfers/${r.body.id}`);
    assert.equal(t.body.status, 'posted');
    assert.equal(await available(p.to), '1500.00');
    expectError(await s.api('POST', `/v1/cases/${d.case}/reject`, { key: analyst }), 409, 'case_closed');
  });

  test('hold then reject: voided, the money back', async () => {
    const p = await pair();
    const before = await available(p.from);
    const r = await transfer(p, '2000.00');
    assert.equal(r.status, 202, r.text);
    const d = (await s.api('GET', `/v1/decisions/${r.body.decision}`)).body;
    const x = await s.api('POST', `/v1/cases/${d.case}/reject`, { key: analyst });
    assert.equal(x.body.status, 'rejected');
    assert.equal((await s.api('GET', `/v1/transfers/${r.body.id}`)).body.status, 'voided');
    assert.equal(await available(p.from), before);
  });

  test('a hold times out per the policy: voided, the reason recorded', async () => {
    const p = await pair();
    const before = await available(p.from);
    const r = await transfer(p, '1000.00');
    assert.equal(r.status, 202, r.text);
    const d = (await s.api('GET', `/v1/decisions/${r.body.decision}`)).body;
    let c;
    for (let i = 0; i < 200; i++) {
      c = await s.api('GET', `/v1/cases/${d.case}`);
      if (c.body.status !== 'open') break;
      await sleep(100);
    }
    assert.equal(c.body.status, 'expired', c.text);
    assert.equal(c.body.note, 'hold_timeout');
    assert.equal(c.body.resolved_by, null);
    assert.equal((await s.api('GET', `/v1/transfers/${r.body.id}`)).body.status, 'voided');
    assert.equal(await available(p.from), before);
  });

  for (const [amount, rule] of [['7.77', 'loop_forever'], ['7.78', 'alloc_forever']]) {
    test(`a rule that never ends (${rule}) is stopped, named, and the bundle's default decides`, async () => {
      const p = await pair();
      const r = await transfer(p, amount);
      assert.equal(r.status, 202, r.text); // on_rule_error = "hold"
      const d = (await s.api('GET', `/v1/decisions/${r.body.decision}`)).body;
      assert.equal(d.outcome, 'hold');
      assert.ok(d.rule_errors.some((e) => e.startsWith(`${rule}:`)), JSON.stringify(d.rule_errors));
      const next = await transfer(p, '1.00');
      assert.equal(next.status, 201, next.text);
    });
  }

  test('a daily count limit holds across a kill -9 (features are rebuilt by replay)', async () => {
    const p = await pair();
    for (let i = 0; i < 3; i++) assert.equal((await transfer(p, '1.00')).status, 201);
    await s.crashAndRestart();
    const r = await transfer(p, '1.00');
    expectError(r, 422, 'risk_denied');
    assert.deepEqual(r.body.error.reasons, ['daily_count_limit']);
  });

  test('batches: one decision per item; a denied item fails alone, or its linked chain', async () => {
    const p = await pair();
    const item = (amount, extra = {}) => ({ from_account: p.from, to_account: p.to, amount, currency: 'EUR', ...extra });
    let r = await s.api('POST', '/v1/transfers/batch', { key: payer, body: { transfers: [item('1.00'), item('6000.00'), item('1.50')] } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.results.map((x) => x.status), ['created', 'failed', 'created']);
    assert.equal(r.body.results[1].error.code, 'risk_denied');
    const q = await pair();
    const linked = (amount, extra = {}) => ({ from_account: q.from, to_account: q.to, amount, currency: 'EUR', ...extra });
    r = await s.api('POST', '/v1/transfers/batch', {
      key: payer,
      body: { transfers: [linked('1.00', { linked: true }), linked('6000.00'), linked('1500.00')] },
    });
    // A linked chain cannot split a payment under a limit: each item is decided as if the
    // ones before it were sent (three_a_day: the fourth item of one chain is refused).
    const c = await pair();
    const chained = (amount, extra = {}) => ({ from_account: c.from, to_account: c.to, amount, currency: 'EUR', ...extra });
    const chain = await s.api('POST', '/v1/transfers/batch', {
      key: payer,
      body: { transfers: [chained('1.00', { linked: true }), chained('1.00', { linked: true }), chained('1.00', { linked: true }), chained('1.00')] },
    });
    assert.deepEqual(chain.body.results.map((x) => x.error && x.error.code), ['linked_event_failed', 'linked_event_failed', 'linked_event_failed', 'risk_denied']);
    assert.equal(await available(c.to), '0.00');
    assert.deepEqual(r.body.results.map((x) => x.status), ['failed', 'failed', 'held']);
    assert.equal(r.body.results[0].error.code, 'linked_event_failed');
    assert.equal(r.body.results[1].error.code, 'risk_denied');
    assert.equal(await available(q.to), '0.00');
  });

  test('a held transfer survives a kill -9 and is approved after it', async () => {
    const p = await pair();
    const r = await transfer(p, '1200.00');
    assert.equal(r.status, 202, r.text);
    const caseId = (await s.api('GET', `/v1/decisions/${r.body.decision}`)).body.case;
    await s.crashAndRestart();
    // The time-out (5 s) may fire first; either way the case is decided exactly once.
    const a = await s.api('POST', `/v1/cases/${caseId}/approve`, { key: analyst });
    if (a.status === 200) {
      assert.equal((await s.api('GET', `/v1/transfers/${r.body.id}`)).body.status, 'posted');
    } else {
      expectError(a, 409, 'case_closed');
      assert.equal((await s.api('GET', `/v1/transfers/${r.body.id}`)).body.status, 'voided');
    }
    const list = await s.api('GET', '/v1/cases?status=open');
    assert.ok(!list.body.data.some((c) => c.id === caseId));
  });
});

describe('dry runs on history (POST /v1/policies/dry-run)', () => {
  test('a stricter bundle reports the decisions it would change; nothing is activated', async () => {
    const p = await pair();
    assert.equal((await transfer(p, '3.00')).status, 201);
    const strict = { ...BUNDLE, 'manifest.toml': MANIFEST.replace('version = 2', 'version = 8'), 'rules/r.lua': RULES.replace('>= 500000', '>= 100') };
    const r = await s.api('POST', '/v1/policies/dry-run', { body: { files: strict } });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.decisions > 0 && r.body.changed > 0, r.text);
    assert.ok(r.body.transitions['allow->deny'] > 0, r.text);
    assert.equal(r.body.has_more, false);
    // The same bundle as the active one changes nothing.
    const same = await s.api('POST', '/v1/policies/dry-run', { body: { files: BUNDLE } });
    assert.equal(same.body.changed, 0, same.text);
    // Only what comes after `after` is read.
    const tail = await s.api('POST', '/v1/policies/dry-run', { body: { files: strict, after: r.body.last_seq } });
    assert.equal(tail.body.decisions, 0, tail.text);
    const list = await s.api('GET', '/v1/policies');
    assert.deepEqual(list.body.data.filter((x) => x.active).map((x) => x.version), [2]);
    expectError(await s.api('POST', '/v1/policies/dry-run', { body: { files: { ...strict, 'rules/r.lua': 'function x( end' } } }), 422, 'policy_invalid');
    expectError(await s.api('POST', '/v1/policies/dry-run', { body: { files: strict, after: -1 } }), 400, 'parameter_invalid', 'after');
    const other = await s.createTenant('risk-dry');
    expectError(await s.api('POST', '/v1/policies/dry-run', { key: other.admin_api_key.secret, body: { files: strict } }), 403, 'root_admin_required');
  });
});

// Last: it stops the server to read its journal offline.
describe('dry runs on history (corebank policy dry-run)', () => {
  test('replaying every decision with the bundle that made it reproduces all; a stricter bundle reports what changes', async () => {
    const p = await pair();
    assert.equal((await transfer(p, '2.00')).status, 201);
    const exited = new Promise((r) => s.child.once('exit', r));
    s.child.kill('SIGTERM');
    await exited;
    const data = join(s.dir, 'data');
    const replay = spawnSync(COREBANK, ['policy', 'dry-run', '--data', data, '--replay'], { encoding: 'utf8' });
    assert.equal(replay.status, 0, replay.stdout + replay.stderr);
    const report = JSON.parse(replay.stdout.split('\n')[0]);
    assert.ok(report.decisions >= 20, replay.stdout);
    assert.equal(report.changed, 0, replay.stdout);
    // Everything from 1.00 up is denied by this one.
    const strict = join(s.dir, 'strict');
    mkdirSync(join(strict, 'rules'), { recursive: true });
    writeFileSync(join(strict, 'manifest.toml'), MANIFEST.replace('version = 2', 'version = 7'));
    writeFileSync(join(strict, 'limits.toml'), LIMITS);
    writeFileSync(join(strict, 'rules', 'r.lua'), RULES.replace('>= 500000', '>= 100'));
    const dry = spawnSync(COREBANK, ['policy', 'dry-run', '--data', data, strict], { encoding: 'utf8' });
    assert.equal(dry.status, 0, dry.stdout + dry.stderr);
    const changed = JSON.parse(dry.stdout.split('\n')[0]);
    assert.ok(changed.changed > 0 && changed.transitions['allow->deny'] > 0, dry.stdout);
    assert.ok(changed.changes.every((c) => c.outcome === 'deny' && c.reasons.includes('too_big')), dry.stdout);
    assert.match(dry.stdout, /^policy dry-run: decisions=\d+ changed=\d+ skipped=\d+ undecodable=0$/m);
    // A bundle with a syntax error is refused (2) and nothing is read.
    writeFileSync(join(strict, 'rules', 'r.lua'), 'function deny_big(x) return end end');
    const bad = spawnSync(COREBANK, ['policy', 'dry-run', '--data', data, strict], { encoding: 'utf8' });
    assert.equal(bad.status, 2, bad.stdout + bad.stderr);
  });
});
