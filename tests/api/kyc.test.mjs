// The kyc module (src/modules/kyc, ADR 0018) through the real binary: KYC verifications with
// the MRZ vectors of testdata/identity-docs, KYB ownership graphs screened against the OFAC
// subset the test servers load (testdata/sanctions/ofac_tiny), tenant isolation, limits, and
// a restart rebuilding both from the journal. Every answer is validated against
// api/openapi.yaml by lib.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO, expectError, idemKey, startServer } from './lib.mjs';

const VECTORS = JSON.parse(readFileSync(join(REPO, 'testdata', 'identity-docs', 'mrz_test_vectors.json'), 'utf8'));
function vector(name) {
  const v = VECTORS.mrz_cases.find((c) => c.name === name);
  assert.ok(v, `vector ${name}`);
  return v.mrz.join('\n');
}
const PORTUGUESE_ID = vector('Portuguese ID - valid'); // CACADOR DE ARAUJO, expires 2034
const BAD_BIRTH_DIGIT = vector('Belgium ID BEL-BO-03003, with wrong birth date check digit');

let s;
before(async () => {
  s = await startServer();
});
after(async () => s && (await s.stop()));

const verify = (customer, body, opts = {}) => s.api('POST', `/v1/customers/${customer}/verifications`, { body, ...opts });
const putOwnership = (customer, body, opts = {}) =>
  s.api('PUT', `/v1/customers/${customer}/ownership`, { body, ...opts });

// Acme <- 100% h1 <- 60% h2 <- 50% Pat, three levels; h1 <-> h3 a cycle (h1 holds 20% of
// h3, h3 40% of h1), and Daniel Moreno (on the OFAC list) holds 80% of h3.
function graph(root) {
  return {
    parties: [
      { ref: 'h1', type: 'company', name: 'Holding One Ltd' },
      { ref: 'h2', type: 'company', name: 'Holding Two Ltd' },
      { ref: 'h3', type: 'company', name: 'Holding Three Ltd' },
      { ref: 'pat', type: 'person', name: 'Patricia Example', date_of_birth: '1980-01-02', country: 'GB' },
      { ref: 'dan', type: 'person', name: 'Daniel Moreno', date_of_birth: '1972-10-12' },
      { ref: 'dee', type: 'person', name: 'Dee Director' },
    ],
    holdings: [
      { owner: 'h1', owned: root, share_percent: '100' },
      { owner: 'h2', owned: 'h1', share_percent: '60' },
      { owner: 'h3', owned: 'h1', share_percent: '40' },
      { owner: 'pat', owned: 'h2', share_percent: '50' },
      { owner: 'h1', owned: 'h3', share_percent: '20' },
      { owner: 'dan', owned: 'h3', share_percent: '80' },
    ],
    directors: ['dee'],
  };
}

