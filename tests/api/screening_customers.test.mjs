// Sanctions screening of customers through the real binary (issue 14): a customer is
// screened when it is created; a match raises a screening alert in an investigation and
// holds the customer's movements (both ways) with reason sanctions_match; an analyst's
// false-positive close is remembered (movements go through, a list reload does not
// reopen it); a list change screens every customer again and finds a newly listed one.
// Real lists from testdata/sanctions. Every answer is validated against api/openapi.yaml.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SANCTIONS_DIR, expectError, sleep, startServer } from './lib.mjs';

async function screeningAlerts(s, customer, n = 1) {
  for (let i = 0; i < 100; i++) {
    const r = await s.api('GET', `/v1/alerts?customer=${customer}`);
    assert.equal(r.status, 200, r.text);
    const alerts = r.body.data.filter((a) => a.type === 'screening');
    if (alerts.length >= n) return alerts;
    await sleep(50);
  }
  assert.fail(`${customer}: fewer than ${n} screening alerts after 5 s`);
}

async function customerWithAccount(s, name, funds) {
  const c = await s.createCustomer({ name });
  const a = await s.openAccount('EUR', { customer: c.id });
  if (funds) await s.deposit(a.id, funds);
  return { customer: c.id, account: a.id };
}

function transfer(s, from, to, amount, key) {
  return s.api('POST', '/v1/transfers', { key, body: { from_account: from, to_account: to, amount, currency: 'EUR' } });
}

describe('screening at onboarding (the full lists)', () => {
  let s;
  let analyst;
  let second;
  before(async () => {
    s = await startServer({ env: { COREBANK_SANCTIONS_DIR: SANCTIONS_DIR } });
    analyst = (await s.createKey('operator')).secret;
    second = (await s.createKey('operator')).secret;
  });
  after(async () => s && (await s.stop()));

  test('a listed name raises a screening alert and holds its movements both ways', async () => {
    const listed = await customerWithAccount(s, 'Daniel Moreno', '500.00');
    const clean = await customerWithAccount(s, 'Ada Lovelace', '500.00');
    const [a] = await screeningAlerts(s, listed.customer);
    assert.equal(a.reason, 'sanctions_match');
    assert.equal(a.rule, 'sanctions_screening');
    assert.equal(a.severity, 'high');
    assert.ok(a.entries.includes('ofac-sdn:15102'), JSON.stringify(a.entries));
    assert.equal(a.transfer, null);
    const c = await s.api('GET', `/v1/cases/${a.case}`);
    assert.equal(c.body.type, 'investigation');
    assert.equal(c.body.customer, listed.customer);
    // Paying out of, and into, the matched customer's account is held for an analyst.
    for (const [from, to] of [[listed.account, clean.account], [clean.account, listed.account]]) {
      const r = await transfer(s, from, to, '10.00', analyst);
      assert.equal(r.status, 202, r.text);
      assert.equal(r.body.status, 'held');
      const d = await s.api('GET', `/v1/decisions/${r.body.decision}`);
      assert.ok(d.body.reasons.includes('sanctions_match'), d.text);
    }
    // A customer whose name matches nothing has no alert and moves freely.
    const other = await customerWithAccount(s, 'Grace Hopper');
    const r = await transfer(s, clean.account, other.account, '10.00', analyst);
    assert.equal(r.status, 201, r.text);
    const none = await s.api('GET', `/v1/alerts?customer=${clean.customer}`);
    assert.deepEqual(none.body.data, []);
  });

  test("an analyst's false positive is remembered: movements go through and a restart does not reopen it", async () => {
    const listed = await customerWithAccount(s, 'Manuel Valencia Franco', '500.00');
    const clean = await customerWithAccount(s, 'Katherine Johnson');
    const [a] = await screeningAlerts(s, listed.customer);
    assert.equal((await transfer(s, listed.account, clean.account, '5.00', analyst)).status, 202);
    // Lifting a match takes two people, like reporting one.
    const asked = await s.api('POST', `/v1/cases/${a.case}/close`, { key: analyst, body: { disposition: 'false_positive', note: 'different date of birth' } });
    assert.equal(asked.status, 202, asked.text);
    assert.equal(asked.body.status, 'pending_approval');
    assert.equal((await transfer(s, listed.account, clean.account, '5.00', analyst)).status, 202, 'still held while it waits');
    expectError(await s.api('POST', `/v1/cases/${a.case}/approve`, { key: analyst }), 403, 'four_eyes_required');
    const closed = await s.api('POST', `/v1/cases/${a.case}/approve`, { key: second });
    assert.equal(closed.status, 200, closed.text);
    assert.equal(closed.body.disposition, 'false_positive');
    const ok = await transfer(s, listed.account, clean.account, '5.00', analyst);
    assert.equal(ok.status, 201, ok.text);
    await s.crashAndRestart();  // the cleared hit and the customer's standing are journaled
    const again = await transfer(s, listed.account, clean.account, '5.00', analyst);
    assert.equal(again.status, 201, again.text);
    const alerts = await s.api('GET', `/v1/alerts?customer=${listed.customer}`);
    assert.equal(alerts.body.data.length, 1, 'no new alert after the restart');
  });

  test('closing a match as suspicious keeps the customer held', async () => {
    const listed = await customerWithAccount(s, 'Elvis Angus Logan Morey', '500.00');
    const clean = await customerWithAccount(s, 'Mary Jackson');
    const [a] = await screeningAlerts(s, listed.customer);
    assert.equal((await s.api('POST', `/v1/cases/${a.case}/close`, { key: analyst, body: { disposition: 'suspicious' } })).status, 202);
    assert.equal((await s.api('POST', `/v1/cases/${a.case}/approve`, { key: second })).status, 200);
    const r = await transfer(s, listed.account, clean.account, '5.00', analyst);
    assert.equal(r.status, 202, r.text);
  });

  test('screening results are not in the tenant event feed and not visible to another tenant', async () => {
    const listed = await customerWithAccount(s, 'Daniel Moreno');
    const [a] = await screeningAlerts(s, listed.customer);
    const other = await s.createTenant('screening-other');
    expectError(await s.api('GET', `/v1/alerts/${a.id}`, { key: other.admin_api_key.secret }), 404, 'alert_not_found');
    // The screen itself (the name and its hits) is not a feed event; its alert is, without
    // the matched entries.
    const feed = await s.api('GET', '/v1/events?limit=100');
    assert.ok(!feed.body.data.some((e) => /screen/.test(e.type)), 'no screening event in the feed');
    const raised = feed.body.data.find((e) => e.type === 'alert.raised' && e.data.id === a.id);
    assert.ok(raised, 'alert.raised for the screening alert');
    assert.ok(!JSON.stringify(raised.data).includes('15102'), 'no list entry in the feed');
  });
});

