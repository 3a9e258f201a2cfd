// Post-transaction monitoring through the real binary (issue 14): a bundle's [[monitor]]
// rules raise alerts on committed movements (an after-commit subscriber), alerts group into
// one investigation per customer, the investigation is assigned, annotated and closed (as
// suspicious only with a second person), its SAR draft exports as JSON and HTML, tenants
// see only their own, and nothing is lost or raised twice across a kill -9. Every answer is
// validated against api/openapi.yaml by lib.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { expectError, sleep, startServer } from './lib.mjs';

const MANIFEST = `name = "monitor_test"
version = 3
on_rule_error = "hold"

[[rule]]
name = "hold_marker"
file = "rules/r.lua"
reads = []

[[monitor]]
name = "big"
file = "monitors/m.lua"
reads = []
severity = "high"
when = { counterparty_type = ["customer"] }

[[monitor]]
name = "payee_watch"
file = "monitors/m.lua"
reads = []
severity = "low"
subject = "payee"

[[monitor]]
name = "broken"
file = "monitors/m.lua"
reads = []
`;
const MONITORS = `function big(x)
  if x.amount_minor >= 100000 then return "alert:big_amount" end
  return "allow"
end
function payee_watch(x)
  if x.amount_minor == 777 then return "alert:watched_payee" end
  return "allow"
end
function broken(x)
  if x.amount_minor == 666 then return "hold:not_a_monitor_answer" end
  return "allow"
end
`;
const TESTS = `[[case]]
name = "1000.00 raises"
input = { amount = "1000.00" }
outcome = "alert"
reasons = ["big_amount"]

[[case]]
name = "999.99 does not"
input = { amount = "999.99" }
outcome = "allow"
`;
const RULES = `function hold_marker(x)
  if x.amount_minor == 1234 then return "hold:marker" end
  return "allow"
end
`;
const BUNDLE = { 'manifest.toml': MANIFEST, 'monitors/m.lua': MONITORS, 'monitors/big.test.toml': TESTS, 'rules/r.lua': RULES };

let s;
let payer; // moves the money
let analyst; // works the cases
let second; // the second pair of eyes (made before any close request)
before(async () => {
  s = await startServer();
  const r = await s.api('POST', '/v1/policies', { body: { files: BUNDLE } });
  assert.equal(r.status, 201, r.text);
  payer = (await s.createKey('operator')).secret;
  analyst = (await s.createKey('operator')).secret;
  second = (await s.createKey('operator')).secret;
});
after(async () => s && (await s.stop()));

async function customerPair(funds = '50000.00') {
  const from = await s.openAccount('EUR');
  const to = await s.openAccount('EUR');
  await s.deposit(from.id, funds);
  return { from: from.id, to: to.id, payer: from.customer, payee: to.customer };
}

