#pragma once
// PLACEHOLDER until the policy-bundle branch lands (it replaces this file).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"
#include "risk/risk_input.h"

namespace cb::risk {

struct BundleFiles {
  std::vector<std::pair<std::string, std::string>> files;
};

Hash256 BundleHash(const BundleFiles& files);

class Policy {
 public:
  static Result<std::unique_ptr<Policy>> Compile(const BundleFiles& files);
  Verdict Evaluate(const RiskInput& in, const FeatureValues& f);
  const std::string& name() const { return name_; }
  uint32_t version() const { return version_; }
  uint64_t hold_timeout_s() const { return 0; }

 private:
  std::string name_;
  uint32_t version_ = 0;
};

}  // namespace cb::risk
