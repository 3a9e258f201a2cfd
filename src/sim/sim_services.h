#pragma once
// What the simulated shard runs: exactly the services `serve` runs (app::PlatformStack:
// platform, identity and every registered module, so a new one is simulated without a
// change here), plus the kernel's test service (timers and a subscriber's notes, ADR 0012).
// The live shard and each from-scratch replay get one each.
#include "app/platform_stack.h"
#include "runtime/test_tick_service.h"

namespace cb::sim {

// The test service's events sit above every service's and module's range (modules are
// checked against each other, not against it).
constexpr uint16_t kSimTickEventFirst = 0xFF00;
constexpr uint16_t kSimTickEventLast = 0xFF09;

// One per thread: the live shard and every replay of a run (and the runs after it) share the
// compiled policy bundles (risk::PolicyCache).
inline risk::PolicyCache* SimPolicyCache() {
  thread_local risk::PolicyCache cache;
  return &cache;
}

struct SimServices {
  SimServices()
      : tick(kSimTickEventFirst),
        stack({}, {}, risk::RiskOptions{.policy_cache = SimPolicyCache(), .decisions_reserved = 0}) {
    stack.services.Add(runtime::testing::kTickServiceId, &tick, kSimTickEventFirst,
                       kSimTickEventLast);
  }
  SimServices(const SimServices&) = delete;
  SimServices& operator=(const SimServices&) = delete;

  runtime::ServiceSet& set() { return stack.services; }
  const runtime::ServiceSet& set() const { return stack.services; }

  runtime::testing::TickService tick;
  app::PlatformStack stack;  // destroyed first: its ServiceSet points at `tick`
};

}  // namespace cb::sim
