// Policy::Compile refuses a bad bundle with an error naming the file (and line).
#include <gtest/gtest.h>

#include "risk/policy.h"
#include "risk/policy_test_util.h"

namespace cb::risk {
namespace {

using testing::MakeBundle;
using testing::Manifest;
using testing::Rule;

constexpr const char* kAllowRule = "function r(x) return \"allow\" end\n";

Status CompileError(std::vector<std::pair<std::string, std::string>> files) {
  Result<std::unique_ptr<Policy>> p = Policy::Compile(MakeBundle(std::move(files)));
  return p.ok() ? Status::Ok() : p.status();
}

void ExpectError(const Status& st, const std::string& fragment) {
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find(fragment), std::string::npos)
      << "want '" << fragment << "' in: " << st.message();
}

TEST(PolicyCompileTest, AWellFormedBundleCompiles) {
  auto p = Policy::Compile(MakeBundle(
      {{"manifest.toml", Manifest(Rule("r", "rules/r.lua"))}, {"rules/r.lua", kAllowRule}}));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->name(), "t");
  EXPECT_EQ((*p)->version(), 3);
  EXPECT_EQ((*p)->rules().size(), 1u);
}

TEST(PolicyCompileTest, MalformedTomlNamesTheFileAndLine) {
  ExpectError(CompileError({{"manifest.toml", "name = \"t\"\nversion = = 1\n"}}),
              "manifest.toml:2");
  ExpectError(CompileError({{"manifest.toml", Manifest("")}, {"limits.toml", "[[limit]\n"}}),
              "limits.toml:1");
}

TEST(PolicyCompileTest, MissingManifestOrFieldsAreNamed) {
  ExpectError(CompileError({{"limits.toml", ""}}), "no manifest.toml");
  ExpectError(CompileError({{"manifest.toml", "name = \"t\"\non_rule_error = \"hold\"\n"}}),
              "version");
  ExpectError(CompileError({{"manifest.toml", "name = \"t\"\nversion = 1\n"}}), "on_rule_error");
  ExpectError(CompileError({{"manifest.toml", Manifest("", "colour = \"red\"")}}),
              "unknown key 'colour'");
}

TEST(PolicyCompileTest, UnknownFeatureIsRefused) {
  ExpectError(CompileError({{"manifest.toml", Manifest(Rule("r", "rules/r.lua", "\"balance\""))},
                            {"rules/r.lua", kAllowRule}}),
              "unknown feature 'balance'");
}

TEST(PolicyCompileTest, ARuleReadingAnUndeclaredFeatureIsRefused) {
  ExpectError(
      CompileError({{"manifest.toml", Manifest(Rule("r", "rules/r.lua", "\"account_age_days\""))},
                    {"rules/r.lua",
                     "-- customer_sum_24h in a comment is fine\n"
                     "function r(x)\n  if x.customer_sum_24h > 0 then return \"allow\" end\n"
                     "  return \"allow\"\nend\n"}}),
      "rules/r.lua:3: reads feature 'customer_sum_24h'");
}

TEST(PolicyCompileTest, UnknownOutcomeIsRefused) {
  ExpectError(CompileError({{"manifest.toml",
                             "name = \"t\"\nversion = 1\non_rule_error = "
                             "\"block\"\n"}}),
              "unknown outcome 'block'");
  ExpectError(CompileError({{"manifest.toml", Manifest("")},
                            {"limits.toml",
                             "[[limit]]\nname = \"l\"\nreason = \"r\"\naction = \"panic\"\n"
                             "currency = \"EUR\"\nper_transaction = \"1.00\"\n"}}),
              "unknown outcome 'panic'");
}

TEST(PolicyCompileTest, ARuleWithoutItsFileIsNamed) {
  ExpectError(CompileError({{"manifest.toml", Manifest(Rule("r", "rules/r.lua"))}}),
              "rule r: its file rules/r.lua is not in the bundle");
}

TEST(PolicyCompileTest, ALuaSyntaxErrorNamesTheFileAndLine) {
  ExpectError(CompileError({{"manifest.toml", Manifest(Rule("r", "rules/r.lua"))},
                            {"rules/r.lua", "function r(x)\n  return (\nend\n"}}),
              "rules/r.lua:3:");
}

