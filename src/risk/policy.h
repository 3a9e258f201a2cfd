#pragma once
// A compiled policy bundle (docs/policy-bundles.md): limits from limits.toml, Lua rules
// from rules/*.lua, the manifest's lists, thresholds and fallback. Compile() works from the
// bundle's bytes alone (the activation event journals them); Evaluate() is deterministic:
// the same bundle, input and features give a byte-identical Verdict on any server.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"
#include "risk/bundle.h"
#include "risk/policy_spec.h"
#include "risk/risk_input.h"

namespace cb::risk {

class LuaSandbox;

// One rule's own answer (policy tests): outcome and reason code, or the error that stopped it.
struct RuleAnswer {
  Outcome outcome = Outcome::kAllow;
  std::string reason;  // "" for allow
  std::string error;   // non-empty: the rule failed (budget, memory, runtime, bad answer)
  bool alert = false;  // a [[monitor]] rule raised an alert (reason says why)
};

// One alert a [[monitor]] rule raised on a committed movement.
struct MonitorHit {
  std::string rule, reason;  // reason "rule_error" when the rule failed (error says how)
  std::string error;
  Severity severity = Severity::kMedium;
  bool payee_subject = false;   // against the payee's customer, not the payer's
  size_t index = 0;             // the monitor's place among the manifest's rules
  uint64_t repeat_after_s = 0;  // RuleSpec::repeat_after_s
};

class Policy {
 public:
  // InvalidArgument (ResourceExhausted for a bundle over its size limits) naming the file,
  // and the line where TOML or Lua gives one.
  static Result<std::unique_ptr<Policy>> Compile(const BundleFiles& bundle);
  ~Policy();
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  // The decision: the most severe outcome of every matching limit that is exceeded and
  // every rule that asks for more than allow. Never fails: a rule that errors is recorded
  // in rule_errors and counts as the manifest's on_rule_error. Not thread-safe (one Lua
  // state): the shard's writer owns a Policy.
  Verdict Evaluate(const RiskInput& in, const FeatureValues& features);

  // Every [[monitor]] rule whose `when` matches, on a movement that committed: the alerts
  // they raise, in manifest order. A rule that fails raises a "rule_error" alert (a
  // monitor that cannot run must be seen, not silently skipped). Not thread-safe.
  std::vector<MonitorHit> Monitor(const RiskInput& in, const FeatureValues& features);
  bool has_monitors() const;

  // Rule `index` (manifest order) alone: allow when its `when` does not match.
  RuleAnswer EvaluateRule(size_t index, const RiskInput& in, const FeatureValues& features);

  const std::string& name() const { return manifest_.name; }
  int64_t version() const { return manifest_.version; }
  const std::string& description() const { return manifest_.description; }
  uint64_t hold_timeout_s() const { return manifest_.hold_timeout_s; }
  const Hash256& hash() const { return hash_; }  // BundleHash of the compiled files
  std::span<const RuleSpec> rules() const { return manifest_.rules; }
  std::span<const LimitSpec> limits() const { return limits_; }
  // rules/<rule>.test.toml (a rule alone) then tests/*.test.toml (whole verdicts).
  std::span<const TestCase> test_cases() const { return test_cases_; }

 private:
  Policy() = default;
  Status CompileRules(const BundleFiles& bundle);
  Status CompileTests(const BundleFiles& bundle);
  void FillInput(const RiskInput& in, const FeatureValues& features);
  RuleAnswer CallRule(size_t index);

  ManifestSpec manifest_;
  std::vector<LimitSpec> limits_;
  std::vector<TestCase> test_cases_;
  std::vector<int> rule_refs_;  // LuaSandbox function refs, by rule index
  std::unique_ptr<LuaSandbox> lua_;
  Hash256 hash_{};
};

}  // namespace cb::risk
