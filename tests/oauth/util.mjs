// Small helpers shared by the harness modules.
import assert from 'node:assert/strict';

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Polls `fn` until it returns a truthy value or the deadline passes (then fails with `what`).
export async function pollUntil(fn, { timeoutMs = 10000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
