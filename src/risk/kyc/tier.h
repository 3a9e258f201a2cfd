#pragma once
// KYC tiers (issue 14): how much we know about a customer, which the policy's limits key
// on. Each tier needs the one below it:
//   0  nothing verified (or the last verification was rejected or is in review)
//   1  name and date of birth given and plausible, and the sanctions/PEP screen clear
//   2  tier 1 + an identity document whose MRZ is valid, unexpired and names the customer
//   3  tier 2 + a proven address (an address with a proof reference)
// Only an approved verification raises a tier: "review" waits for an analyst's decision.
#include <cstdint>

#include "risk/kyc/provider.h"

namespace cb::risk::kyc {

enum class KycTier : uint8_t { kTier0 = 0, kTier1 = 1, kTier2 = 2, kTier3 = 3 };

// What a verification proved, one flag per step of the ladder above.
struct KycEvidence {
  bool identity_data = false;
  bool screening_clear = false;
  bool document_valid = false;
  bool address_proven = false;
};

KycTier KycTierFor(const KycEvidence& evidence);
// The evidence of `result`'s passed checks; all false unless the outcome is approved.
KycEvidence KycEvidenceOf(const KycVerificationResult& result);
inline KycTier KycTierFor(const KycVerificationResult& result) {
  return KycTierFor(KycEvidenceOf(result));
}

}  // namespace cb::risk::kyc