describe('KYC verifications', () => {
  test('a valid document, a clear screen and a proven address verify and raise the tier to 3', async () => {
    const c = await s.createCustomer({ name: 'Andre Cacador de Araujo' });
    assert.equal(c.kyc_tier, 0);
    const key = idemKey();
    const body = {
      document: { mrz: PORTUGUESE_ID },
      address: { line1: '1 Rua Augusta', city: 'Lisboa', postal_code: '1100-053', country: 'PT', proof_ref: 'bill-2025-11' },
    };
    const r = await verify(c.id, body, { idem: key });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.object, 'verification');
    assert.match(r.body.id, /^ver_/);
    assert.equal(r.body.status, 'verified', r.text);
    assert.equal(r.body.kyc_tier, 3);
    assert.equal(r.body.customer_kyc_tier, 3);
    assert.deepEqual(r.body.checks.map((x) => [x.name, x.result]), [
      ['identity_data', 'passed'], ['document', 'passed'], ['address', 'passed'], ['screening', 'passed'],
    ]);
    assert.equal(r.body.screening.result, 'clear');
    assert.equal(r.body.document_format, 'TD1');
    // The platform's customer carries the tier the risk policy reads.
    const got = await s.api('GET', `/v1/customers/${c.id}`);
    assert.equal(got.body.kyc_tier, 3);
    // A replay of the key answers the same bytes and verifies nothing twice.
    const replay = await verify(c.id, body, { idem: key });
    assert.equal(replay.text, r.text);
    const list = await s.api('GET', `/v1/customers/${c.id}/verifications`);
    assert.equal(list.body.data.length, 1);
    assert.deepEqual((await s.api('GET', `/v1/verifications/${r.body.id}`)).body, r.body);
  });

  test('a wrong check digit is rejected with its reason, and the tier stays', async () => {
    const c = await s.createCustomer({ name: 'Ulrike Reinartz' });
    const r = await verify(c.id, { document: { mrz: BAD_BIRTH_DIGIT } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.status, 'rejected');
    assert.equal(r.body.kyc_tier, 0);
    const doc = r.body.checks.find((x) => x.name === 'document');
    assert.deepEqual(doc, { name: 'document', result: 'failed', reason_code: 'document_check_digit_mismatch' });
    assert.ok(r.body.reason_codes.includes('document_check_digit_mismatch'));
    assert.equal((await s.api('GET', `/v1/customers/${c.id}`)).body.kyc_tier, 0);
  });

  test('the sandbox provider lets the test data choose the outcome', async () => {
    const c = await s.createCustomer({ name: 'Rita Review-Smith' });
    // Last name (the document does not match): REVIEW-SMITH starts with REVIEW.
    const r = await verify(c.id, { date_of_birth: '1990-05-05', nationality: 'GB' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.status, 'review');
    assert.ok(r.body.reason_codes.includes('sandbox_forced_review'));
    const down = await s.createCustomer({ name: 'Una Unavailable' });
    expectError(await verify(down.id, { date_of_birth: '1990-05-05' }), 503, 'provider_unavailable');
    assert.equal((await s.api('GET', `/v1/customers/${down.id}/verifications`)).body.data.length, 0);
  });

  test('a customer on the sanctions list is not verified', async () => {
    const c = await s.createCustomer({ name: 'Daniel Moreno' });
    const r = await verify(c.id, { date_of_birth: '1972-10-12' });
    assert.equal(r.status, 201, r.text);
    assert.notEqual(r.body.status, 'verified');
    assert.ok(r.body.screening.hits.some((h) => h.entry_id === '15102'), r.text);
    assert.equal((await s.api('GET', `/v1/customers/${c.id}`)).body.kyc_tier, 0);
  });

  test("another tenant's customer and verification are not found; a business is not verified", async () => {
    const c = await s.createCustomer({ name: 'Andre Cacador de Araujo' });
    const v = await verify(c.id, { document: { mrz: PORTUGUESE_ID } });
    assert.equal(v.status, 201, v.text);
    const other = (await s.createTenant('kyc-other')).admin_api_key.secret;
    expectError(await verify(c.id, { document: { mrz: PORTUGUESE_ID } }, { key: other }), 404, 'customer_not_found');
    expectError(await s.api('GET', `/v1/verifications/${v.body.id}`, { key: other }), 404, 'resource_not_found');
    expectError(await s.api('GET', `/v1/customers/${c.id}/verifications`, { key: other }), 404, 'customer_not_found');
    const biz = await s.createCustomer({ type: 'business', name: 'Acme Ltd' });
    expectError(await verify(biz.id, { document: { mrz: PORTUGUESE_ID } }), 422, 'customer_type_mismatch');
    const ro = await s.createKey('read_only');
    expectError(await verify(c.id, {}, { key: ro.secret }), 403, 'insufficient_permissions');
    assert.equal((await s.api('GET', `/v1/customers/${c.id}/verifications`, { key: ro.secret })).status, 200);
  });

  test("a production tenant's customer is not verified by the sandbox provider", async () => {
    // The sandbox provider's answers are chosen by test data: on real money it would let
    // anyone with an operator key mint tier-3 customers.
    const prod = await s.createTenant('kyc-production', false);
    const key = prod.admin_api_key.secret;
    const c = await s.createCustomer({ name: 'Andre Cacador de Araujo' }, { key });
    const r = await verify(c.id, { document: { mrz: PORTUGUESE_ID }, address: { line1: '1 Rua Augusta', city: 'Lisboa', postal_code: '1100-053', country: 'PT', proof_ref: 'bill' } }, { key });
    expectError(r, 503, 'provider_unavailable');
    assert.equal((await s.api('GET', `/v1/customers/${c.id}`, { key })).body.kyc_tier, 0);
    const list = await s.api('GET', `/v1/customers/${c.id}/verifications`, { key });
    assert.deepEqual(list.body.data, []);
  });

  test('malformed and oversized input is refused and changes nothing', async () => {
    const c = await s.createCustomer({ name: 'Andre Cacador de Araujo' });
    expectError(await verify(c.id, { document: { mrz: 'P'.repeat(139) } }), 400, 'string_too_long', 'document.mrz');
    expectError(await verify(c.id, { document: { mrz: 'A\nB\nC\nD' } }), 400, 'parameter_invalid', 'document.mrz');
    expectError(await verify(c.id, { document: { mrz: 'X'.repeat(45) } }), 400, 'parameter_invalid', 'document.mrz');
    expectError(await verify(c.id, { date_of_birth: '1990-02-30' }), 400, 'parameter_invalid', 'date_of_birth');
    expectError(await verify(c.id, { address: { line1: 'x', city: 'y', country: 'GBR' } }), 400, 'parameter_invalid', 'address.country');
    expectError(await verify(c.id, { nope: 1 }), 400, 'unknown_field', 'nope');
    expectError(await verify(c.id, 'not json'), 400, 'invalid_json');
    // A declared length past the 4 MiB body limit is refused before the body is read.
    const raw = await s.rawRequest(
      `POST /v1/customers/${c.id}/verifications HTTP/1.1\r\nHost: x\r\n` +
        `Authorization: Bearer ${s.adminKey}\r\nIdempotency-Key: ${idemKey()}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${4 * 1024 * 1024 + 1}\r\n\r\n`,
    );
    assert.equal(raw.status, 413, raw.text);
    assert.equal(JSON.parse(raw.text).error.code, 'body_too_large');
    expectError(await s.api('GET', `/v1/customers/${c.id}/verifications?limit=101`), 400, 'limit_invalid');
    const list = await s.api('GET', `/v1/customers/${c.id}/verifications`);
    assert.deepEqual(list.body.data, []);
  });

  test('pages of at most `limit`, continued by the cursor', async () => {
    const c = await s.createCustomer({ name: 'Pat Pager' });
    for (let i = 0; i < 3; i++) assert.equal((await verify(c.id, { date_of_birth: '1990-01-01' })).status, 201);
    const p1 = await s.api('GET', `/v1/customers/${c.id}/verifications?limit=2`);
    assert.equal(p1.body.data.length, 2);
    assert.equal(p1.body.has_more, true);
    const p2 = await s.api('GET', `/v1/customers/${c.id}/verifications?limit=2&cursor=${p1.body.next_cursor}`);
    assert.equal(p2.body.data.length, 1);
    assert.equal(p2.body.has_more, false);
    assert.equal(new Set([...p1.body.data, ...p2.body.data].map((v) => v.id)).size, 3);
  });
});

describe('KYB ownership', () => {
  test('UBOs through a three-level chain and a cycle, each screened; a listed UBO puts it in review', async () => {
    const biz = await s.createCustomer({ type: 'business', name: 'Acme Holdings Ltd' });
    const r = await putOwnership(biz.id, graph(biz.id));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.object, 'ownership');
    assert.equal(r.body.version, 1);
    // Pat: 50% x 60% of h1, and h1 owns itself again through the h3 cycle (gain 20% x 40%):
    // 30% / 0.92; Dan: 80% x 40% / 0.92. Both at least 25%, multiplied and summed exactly.
    const ubos = Object.fromEntries(r.body.ubos.map((u) => [u.ref, u]));
    assert.deepEqual(Object.keys(ubos).sort(), ['dan', 'pat']);
    assert.equal(ubos.pat.effective_percent, '32.6086');
    assert.equal(ubos.dan.effective_percent, '34.7826');
    assert.notEqual(ubos.dan.screening.result, 'clear');
    assert.ok(ubos.dan.screening.hits.some((h) => h.entry_id === '15102' && h.list.includes('ofac')), r.text);
    assert.equal(ubos.pat.screening.result, 'clear');
    assert.deepEqual(r.body.screened_directors.map((d) => d.ref), ['dee']);
    assert.equal(r.body.status, 'review');
    assert.deepEqual(r.body.reason_codes, ['screening_hit']);
    assert.deepEqual((await s.api('GET', `/v1/customers/${biz.id}/ownership`)).body, r.body);
    const events = await s.api('GET', '/v1/events?limit=100');
    assert.ok(events.body.data.some((e) => e.type === 'ownership.updated' && e.data.customer === biz.id));
  });

  test('a cycle that never settles, and a graph the rules refuse, are 422 and change nothing', async () => {
    const biz = await s.createCustomer({ type: 'business', name: 'Loop Ltd' });
    const ok = await putOwnership(biz.id, { parties: [{ ref: 'p', type: 'person', name: 'Olga Owner' }], holdings: [{ owner: 'p', owned: biz.id, share_percent: '100' }] });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.status, 'clear');
    const loop = {
      parties: [{ ref: 'x', type: 'company', name: 'X Ltd' }],
      holdings: [{ owner: 'x', owned: biz.id, share_percent: '100' }, { owner: biz.id, owned: 'x', share_percent: '100' }],
    };
    expectError(await putOwnership(biz.id, loop), 422, 'ownership_cycle_unresolved');
    const personOwned = {
      parties: [{ ref: 'a', type: 'person', name: 'A' }, { ref: 'b', type: 'person', name: 'B' }],
      holdings: [{ owner: 'a', owned: 'b', share_percent: '10' }],
    };
    expectError(await putOwnership(biz.id, personOwned), 422, 'ownership_invalid');
    const got = await s.api('GET', `/v1/customers/${biz.id}/ownership`);
    assert.equal(got.body.version, 1);
    assert.deepEqual(got.body.ubos.map((u) => [u.ref, u.effective_percent]), [['p', '100.0000']]);
  });

  test('an individual has no ownership graph; limits and shapes are checked at the edge', async () => {
    const person = await s.createCustomer({ name: 'Ivy Individual' });
    expectError(await putOwnership(person.id, { parties: [] }), 422, 'customer_type_mismatch');
    const biz = await s.createCustomer({ type: 'business', name: 'Shape Ltd' });
    const many = { parties: Array.from({ length: 101 }, (_, i) => ({ ref: `p${i}`, type: 'person', name: `P ${i}` })) };
    expectError(await putOwnership(biz.id, many), 400, 'parameter_invalid', 'parties');
    const fifth = { parties: [{ ref: 'p', type: 'person', name: 'P' }], holdings: [{ owner: 'p', owned: biz.id, share_percent: '33.33333' }] };
    expectError(await putOwnership(biz.id, fifth), 400, 'parameter_invalid', 'holdings[0].share_percent');
    const float = { parties: [{ ref: 'p', type: 'person', name: 'P' }], holdings: [{ owner: 'p', owned: biz.id, share_percent: 33.3 }] };
    expectError(await putOwnership(biz.id, float), 400, 'parameter_invalid', 'holdings[0].share_percent');
    expectError(await putOwnership(biz.id, { parties: [{ ref: 'bad ref', type: 'person', name: 'P' }] }), 400, 'parameter_invalid', 'parties[0].ref');
    expectError(await putOwnership(biz.id, { parties: [] }, { idem: null }), 400, 'idempotency_key_missing');
    expectError(await s.api('GET', `/v1/customers/${biz.id}/ownership`), 404, 'resource_not_found');
    const other = (await s.createTenant('kyb-other')).admin_api_key.secret;
    expectError(await putOwnership(biz.id, { parties: [] }, { key: other }), 404, 'customer_not_found');
  });
});

describe('replay', () => {
  test('verifications, tiers and ownership survive kill -9 and a restart', async () => {
    const c = await s.createCustomer({ name: 'Andre Cacador de Araujo' });
    const v = await verify(c.id, { document: { mrz: PORTUGUESE_ID } });
    assert.equal(v.status, 201, v.text);
    assert.equal(v.body.kyc_tier, 2); // no proven address: tier 2
    const biz = await s.createCustomer({ type: 'business', name: 'Restart Ltd' });
    const o = await putOwnership(biz.id, graph(biz.id));
    assert.equal(o.status, 200, o.text);
    await s.crashAndRestart();
    assert.deepEqual((await s.api('GET', `/v1/verifications/${v.body.id}`)).body, v.body);
    assert.equal((await s.api('GET', `/v1/customers/${c.id}`)).body.kyc_tier, 2);
    assert.deepEqual((await s.api('GET', `/v1/customers/${biz.id}/ownership`)).body, o.body);
    const list = await s.api('GET', `/v1/customers/${c.id}/verifications`);
    assert.deepEqual(list.body.data, [v.body]);
  });
});