describe('screening again after a list change (SIGHUP)', () => {
  let s;
  let sources;
  before(async () => {
    // A sanctions directory of our own: the tiny OFAC set first, the full one later.
    sources = mkdtempSync(join(tmpdir(), 'corebank-rescreen-'));
    for (const f of ['sdn.csv', 'alt.csv', 'add.csv']) copyFileSync(join(SANCTIONS_DIR, 'ofac_tiny', f), join(sources, f));
    s = await startServer({ env: { COREBANK_SANCTIONS_DIR: sources } });
  });
  after(async () => {
    if (s) await s.stop();
    rmSync(sources, { recursive: true, force: true });
  });

  test('a customer listed only in the new list is found; one already alerted is not alerted twice', async () => {
    const newlyListed = await customerWithAccount(s, 'Gustavo Adolfo Vargas Lopez', '100.00');
    const alreadyListed = await customerWithAccount(s, 'Daniel Moreno');
    const clean = await customerWithAccount(s, 'Dorothy Vaughan');
    await screeningAlerts(s, alreadyListed.customer);
    assert.deepEqual((await s.api('GET', `/v1/alerts?customer=${newlyListed.customer}`)).body.data, []);
    assert.equal((await transfer(s, newlyListed.account, clean.account, '1.00')).status, 201);
    for (const f of ['sdn.csv', 'alt.csv', 'add.csv']) copyFileSync(join(SANCTIONS_DIR, 'ofac_sdn_2019-01', f), join(sources, f));
    s.child.kill('SIGHUP');
    const [a] = await screeningAlerts(s, newlyListed.customer);
    assert.equal(a.reason, 'sanctions_match');
    assert.ok(a.entries.includes('ofac-sdn:4561'), JSON.stringify(a.entries));
    const r = await transfer(s, newlyListed.account, clean.account, '1.00');
    assert.equal(r.status, 202, r.text);
    await sleep(300);
    // Screened again against the full list: a new possible match may be alerted, but never
    // the entry it was alerted for already.
    const mine = (await s.api('GET', `/v1/alerts?customer=${alreadyListed.customer}`)).body.data;
    assert.ok(mine[0].entries.includes('ofac-sdn:15102'));
    for (const later of mine.slice(1)) assert.ok(!later.entries.includes('ofac-sdn:15102'), JSON.stringify(later));
    assert.deepEqual((await s.api('GET', `/v1/alerts?customer=${clean.customer}`)).body.data, []);
  });
});
