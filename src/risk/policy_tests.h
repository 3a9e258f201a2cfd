#pragma once
// Runs a bundle's own test cases (`corebank policy test BUNDLE` and risk_test): each rule's
// cases against the rule alone, tests/*.test.toml against the whole verdict.
#include <string>
#include <vector>

#include "risk/policy.h"

namespace cb::risk {

struct CaseResult {
  const TestCase* test = nullptr;
  bool passed = false;
  std::string got;   // "hold [reason_a, reason_b]" or "error: ..."
  std::string want;  // the same shape
};

struct PolicyTestReport {
  std::vector<CaseResult> cases;
  std::vector<std::string> untested_rules;  // rules without a single case: a failure
  size_t passed = 0;
  size_t failed = 0;
  bool ok() const { return failed == 0 && untested_rules.empty(); }
};

PolicyTestReport RunPolicyTests(Policy& policy);

// "PASS rules/x.test.toml: case name" / "FAIL ...: got hold [a], want deny [b]".
std::string FormatCaseResult(const CaseResult& r);

}  // namespace cb::risk
