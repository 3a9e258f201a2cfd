// External payments through the real sandbox scheme (`corebank scheme`, a separate process,
// docs/payments/scheme.md): settled, rejected by the scheme with its ISO reason code, timed
// out and compensated, returned, held then approved, delivery across a scheme outage, and
// kill -9 of the server with payments in flight. Every message we sent and received is
// checked with the real xmllint against the ISO 20022 XSDs (pacs.004, which has no XSD in
// the shared data, by structure). Every API answer is validated against api/openapi.yaml.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { COREBANK, REPO, expectError, sleep, startServer } from './lib.mjs';
import { startScheme } from './scheme.mjs';

// Amounts of 1000.00 and more are held for review (so the held path is testable).
const MANIFEST = `name = "rail_test"
version = 2
on_rule_error = "hold"
hold_timeout_s = 600

[[rule]]
name = "hold_mid"
file = "rules/r.lua"
reads = []
score = 10
`;
const RULES = `function hold_mid(x)
  if x.amount_minor >= 100000 then return "hold:review_amount" end
  return "allow"
end
`;
const PAYEE_IBAN = 'DE89370400440532013000';
const ANSWER_TIMEOUT_MS = 1500;

let scheme;
let s;
let payer;
let analyst;
before(async () => {
  scheme = await startScheme(['--delay-ms', '20']);
  s = await startServer({ env: { COREBANK_SCHEME_URL: scheme.url, COREBANK_SCHEME_ANSWER_TIMEOUT_MS: String(ANSWER_TIMEOUT_MS) } });
  const r = await s.api('POST', '/v1/policies', { body: { files: { 'manifest.toml': MANIFEST, 'rules/r.lua': RULES } } });
  assert.equal(r.status, 201, r.text);
  payer = (await s.createKey('operator')).secret;
  analyst = (await s.createKey('operator')).secret;
});
after(async () => {
  if (s) await s.stop();
  if (scheme) await scheme.stop();
});

async function funded(amount = '10000.00') {
  const a = await s.openAccount('EUR');
  await s.deposit(a.id, amount);
  assert.match(a.iban, /^GB\d\dCBNK000001\d{8}$/);
  return a;
}

function pay(from, name, amount, extra = {}) {
  return s.api('POST', '/v1/payments', {
    key: payer,
    body: { from_account: from, to: { iban: PAYEE_IBAN, name }, amount, currency: 'EUR', reference: 'Invoice 42', ...extra },
  });
}

async function available(account) {
  return (await s.balances(account)).available;
}

// Polls the payment until `done` holds (the scheme answers asynchronously).
function until(id, done) {
  return s.until(`/v1/payments/${id}`, done, { timeoutMs: 10000 });
}
const final = (p) => ['settled', 'rejected', 'failed', 'returned', 'cancelled'].includes(p.status);

