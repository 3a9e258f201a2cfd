#pragma once
// The seam for KYC verification providers (issue 14). A provider takes what the customer
// gave us (name, date of birth, nationality, the document's MRZ, an address) and answers
// approved, rejected or review, with stable reason codes and the checks it ran. Real
// providers (an HTTP client to a vendor) plug in behind `KycProvider`; tests and the
// sandbox environment use `SandboxKycProvider` (sandbox_provider.h). No clock inside: the
// caller passes `today` (the batch's date), so a verification replays identically.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cb::risk::kyc {

inline constexpr size_t kKycRefBytesMax = 64;
inline constexpr size_t kKycNameBytesMax = 128;
inline constexpr size_t kKycAddressFieldBytesMax = 128;
inline constexpr size_t kKycReasonCodesMax = 16;

// A calendar date (UTC), no time: birth dates, expiry dates, "today".
struct KycDate {
  int32_t year = 0;
  uint32_t month = 0;  // 1..12
  uint32_t day = 0;    // 1..31
  friend auto operator<=>(const KycDate&, const KycDate&) = default;
};
bool IsValidKycDate(KycDate date);

struct KycAddress {
  std::string line1;
  std::string line2;
  std::string city;
  std::string postal_code;
  std::string country;  // ISO 3166-1 alpha-3, as in an MRZ
  // Our reference to the uploaded proof (utility bill, bank statement); empty = none.
  std::string proof_ref;
};

// The sanctions/PEP screen of the customer, run by the screening engine before the
// provider is asked (the provider records it; it does not screen). The lead wires it.
enum class KycScreening { kNotRun, kClear, kPossibleMatch, kConfirmedMatch };

struct KycVerificationRequest {
  std::string customer_ref;  // our customer id, as text
  std::string first_name;
  std::string last_name;
  KycDate birth_date;
  std::string nationality;                // ISO 3166-1 alpha-3 or ICAO code, as in an MRZ
  std::vector<std::string> document_mrz;  // the MRZ lines; empty = no document
  std::optional<KycAddress> address;
  KycScreening screening = KycScreening::kNotRun;
  KycDate today;  // the date the checks are judged at (document expiry)
};

enum class KycOutcome { kApproved, kRejected, kReview };
const char* KycOutcomeName(KycOutcome outcome);

enum class KycCheckKind { kIdentityData, kDocument, kAddress, kScreening };
const char* KycCheckKindName(KycCheckKind kind);

// kFailed rejects the verification, kReview sends it to an analyst, kNotPerformed leaves
// the tier that check would reach unreached (tier.h).
enum class KycCheckStatus { kPassed, kFailed, kReview, kNotPerformed };

struct KycCheck {
  KycCheckKind kind = KycCheckKind::kIdentityData;
  KycCheckStatus status = KycCheckStatus::kNotPerformed;
  std::string reason_code;  // stable snake_case, e.g. "document_expired"; empty when passed
};

struct KycVerificationResult {
  KycOutcome outcome = KycOutcome::kReview;
  std::vector<std::string> reason_codes;  // every check's code, then the provider's own
  std::vector<KycCheck> checks;           // one per KycCheckKind, in that order
  std::string provider_ref;               // the provider's id for this verification
};

class KycProvider {
 public:
  virtual ~KycProvider() = default;
  virtual std::string_view name() const = 0;
  // InvalidArgument for a request outside the limits above (ValidateKycRequest); a vendor
  // that cannot be reached is Unavailable (retry). A verdict is never an error.
  virtual Result<KycVerificationResult> Verify(const KycVerificationRequest& request) = 0;
};

// Sizes and dates of a request; every provider calls it first.
Status ValidateKycRequest(const KycVerificationRequest& request);

// Rejected if any check failed, else review if any asks for it, else approved. Fills
// `outcome` and `reason_codes` from `checks`.
void DecideKycOutcome(KycVerificationResult* result);

}  // namespace cb::risk::kyc
