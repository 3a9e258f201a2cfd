// RFC 6238 TOTP codes (SHA-1, 6 digits, 30 s steps) from the base32 secret that
// POST /v1/users/{id}/totp returns, computed here with node:crypto.
import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';

import { pollUntil } from './util.mjs';

export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.toUpperCase().replace(/=+$/, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const v = alphabet.indexOf(ch);
    assert.ok(v >= 0, `not base32: ${text}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function totpAt(secretBase32, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

// A step is accepted once (later steps only), within ±1 step of now: hand out a fresh step per
// call, waiting (bounded) when the window is used up.
const lastStep = new Map();
export async function nextTotp(secretBase32) {
  const last = lastStep.get(secretBase32) ?? -1;
  const want = Math.max(Math.floor(Date.now() / 1000 / 30), last + 1);
  await pollUntil(() => Math.floor(Date.now() / 1000 / 30) + 1 >= want, {
    timeoutMs: 65000,
    intervalMs: 250,
    what: 'the next TOTP step',
  });
  lastStep.set(secretBase32, want);
  return totpAt(secretBase32, want);
}

