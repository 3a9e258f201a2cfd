#include "risk/kyc/tier.h"

namespace cb::risk::kyc {

KycTier KycTierFor(const KycEvidence& e) {
  // A ladder, not a sum: a valid document without a clear screen is still tier 0.
  if (!e.identity_data || !e.screening_clear) return KycTier::kTier0;
  if (!e.document_valid) return KycTier::kTier1;
  if (!e.address_proven) return KycTier::kTier2;
  return KycTier::kTier3;
}

KycEvidence KycEvidenceOf(const KycVerificationResult& result) {
  KycEvidence e;
  if (result.outcome != KycOutcome::kApproved) return e;
  for (const KycCheck& check : result.checks) {
    const bool passed = check.status == KycCheckStatus::kPassed;
    switch (check.kind) {
      case KycCheckKind::kIdentityData:
        e.identity_data = passed;
        break;
      case KycCheckKind::kDocument:
        e.document_valid = passed;
        break;
      case KycCheckKind::kAddress:
        e.address_proven = passed;
        break;
      case KycCheckKind::kScreening:
        e.screening_clear = passed;
        break;
    }
  }
  return e;
}

}  // namespace cb::risk::kyc
