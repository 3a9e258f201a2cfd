// `corebank policy ...`: policy bundles from the command line (docs/policy-bundles.md).
// Exit codes (operators script them): 0 all cases pass, 1 a case failed or a rule has no
// case, 2 the bundle cannot be read or does not compile.
#include <cstdio>

#include "app/commands.h"
#include "risk/bundle.h"
#include "risk/policy.h"
#include "risk/policy_tests.h"

namespace cb::app {

int RunPolicyTest(const std::string& bundle_dir) {
  Result<risk::BundleFiles> files = risk::ReadBundleDir(bundle_dir);
  if (!files.ok()) {
    std::fprintf(stderr, "policy test: %s\n", files.status().message().c_str());
    return kPolicyExitBadBundle;
  }
  Result<std::unique_ptr<risk::Policy>> policy = risk::Policy::Compile(*files);
  if (!policy.ok()) {
    std::fprintf(stderr, "policy test: %s: %s\n", bundle_dir.c_str(),
                 policy.status().message().c_str());
    return kPolicyExitBadBundle;
  }
  risk::Policy& p = **policy;
  std::printf("policy %s version %lld sha256 %s: %zu rules, %zu limits, %zu cases\n",
              p.name().c_str(), static_cast<long long>(p.version()), HashHex(p.hash()).c_str(),
              p.rules().size(), p.limits().size(), p.test_cases().size());
  const risk::PolicyTestReport report = risk::RunPolicyTests(p);
  for (const risk::CaseResult& r : report.cases) {
    std::printf("%s\n", risk::FormatCaseResult(r).c_str());
  }
  for (const std::string& rule : report.untested_rules) {
    std::printf("FAIL rule %s has no test case (rules/%s.test.toml)\n", rule.c_str(), rule.c_str());
  }
  std::printf("policy test: %zu passed, %zu failed, %zu rules untested\n", report.passed,
              report.failed, report.untested_rules.size());
  return report.ok() ? kPolicyExitOk : kPolicyExitCaseFailed;
}

}  // namespace cb::app
