#include "risk/kyc/provider.h"

#include <initializer_list>

#include "risk/kyc/mrz.h"

namespace cb::risk::kyc {

bool IsValidKycDate(KycDate d) {
  static constexpr uint32_t kDaysInMonth[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d.year < 1 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1) return false;
  const bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
  const uint32_t days_max = kDaysInMonth[d.month - 1] + (d.month == 2 && leap ? 1 : 0);
  return d.day <= days_max;
}

const char* KycOutcomeName(KycOutcome outcome) {
  switch (outcome) {
    case KycOutcome::kApproved:
      return "approved";
    case KycOutcome::kRejected:
      return "rejected";
    case KycOutcome::kReview:
      return "review";
  }
  return "unknown";
}

const char* KycCheckKindName(KycCheckKind kind) {
  switch (kind) {
    case KycCheckKind::kIdentityData:
      return "identity_data";
    case KycCheckKind::kDocument:
      return "document";
    case KycCheckKind::kAddress:
      return "address";
    case KycCheckKind::kScreening:
      return "screening";
  }
  return "unknown";
}

Status ValidateKycRequest(const KycVerificationRequest& r) {
  if (r.customer_ref.empty() || r.customer_ref.size() > kKycRefBytesMax) {
    return Status::InvalidArgument("customer_ref must be 1 to " + std::to_string(kKycRefBytesMax) +
                                   " bytes");
  }
  for (const std::string* name : {&r.first_name, &r.last_name, &r.nationality}) {
    if (name->size() > kKycNameBytesMax) {
      return Status::InvalidArgument("names are at most " + std::to_string(kKycNameBytesMax) +
                                     " bytes");
    }
  }
  if (!IsValidKycDate(r.today)) return Status::InvalidArgument("today is not a date");
  // The MRZ parser checks line shapes; here only that it is bounded.
  if (r.document_mrz.size() > kMrzLineCountMax) {
    return Status::InvalidArgument("an MRZ has at most " + std::to_string(kMrzLineCountMax) +
                                   " lines");
  }
  for (const std::string& line : r.document_mrz) {
    if (line.size() > kMrzLineLengthMax) {
      return Status::InvalidArgument("MRZ lines are at most " + std::to_string(kMrzLineLengthMax) +
                                     " characters");
    }
  }
  if (r.address) {
    const KycAddress& a = *r.address;
    for (const std::string* f :
         {&a.line1, &a.line2, &a.city, &a.postal_code, &a.country, &a.proof_ref}) {
      if (f->size() > kKycAddressFieldBytesMax) {
        return Status::InvalidArgument("address fields are at most " +
                                       std::to_string(kKycAddressFieldBytesMax) + " bytes");
      }
    }
  }
  return Status::Ok();
}

void DecideKycOutcome(KycVerificationResult* result) {
  bool failed = false;
  bool review = false;
  std::vector<std::string> codes;
  for (const KycCheck& check : result->checks) {
    failed = failed || check.status == KycCheckStatus::kFailed;
    review = review || check.status == KycCheckStatus::kReview;
    if (!check.reason_code.empty()) codes.push_back(check.reason_code);
  }
  // The provider's own codes (already in result) come after the checks'.
  for (std::string& code : result->reason_codes) codes.push_back(std::move(code));
  if (codes.size() > kKycReasonCodesMax) codes.resize(kKycReasonCodesMax);
  result->reason_codes = std::move(codes);
  result->outcome = failed   ? KycOutcome::kRejected
                    : review ? KycOutcome::kReview
                             : KycOutcome::kApproved;
}

}  // namespace cb::risk::kyc
