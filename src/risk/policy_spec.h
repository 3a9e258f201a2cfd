#pragma once
// A bundle's declarations, parsed from its TOML files (docs/policy-bundles.md): the
// manifest (rules, lists, thresholds), the limits and the test cases. Plain values;
// policy.cc compiles them. toml11 stays inside policy_spec.cc (it throws: every parse
// catches at the call and returns InvalidArgument naming the file and line).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "risk/risk_input.h"

namespace cb::risk {

constexpr size_t kRulesMax = 64;
constexpr size_t kLimitsMax = 256;
constexpr size_t kListsMax = 16;
constexpr size_t kListEntriesMax = 512;
constexpr size_t kTestCasesMax = 1024;  // over the whole bundle
constexpr size_t kNameBytesMax = 64;    // rule, limit, list, reason code
constexpr int32_t kScoreMax = 1000;
constexpr uint64_t kRuleInstructionsMax = 10'000'000;  // caps on the manifest's [lua]
constexpr size_t kRuleMemoryBytesMax = 64u << 20;

// Which movements a limit or a rule applies to: every listed field must match one of its
// values; an empty list matches anything.
struct Selector {
  std::vector<uint8_t> kyc_tier;
  std::vector<std::string> operation, role, customer_type, country, currency, channel, device_trust,
      counterparty_type;
  bool Matches(const RiskInput& in) const;
};

struct RuleSpec {
  std::string name;
  std::string file;      // "rules/x.lua"
  std::string function;  // defined by the file; default: the rule's name
  std::vector<Feature> reads;
  int32_t score = 0;  // added when the rule answers more than allow
  Selector when;
  // A [[monitor]] rule: never decides; after the movement committed it may raise an alert
  // ("alert:<reason>") against the payer's (or the payee's) customer.
  bool monitor = false;
  Severity severity = Severity::kMedium;
  bool payee_subject = false;
  // A [[monitor]]'s quiet time: after it alerted about a customer, it raises no alert about
  // that customer again for this long (0: every movement that matches is an alert).
  uint64_t repeat_after_s = 0;
};

constexpr uint64_t kHoldTimeoutSMax = 30 * 86'400;  // a hold never reserves money longer

struct ManifestSpec {
  std::string name;
  int64_t version = 0;
  std::string description;
  Outcome on_rule_error = Outcome::kHold;
  bool step_up_satisfied_by_mfa = true;
  // How long a held movement waits for an analyst before it is voided; 0 = the server's
  // default (72 h).
  uint64_t hold_timeout_s = 0;
  // [score]: a score at or above a threshold escalates the outcome to at least that one.
  std::optional<int32_t> step_up_at, hold_at, deny_at;
  uint64_t rule_instructions_max = 200'000;
  size_t rule_memory_bytes_max = 8u << 20;
  std::vector<std::pair<std::string, std::vector<std::string>>> lists;  // name order
  std::vector<RuleSpec> rules;                                          // manifest order
};

struct LimitSpec {
  std::string name;
  std::string reason;
  Outcome action = Outcome::kHold;
  std::string currency;  // the limit applies to movements in this currency only
  Selector when;         // when.currency == {currency}
  // Minor units of `currency` (exact) and counts; unset = no limit on that window.
  std::optional<int64_t> per_transaction_minor, daily_amount_minor, monthly_amount_minor;
  std::optional<int64_t> daily_count, monthly_count;
};

// A RiskInput that owns its strings (test cases).
struct OwnedRiskInput {
  std::string operation, channel, role, customer_type, country, counterparty_type,
      counterparty_country, device_trust, currency;
  uint8_t currency_exponent = 2;
  uint8_t kyc_tier = 0;
  uint8_t acr = 0;
  int64_t amount_minor = 0;
  RiskInput View() const;
};

struct TestCase {
  std::string file;  // where it is declared
  std::string name;
  std::string rule;  // empty: the whole policy's verdict
  OwnedRiskInput input;
  FeatureValues features;
  Outcome outcome = Outcome::kAllow;
  std::vector<std::string> reasons;  // exactly these, in this order
  bool alert = false;                // a [[monitor]] rule's case: expects an alert
};

// `path` names the file in errors.
Result<ManifestSpec> ParseManifest(std::string_view path, std::string_view text);
Result<std::vector<LimitSpec>> ParseLimits(std::string_view path, std::string_view text);
// `rule`: the rule the file tests ("" for whole-policy cases); `monitor_rule`: it is a
// [[monitor]] (its cases expect "alert" or "allow").
Result<std::vector<TestCase>> ParseTestFile(std::string_view path, std::string_view text,
                                            std::string_view rule, bool monitor_rule = false);

// "snake_case" codes: [a-z][a-z0-9_]*, at most kNameBytesMax bytes.
bool IsCode(std::string_view s);

}  // namespace cb::risk
