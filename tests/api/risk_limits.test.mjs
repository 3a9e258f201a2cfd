// The default policy bundle (policies/default, active on a fresh server) through the real
// binary: KYC-tier limits per transaction and per day, posts of pending transfers (decided
// with the reservation taken out of the windows; a partial post above the reservation is
// refused before any decision; a held pending transfer cannot be posted or voided by the
// client) and the four-eyes rule on approving a hold (ADR 0017, platform FourEyesRefusalOf).
// The limits' numbers are read from policies/default/limits.toml, so a changed bundle fails
// here loudly instead of silently testing something else. Every answer is validated against
// api/openapi.yaml by lib.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO, expectError, startServer } from './lib.mjs';

// ---- the bundle's numbers, from its files ----------------------------------------------

const BUNDLE_DIR = join(REPO, 'policies', 'default');

// A minimal reader for limits.toml: the [[limit]] tables' `key = "string"`, `key = number`
// and (raw) `when = {...}` lines. Enough for this file; anything else fails the checks below.
function readLimits() {
  const text = readFileSync(join(BUNDLE_DIR, 'limits.toml'), 'utf8');
  const limits = [];
  let cur = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    if (line === '[[limit]]') {
      cur = {};
      limits.push(cur);
      continue;
    }
    const m = line.match(/^([a-z_]+)\s*=\s*(.+)$/);
    assert.ok(cur && m, `limits.toml: unexpected line ${JSON.stringify(raw)}`);
    const [, k, v] = m;
    if (/^"[^"]*"$/.test(v)) cur[k] = v.slice(1, -1);
    else if (/^\d+$/.test(v)) cur[k] = Number(v);
    else cur[k] = v; // when = {...}, raw
  }
  return limits;
}

const LIMITS = readLimits();
function limit(name) {
  const l = LIMITS.filter((x) => x.name === name);
  assert.equal(l.length, 1, `limits.toml has ${l.length} limits named ${name}`);
  return l[0];
}

