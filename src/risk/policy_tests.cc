#include "risk/policy_tests.h"

#include <algorithm>

namespace cb::risk {

namespace {

std::string Describe(Outcome o, const std::vector<std::string>& reasons) {
  std::string s = OutcomeName(o);
  s += " [";
  for (size_t i = 0; i < reasons.size(); i++) {
    if (i > 0) s += ", ";
    s += reasons[i];
  }
  s += "]";
  return s;
}

std::string DescribeAlert(const std::vector<std::string>& reasons) {
  std::string s = Describe(Outcome::kAllow, reasons);
  return "alert" + s.substr(s.find(' '));
}

}  // namespace

PolicyTestReport RunPolicyTests(Policy& policy) {
  PolicyTestReport report;
  const auto rules = policy.rules();
  for (const TestCase& tc : policy.test_cases()) {
    CaseResult r;
    r.test = &tc;
    r.want = tc.alert ? DescribeAlert(tc.reasons) : Describe(tc.outcome, tc.reasons);
    const RiskInput in = tc.input.View();
    if (!tc.rule.empty()) {
      auto it = std::find_if(rules.begin(), rules.end(),
                             [&](const RuleSpec& s) { return s.name == tc.rule; });
      CB_CHECK(it != rules.end());  // Compile accepted only files of declared rules
      const RuleAnswer a =
          policy.EvaluateRule(static_cast<size_t>(it - rules.begin()), in, tc.features);
      if (!a.error.empty()) {
        r.got = "error: " + a.error;
      } else {
        std::vector<std::string> reasons;
        if (!a.reason.empty()) reasons.push_back(a.reason);
        r.got = a.alert ? DescribeAlert(reasons) : Describe(a.outcome, reasons);
        r.passed = a.alert == tc.alert && a.outcome == tc.outcome && reasons == tc.reasons;
      }
    } else {
      const Verdict v = policy.Evaluate(in, tc.features);
      r.got = Describe(v.outcome, v.reasons);
      if (!v.rule_errors.empty()) r.got += " errors: " + v.rule_errors.front();
      r.passed = v.outcome == tc.outcome && v.reasons == tc.reasons;
    }
    (r.passed ? report.passed : report.failed)++;
    report.cases.push_back(std::move(r));
  }
  for (const RuleSpec& rule : rules) {
    const bool tested = std::any_of(policy.test_cases().begin(), policy.test_cases().end(),
                                    [&](const TestCase& tc) { return tc.rule == rule.name; });
    if (!tested) report.untested_rules.push_back(rule.name);
  }
  return report;
}

std::string FormatCaseResult(const CaseResult& r) {
  std::string line = r.passed ? "PASS " : "FAIL ";
  line += r.test->file + ": " + r.test->name;
  if (!r.passed) line += ": got " + r.got + ", want " + r.want;
  return line;
}

}  // namespace cb::risk
