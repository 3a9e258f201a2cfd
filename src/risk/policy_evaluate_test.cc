// Policy::Evaluate: limits by tier, currency and window; severity; rule errors; determinism.
#include <gtest/gtest.h>

#include "risk/lua_sandbox.h"
#include "risk/policy.h"
#include "risk/policy_test_util.h"
#include "risk/sample_decisions.h"

namespace cb::risk {
namespace {

using testing::MakeBundle;
using testing::Manifest;
using testing::Rule;

std::unique_ptr<Policy> MustCompile(std::vector<std::pair<std::string, std::string>> files) {
  auto p = Policy::Compile(MakeBundle(std::move(files)));
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(*p) : nullptr;
}

RiskInput Payment(std::string_view currency, int64_t amount_minor, uint8_t tier) {
  RiskInput in;
  in.operation = "transfer";
  in.channel = "app";
  in.role = "user";
  in.customer_type = "individual";
  in.counterparty_type = "customer";
  in.currency = currency;
  in.currency_exponent = currency == "JPY" ? 0 : 2;
  in.kyc_tier = tier;
  in.acr = 1;
  in.amount_minor = amount_minor;
  return in;
}

constexpr const char* kTierLimits = R"(
[[limit]]
name = "t0_eur"
reason = "tier_limit"
action = "hold"
currency = "EUR"
per_transaction = "100.00"
daily_amount = "150.00"
monthly_amount = "500.00"
daily_count = 3
monthly_count = 10
when = { kyc_tier = [0] }

[[limit]]
name = "t1_eur"
reason = "tier_limit"
action = "hold"
currency = "EUR"
per_transaction = "1000.00"
when = { kyc_tier = [1] }
)";

TEST(PolicyLimitsTest, EachTierHasItsOwnPerTransactionLimit) {
  auto p = MustCompile({{"manifest.toml", Manifest("")}, {"limits.toml", kTierLimits}});
  ASSERT_NE(p, nullptr);
  const FeatureValues none;
  EXPECT_EQ(p->Evaluate(Payment("EUR", 10'000, 0), none).outcome, Outcome::kAllow);
  const Verdict over = p->Evaluate(Payment("EUR", 10'001, 0), none);
  EXPECT_EQ(over.outcome, Outcome::kHold);
  EXPECT_EQ(over.reasons, std::vector<std::string>{"tier_limit"});
  EXPECT_EQ(over.rules_fired, std::vector<std::string>{"t0_eur.per_transaction"});
  EXPECT_EQ(p->Evaluate(Payment("EUR", 10'001, 1), none).outcome, Outcome::kAllow);
  EXPECT_EQ(p->Evaluate(Payment("EUR", 100'001, 1), none).outcome, Outcome::kHold);
  // Tier 2 has no limit here at all.
  EXPECT_EQ(p->Evaluate(Payment("EUR", 100'000'000, 2), none).outcome, Outcome::kAllow);
}

TEST(PolicyLimitsTest, ALimitAppliesOnlyToMovementsInItsCurrency) {
  auto p = MustCompile({{"manifest.toml", Manifest("")}, {"limits.toml", kTierLimits}});
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->Evaluate(Payment("USD", 10'001, 0), {}).outcome, Outcome::kAllow);
  EXPECT_EQ(p->Evaluate(Payment("JPY", 10'001, 0), {}).outcome, Outcome::kAllow);
  EXPECT_EQ(p->Evaluate(Payment("EUR", 10'001, 0), {}).outcome, Outcome::kHold);
}

TEST(PolicyLimitsTest, DailyAndMonthlyWindowsAddThisMovementToWhatWentBefore) {
  auto p = MustCompile({{"manifest.toml", Manifest("")}, {"limits.toml", kTierLimits}});
  ASSERT_NE(p, nullptr);
  FeatureValues f;
  f.set(Feature::kCustomerSum24h, 10'000);                                       // 100.00 today
  EXPECT_EQ(p->Evaluate(Payment("EUR", 5'000, 0), f).outcome, Outcome::kAllow);  // = 150.00
  Verdict daily = p->Evaluate(Payment("EUR", 5'001, 0), f);
  EXPECT_EQ(daily.outcome, Outcome::kHold);
  EXPECT_EQ(daily.rules_fired, std::vector<std::string>{"t0_eur.daily_amount"});
  EXPECT_EQ(daily.features_read, std::vector<Feature>{Feature::kCustomerSum24h});

  FeatureValues month;
  month.set(Feature::kCustomerSum30d, 49'000);
  Verdict monthly = p->Evaluate(Payment("EUR", 1'001, 0), month);
  EXPECT_EQ(monthly.rules_fired, std::vector<std::string>{"t0_eur.monthly_amount"});

  FeatureValues counts;
  counts.set(Feature::kCustomerCount24h, 2);
  EXPECT_EQ(p->Evaluate(Payment("EUR", 100, 0), counts).outcome, Outcome::kAllow);  // third
  counts.set(Feature::kCustomerCount24h, 3);
  counts.set(Feature::kCustomerCount30d, 10);
  Verdict both = p->Evaluate(Payment("EUR", 100, 0), counts);
  EXPECT_EQ(both.rules_fired,
            (std::vector<std::string>{"t0_eur.daily_count", "t0_eur.monthly_count"}));
  EXPECT_EQ(both.features_read,
            (std::vector<Feature>{Feature::kCustomerCount24h, Feature::kCustomerCount30d}));
  EXPECT_EQ(both.reasons, std::vector<std::string>{"tier_limit"});  // once per limit
}

constexpr const char* kSeverityRules = R"(
function ask_step_up(x) return "step_up:new_payee" end
function ask_hold(x) if x.first_seen_counterparty == 1 then return "hold:odd" end return "allow" end
function ask_deny(x) if x.amount_minor > 500 then return "deny:too_much" end return "allow" end
)";

std::unique_ptr<Policy> SeverityPolicy() {
  const std::string rules = Rule("ask_step_up", "rules/s.lua", "", 100) +
                            Rule("ask_hold", "rules/s.lua", "\"first_seen_counterparty\"", 300) +
                            Rule("ask_deny", "rules/s.lua", "\"account_age_days\"", 900);
  return MustCompile({{"manifest.toml", Manifest(rules)},
                      {"limits.toml", kTierLimits},
                      {"rules/s.lua", kSeverityRules}});
}

TEST(PolicyEvaluateTest, TheMostSevereOutcomeWinsAndReasonsKeepTheirOrder) {
  auto p = SeverityPolicy();
  ASSERT_NE(p, nullptr);
  FeatureValues f;
  Verdict v = p->Evaluate(Payment("EUR", 400, 1), f);
  EXPECT_EQ(v.outcome, Outcome::kStepUp);
  EXPECT_EQ(v.score, 100);
  f.set(Feature::kFirstSeenCounterparty, 1);
  v = p->Evaluate(Payment("EUR", 400, 1), f);
  EXPECT_EQ(v.outcome, Outcome::kHold);
  EXPECT_EQ(v.reasons, (std::vector<std::string>{"new_payee", "odd"}));
  v = p->Evaluate(Payment("EUR", 10'001, 0), f);  // limit (hold) + three rules, one deny
  EXPECT_EQ(v.outcome, Outcome::kDeny);
  EXPECT_EQ(v.reasons, (std::vector<std::string>{"tier_limit", "new_payee", "odd", "too_much"}));
  EXPECT_EQ(v.rules_fired, (std::vector<std::string>{"t0_eur.per_transaction", "ask_step_up",
                                                     "ask_hold", "ask_deny"}));
  EXPECT_EQ(v.features_read,
            (std::vector<Feature>{Feature::kFirstSeenCounterparty, Feature::kAccountAgeDays}));
  EXPECT_EQ(v.score, 1000);  // 100 + 300 + 900, capped
}

TEST(PolicyEvaluateTest, AStepUpIsSatisfiedAtMfaUnlessTheManifestSaysOtherwise) {
  auto p = SeverityPolicy();
  ASSERT_NE(p, nullptr);
  RiskInput in = Payment("EUR", 400, 1);
  in.acr = kAcrMfa;
  Verdict v = p->Evaluate(in, {});
  EXPECT_EQ(v.outcome, Outcome::kAllow);
  EXPECT_EQ(v.reasons, std::vector<std::string>{"new_payee"});  // still recorded
  auto strict =
      MustCompile({{"manifest.toml", Manifest(Rule("ask_step_up", "rules/s.lua"),
                                              "step_up_satisfied_by_mfa = false")},
                   {"rules/s.lua", "function ask_step_up(x) return \"step_up:new_payee\" end"}});
  ASSERT_NE(strict, nullptr);
  EXPECT_EQ(strict->Evaluate(in, {}).outcome, Outcome::kStepUp);
}

TEST(PolicyEvaluateTest, ScoreThresholdsEscalate) {
  const std::string rules = Rule("a", "rules/a.lua", "", 250) + Rule("b", "rules/a.lua", "", 250);
  auto p =
      MustCompile({{"manifest.toml", Manifest(rules, "[score]\nhold_at = 500\nstep_up_at = 200")},
                   {"rules/a.lua",
                    "function a(x) return \"step_up:a\" end\n"
                    "function b(x) if x.amount_minor > 1 then return \"step_up:b\" end "
                    "return \"allow\" end\n"}});
  ASSERT_NE(p, nullptr);
  Verdict one = p->Evaluate(Payment("EUR", 1, 1), {});
  EXPECT_EQ(one.outcome, Outcome::kStepUp);
  EXPECT_EQ(one.reasons, std::vector<std::string>{"a"});  // step_up_at adds nothing more severe
  Verdict two = p->Evaluate(Payment("EUR", 2, 1), {});
  EXPECT_EQ(two.outcome, Outcome::kHold);
  EXPECT_EQ(two.reasons, (std::vector<std::string>{"a", "b", "score_hold"}));
}

// Rules that misbehave: each is stopped, recorded by name, and the next decision works.
constexpr const char* kBadRules = R"(
function spin(x) while true do end end
function hog(x)
  local t = {}
  for i = 1, 100000000 do t[i] = string.rep("x", 1000) .. i end
  return "allow"
end
function huge(x) return string.rep("x", 1 << 30) end
function shout(x) return "block:everything" end
function remember(x) seen = (seen or 0) + 1 return "allow" end
function scribble(x) x.amount_minor = 0 return "allow" end
function patch(x) string.len = nil return "allow" end
function fine(x) if x.amount_minor > 100 then return "step_up:fine" end return "allow" end
)";

TEST(PolicyRuleErrorTest, EachBadRuleIsStoppedNamedAndFallsBackToOnRuleError) {
  for (const char* bad : {"spin", "hog", "huge", "shout", "remember", "scribble", "patch"}) {
    SCOPED_TRACE(bad);
    const std::string rules = Rule(bad, "rules/bad.lua") + Rule("fine", "rules/bad.lua");
    auto p = MustCompile({{"manifest.toml", Manifest(rules,
                                                     "[lua]\ninstructions_max = 50000\n"
                                                     "memory_bytes_max = 2097152")},
                          {"rules/bad.lua", kBadRules}});
    ASSERT_NE(p, nullptr);
    for (int round = 0; round < 2; round++) {  // the state stays usable
      const Verdict v = p->Evaluate(Payment("EUR", 500, 1), {});
      ASSERT_EQ(v.rule_errors.size(), 1u);
      EXPECT_EQ(v.rule_errors[0].rfind(std::string(bad) + ": ", 0), 0u) << v.rule_errors[0];
      EXPECT_EQ(v.outcome, Outcome::kHold);  // on_rule_error, above fine's step_up
      EXPECT_EQ(v.reasons, (std::vector<std::string>{"rule_error", "fine"}));
      EXPECT_EQ(v.rules_fired, std::vector<std::string>{"fine"});
    }
  }
}

TEST(PolicyRuleErrorTest, OnRuleErrorIsTheManifests) {
  auto p = MustCompile(
      {{"manifest.toml", "name = \"t\"\nversion = 1\non_rule_error = \"deny\"\n" +
                             Rule("spin", "rules/bad.lua") + Rule("fine", "rules/bad.lua")},
       {"rules/bad.lua", kBadRules}});
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->Evaluate(Payment("EUR", 1, 1), {}).outcome, Outcome::kDeny);
}

std::string Serialize(const Verdict& v) {
  std::string s = std::string(OutcomeName(v.outcome)) + "|" + std::to_string(v.score);
  for (const auto& r : v.reasons) s += "|r:" + r;
  for (const auto& r : v.rules_fired) s += "|f:" + r;
  for (Feature f : v.features_read) s += "|x:" + std::string(FeatureName(f));
  for (const auto& e : v.rule_errors) s += "|e:" + e;
  return s;
}

TEST(PolicyDeterminismTest, TwoCompiledPoliciesGiveByteIdenticalVerdicts) {
  Result<BundleFiles> files = ReadBundleDir(CB_POLICIES_DIR "/default");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  auto a = Policy::Compile(*files);
  auto b = Policy::Compile(*files);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->hash(), (*b)->hash());
  const std::vector<SampleDecision> inputs = SampleDecisions(7, 5000);
  size_t non_allow = 0;
  // b sees the inputs in reverse first: no decision may depend on the ones before it.
  for (auto it = inputs.rbegin(); it != inputs.rend(); ++it)
    (*b)->Evaluate(it->input, it->features);
  for (const SampleDecision& d : inputs) {
    const std::string va = Serialize((*a)->Evaluate(d.input, d.features));
    ASSERT_EQ(va, Serialize((*b)->Evaluate(d.input, d.features)));
    non_allow += va.rfind("allow|", 0) != 0;
  }
  EXPECT_GT(non_allow, 100u);  // the inputs exercise the rules
}

}  // namespace
}  // namespace cb::risk
