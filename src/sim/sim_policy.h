#pragma once
// The risk policy bundles the simulator decides with (issue 14): the default bundle `serve`
// activates (policies/default, compiled in), and a small bundle of its own whose outcomes
// the amount chooses, so that allow, step-up (a hold for API keys), hold and deny all occur,
// with a short hold time-out so that holds also time out within a run.
#include <cstdint>

#include "risk/policy_slot.h"

namespace cb::sim {

// Above these amounts (minor units of EUR and USD; JPY has no minor unit, the same numbers
// are whole yen) the sim bundle steps up, holds or denies.
constexpr int64_t kSimStepUpAboveMinor = 2000;
constexpr int64_t kSimHoldAboveMinor = 3000;
constexpr int64_t kSimDenyAboveMinor = 4500;
// The sim bundle's version: above the default bundle's, so it may follow it.
constexpr uint32_t kSimPolicyVersion = 2;

risk::Files DefaultPolicy();
risk::Files SimPolicy(uint64_t hold_timeout_s);

}  // namespace cb::sim