async function pay(p, amount) {
  const r = await s.api('POST', '/v1/transfers', {
    body: { from_account: p.from, to_account: p.to, amount, currency: 'EUR' },
    key: payer,
  });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

// Alerts are raised by the monitor after the commit: wait (bounded) until `n` are there.
async function alertsOf(customer, n, key) {
  for (let i = 0; i < 100; i++) {
    const r = await s.api('GET', `/v1/alerts?customer=${customer}&limit=100`, { key });
    assert.equal(r.status, 200, r.text);
    if (r.body.data.length >= n) return r.body.data;
    await sleep(50);
  }
  assert.fail(`${customer}: fewer than ${n} alerts after 5 s`);
}

describe('alerts', () => {
  test('a monitor rule raises an alert on a committed movement; it names the rule, the movement and the case', async () => {
    const p = await customerPair();
    const t = await pay(p, '1500.00');
    const [a] = await alertsOf(p.payer, 1);
    assert.equal(a.rule, 'big');
    assert.equal(a.reason, 'big_amount');
    assert.equal(a.severity, 'high');
    assert.equal(a.type, 'monitoring');
    assert.equal(a.transfer, t.id);
    assert.equal(a.decision, t.decision);
    assert.equal(a.amount, '1500.00');
    assert.equal(a.currency, 'EUR');
    assert.equal(a.policy_version, 3);
    assert.equal(a.error, null);
    // The movement itself was not stopped: monitoring never decides.
    assert.equal(t.status, 'posted');
    const got = await s.api('GET', `/v1/alerts/${a.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, a);
    const c = await s.api('GET', `/v1/cases/${a.case}`);
    assert.equal(c.status, 200, c.text);
    assert.equal(c.body.type, 'investigation');
    assert.equal(c.body.status, 'open');
    assert.equal(c.body.customer, p.payer);
    assert.equal(c.body.alert_count, 1);
  });

  test('below every monitor nothing is raised', async () => {
    const p = await customerPair();
    await pay(p, '999.99');
    const marker = await pay(p, '1000.00'); // raises: the small one, before it, did not
    const alerts = await alertsOf(p.payer, 1);
    assert.deepEqual(alerts.map((a) => a.transfer), [marker.id]);
  });

  test('alerts about one customer join its open investigation; a payee-subject rule alerts the payee', async () => {
    const p = await customerPair();
    await pay(p, '1000.00');
    await pay(p, '2000.00');
    await pay(p, '7.77');
    const payerAlerts = await alertsOf(p.payer, 2);
    assert.equal(new Set(payerAlerts.map((a) => a.case)).size, 1, 'one case for the payer');
    const [payeeAlert] = await alertsOf(p.payee, 1);
    assert.equal(payeeAlert.reason, 'watched_payee');
    assert.notEqual(payeeAlert.case, payerAlerts[0].case);
    const byCase = await s.api('GET', `/v1/alerts?case=${payerAlerts[0].case}`);
    assert.deepEqual(byCase.body.data.map((a) => a.id), payerAlerts.map((a) => a.id));
    const c = await s.api('GET', `/v1/cases/${payerAlerts[0].case}`);
    assert.equal(c.body.alert_count, 2);
  });

  test("a monitor rule that fails raises a rule_error alert; how it failed is the platform operator's to see", async () => {
    const p = await customerPair();
    await pay(p, '6.66');
    const [a] = await alertsOf(p.payer, 1);
    assert.equal(a.reason, 'rule_error');
    assert.equal(a.rule, 'broken');
    assert.match(a.error, /bad answer/);
    // Another tenant's own alert from the same (platform-wide) bundle: no error text.
    const other = await s.createTenant('monitoring-errors');
    const key = other.admin_api_key.secret;
    const from = await s.openAccount('EUR', {}, { key });
    const to = await s.openAccount('EUR', {}, { key });
    await s.deposit(from.id, '10.00', 'EUR', { key });
    const t = await s.api('POST', '/v1/transfers', { key, body: { from_account: from.id, to_account: to.id, amount: '6.66', currency: 'EUR' } });
    assert.equal(t.status, 201, t.text);
    const [theirs] = await alertsOf(from.customer, 1, key);
    assert.equal(theirs.reason, 'rule_error');
    assert.equal(theirs.error, null);
  });

  test('pages of alerts follow the cursor without gaps or repeats', async () => {
    const p = await customerPair();
    for (let i = 0; i < 5; i++) await pay(p, '1000.00');
    const all = await alertsOf(p.payer, 5);
    const seen = [];
    let cursor = null;
    do {
      const r = await s.api('GET', `/v1/alerts?customer=${p.payer}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200, r.text);
      seen.push(...r.body.data.map((a) => a.id));
      cursor = r.body.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, all.map((a) => a.id));
  });

  test('bad filters are 400 and change nothing', async () => {
    expectError(await s.api('GET', '/v1/alerts?customer=acct_1'), 400, 'parameter_invalid', 'customer');
    expectError(await s.api('GET', '/v1/alerts?case=nope'), 400, 'parameter_invalid', 'case');
    expectError(await s.api('GET', '/v1/alerts?cursor=c5'), 400, 'cursor_invalid', 'cursor');
    expectError(await s.api('GET', '/v1/alerts?limit=1000'), 400, 'limit_invalid', 'limit');
    expectError(await s.api('GET', '/v1/alerts?colour=red'), 400, 'unknown_field', 'colour');
    expectError(await s.api('GET', '/v1/cases?type=both'), 400, 'parameter_invalid', 'type');
  });
});

