#pragma once
// Varied, plausible decision inputs from a seed, for benchmarks (bench/, `corebank bench
// policy`): the tenant's own movements, customers' API-key movements and app payments in
// EUR, USD, GBP and JPY, with features from quiet to suspicious. Deterministic per seed.
#include <cstdint>
#include <vector>

#include "risk/risk_input.h"

namespace cb::risk {

struct SampleDecision {
  RiskInput input;  // views of string literals: valid for the program's life
  FeatureValues features;
};

std::vector<SampleDecision> SampleDecisions(uint64_t seed, size_t count);

}  // namespace cb::risk
