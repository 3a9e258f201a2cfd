// One risk decision with the default policy bundle, in process (issue 14: p99 <= 20 us and
// >= 200k decisions/s on one core). Inputs vary (SampleDecisions): the tenant's own
// movements, customers' API-key movements and app payments, quiet to suspicious.
// `corebank bench policy` prints p50/p99 of the same loop.
#include <benchmark/benchmark.h>

#include "risk/bundle.h"
#include "risk/policy.h"
#include "risk/sample_decisions.h"

namespace {

using namespace cb::risk;

std::unique_ptr<Policy> DefaultPolicy() {
  cb::Result<BundleFiles> files = ReadBundleDir(CB_POLICIES_DIR "/default");
  CB_CHECK(files.ok());
  auto policy = Policy::Compile(*files);
  CB_CHECK(policy.ok());
  return std::move(*policy);
}

void BM_Policy_EvaluateDefault(benchmark::State& state) {
  std::unique_ptr<Policy> policy = DefaultPolicy();
  const std::vector<SampleDecision> inputs = SampleDecisions(1, 4096);
  size_t i = 0, non_allow = 0;
  for (auto _ : state) {
    const SampleDecision& d = inputs[i++ & 4095];
    Verdict v = policy->Evaluate(d.input, d.features);
    non_allow += v.outcome != Outcome::kAllow;
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["non_allow_pct"] =
      100.0 * static_cast<double>(non_allow) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Policy_EvaluateDefault);

// Only app payments of customers: every rule runs (the costliest mix).
void BM_Policy_EvaluateDefaultAppOnly(benchmark::State& state) {
  std::unique_ptr<Policy> policy = DefaultPolicy();
  std::vector<SampleDecision> inputs;
  for (const SampleDecision& d : SampleDecisions(2, 16384)) {
    if (d.input.channel == "app" && d.input.counterparty_type != "own") inputs.push_back(d);
  }
  size_t i = 0;
  for (auto _ : state) {
    const SampleDecision& d = inputs[i++ % inputs.size()];
    benchmark::DoNotOptimize(policy->Evaluate(d.input, d.features));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Policy_EvaluateDefaultAppOnly);

}  // namespace

BENCHMARK_MAIN();
