#pragma once
// What a policy decides on (issue 14): the movement and its actor as the shard saw them
// (RiskInput) and the features the shard computed from history (FeatureValues), and what a
// policy answers (Verdict). Plain values, no state: the policy evaluator (policy.h) reads
// them, the risk service fills them and records the verdict in a journal event.
//
// The names below are the policy language's: limits (limits.toml) match on the RiskInput
// string fields and compare amounts and counts; Lua rules get every field and feature as a
// table entry under exactly these names. Append only: bundles in the journal use them.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cb::risk {

// Ordered by severity: a decision is the most severe outcome any limit or rule asked for.
enum class Outcome : uint8_t { kAllow = 0, kStepUp = 1, kHold = 2, kDeny = 3 };
const char* OutcomeName(Outcome o);  // "allow" | "step_up" | "hold" | "deny"
bool ParseOutcome(std::string_view s, Outcome* out);

// How urgent a monitoring alert is (a [[monitor]] rule's `severity`). Stored in events.
enum class Severity : uint8_t { kLow = 1, kMedium = 2, kHigh = 3 };
const char* SeverityName(Severity s);  // "low" | "medium" | "high"
bool ParseSeverity(std::string_view s, Severity* out);

// String fields hold short lower-case codes (values listed); "" = unknown / not applicable.
struct RiskInput {
  std::string_view operation;          // "transfer" | "batch_item" | "post_pending" | "payment"
  std::string_view channel;            // "api" (API key) | "app" (OAuth token) | "batch"
  std::string_view role;               // "admin" | "operator" | "read_only" (key); "user"; "app"
  std::string_view customer_type;      // payer's customer: "individual" | "business" | "none"
  std::string_view country;            // payer customer's ISO 3166-1 alpha-2, lower case
  std::string_view counterparty_type;  // "own" (same customer) | "customer" | "internal" |
                                       // "external" (payments, later)
  std::string_view counterparty_country;
  std::string_view device_trust;  // "trusted" | "new" | "unknown"
  // The sanctions screening of the movement's customers: "" (clear or unscreened) |
  // "review" (a possible match an analyst looks at) | "match" (held: sanctions_match).
  std::string_view screening;
  std::string_view currency;      // ISO 4217, upper case ("EUR")
  uint8_t currency_exponent = 2;  // minor units per major unit = 10^exponent
  uint8_t kyc_tier = 0;           // payer customer's tier 0..3; 0 without a customer
  uint8_t acr = 0;                // 0 none (API key) | 1 password | 2 mfa (kAcrMfa)
  int64_t amount_minor = 0;       // > 0
};

// The acr at which a step_up is already satisfied (policy.h: such an answer becomes allow).
constexpr uint8_t kAcrMfa = 2;

// Computed on the shard before the decision, deterministic (batch clock only), bounded
// memory per account/customer (features.h documents it). Values are integers; -1 = unknown.
// For an account without a customer the risk service sets the customer_* features equal
// to the account_* ones (limits on "the customer's" daily and monthly totals then apply to
// the account alone).
enum class Feature : uint8_t {
  kCustomerCount1h = 0,  // payer customer's executed outgoing movements in this currency
  kCustomerSum1h,        // ... their sum in minor units (and so on for 24 h and 30 d)
  kCustomerCount24h,
  kCustomerSum24h,
  kCustomerCount30d,
  kCustomerSum30d,
  kAccountCount1h,  // payer account's outgoing movements
  kAccountSum1h,
  kAccountCount24h,
  kAccountSum24h,
  kAccountCount30d,
  kAccountSum30d,
  kInboundCount24h,  // money the payer account received in the last 24 h (rapid in-and-out)
  kInboundSum24h,
  kPayeeInboundCount24h,  // payments the payee account received (fan-in)
  kPayeeInboundSum24h,
  kPayeesDistinct24h,      // distinct payees of the payer account (fan-out), capped
  kPayersDistinct24h,      // distinct payers into the payee account (fan-in), capped
  kFirstSeenCounterparty,  // 1 if the payer account has not paid this payee before
  kAccountAgeDays,         // payer account
  kPayeeAccountAgeDays,    // payee account
  kDaysSinceLastActivity,  // payer account's last movement either way; -1 never
  kAmountZscoreMilli,      // robust z-score x1000 vs the customer's recent amounts; 0 if few
  kHourOfDay,              // 0..23 UTC on the batch clock
  kDeviceAgeDays,          // -1 unknown
  kCount,
};
constexpr size_t kFeatureCount = static_cast<size_t>(Feature::kCount);
// "customer_count_1h", ... exactly the enum's names in snake case (risk_input.cc).
std::string_view FeatureName(Feature f);
bool ParseFeature(std::string_view name, Feature* out);

struct FeatureValues {
  std::array<int64_t, kFeatureCount> v{};
  int64_t get(Feature f) const { return v[static_cast<size_t>(f)]; }
  void set(Feature f, int64_t x) { v[static_cast<size_t>(f)] = x; }
};

// A policy's answer. Reasons are stable snake_case codes (the API shows them); rules_fired
// names the limits and rules that asked for more than allow; features_read the features
// those limits and rules read (recorded with their values in the decision).
struct Verdict {
  Outcome outcome = Outcome::kAllow;
  int32_t score = 0;  // 0..1000, the sum of the fired rules' declared scores, capped
  std::vector<std::string> reasons;
  std::vector<std::string> rules_fired;
  std::vector<Feature> features_read;
  // A rule failed (budget, memory, runtime error): its name and the error, and the outcome
  // fell back to the bundle's declared default for rule errors.
  std::vector<std::string> rule_errors;
};

}  // namespace cb::risk
