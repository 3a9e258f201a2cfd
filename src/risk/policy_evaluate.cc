// Policy::Evaluate: limits in file order, then rules in manifest order; the most severe
// outcome wins. The hot path allocates only for what fires (reasons, names).
#include <algorithm>
#include <bitset>

#include "risk/lua_sandbox.h"
#include "risk/policy.h"

namespace cb::risk {

namespace {

constexpr std::string_view kRuleErrorReason = "rule_error";

void AddOnce(std::vector<std::string>* list, std::string_view s) {
  if (std::find(list->begin(), list->end(), s) == list->end()) list->emplace_back(s);
}

// -1 (unknown) counts as nothing so far: the risk service sets it only without history.
int64_t SoFar(const FeatureValues& f, Feature feature) {
  return std::max<int64_t>(0, f.get(feature));
}

// so_far + add > limit, without overflow (an overflow exceeds any limit).
bool Exceeds(int64_t so_far, int64_t add, int64_t limit) {
  int64_t total = 0;
  return __builtin_add_overflow(so_far, add, &total) || total > limit;
}

int64_t Pow10(uint8_t exponent) {
  int64_t p = 1;
  for (uint8_t i = 0; i < exponent && i < 18; i++) p *= 10;
  return p;
}

// "allow" | "<step_up|hold|deny>:<reason_code>"; a [[monitor]]: "allow" | "alert:<code>"
RuleAnswer ParseAnswer(std::string_view rule, std::string_view answer, bool monitor) {
  RuleAnswer a;
  if (answer == "allow") return a;
  const size_t colon = answer.find(':');
  if (monitor) {
    if (colon != std::string_view::npos && answer.substr(0, colon) == "alert" &&
        IsCode(answer.substr(colon + 1))) {
      a.alert = true;
      a.reason = std::string(answer.substr(colon + 1));
      return a;
    }
    a.error = "lua monitor " + std::string(rule) + ": bad answer '" +
              std::string(answer.substr(0, kNameBytesMax * 2)) +
              "' (want \"allow\" or \"alert:<reason_code>\")";
    return a;
  }
  Outcome o;
  if (colon != std::string_view::npos && ParseOutcome(answer.substr(0, colon), &o) &&
      o != Outcome::kAllow && IsCode(answer.substr(colon + 1))) {
    a.outcome = o;
    a.reason = std::string(answer.substr(colon + 1));
    return a;
  }
  a.error = "lua rule " + std::string(rule) + ": bad answer '" +
            std::string(answer.substr(0, kNameBytesMax * 2)) +
            "' (want \"allow\" or \"<step_up|hold|deny>:<reason_code>\")";
  return a;
}

}  // namespace

void Policy::FillInput(const RiskInput& in, const FeatureValues& features) {
  lua_->BeginInput();
  lua_->SetInput("operation", in.operation);
  lua_->SetInput("channel", in.channel);
  lua_->SetInput("role", in.role);
  lua_->SetInput("customer_type", in.customer_type);
  lua_->SetInput("country", in.country);
  lua_->SetInput("counterparty_type", in.counterparty_type);
  lua_->SetInput("counterparty_country", in.counterparty_country);
  lua_->SetInput("device_trust", in.device_trust);
  lua_->SetInput("currency", in.currency);
  lua_->SetInput("currency_exponent", int64_t{in.currency_exponent});
  lua_->SetInput("kyc_tier", int64_t{in.kyc_tier});
  lua_->SetInput("acr", int64_t{in.acr});
  lua_->SetInput("amount_minor", in.amount_minor);
  // Derived, so rules need no float: whole major units, rounded down.
  lua_->SetInput("amount_major", in.amount_minor / Pow10(in.currency_exponent));
  for (size_t i = 0; i < kFeatureCount; i++) {
    // FeatureName()s are string literals: NUL-terminated, stable addresses.
    lua_->SetInput(FeatureName(static_cast<Feature>(i)).data(), features.v[i]);
  }
  lua_->EndInput();
}

RuleAnswer Policy::CallRule(size_t index) {
  const RuleSpec& rule = manifest_.rules[index];
  Result<std::string_view> answer = lua_->CallRef(rule_refs_[index], rule.name);
  if (!answer.ok()) {
    RuleAnswer a;
    a.error = answer.status().message();
    return a;
  }
  return ParseAnswer(rule.name, *answer, rule.monitor);
}

RuleAnswer Policy::EvaluateRule(size_t index, const RiskInput& in, const FeatureValues& features) {
  CB_CHECK(index < manifest_.rules.size());
  if (!manifest_.rules[index].when.Matches(in)) return RuleAnswer{};
  FillInput(in, features);
  return CallRule(index);
}

Verdict Policy::Evaluate(const RiskInput& in, const FeatureValues& features) {
  Verdict v;
  std::bitset<kFeatureCount> read;
  auto fire = [&](Outcome o, std::string_view reason) {
    v.outcome = std::max(v.outcome, o);
    AddOnce(&v.reasons, reason);
  };
  for (const LimitSpec& limit : limits_) {
    if (!limit.when.Matches(in)) continue;
    bool fired = false;
    auto window = [&](const std::optional<int64_t>& max, Feature feature, int64_t add,
                      std::string_view suffix) {
      if (!max) return;
      if (!Exceeds(SoFar(features, feature), add, *max)) return;
      fired = true;
      read.set(static_cast<size_t>(feature));
      v.rules_fired.push_back(limit.name + "." + std::string(suffix));
    };
    if (limit.per_transaction_minor && in.amount_minor > *limit.per_transaction_minor) {
      fired = true;
      v.rules_fired.push_back(limit.name + ".per_transaction");
    }
    window(limit.daily_amount_minor, Feature::kCustomerSum24h, in.amount_minor, "daily_amount");
    window(limit.daily_count, Feature::kCustomerCount24h, 1, "daily_count");
    window(limit.monthly_amount_minor, Feature::kCustomerSum30d, in.amount_minor, "monthly_amount");
    window(limit.monthly_count, Feature::kCustomerCount30d, 1, "monthly_count");
    if (fired) fire(limit.action, limit.reason);
  }
  bool input_ready = false;
  int64_t score = 0;
  for (size_t i = 0; i < manifest_.rules.size(); i++) {
    const RuleSpec& rule = manifest_.rules[i];
    if (rule.monitor || !rule.when.Matches(in)) continue;
    if (!input_ready) {
      FillInput(in, features);  // once per decision, shared by every rule
      input_ready = true;
    }
    const RuleAnswer a = CallRule(i);
    if (!a.error.empty()) {
      v.rule_errors.push_back(rule.name + ": " + a.error);
      fire(manifest_.on_rule_error, kRuleErrorReason);
    } else if (a.outcome == Outcome::kAllow) {
      continue;
    } else {
      fire(a.outcome, a.reason);
      v.rules_fired.push_back(rule.name);
      score += rule.score;
    }
    for (Feature f : rule.reads) read.set(static_cast<size_t>(f));
  }
  v.score = static_cast<int32_t>(std::min<int64_t>(score, kScoreMax));
  // A score threshold raises the outcome (and says so) only when it is more severe.
  Outcome by_score = Outcome::kAllow;
  std::string_view score_reason;
  if (manifest_.deny_at && v.score >= *manifest_.deny_at) {
    by_score = Outcome::kDeny, score_reason = "score_deny";
  } else if (manifest_.hold_at && v.score >= *manifest_.hold_at) {
    by_score = Outcome::kHold, score_reason = "score_hold";
  } else if (manifest_.step_up_at && v.score >= *manifest_.step_up_at) {
    by_score = Outcome::kStepUp, score_reason = "score_step_up";
  }
  if (by_score > v.outcome) fire(by_score, score_reason);
  // A step-up asks for MFA; an actor already at MFA has given it (the retried request).
  if (v.outcome == Outcome::kStepUp && manifest_.step_up_satisfied_by_mfa && in.acr >= kAcrMfa) {
    v.outcome = Outcome::kAllow;
  }
  for (size_t i = 0; i < kFeatureCount; i++) {
    if (read.test(i)) v.features_read.push_back(static_cast<Feature>(i));
  }
  return v;
}

bool Policy::has_monitors() const {
  return std::any_of(manifest_.rules.begin(), manifest_.rules.end(),
                     [](const RuleSpec& r) { return r.monitor; });
}

std::vector<MonitorHit> Policy::Monitor(const RiskInput& in, const FeatureValues& features) {
  std::vector<MonitorHit> hits;
  bool input_ready = false;
  for (size_t i = 0; i < manifest_.rules.size(); i++) {
    const RuleSpec& rule = manifest_.rules[i];
    if (!rule.monitor || !rule.when.Matches(in)) continue;
    if (!input_ready) {
      FillInput(in, features);
      input_ready = true;
    }
    RuleAnswer a = CallRule(i);
    if (!a.error.empty()) {
      hits.push_back({.rule = rule.name,
                      .reason = std::string(kRuleErrorReason),
                      .error = std::move(a.error),
                      .severity = rule.severity,
                      .payee_subject = rule.payee_subject,
                      .index = i,
                      .repeat_after_s = rule.repeat_after_s});
    } else if (a.alert) {
      hits.push_back({.rule = rule.name,
                      .reason = std::move(a.reason),
                      .error = {},
                      .severity = rule.severity,
                      .payee_subject = rule.payee_subject,
                      .index = i,
                      .repeat_after_s = rule.repeat_after_s});
    }
  }
  return hits;
}

}  // namespace cb::risk