describe('investigations', () => {
  async function freshCase() {
    const p = await customerPair();
    const t = await pay(p, '5000.00');
    const [a] = await alertsOf(p.payer, 1);
    return { p, t, id: a.case };
  }

  test('assign, note with attachments, close as no_action', async () => {
    const { id } = await freshCase();
    let r = await s.api('POST', `/v1/cases/${id}/assign`, { key: analyst, body: { assignee: 'analyst-7' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'investigating');
    assert.equal(r.body.assignee, 'analyst-7');
    r = await s.api('POST', `/v1/cases/${id}/notes`, {
      key: analyst,
      body: { text: 'Salary from a new employer; payslip on file.', attachments: [{ name: 'payslip.pdf', uri: 'https://docs.bank.example/d/123', sha256: 'a'.repeat(64) }] },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.notes.length, 1);
    assert.equal(r.body.notes[0].attachments[0].uri, 'https://docs.bank.example/d/123');
    assert.equal(r.body.notes[0].author.type, 'api_key');
    r = await s.api('POST', `/v1/cases/${id}/close`, { key: analyst, body: { disposition: 'no_action', note: 'explained' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'closed');
    assert.equal(r.body.disposition, 'no_action');
    expectError(await s.api('POST', `/v1/cases/${id}/assign`, { key: analyst, body: { assignee: 'x' } }), 409, 'case_closed');
    // Nothing is added to a closed case: its SAR is the record.
    expectError(await s.api('POST', `/v1/cases/${id}/notes`, { key: analyst, body: { text: 'afterthought' } }), 409, 'case_closed');
    assert.equal((await s.api('GET', `/v1/cases/${id}`)).body.note_count, 2);
    expectError(await s.api('POST', `/v1/cases/${id}/close`, { key: analyst, body: { disposition: 'false_positive' } }), 409, 'case_closed');
    const closed = await s.api('GET', '/v1/cases?status=closed&type=investigation&limit=100');
    const listed = closed.body.data.find((c) => c.id === id);
    assert.ok(listed);
    assert.equal(listed.notes, null, 'list pages leave the notes out');
    assert.equal(listed.note_count, 2);
    const open = await s.api('GET', '/v1/cases?status=open&type=investigation&limit=100');
    assert.ok(!open.body.data.some((c) => c.id === id));
  });

  test('closing as suspicious waits for a second person (four-eyes); the requester cannot approve', async () => {
    const { p, id } = await freshCase();
    let r = await s.api('POST', `/v1/cases/${id}/close`, { key: analyst, body: { disposition: 'suspicious', note: 'structuring' } });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.status, 'pending_approval');
    assert.equal(r.body.disposition, null);
    expectError(await s.api('POST', `/v1/cases/${id}/approve`, { key: analyst }), 403, 'four_eyes_required');
    expectError(await s.api('POST', `/v1/cases/${id}/close`, { key: analyst, body: { disposition: 'no_action' } }), 409, 'case_closed');
    // While it waits, a new alert about the customer opens a new case.
    await pay(p, '3000.00');
    const alerts = await alertsOf(p.payer, 2);
    assert.notEqual(alerts[1].case, id);
    r = await s.api('POST', `/v1/cases/${id}/approve`, { key: second, body: { note: 'agreed' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'closed');
    assert.equal(r.body.disposition, 'suspicious');
    assert.equal(r.body.resolved_by.type, 'api_key');
    expectError(await s.api('POST', `/v1/cases/${id}/approve`, { key: second }), 409, 'case_not_pending_approval');
  });

  test('four-eyes follows who made which key: no key made from the requester, however indirectly, approves', async () => {
    const boss = await s.createKey('admin');
    const deputy = await s.createKey('admin', { key: boss.secret });
    const deputyOfDeputy = await s.createKey('operator', { key: deputy.secret });
    const { id } = await freshCase();
    assert.equal((await s.api('POST', `/v1/cases/${id}/close`, { key: boss.secret, body: { disposition: 'suspicious' } })).status, 202);
    expectError(await s.api('POST', `/v1/cases/${id}/approve`, { key: deputyOfDeputy.secret }), 403, 'four_eyes_required');
    expectError(await s.api('POST', `/v1/cases/${id}/approve`, { key: deputy.secret }), 403, 'four_eyes_required');
    // Someone outside the requester's chain (made before the request) may.
    assert.equal((await s.api('POST', `/v1/cases/${id}/approve`, { key: second })).status, 200);
  });

  test('a close sent back returns the case to investigating', async () => {
    const { id } = await freshCase();
    assert.equal((await s.api('POST', `/v1/cases/${id}/close`, { key: analyst, body: { disposition: 'suspicious' } })).status, 202);
    const r = await s.api('POST', `/v1/cases/${id}/reject`, { key: second, body: { note: 'needs the payslip first' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'investigating');
    assert.equal(r.body.close_requested_by, null);
    expectError(await s.api('POST', `/v1/cases/${id}/reject`, { key: second }), 409, 'case_not_pending_approval');
  });

  test('the SAR draft has the case, its alerts and the movements with their decisions; the HTML escapes everything', async () => {
    const { t, id } = await freshCase();
    await s.api('POST', `/v1/cases/${id}/notes`, { key: analyst, body: { text: '<script>alert(1)</script> & more' } });
    const j = await s.api('GET', `/v1/cases/${id}/sar`);
    assert.equal(j.status, 200, j.text);
    assert.equal(j.body.object, 'sar_draft');
    assert.equal(j.body.case.id, id);
    assert.equal(j.body.alerts.length, 1);
    assert.deepEqual(j.body.transactions.map((x) => [x.transfer, x.decision, x.amount]), [[t.id, t.decision, '5000.00']]);
    const h = await s.api('GET', `/v1/cases/${id}/sar.html`);
    assert.equal(h.status, 200);
    assert.match(h.headers.get('content-type'), /^text\/html/);
    assert.match(h.headers.get('content-security-policy'), /default-src 'none'/);
    assert.ok(h.text.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; more'));
    assert.ok(!h.text.includes('<script>'));
    assert.ok(h.text.includes(t.id));
    assert.ok(h.text.includes('5000.00 EUR'));
  });

  test('bad input gets a clear error and changes nothing', async () => {
    const { id } = await freshCase();
    const before = (await s.api('GET', `/v1/cases/${id}`)).body;
    const bad = [
      ['assign', {}, 'parameter_missing', 'assignee'],
      ['assign', { assignee: 'x'.repeat(129) }, 'string_too_long', 'assignee'],
      ['notes', { text: '' }, 'parameter_invalid', 'text'],
      ['notes', { text: 'x'.repeat(1001) }, 'string_too_long', 'text'],
      ['notes', { text: 'ok', attachments: [{ name: 'a', uri: 'javascript:alert(1)' }] }, 'parameter_invalid', 'attachments[0].uri'],
      ['notes', { text: 'ok', attachments: [{ name: 'a', uri: 'https://x', sha256: 'XYZ' }] }, 'parameter_invalid', 'attachments[0].sha256'],
      ['notes', { text: 'ok', attachments: Array(6).fill({ name: 'a', uri: 'https://x' }) }, 'parameter_invalid', 'attachments'],
      ['close', { disposition: 'maybe' }, 'parameter_invalid', 'disposition'],
      ['close', { disposition: 'no_action', colour: 'red' }, 'unknown_field', 'colour'],
    ];
    for (const [verb, body, code, param] of bad) {
      const r = await s.api('POST', `/v1/cases/${id}/${verb}`, { key: analyst, body });
      assert.equal(r.status, 400, `${verb} ${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
      assert.equal(r.body.error.code, code, r.text);
      assert.equal(r.body.error.param, param, r.text);
    }
    assert.deepEqual((await s.api('GET', `/v1/cases/${id}`)).body, before);
  });

  test("a hold's case is not an investigation", async () => {
    const p = await customerPair();
    const held = await s.api('POST', '/v1/transfers', { key: payer, body: { from_account: p.from, to_account: p.to, amount: '12.34', currency: 'EUR' } });
    assert.equal(held.status, 202, held.text);
    const caseId = (await s.api('GET', `/v1/decisions/${held.body.decision}`)).body.case;
    const c = await s.api('GET', `/v1/cases/${caseId}`);
    assert.equal(c.body.type, 'hold');
    expectError(await s.api('POST', `/v1/cases/${caseId}/assign`, { key: analyst, body: { assignee: 'x' } }), 409, 'case_not_investigation');
    expectError(await s.api('POST', `/v1/cases/${caseId}/notes`, { key: analyst, body: { text: 'x' } }), 409, 'case_not_investigation');
    expectError(await s.api('POST', `/v1/cases/${caseId}/close`, { key: analyst, body: { disposition: 'no_action' } }), 409, 'case_not_investigation');
    expectError(await s.api('GET', `/v1/cases/${caseId}/sar`), 409, 'case_not_investigation');
    expectError(await s.api('GET', `/v1/alerts?case=${caseId}`), 404, 'case_not_found');
    const holds = await s.api('GET', '/v1/cases?type=hold&status=open&limit=100');
    assert.ok(holds.body.data.some((x) => x.id === caseId));
    assert.ok(holds.body.data.every((x) => x.type === 'hold'));
    // Approving it still works as for any hold (another person than the payer).
    const a = await s.api('POST', `/v1/cases/${caseId}/approve`, { key: analyst });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body.status, 'approved');
  });

  test("another tenant sees none of it and cannot touch it", async () => {
    const { id, p } = await freshCase();
    const [a] = await alertsOf(p.payer, 1);
    const other = await s.createTenant('monitoring-other');
    const key = other.admin_api_key.secret;
    expectError(await s.api('GET', `/v1/cases/${id}`, { key }), 404, 'case_not_found');
    expectError(await s.api('GET', `/v1/alerts/${a.id}`, { key }), 404, 'alert_not_found');
    expectError(await s.api('GET', `/v1/cases/${id}/sar`, { key }), 404, 'case_not_found');
    expectError(await s.api('GET', `/v1/alerts?case=${id}`, { key }), 404, 'case_not_found');
    expectError(await s.api('POST', `/v1/cases/${id}/assign`, { key, body: { assignee: 'x' } }), 404, 'case_not_found');
    expectError(await s.api('POST', `/v1/cases/${id}/close`, { key, body: { disposition: 'no_action' } }), 404, 'case_not_found');
    assert.deepEqual((await s.api('GET', `/v1/alerts?customer=${p.payer}`, { key })).body.data, []);
    assert.deepEqual((await s.api('GET', '/v1/cases?type=investigation', { key })).body.data, []);
  });

  test('a read-only key reads but cannot work a case', async () => {
    const { id } = await freshCase();
    const ro = (await s.createKey('read_only')).secret;
    assert.equal((await s.api('GET', `/v1/cases/${id}`, { key: ro })).status, 200);
    const r = await s.api('POST', `/v1/cases/${id}/assign`, { key: ro, body: { assignee: 'me' } });
    assert.equal(r.status, 403, r.text);
  });
});

describe('feed and durability', () => {
  test('alerts and case changes are in the event feed', async () => {
    const { id } = await (async () => {
      const p = await customerPair();
      await pay(p, '4000.00');
      const [a] = await alertsOf(p.payer, 1);
      return { id: a.case };
    })();
    await s.api('POST', `/v1/cases/${id}/assign`, { key: analyst, body: { assignee: 'feed' } });
    const events = [];
    let cursor = null;
    do {
      const r = await s.api('GET', `/v1/events?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200, r.text);
      events.push(...r.body.data);
      cursor = r.body.has_more ? r.body.next_cursor : null;
    } while (cursor);
    const raised = events.find((e) => e.type === 'alert.raised' && e.data.case === id);
    assert.ok(raised, 'alert.raised for the case');
    assert.equal(raised.data.case_opened, true);
    const updated = events.find((e) => e.type === 'case.updated' && e.data.id === id);
    assert.equal(updated.data.action, 'assigned');
  });

  test('kill -9: alerts of committed movements are raised once, after the restart if need be', async () => {
    const p = await customerPair();
    for (let i = 0; i < 3; i++) await pay(p, '1000.00');
    await s.crashAndRestart(); // possibly before the monitor committed their alerts
    await pay(p, '1000.00');
    const alerts = await alertsOf(p.payer, 4);
    await sleep(300);
    const again = await s.api('GET', `/v1/alerts?customer=${p.payer}&limit=100`);
    assert.equal(again.body.data.length, 4, 'no alert twice, none lost');
    assert.equal(new Set(alerts.map((a) => a.transfer)).size, 4);
    const c = await s.api('GET', `/v1/cases/${alerts[0].case}`);
    assert.equal(c.body.alert_count, 4);
  });
});