const XSD = {
  'pacs.008.001.08': 'pacs.008.001.08.xsd',
  'pacs.002.001.10': 'pacs.002.001.10.xsd',
  'camt.053.001.08': 'camt.053.001.08.xsd',
};
// The real xmllint against the real XSD; pacs.004 (no XSD in the shared data) by structure.
function assertValidIso(type, xml) {
  assert.match(xml, /^<\?xml /);
  if (type === 'pacs.004.001.09') {
    for (const el of ['PmtRtr', 'GrpHdr', 'MsgId', 'OrgnlEndToEndId', 'RtrdIntrBkSttlmAmt', 'RtrRsnInf']) {
      assert.match(xml, new RegExp(`<${el}[ >]`), `pacs.004 has ${el}`);
    }
    assert.match(xml, /xmlns="urn:iso:std:iso:20022:tech:xsd:pacs\.004\.001\.09"/);
    return;
  }
  assert.ok(XSD[type], `an XSD for ${type}`);
  const dir = mkdtempSync(join(tmpdir(), 'cb-xml-'));
  try {
    const file = join(dir, 'm.xml');
    writeFileSync(file, xml);
    const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', join(REPO, 'testdata', 'iso20022', 'xsd', XSD[type]), file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `xmllint ${type}: ${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function messagesOf(id) {
  const m = await s.api('GET', `/v1/payments/${id}/messages`);
  assert.equal(m.status, 200, m.text);
  for (const x of m.body.data) assertValidIso(x.message_type, x.xml);
  return m.body.data;
}

describe('external payments through the scheme process', () => {
  test('settled: funds reserved, a valid pacs.008 out, the ACSC pacs.002 in, the money gone to the clearing account', async () => {
    const a = await funded();
    const r = await pay(a.id, 'Max Muster', '25.00');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.rail, 'sepa_instant');
    assert.equal(r.body.status, 'submitted');
    assert.deepEqual(r.body.history.map((h) => h.status), ['created', 'funds_reserved', 'submitted']);
    // A client may not void or post the rail's reservation around the scheme.
    expectError(await s.api('POST', `/v1/transfers/${r.body.transfer}/void`, { key: payer }), 404, 'transfer_not_found');
    expectError(await s.api('POST', `/v1/transfers/${r.body.transfer}/post`, { key: payer }), 404, 'transfer_not_found');
    assert.equal(r.body.to.iban, PAYEE_IBAN);
    const p = await until(r.body.id, final);
    assert.equal(p.status, 'settled', JSON.stringify(p.history));
    assert.equal(await available(a.id), '9975.00');
    const b = await s.balances(a.id);
    assert.equal(b.pending_debits ?? '0.00', '0.00');
    const msgs = await messagesOf(r.body.id);
    assert.deepEqual(msgs.map((m) => [m.message_type, m.direction]), [['pacs.008.001.08', 'outbound'], ['pacs.002.001.10', 'inbound']]);
    assert.match(msgs[0].xml, /<EndToEndId>/);
    assert.match(msgs[0].xml, new RegExp(a.iban));
    assert.match(msgs[1].xml, /<TxSts>ACSC<\/TxSts>/);
    // The scheme's statement of our settlement account has the DBIT, and validates.
    const from = new Date(Date.now() - 3600e3).toISOString();
    const to = new Date(Date.now() + 3600e3).toISOString();
    const st = await scheme.get(`/v1/statements/camt.053?from=${from}&to=${to}`);
    assert.equal(st.status, 200, st.text);
    assertValidIso('camt.053.001.08', st.text);
    assert.ok(st.text.includes(r.body.end_to_end_id), 'the statement names our end-to-end id');
  });

  test('scheduled for later: nothing reserved or sent until due, then reserved, sent and settled once', async () => {
    const a = await funded('100.00');
    const r = await pay(a.id, 'Max Muster', '30.00', { scheduled_for: new Date(Date.now() + 1200).toISOString() });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.status, 'created');
    assert.equal(r.body.transfer !== null, true);
    assert.equal(await available(a.id), '100.00');
    assert.deepEqual(await messagesOf(r.body.id), [], 'no message leaves before it is due');
    const p = await until(r.body.id, final);
    assert.equal(p.status, 'settled', JSON.stringify(p.history));
    // `accepted` (the scheme has the message) may come before or after its answer: not asserted.
    assert.deepEqual(p.history.map((h) => h.status).filter((x) => x !== 'accepted'), ['created', 'funds_reserved', 'submitted', 'settled']);
    assert.equal(await available(a.id), '70.00');
    const msgs = await messagesOf(r.body.id);
    assert.deepEqual(msgs.map((m) => [m.message_type, m.direction]), [['pacs.008.001.08', 'outbound'], ['pacs.002.001.10', 'inbound']]);
  });

  test('rejected by the scheme: the ISO reason code, the reservation voided', async () => {
    const a = await funded();
    const r = await pay(a.id, 'REJECT AC04 Closed Account', '40.00');
    assert.equal(r.status, 201, r.text);
    const p = await until(r.body.id, final);
    assert.equal(p.status, 'rejected');
    assert.equal(p.status_reason.code, 'AC04');
    assert.equal(await available(a.id), '10000.00');
    const msgs = await messagesOf(r.body.id);
    assert.match(msgs[1].xml, /<TxSts>RJCT<\/TxSts>/);
  });

  test('no answer before the deadline: failed, compensated, the history says why', async () => {
    const a = await funded();
    const r = await pay(a.id, 'NOANSWER Slow Bank', '15.00');
    assert.equal(r.status, 201, r.text);
    assert.equal(await available(a.id), '9985.00', 'reserved while it waits');
    const p = await until(r.body.id, final, ANSWER_TIMEOUT_MS + 8000);
    assert.equal(p.status, 'failed');
    assert.equal(p.status_reason.code, 'no_answer');
    assert.equal(await available(a.id), '10000.00');
  });

  test('returned: settled, then a pacs.004 credits the payer back', async () => {
    const a = await funded();
    const r = await pay(a.id, 'RETURN AC04 Gone Away', '30.00');
    const p = await until(r.body.id, (x) => x.status === 'returned');
    // `accepted` (the scheme has the message) may come before or after its answer: not asserted.
    assert.deepEqual(p.history.map((h) => h.status).filter((x) => x !== 'accepted'), ['created', 'funds_reserved', 'submitted', 'settled', 'returned']);
    assert.equal(p.status_reason.code, 'AC04');
    assert.equal(await available(a.id), '10000.00');
    const msgs = await messagesOf(r.body.id);
    assert.deepEqual(msgs.map((m) => m.message_type), ['pacs.008.001.08', 'pacs.002.001.10', 'pacs.004.001.09']);
  });

  test('held for review: nothing leaves until an analyst approves, then it settles', async () => {
    const a = await funded();
    const r = await pay(a.id, 'Max Muster', '1500.00');
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.status, 'held');
    await sleep(200);
    assert.deepEqual((await messagesOf(r.body.id)), [], 'no message before the review');
    const d = (await s.api('GET', `/v1/decisions/${r.body.decision}`)).body;
    const ok = await s.api('POST', `/v1/cases/${d.case}/approve`, { key: analyst });
    assert.equal(ok.status, 200, ok.text);
    const p = await until(r.body.id, final);
    assert.equal(p.status, 'settled');
    assert.equal(await available(a.id), '8500.00');
  });

  test('a scheme outage: the outbox keeps the message and delivers it when the scheme is back', async () => {
    const a = await funded();
    await scheme.kill();
    const r = await pay(a.id, 'Max Muster', '5.00');
    assert.equal(r.status, 201, r.text);
    await sleep(300);
    assert.equal((await s.api('GET', `/v1/payments/${r.body.id}`)).body.status, 'submitted');
    await scheme.start(); // same port and data
    const p = await until(r.body.id, final);
    assert.equal(p.status, 'settled');
  });

  // Down longer than the answer deadline: the answers wait in the scheme's feed, and a
  // deadline passes only once the feed was read through it, so none is failed.
  test('kill -9 of the server with payments in flight, down past their deadlines: each settles once, the ledger agrees', async () => {
    const a = await funded();
    const ids = [];
    for (let i = 0; i < 20; i++) {
      const r = await pay(a.id, 'Max Muster', '1.00', { end_to_end_id: `KILL9-${i}` });
      assert.equal(r.status, 201, r.text);
      ids.push(r.body.id);
    }
    await s.crashAndRestart({ downMs: ANSWER_TIMEOUT_MS + 500 });
    for (const id of ids) assert.equal((await until(id, final)).status, 'settled');
    assert.equal(await available(a.id), '9980.00');
    // The scheme booked each exactly once (a duplicate delivery is answered, not booked).
    const from = new Date(Date.now() - 3600e3).toISOString();
    const to = new Date(Date.now() + 3600e3).toISOString();
    const st = await scheme.get(`/v1/statements/camt.053?from=${from}&to=${to}`);
    for (let i = 0; i < 20; i++) {
      assert.equal(st.text.split(`<EndToEndId>KILL9-${i}</EndToEndId>`).length - 1, 1, `KILL9-${i} booked once`);
    }
  });

  test('an inbound credit the scheme delivers twice is booked once, to the account its IBAN names', async () => {
    const a = await s.openAccount('EUR');
    const r = await scheme.post('/v1/sandbox/inbound_credits', {
      iban: a.iban, amount: '12.34', currency: 'EUR', debtor_name: 'Erika Mustermann',
      debtor_iban: PAYEE_IBAN, end_to_end_id: 'RENT-DEC', remittance: 'Rent December', copies: 2,
    });
    assert.equal(r.status, 201, r.text);
    const deadline = Date.now() + 10000;
    let list;
    for (;;) {
      list = await s.api('GET', `/v1/received_payments?account=${a.id}`);
      assert.equal(list.status, 200, list.text);
      if (list.body.data.length > 0 || Date.now() > deadline) break;
      await sleep(25);
    }
    await sleep(300); // the second copy has arrived by now
    list = await s.api('GET', `/v1/received_payments?account=${a.id}`);
    assert.equal(list.body.data.length, 1, list.text);
    const got = list.body.data[0];
    assert.equal(got.amount, '12.34');
    assert.equal(got.end_to_end_id, 'RENT-DEC');
    assert.equal(got.debtor.name, 'Erika Mustermann');
    assert.equal(got.debtor.iban, PAYEE_IBAN);
    assert.equal(got.reference, 'Rent December');
    assert.equal(await available(a.id), '12.34');
    const one = await s.api('GET', `/v1/received_payments/${got.id}`);
    assert.deepEqual(one.body, got);
    const other = await s.createTenant('rail-other');
    expectError(await s.api('GET', `/v1/received_payments/${got.id}`, { key: other.admin_api_key.secret }), 404, 'received_payment_not_found');
  });

  test('a payer account without an IBAN, or an amount the messages cannot carry, is refused', async () => {
    const a = await funded();
    expectError(await pay(a.id, 'Max Muster', '10000000000000000.00'), 400, 'amount_invalid', 'amount');
    assert.equal(await available(a.id), '10000.00');
  });
  test("reconciliation: the scheme's camt.053 matches; a seeded drift (missing, changed amount, unknown) is found and nothing else", async () => {
    const a = await funded();
    const made = {};
    for (const [e2e, amount] of [['RECON-A', '1.00'], ['RECON-B', '2.00'], ['RECON-C', '3.00']]) {
      const r = await pay(a.id, 'Max Muster', amount, { end_to_end_id: e2e });
      assert.equal((await until(r.body.id, final)).status, 'settled');
      made[e2e] = r.body.id;
    }
    const from = new Date(Date.now() - 3600e3).toISOString();
    const to = new Date(Date.now() + 3600e3).toISOString();
    const st = await scheme.get(`/v1/statements/camt.053?from=${from}&to=${to}`);
    assert.equal(st.status, 200, st.text);
    const clean = await s.api('POST', '/v1/reconciliations', { body: { camt053: st.text } });
    assert.equal(clean.status, 201, clean.text);
    assert.deepEqual(clean.body.exceptions, [], 'the scheme and the bank agree on everything');
    assert.equal(clean.body.matched, clean.body.entries);
    // Seed drift: drop RECON-A's entry, change RECON-B's amount, add an entry nobody made.
    const parts = st.text.split(/(?=<Ntry>)/);
    const entryOf = (e2e) => parts.findIndex((x) => x.includes(`<EndToEndId>${e2e}</EndToEndId>`));
    const ia = entryOf('RECON-A');
    const ib = entryOf('RECON-B');
    const ic = entryOf('RECON-C');
    assert.ok(ia > 0 && ib > 0 && ic > 0, 'each payment is on the statement');
    const tail = (x) => x.slice(x.indexOf('</Ntry>') + '</Ntry>'.length);
    const entryText = (x) => x.slice(0, x.indexOf('</Ntry>') + '</Ntry>'.length);
    const unknown = entryText(parts[ic]).replace('<EndToEndId>RECON-C</EndToEndId>', '<EndToEndId>RECON-X</EndToEndId>');
    parts[ib] = parts[ib].replace(/>2\.00</, '>2.50<');
    parts[ic] = entryText(parts[ic]) + unknown + tail(parts[ic]);
    parts[ia] = tail(parts[ia]);
    const drifted = parts.join('');
    const r = await s.api('POST', '/v1/reconciliations', { body: { camt053: drifted } });
    assert.equal(r.status, 201, r.text);
    const found = r.body.exceptions.map((x) => [x.type, x.end_to_end_id]).sort();
    assert.deepEqual(found, [['amount_mismatch', 'RECON-B'], ['missing_entry', 'RECON-A'], ['unknown_entry', 'RECON-X']].sort(), r.text);
    assert.equal(r.body.exceptions.find((x) => x.end_to_end_id === 'RECON-A').payment, made['RECON-A']);
    const got = await s.api('GET', `/v1/reconciliations/${r.body.id}`);
    assert.deepEqual(got.body, r.body);
    // The same statement through the CLI: exit 1 with exceptions, 0 for the clean one.
    const dir = mkdtempSync(join(tmpdir(), 'cb-recon-'));
    try {
      writeFileSync(join(dir, 'drifted.xml'), drifted);
      writeFileSync(join(dir, 'clean.xml'), st.text);
      const cli = (file) => spawnSync(COREBANK, ['reconcile', '--url', s.url, '--file', join(dir, file)], {
        encoding: 'utf8', env: { ...process.env, COREBANK_API_KEY: s.adminKey },
      });
      const bad = cli('drifted.xml');
      assert.equal(bad.status, 1, bad.stderr);
      assert.match(bad.stdout, /^reconcile: entries=\d+ matched=\d+ exceptions=3$/m);
      const ok = cli('clean.xml');
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /exceptions=0$/m);
      const nokey = spawnSync(COREBANK, ['reconcile', '--url', s.url, '--file', join(dir, 'clean.xml')], { encoding: 'utf8', env: { PATH: process.env.PATH } });
      assert.equal(nokey.status, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Not a tenant admin's business, and not a statement: refused, nothing recorded.
    const other = await s.createTenant('recon-other');
    expectError(await s.api('POST', '/v1/reconciliations', { key: other.admin_api_key.secret, body: { camt053: st.text } }), 403, 'root_admin_required');
    expectError(await s.api('GET', `/v1/reconciliations/${r.body.id}`, { key: other.admin_api_key.secret }), 404, 'reconciliation_not_found');
    expectError(await s.api('POST', '/v1/reconciliations', { body: { camt053: '<Document/>' } }), 422, 'statement_invalid', 'camt053');

    // The exceptions, across reconciliations: the CLI's drifted run is the newest, then r's.
    const all = await s.api('GET', '/v1/reconciliation_exceptions?limit=100');
    assert.equal(all.status, 200, all.text);
    const ours = all.body.data.filter((x) => x.reconciliation === r.body.id);
    assert.deepEqual(ours.map((x) => x.id), r.body.exceptions.map((x) => x.id).reverse(), 'newest first, the ids the reconciliation shows');
    const cliRun = all.body.data[0].reconciliation;
    assert.notEqual(cliRun, r.body.id);
    assert.equal(all.body.data.filter((x) => x.reconciliation === cliRun).length, 3);
    const byE2e = Object.fromEntries(ours.map((x) => [x.end_to_end_id, x]));
    assert.equal(byE2e['RECON-B'].type, 'amount_mismatch');
    assert.equal(byE2e['RECON-B'].statement_amount, '2.50');
    assert.equal(byE2e['RECON-B'].booked_amount, '2.00');
    assert.equal(byE2e['RECON-B'].payment, made['RECON-B']);
    assert.equal(byE2e['RECON-A'].type, 'missing_entry');
    assert.equal(byE2e['RECON-A'].statement_amount, null);
    assert.equal(byE2e['RECON-A'].booked_amount, '1.00');
    assert.equal(byE2e['RECON-X'].type, 'unknown_entry');
    assert.equal(byE2e['RECON-X'].booked_amount, null);
    // Filters and cursors: one reconciliation's, one type, a page at a time.
    const one = await s.api('GET', `/v1/reconciliation_exceptions?reconciliation=${r.body.id}&limit=2`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.body.data.length, 2);
    assert.equal(one.body.has_more, true);
    const rest = await s.api('GET', `/v1/reconciliation_exceptions?reconciliation=${r.body.id}&limit=2&cursor=${one.body.next_cursor}`);
    assert.deepEqual([...one.body.data, ...rest.body.data].map((x) => x.id), ours.map((x) => x.id));
    assert.equal(rest.body.has_more, false);
    const unknowns = await s.api('GET', '/v1/reconciliation_exceptions?type=unknown_entry');
    assert.ok(unknowns.body.data.length >= 2 && unknowns.body.data.every((x) => x.type === 'unknown_entry'), unknowns.text);
    const single = await s.api('GET', `/v1/reconciliation_exceptions/${byE2e['RECON-B'].id}`);
    assert.equal(single.status, 200, single.text);
    assert.deepEqual(single.body, byE2e['RECON-B']);
    expectError(await s.api('GET', '/v1/reconciliation_exceptions?type=late'), 400, 'parameter_invalid', 'type');
    expectError(await s.api('GET', '/v1/reconciliation_exceptions?reconciliation=pay_123'), 400, 'parameter_invalid', 'reconciliation');
    expectError(await s.api('GET', '/v1/reconciliation_exceptions?limit=101'), 400, 'limit_invalid', 'limit');
    expectError(await s.api('GET', '/v1/reconciliation_exceptions?cursor=p1'), 400, 'cursor_invalid', 'cursor');
    expectError(await s.api('GET', '/v1/reconciliation_exceptions?color=red'), 400, 'unknown_field', 'color');
    expectError(await s.api('GET', `/v1/reconciliation_exceptions?reconciliation=${made['RECON-A'].replace('pay_', 'rec_')}`), 404, 'reconciliation_not_found', 'reconciliation');
    expectError(await s.api('GET', '/v1/reconciliation_exceptions/rex_00000000000000000000000001'), 404, 'reconciliation_exception_not_found', 'id');
    // Another tenant's admin, and an operator of the root tenant: none of theirs to see.
    expectError(await s.api('GET', '/v1/reconciliation_exceptions', { key: other.admin_api_key.secret }), 403, 'root_admin_required');
    expectError(await s.api('GET', `/v1/reconciliation_exceptions/${byE2e['RECON-B'].id}`, { key: other.admin_api_key.secret }), 404, 'reconciliation_exception_not_found', 'id');
    expectError(await s.api('GET', '/v1/reconciliation_exceptions', { key: payer }), 403, 'insufficient_permissions');

    // One alert for the risk core per reconciliation with exceptions, in the bank-level case.
    const alertsOf = async (key) => {
      const a = await s.api('GET', '/v1/alerts?limit=100', { key });
      assert.equal(a.status, 200, a.text);
      return a.body.data.filter((x) => x.type === 'reconciliation');
    };
    const alerts = await alertsOf();
    assert.equal(alerts.length, 2, JSON.stringify(alerts));
    const alert = alerts.find((x) => x.reconciliation === r.body.id);
    assert.ok(alert, 'an alert names the reconciliation');
    assert.equal(alert.customer, null);
    assert.equal(alert.rule, 'reconciliation');
    assert.equal(alert.reason, 'reconciliation_exceptions');
    assert.equal(alert.severity, 'high');
    assert.deepEqual(alert.entries, r.body.exceptions.map((x) => x.id));
    assert.equal(alerts[0].case, alerts[1].case, 'both join the one bank-level investigation');
    assert.deepEqual(await alertsOf(other.admin_api_key.secret), [], "the bank's books are no tenant's alerts");
    const kase = await s.api('GET', `/v1/cases/${alert.case}`);
    assert.equal(kase.status, 200, kase.text);
    assert.equal(kase.body.type, 'investigation');
    assert.equal(kase.body.customer, null);
    assert.equal(kase.body.alert_count, 2);
    const sar = await s.api('GET', `/v1/cases/${alert.case}/sar`);
    assert.equal(sar.status, 200, sar.text);
    assert.equal(sar.body.subject.customer, null);
    expectError(await s.api('POST', `/v1/cases/${alert.case}/close`, { body: { disposition: 'suspicious' } }), 409, 'case_no_subject', 'disposition');

    // kill -9 and restart: replay rebuilds the exceptions and the alerts as they were.
    await s.crashAndRestart();
    const again = await s.api('GET', '/v1/reconciliation_exceptions?limit=100');
    assert.deepEqual(again.body, all.body);
    assert.deepEqual(await alertsOf(), alerts);
    assert.deepEqual((await s.api('GET', `/v1/cases/${alert.case}`)).body, kase.body);
  });
});
