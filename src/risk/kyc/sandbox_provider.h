#pragma once
// A KYC provider for tests and the sandbox environment: it runs our own checks (checks.h)
// and lets the test data force the verdict by the applicant's last name, so every outcome
// can be produced on purpose through the real API:
//   last name starting with "REJECT"      -> rejected, reason sandbox_forced_reject
//   last name starting with "REVIEW"      -> review,   reason sandbox_forced_review
//   last name starting with "UNAVAILABLE" -> Status Unavailable (a vendor outage)
//   anything else                          -> what the checks decide (DecideKycOutcome)
// The prefixes are matched case-insensitively. The checks are reported in every case.
// provider_ref is "sandbox-<n>", n counting this instance's verifications from 1.
#include <cstdint>

#include "risk/kyc/provider.h"

namespace cb::risk::kyc {

class SandboxKycProvider final : public KycProvider {
 public:
  std::string_view name() const override { return "sandbox"; }
  Result<KycVerificationResult> Verify(const KycVerificationRequest& request) override;

 private:
  uint64_t verifications_ = 0;
};

}  // namespace cb::risk::kyc
