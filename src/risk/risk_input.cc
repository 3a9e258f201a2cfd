#include "risk/risk_input.h"

namespace cb::risk {

namespace {

constexpr std::array<std::string_view, kFeatureCount> kFeatureNames = {
    "customer_count_1h",        "customer_sum_1h",     "customer_count_24h",
    "customer_sum_24h",         "customer_count_30d",  "customer_sum_30d",
    "account_count_1h",         "account_sum_1h",      "account_count_24h",
    "account_sum_24h",          "account_count_30d",   "account_sum_30d",
    "inbound_count_24h",        "inbound_sum_24h",     "payee_inbound_count_24h",
    "payee_inbound_sum_24h",    "payees_distinct_24h", "payers_distinct_24h",
    "first_seen_counterparty",  "account_age_days",    "payee_account_age_days",
    "days_since_last_activity", "amount_zscore_milli", "hour_of_day",
    "device_age_days",
};

constexpr std::array<const char*, 4> kOutcomeNames = {"allow", "step_up", "hold", "deny"};

}  // namespace

const char* OutcomeName(Outcome o) { return kOutcomeNames[static_cast<size_t>(o)]; }

bool ParseOutcome(std::string_view s, Outcome* out) {
  for (size_t i = 0; i < kOutcomeNames.size(); i++) {
    if (s == kOutcomeNames[i]) {
      *out = static_cast<Outcome>(i);
      return true;
    }
  }
  return false;
}

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
  }
  return "unknown";
}

bool ParseSeverity(std::string_view s, Severity* out) {
  for (Severity v : {Severity::kLow, Severity::kMedium, Severity::kHigh}) {
    if (s == SeverityName(v)) {
      *out = v;
      return true;
    }
  }
  return false;
}

std::string_view FeatureName(Feature f) { return kFeatureNames[static_cast<size_t>(f)]; }

bool ParseFeature(std::string_view name, Feature* out) {
  for (size_t i = 0; i < kFeatureCount; i++) {
    if (name == kFeatureNames[i]) {
      *out = static_cast<Feature>(i);
      return true;
    }
  }
  return false;
}

}  // namespace cb::risk