TEST(PolicyCompileTest, AFileWithoutTheRuleFunctionIsNamed) {
  ExpectError(CompileError({{"manifest.toml", Manifest(Rule("r", "rules/r.lua"))},
                            {"rules/r.lua", "function other(x) return \"allow\" end\n"}}),
              "rules/r.lua: rule r: no function r");
}

TEST(PolicyCompileTest, AFileLevelLocalThatWouldKeepStateIsRefused) {
  ExpectError(CompileError({{"manifest.toml", Manifest(Rule("r", "rules/r.lua"))},
                            {"rules/r.lua",
                             "local calls = 0\n"
                             "function r(x) calls = calls + 1 return \"allow\" end\n"}}),
              "captures the file-level local 'calls'");
  // <const> locals are compile-time constants, not state: accepted.
  auto p = Policy::Compile(MakeBundle({{"manifest.toml", Manifest(Rule("r", "rules/r.lua"))},
                                       {"rules/r.lua",
                                        "local LIMIT <const> = 5\n"
                                        "function r(x) if x.amount_major > LIMIT then return "
                                        "\"hold:big\" end return \"allow\" end\n"}}));
  EXPECT_TRUE(p.ok()) << p.status().ToString();
}

TEST(PolicyCompileTest, ALimitAmountMustBeExactInItsCurrency) {
  auto limits = [](const std::string& currency, const std::string& amount) {
    return "[[limit]]\nname = \"l\"\nreason = \"r\"\naction = \"hold\"\ncurrency = \"" + currency +
           "\"\nper_transaction = \"" + amount + "\"\n";
  };
  ExpectError(
      CompileError({{"manifest.toml", Manifest("")}, {"limits.toml", limits("EUR", "10.001")}}),
      "limits.toml:");
  ExpectError(
      CompileError({{"manifest.toml", Manifest("")}, {"limits.toml", limits("JPY", "1.5")}}),
      "not an exact JPY amount");
  ExpectError(
      CompileError({{"manifest.toml", Manifest("")}, {"limits.toml", limits("EUR", "1e3")}}),
      "not an exact EUR amount");
  ExpectError(CompileError({{"manifest.toml", Manifest("")}, {"limits.toml", limits("XXX", "1")}}),
              "unknown currency 'XXX'");
  EXPECT_TRUE(
      CompileError({{"manifest.toml", Manifest("")}, {"limits.toml", limits("JPY", "1500")}}).ok());
}

TEST(PolicyCompileTest, UnknownSelectorValuesAndStrayFilesAreRefused) {
  ExpectError(CompileError({{"manifest.toml", Manifest("")},
                            {"limits.toml",
                             "[[limit]]\nname = \"l\"\nreason = \"r\"\naction = \"hold\"\n"
                             "currency = \"EUR\"\nper_transaction = \"1\"\n"
                             "when = { channel = [\"web\"] }\n"}}),
              "unknown channel 'web'");
  ExpectError(CompileError({{"manifest.toml", Manifest("")}, {"limit.toml", ""}}),
              "limit.toml: not a bundle file");
  ExpectError(CompileError({{"manifest.toml", Manifest("")}, {"rules/x.lua", kAllowRule}}),
              "rules/x.lua: no rule in manifest.toml uses it");
  ExpectError(
      CompileError({{"manifest.toml", Manifest(Rule("r", "rules/r.lua"))},
                    {"rules/r.lua", kAllowRule},
                    {"rules/r.test.toml", "[[case]]\nname = \"c\"\noutcome = \"maybe\"\n"}}),
      "rules/r.test.toml:");
}

}  // namespace
}  // namespace cb::risk

