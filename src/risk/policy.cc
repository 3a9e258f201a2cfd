// PLACEHOLDER until the policy-bundle branch lands (it replaces this file).
#include "risk/policy.h"

namespace cb::risk {

Result<std::unique_ptr<Policy>> Policy::Compile(const BundleFiles&) {
  return Status::FailedPrecondition("policy bundles are not built yet");
}

Verdict Policy::Evaluate(const RiskInput&, const FeatureValues&) { return {}; }

}  // namespace cb::risk

namespace cb::risk {
Hash256 BundleHash(const BundleFiles&) { return {}; }
}  // namespace cb::risk
