#include "risk/kyc/sandbox_provider.h"

#include "risk/kyc/checks.h"

namespace cb::risk::kyc {
namespace {

bool StartsWithUpper(std::string_view name, std::string_view prefix) {
  if (name.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = name[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

Result<KycVerificationResult> SandboxKycProvider::Verify(const KycVerificationRequest& r) {
  CB_RETURN_IF_ERROR(ValidateKycRequest(r));
  if (StartsWithUpper(r.last_name, "UNAVAILABLE")) {
    return Status::Unavailable("sandbox KYC provider: simulated outage (last name UNAVAILABLE)");
  }
  KycVerificationResult result;
  result.checks = {CheckIdentityData(r), CheckDocument(r), CheckAddress(r), CheckScreening(r)};
  result.provider_ref = "sandbox-" + std::to_string(++verifications_);
  std::optional<KycOutcome> forced;
  if (StartsWithUpper(r.last_name, "REJECT")) {
    forced = KycOutcome::kRejected;
    result.reason_codes.push_back("sandbox_forced_reject");
  } else if (StartsWithUpper(r.last_name, "REVIEW")) {
    forced = KycOutcome::kReview;
    result.reason_codes.push_back("sandbox_forced_review");
  }
  DecideKycOutcome(&result);
  if (forced) result.outcome = *forced;
  return result;
}

}  // namespace cb::risk::kyc