namespace cb::risk {
namespace {

std::string Monitor(const std::string& name, const std::string& extra = "") {
  return "[[monitor]]\nname = \"" + name + "\"\nfile = \"monitors/m.lua\"\nreads = []\n" + extra;
}

constexpr const char* kMonitorLua =
    "function m(x)\n  if x.amount_minor >= 1000 then return \"alert:big\" end\n"
    "  return \"allow\"\nend\n";

TEST(PolicyCompileTest, MonitorsRaiseAlertsAndNeverDecide) {
  // A second monitor that fails on every call: were monitors evaluated as rules, the
  // decision would record its error and fall back to the bundle's on_rule_error (hold).
  auto p = Policy::Compile(MakeBundle(
      {{"manifest.toml", Manifest(Monitor("m", "severity = \"high\"\n") + Monitor("boom"))},
       {"monitors/m.lua", std::string(kMonitorLua) + "function boom(x) error(\"no\") end\n"}}));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE((*p)->has_monitors());
  RiskInput in;
  in.amount_minor = 5000;
  FeatureValues f;
  const Verdict v = (*p)->Evaluate(in, f);
  EXPECT_EQ(v.outcome, Outcome::kAllow);  // a monitor is not a rule
  EXPECT_TRUE(v.rules_fired.empty());
  EXPECT_TRUE(v.rule_errors.empty());
  const std::vector<MonitorHit> hits = (*p)->Monitor(in, f);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].rule, "m");
  EXPECT_EQ(hits[0].reason, "big");
  EXPECT_EQ(hits[0].severity, Severity::kHigh);
  EXPECT_EQ(hits[0].index, 0u);
  EXPECT_EQ(hits[1].rule, "boom");
  EXPECT_EQ(hits[1].reason, "rule_error");
  EXPECT_EQ(hits[1].index, 1u);
  in.amount_minor = 999;
  ASSERT_EQ((*p)->Monitor(in, f).size(), 1u);  // only the failing one
}

TEST(PolicyCompileTest, AMonitorAnsweringLikeARuleIsARuleError) {
  auto p =
      Policy::Compile(MakeBundle({{"manifest.toml", Manifest(Monitor("m"))},
                                  {"monitors/m.lua", "function m(x) return \"hold:nope\" end\n"}}));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  RiskInput in;
  in.amount_minor = 1;
  const std::vector<MonitorHit> hits = (*p)->Monitor(in, FeatureValues{});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].reason, "rule_error");
  EXPECT_NE(hits[0].error.find("bad answer"), std::string::npos) << hits[0].error;
}

TEST(PolicyCompileTest, BadMonitorsAreRefusedByName) {
  ExpectError(CompileError({{"manifest.toml", Manifest(Monitor("m", "severity = \"dire\"\n"))},
                            {"monitors/m.lua", kMonitorLua}}),
              "severity is low, medium or high");
  ExpectError(CompileError({{"manifest.toml", Manifest(Monitor("m", "subject = \"bank\"\n"))},
                            {"monitors/m.lua", kMonitorLua}}),
              "subject is payer or payee");
  ExpectError(CompileError({{"manifest.toml", Manifest(Monitor("m", "score = 5\n"))},
                            {"monitors/m.lua", kMonitorLua}}),
              "unknown key 'score'");
  // A name shared by a rule and a monitor.
  ExpectError(CompileError({{"manifest.toml", Manifest(Rule("m", "rules/r.lua") + Monitor("m"))},
                            {"rules/r.lua", "function m(x) return \"allow\" end\n"},
                            {"monitors/m.lua", kMonitorLua}}),
              "declared twice");
  // Its tests expect alert or allow; a rule's tests never expect an alert.
  ExpectError(CompileError({{"manifest.toml", Manifest(Monitor("m"))},
                            {"monitors/m.lua", kMonitorLua},
                            {"monitors/m.test.toml",
                             "[[case]]\nname = \"x\"\ninput = { amount = \"1.00\" }\n"
                             "outcome = \"hold\"\n"}}),
              "answers 'alert' or 'allow'");
  ExpectError(CompileError({{"manifest.toml", Manifest(Rule("r", "rules/r.lua"))},
                            {"rules/r.lua", kAllowRule},
                            {"rules/r.test.toml",
                             "[[case]]\nname = \"x\"\ninput = { amount = \"1.00\" }\n"
                             "outcome = \"alert\"\n"}}),
              "only a [[monitor]] rule's test expects 'alert'");
}

}  // namespace
}  // namespace cb::risk
