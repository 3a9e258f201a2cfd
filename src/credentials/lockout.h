#pragma once
// Login back-off as a pure function of (state, now): the identity service's writer applies
// it when a login attempt's outcome arrives, and replay recomputes the same state.
//
// Callers check IsLocked before verifying a password; a locked attempt is refused without a
// verify and without AfterFailure. Every failure that does reach AfterFailure counts, also
// one that raced a lockout (verified before it, decided after): those only bring the next
// lockout closer. After kLockoutFailuresMax failures in a row the account locks and the
// count starts again, so each further lockout takes another kLockoutFailuresMax failures
// and lasts twice as long as the last, up to kLockoutDurationMaxNs. An attacker gets 5
// guesses per lockout period; the user is never locked for more than a day.
#include <cstdint>

#include "base/check.h"

namespace cb::credentials {

inline constexpr uint32_t kLockoutFailuresMax = 5;
inline constexpr uint64_t kLockoutDurationFirstNs = 15ull * 60 * 1'000'000'000;
inline constexpr uint64_t kLockoutDurationMaxNs = 24ull * 3600 * 1'000'000'000;

struct LockoutState {
  uint32_t failures_in_row = 0;  // Since the last success or lockout.
  uint32_t lockouts = 0;         // Since the last success.
  uint64_t locked_until_ns = 0;  // Locked while now_ns < locked_until_ns.
};

inline bool IsLocked(const LockoutState& state, uint64_t now_ns) {
  return now_ns < state.locked_until_ns;
}

// Duration of the n-th lockout (n >= 1): 15 min, 30 min, 1 h, ... capped at 24 h.
inline uint64_t LockoutDurationNs(uint32_t lockout_number) {
  CB_CHECK(lockout_number >= 1);
  uint64_t duration_ns = kLockoutDurationFirstNs;
  // Bounded: doubling from 15 min passes 24 h within 7 steps.
  for (uint32_t i = 1; i < lockout_number && duration_ns < kLockoutDurationMaxNs; i++) {
    duration_ns *= 2;
  }
  return duration_ns < kLockoutDurationMaxNs ? duration_ns : kLockoutDurationMaxNs;
}

inline LockoutState AfterFailure(LockoutState state, uint64_t now_ns) {
  CB_CHECK(state.failures_in_row < kLockoutFailuresMax);  // Reset when it reached the max.
  state.failures_in_row++;
  if (state.failures_in_row < kLockoutFailuresMax) return state;
  state.failures_in_row = 0;
  if (state.lockouts < UINT32_MAX) state.lockouts++;
  const uint64_t until_ns = now_ns + LockoutDurationNs(state.lockouts);
  CB_CHECK(until_ns > now_ns);  // Wall-clock nanoseconds overflow uint64 in year 2554.
  // A lockout decided while still locked (raced attempts) never shortens the current one.
  if (until_ns > state.locked_until_ns) state.locked_until_ns = until_ns;
  return state;
}

// A success forgets everything, including how many lockouts there were: the owner has
// proven the password, so the next attacker starts again from 15 minutes.
inline LockoutState AfterSuccess(LockoutState /*state*/) { return LockoutState{}; }

}  // namespace cb::credentials
