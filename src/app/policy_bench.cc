// `corebank bench policy`: the cost of one risk decision in process (issue 14's target:
// p99 <= 20 us, >= 200k decisions/s on one core), over varied inputs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "app/commands.h"
#include "risk/bundle.h"
#include "risk/policy.h"
#include "risk/sample_decisions.h"

namespace cb::app {

namespace {
// This thread's CPU time: on a shared VM the wall clock also counts time descheduled.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
}  // namespace

int RunPolicyBench(const std::string& bundle_dir, uint64_t decisions, uint64_t seed) {
  using Clock = std::chrono::steady_clock;
  Result<risk::BundleFiles> files = risk::ReadBundleDir(bundle_dir);
  if (!files.ok()) {
    std::fprintf(stderr, "bench policy: %s\n", files.status().message().c_str());
    return 2;
  }
  Result<std::unique_ptr<risk::Policy>> policy = risk::Policy::Compile(*files);
  if (!policy.ok()) {
    std::fprintf(stderr, "bench policy: %s\n", policy.status().message().c_str());
    return 2;
  }
  constexpr size_t kInputsMax = 4096;  // cycled: the inputs stay in cache like a hot shard's
  const std::vector<risk::SampleDecision> inputs =
      risk::SampleDecisions(seed, std::min<uint64_t>(decisions, kInputsMax));
  std::vector<uint32_t> latency_ns(decisions);
  uint64_t non_allow = 0;
  const double cpu_start_s = ThreadCpuSeconds();
  const Clock::time_point start = Clock::now();
  for (uint64_t i = 0; i < decisions; i++) {
    const risk::SampleDecision& d = inputs[i % inputs.size()];
    const Clock::time_point t0 = Clock::now();
    const risk::Verdict v = (*policy)->Evaluate(d.input, d.features);
    const Clock::time_point t1 = Clock::now();
    non_allow += v.outcome != risk::Outcome::kAllow;
    latency_ns[i] = static_cast<uint32_t>(std::min<int64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count(), UINT32_MAX));
  }
  const double total_s = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu_s = ThreadCpuSeconds() - cpu_start_s;
  std::sort(latency_ns.begin(), latency_ns.end());
  auto pct = [&](double q) {
    return latency_ns[std::min<size_t>(latency_ns.size() - 1,
                                       static_cast<size_t>(q * static_cast<double>(decisions)))];
  };
  std::printf(
      "policy bench: bundle=%s decisions=%llu non_allow=%llu p50_us=%.2f p99_us=%.2f "
      "max_us=%.2f per_s=%.0f per_cpu_s=%.0f\n",
      (*policy)->name().c_str(), static_cast<unsigned long long>(decisions),
      static_cast<unsigned long long>(non_allow), pct(0.50) / 1000.0, pct(0.99) / 1000.0,
      latency_ns.back() / 1000.0, static_cast<double>(decisions) / total_s,
      static_cast<double>(decisions) / cpu_s);
  return 0;
}

}  // namespace cb::app