// "1000.00" <-> 100000 (EUR, GBP: two decimals), exact.
function cents(s) {
  assert.match(s, /^\d+\.\d{2}$/, `not a two-decimal amount: ${s}`);
  return Number(s.replace('.', ''));
}
function amount(c) {
  return `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
}

// The tier limits this file relies on: amount limits that hold with kyc_tier_limit, one per
// tier, for customers paying another customer (any channel).
function tierLimits(currency) {
  const lc = currency.toLowerCase();
  return [0, 1, 2, 3].map((tier) => {
    const l = limit(`tier${tier}_amount_${lc}`);
    assert.equal(l.currency, currency);
    assert.equal(l.action, 'hold');
    assert.equal(l.reason, 'kyc_tier_limit');
    assert.equal(l.when, `{ kyc_tier = [${tier}], customer_type = ["individual", "business"], counterparty_type = ["customer", "external"] }`);
    return { ...l, per_tx: cents(l.per_transaction), daily: cents(l.daily_amount), monthly: cents(l.monthly_amount) };
  });
}
const EUR = tierLimits('EUR');
const GBP = tierLimits('GBP');

// young_payee_account (policies/default/rules/account_age.lua) holds any payment of 1000
// major units or more to an account opened today, and every account of a test is opened
// today: EUR amounts above tier 0's 1000.00 therefore also meet it. The test reads the rule
// so that a change to it fails here.
const YOUNG_PAYEE_MAJOR = (() => {
  const lua = readFileSync(join(BUNDLE_DIR, 'rules', 'account_age.lua'), 'utf8');
  const m = lua.match(/x\.payee_account_age_days == 0 and x\.amount_major >= (\d+)/);
  assert.ok(m, 'rules/account_age.lua: young_payee_account changed; update risk_limits.test.mjs');
  return Number(m[1]);
})();

test('the default bundle is the one this file reads', () => {
  const manifest = readFileSync(join(BUNDLE_DIR, 'manifest.toml'), 'utf8');
  assert.match(manifest, /^name = "default"$/m);
  // The scenarios below need tier 0 strictly tighter than tier 1, and the daily limit above
  // the per-transaction one (several payments each under it add up past the day's).
  for (const L of [EUR, GBP]) {
    assert.ok(L[0].per_tx < L[1].per_tx && L[1].per_tx <= L[2].per_tx && L[2].per_tx <= L[3].per_tx);
    assert.ok(L[0].daily > L[0].per_tx);
  }
  // GBP's tier 0 limit is below young_payee_account's threshold: there a tier >= 1 payment
  // just above tier 0's limit meets no other rule.
  assert.ok(GBP[0].per_tx + 1 < YOUNG_PAYEE_MAJOR * 100, 'GBP tier 0 limit no longer below young_payee_account');
});

// ---- server and helpers ------------------------------------------------------------------

let s;
before(async () => {
  s = await startServer(); // the default bundle: no other is activated
  const list = await s.api('GET', '/v1/policies');
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.body.data.filter((p) => p.active).map((p) => p.name), ['default']);
});
after(async () => s && (await s.stop()));

// A customer at `tier` (set at creation, or afterwards with the update route) with a funded
// account, and a payee account of another customer.
async function payerAt(tier, { currency = 'EUR', funds = '20000.00', update = false, key } = {}) {
  const opts = key ? { key } : {};
  const c = await s.createCustomer(update ? {} : { kyc_tier: tier }, opts);
  if (update) {
    assert.equal(c.kyc_tier, 0);
    const u = await s.api('POST', `/v1/customers/${c.id}`, { body: { kyc_tier: tier }, ...opts });
    assert.equal(u.status, 200, u.text);
    assert.equal(u.body.kyc_tier, tier);
  }
  const got = await s.api('GET', `/v1/customers/${c.id}`);
  assert.equal(got.body.kyc_tier, tier);
  const from = await s.openAccount(currency, { customer: c.id }, opts);
  const to = await s.openAccount(currency, {}, opts);
  await s.deposit(from.id, funds, currency, opts);
  return { customer: c.id, from: from.id, to: to.id, currency };
}

function pay(p, amt, { key, ...extra } = {}) {
  return s.api('POST', '/v1/transfers', {
    body: { from_account: p.from, to_account: p.to, amount: amt, currency: p.currency, ...extra },
    ...(key ? { key } : {}),
  });
}

async function decision(id) {
  const d = await s.api('GET', `/v1/decisions/${id}`); // root admin: rules_fired visible
  assert.equal(d.status, 200, d.text);
  return d.body;
}

const tierLimitNames = (L) => L.map((l) => l.name);
// The entries of rules_fired for limit `name`: a limit is named with the window that fired
// (`tier0_amount_eur.per_transaction`, `.daily_amount`...).
const fired = (d, name) => d.rules_fired.filter((x) => x === name || x.startsWith(name + '.'));

// The decisions recorded on `transfer` (found in the event feed's decision.recorded events,
// all pages; each read back with GET /v1/decisions/{id}), in journal order.
async function decisionsOf(transfer) {
  const ids = [];
  let after = 0;
  for (;;) {
    const r = await s.api('GET', `/v1/events?limit=100&after=${after}`);
    assert.equal(r.status, 200, r.text);
    for (const e of r.body.data) {
      if (e.type === 'decision.recorded' && e.data.transfer === transfer) ids.push(e.data.id);
    }
    if (!r.body.has_more) break;
    assert.ok(r.body.last_seq > after);
    after = r.body.last_seq;
  }
  const out = [];
  for (const id of ids) out.push(await decision(id));
  return out;
}

// ---- 1. limits per KYC tier ----------------------------------------------------------------

describe('KYC-tier amount limits (limits.toml)', () => {
  test('EUR: just above tier 0 per transaction: tier 0 holds on its limit, tiers 1-3 meet no tier limit', async () => {
    const amt = EUR[0].per_tx + 1; // 1000.01
    assert.ok(amt < EUR[1].per_tx);
    for (const tier of [0, 1, 2, 3]) {
      const p = await payerAt(tier, { update: tier === 2 });
      const r = await pay(p, amount(amt));
      const d = await decision(r.body.decision);
      assert.equal(d.amount, amount(amt));
      // Never another tier's limit.
      for (const name of tierLimitNames(EUR)) {
        if (name !== EUR[tier].name) assert.deepEqual(fired(d, name), [], `tier ${tier}: ${name} fired: ${JSON.stringify(d)}`);
      }
      if (tier === 0) {
        assert.equal(r.status, 202, r.text);
        assert.equal(r.body.status, 'held');
        assert.equal(d.outcome, 'hold');
        assert.equal(d.disposition, 'held');
        assert.ok(d.reasons.includes('kyc_tier_limit'), JSON.stringify(d.reasons));
        // Its per-transaction window, and young_payee_account (see above) with it.
        assert.deepEqual(d.rules_fired, ['tier0_amount_eur.per_transaction', 'young_payee_account'], JSON.stringify(d));
        assert.deepEqual(d.reasons, ['kyc_tier_limit', 'young_payee_account']);
        assert.match(d.case, /^case_/);
      } else {
        assert.ok(!d.reasons.includes('kyc_tier_limit'), `tier ${tier}: ${JSON.stringify(d.reasons)}`);
        assert.deepEqual(fired(d, EUR[tier].name), []);
        // The one thing that still holds it: the payee account was opened today
        // (young_payee_account, from 1000 major units). Nothing else fired.
        assert.ok(amt >= YOUNG_PAYEE_MAJOR * 100);
        assert.deepEqual(d.rules_fired, ['young_payee_account'], JSON.stringify(d));
        assert.deepEqual(d.reasons, ['young_payee_account']);
        assert.equal(r.status, 202, r.text);
      }
    }
  });

  test('GBP: just above tier 0 per transaction (below the young-payee rule): tier 0 held, tiers 1-3 allowed (201)', async () => {
    const amt = GBP[0].per_tx + 1; // 800.01
    assert.ok(amt < GBP[1].per_tx);
    for (const tier of [0, 1, 2, 3]) {
      const p = await payerAt(tier, { currency: 'GBP', update: tier === 3 });
      const before = (await s.balances(p.to)).available;
      const r = await pay(p, amount(amt));
      const d = await decision(r.body.decision);
      for (const name of tierLimitNames(GBP)) {
        if (name !== GBP[tier].name) assert.deepEqual(fired(d, name), [], `tier ${tier}: ${name} fired`);
      }
      if (tier === 0) {
        assert.equal(r.status, 202, r.text);
        assert.equal(r.body.status, 'held');
        assert.equal(d.outcome, 'hold');
        assert.deepEqual(d.reasons, ['kyc_tier_limit']);
        assert.deepEqual(d.rules_fired, ['tier0_amount_gbp.per_transaction']);
        assert.equal((await s.balances(p.to)).available, before); // reserved, not paid
      } else {
        assert.equal(r.status, 201, `tier ${tier}: ${r.text}`);
        assert.equal(r.body.status, 'posted');
        assert.equal(d.outcome, 'allow');
        assert.equal(d.disposition, 'executed');
        assert.deepEqual(d.rules_fired, []);
        assert.equal((await s.balances(p.to)).available, amount(cents(before) + amt));
      }
    }
  });

  test('EUR daily amount, tier 0: payments each under the per-transaction limit pass up to the day limit exactly; the one crossing it is held', async () => {
    const L = EUR[0];
    const p = await payerAt(0);
    // Chunks under per_transaction and under young_payee_account's threshold, adding up to
    // exactly daily_amount ("so far + this > limit" fires, equal does not).
    const chunkMax = Math.min(L.per_tx, YOUNG_PAYEE_MAJOR * 100 - 1, 70000);
    const chunks = [];
    for (let left = L.daily; left > 0; left -= chunks.at(-1)) chunks.push(Math.min(left, chunkMax));
    assert.ok(chunks.length >= 2);
    for (const c of chunks) {
      const r = await pay(p, amount(c));
      assert.equal(r.status, 201, `${amount(c)}: ${r.text}`);
      const d = await decision(r.body.decision);
      assert.equal(d.outcome, 'allow', JSON.stringify(d));
    }
    const r = await pay(p, '0.01');
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.status, 'held');
    const d = await decision(r.body.decision);
    assert.equal(d.outcome, 'hold');
    assert.deepEqual(d.reasons, ['kyc_tier_limit']);
    assert.deepEqual(d.rules_fired, ['tier0_amount_eur.daily_amount']);
    // Another tier-0 customer's day is its own.
    const q = await payerAt(0);
    const other = await pay(q, '0.01');
    assert.equal(other.status, 201, other.text);
  });
});

// ---- 2. posts of pending transfers -----------------------------------------------------------

describe('posts of pending transfers', () => {
  test('a pending transfer within limits, then its full post: both allowed, the post decided and recorded, the reservation not counted twice', async () => {
    const L = EUR[0];
    const p = await payerAt(0);
    // More than half the day's limit: counted twice (reservation + post) it would cross it.
    const amt = Math.min(L.per_tx, YOUNG_PAYEE_MAJOR * 100 - 1, Math.floor(L.daily / 2) + 10000);
    assert.ok(2 * amt > L.daily && amt <= L.daily);
    const r = await pay(p, amount(amt), { pending: true });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.status, 'pending');
    const created = await decision(r.body.decision);
    assert.equal(created.outcome, 'allow');
    assert.equal(created.operation, 'transfer');
    const post = await s.api('POST', `/v1/transfers/${r.body.id}/post`, {});
    assert.equal(post.status, 201, post.text);
    assert.equal(post.body.id, r.body.id);
    assert.equal(post.body.status, 'posted');
    assert.equal(post.body.posted_amount, amount(amt));
    assert.equal((await s.balances(p.to)).available, amount(amt));
    // The post's own decision, from the event feed.
    const all = await decisionsOf(r.body.id);
    assert.deepEqual(all.map((x) => [x.id === r.body.decision, x.operation]), [[true, 'transfer'], [false, 'post_pending']], JSON.stringify(all));
    const d = all[1];
    assert.equal(d.operation, 'post_pending');
    assert.equal(d.transfer, r.body.id);
    assert.equal(d.amount, amount(amt));
    assert.equal(d.outcome, 'allow', JSON.stringify(d));
    assert.equal(d.disposition, 'executed');
    assert.deepEqual(fired(d, L.name), [], JSON.stringify(d));
    assert.ok(d.journal_seq > created.journal_seq);
  });

  test('a partial post above the pending amount: 422 post_amount_exceeds_pending, before any decision; still pending', async () => {
    const p = await payerAt(1);
    const r = await pay(p, '100.00', { pending: true });
    assert.equal(r.status, 201, r.text);
    const x = await s.api('POST', `/v1/transfers/${r.body.id}/post`, { body: { amount: '100.01', currency: 'EUR' } });
    expectError(x, 422, 'post_amount_exceeds_pending');
    assert.deepEqual((await decisionsOf(r.body.id)).map((x) => x.operation), ['transfer']);
    const t = await s.api('GET', `/v1/transfers/${r.body.id}`);
    assert.equal(t.body.status, 'pending');
    // A partial post within it goes through (and is decided).
    const ok = await s.api('POST', `/v1/transfers/${r.body.id}/post`, { body: { amount: '40.00', currency: 'EUR' } });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.posted_amount, '40.00');
    assert.equal((await s.balances(p.to)).available, '40.00');
    const all = await decisionsOf(r.body.id);
    assert.deepEqual(all.map((x) => [x.operation, x.amount, x.outcome]), [['transfer', '100.00', 'allow'], ['post_pending', '40.00', 'allow']]);
  });

  test('a pending transfer whose creation is held (202): the client can neither post nor void it (409 transfer_held)', async () => {
    const p = await payerAt(0);
    const r = await pay(p, amount(EUR[0].per_tx + 1), { pending: true });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.status, 'held');
    const d = await decision(r.body.decision);
    assert.ok(d.reasons.includes('kyc_tier_limit'));
    expectError(await s.api('POST', `/v1/transfers/${r.body.id}/post`, {}), 409, 'transfer_held');
    expectError(await s.api('POST', `/v1/transfers/${r.body.id}/void`, {}), 409, 'transfer_held');
    const t = await s.api('GET', `/v1/transfers/${r.body.id}`);
    assert.equal(t.body.status, 'held');
    assert.equal((await s.balances(p.to)).available, '0.00');
    const c = await s.api('GET', `/v1/cases/${d.case}`);
    assert.equal(c.body.status, 'open');
    // No post was decided.
    assert.deepEqual((await decisionsOf(r.body.id)).map((x) => x.operation), ['transfer']);
  });
});

// ---- 3. four-eyes ------------------------------------------------------------------------------

describe('four-eyes on approving a hold', () => {
  test('not the requester, not an app token, not a key the requester created or created after the request; an older unrelated key approves', async () => {
    const older = (await s.createKey('operator')).secret; // unrelated, before the request
    const P = (await s.createKey('admin')).secret; // the requester: an admin key, so it can create keys
    const Q = (await s.createKey('operator', { key: P })).secret; // created by P, before the request
    // An app with risk.write, its own client-credentials token.
    const app = await s.createApp({ scope: 'risk.read risk.write' });
    const appToken = await s.ccToken(app, 'risk.write');
    // P pays: a tier-0 customer above its limit holds.
    const p = await payerAt(0, { key: P });
    const r = await pay(p, amount(EUR[0].per_tx + 1), { key: P });
    assert.equal(r.status, 202, r.text);
    const caseId = (await decision(r.body.decision)).case;
    const c = await s.api('GET', `/v1/cases/${caseId}`);
    assert.equal(c.body.requested_by.type, 'api_key');
    const late = (await s.createKey('operator')).secret; // created after the request

    const approve = (key) => s.api('POST', `/v1/cases/${caseId}/approve`, { key, body: { note: 'checked' } });
    // Each refused for its own reason (the messages of FourEyesRefusalOf).
    for (const [key, why] of [
      [P, /someone other than who asked for it/],
      [appToken, /not an app's own token/],
      [Q, /API key the requester created/],
      [late, /created after the request/],
    ]) {
      const x = await approve(key);
      expectError(x, 403, 'four_eyes_required');
      assert.match(x.body.error.message, why);
    }
    // None of them changed anything.
    assert.equal((await s.api('GET', `/v1/cases/${caseId}`)).body.status, 'open');
    assert.equal((await s.api('GET', `/v1/transfers/${r.body.id}`)).body.status, 'held');
    const a = await approve(older);
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body.status, 'approved');
    assert.equal((await s.api('GET', `/v1/transfers/${r.body.id}`)).body.status, 'posted');
    assert.equal((await s.balances(p.to)).available, amount(EUR[0].per_tx + 1));
  });

  test('a key the requester created may approve what another key asked for (the refusal is about the creator only)', async () => {
    const P = (await s.createKey('admin')).secret;
    const Q = (await s.createKey('operator', { key: P })).secret;
    const R = (await s.createKey('admin')).secret; // another requester
    const p = await payerAt(0, { key: R });
    const r = await pay(p, amount(EUR[0].per_tx + 1), { key: R });
    assert.equal(r.status, 202, r.text);
    const caseId = (await decision(r.body.decision)).case;
    const a = await s.api('POST', `/v1/cases/${caseId}/approve`, { key: Q });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body.status, 'approved');
  });

  test('no key made from the requester approves, however long the chain of keys between them', async () => {
    const R = (await s.createKey('admin')).secret;
    const chain = [R];
    for (let i = 0; i < 66; i++) chain.push((await s.createKey('admin', { key: chain[chain.length - 1] })).secret);
    const p = await payerAt(0, { key: R });
    const r = await pay(p, amount(EUR[0].per_tx + 1), { key: R });
    assert.equal(r.status, 202, r.text);
    const caseId = (await decision(r.body.decision)).case;
    for (const k of [chain[1], chain[2], chain[64], chain[65], chain[66]]) {
      expectError(await s.api('POST', `/v1/cases/${caseId}/approve`, { key: k }), 403, 'four_eyes_required');
    }
    const other = (await s.api('GET', `/v1/cases/${caseId}`)).body;
    assert.equal(other.status, 'open');
  });
});
