#include "risk/kyc/checks.h"

#include <array>
#include <vector>

namespace cb::risk::kyc {
namespace {

KycCheck Passed(KycCheckKind kind) { return KycCheck{kind, KycCheckStatus::kPassed, ""}; }
KycCheck Failed(KycCheckKind kind, std::string code) {
  return KycCheck{kind, KycCheckStatus::kFailed, std::move(code)};
}
KycCheck Review(KycCheckKind kind, std::string code) {
  return KycCheck{kind, KycCheckStatus::kReview, std::move(code)};
}
KycCheck NotPerformed(KycCheckKind kind, std::string code) {
  return KycCheck{kind, KycCheckStatus::kNotPerformed, std::move(code)};
}

// A full YYMMDD (no "<<" parts) as year-in-century, month, day.
std::optional<KycDate> TwoDigitYearDate(std::string_view yymmdd) {
  if (yymmdd.size() != 6) return std::nullopt;
  for (char c : yymmdd) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const auto two = [&](size_t at) {
    return static_cast<uint32_t>((yymmdd[at] - '0') * 10 + (yymmdd[at + 1] - '0'));
  };
  return KycDate{static_cast<int32_t>(two(0)), two(2), two(4)};
}

// An MRZ name field matches the applicant's: equal once printed MRZ-style, or the MRZ one
// is a cut-off start of ours (TD1 has 30 characters for all names together).
constexpr size_t kTruncatedNameBytesMin = 8;
bool NameMatches(std::string_view mrz, std::string_view ours) {
  if (mrz == ours) return true;
  return mrz.size() >= kTruncatedNameBytesMin && ours.starts_with(mrz);
}

// Germany prints "D" where ISO 3166 says "DEU"; every other code is the same in both.
bool SameState(std::string_view mrz, std::string_view ours) {
  const auto canonical = [](std::string_view code) { return code == "D" ? "DEU" : code; };
  return canonical(mrz) == canonical(ours);
}

}  // namespace

std::optional<KycDate> ResolveMrzBirthDate(std::string_view yymmdd, KycDate today) {
  std::optional<KycDate> d = TwoDigitYearDate(yymmdd);
  if (!d) return std::nullopt;
  const int32_t yy = d->year;
  d->year = today.year - (today.year % 100) + yy;  // this century
  if (*d > today) d->year -= 100;                  // not born yet: the last one
  return IsValidKycDate(*d) ? d : std::nullopt;
}

std::optional<KycDate> ResolveMrzExpiryDate(std::string_view yymmdd, KycDate today) {
  std::optional<KycDate> d = TwoDigitYearDate(yymmdd);
  if (!d) return std::nullopt;
  d->year += today.year - (today.year % 100);
  if (d->year >= today.year + 50) d->year -= 100;
  if (d->year < today.year - 50) d->year += 100;
  return IsValidKycDate(*d) ? d : std::nullopt;
}

std::optional<std::string> MrzStyleName(std::string_view name) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) return std::nullopt;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c >= 'A' && c <= 'Z') {
      out.push_back(c);
    } else if (!out.empty() && out.back() != ' ') {
      out.push_back(' ');
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

KycCheck CheckIdentityData(const KycVerificationRequest& r) {
  constexpr KycCheckKind kKind = KycCheckKind::kIdentityData;
  if (r.first_name.empty() && r.last_name.empty()) return Failed(kKind, "name_missing");
  if (!IsValidKycDate(r.birth_date)) return Failed(kKind, "birth_date_invalid");
  if (r.birth_date > r.today) return Failed(kKind, "birth_date_in_future");
  return Passed(kKind);
}

KycCheck CheckDocument(const KycVerificationRequest& r) {
  constexpr KycCheckKind kKind = KycCheckKind::kDocument;
  if (r.document_mrz.empty()) return NotPerformed(kKind, "document_missing");
  std::array<std::string_view, kMrzLineCountMax> lines;
  if (r.document_mrz.size() > lines.size()) return Failed(kKind, "document_unreadable");
  for (size_t i = 0; i < r.document_mrz.size(); ++i) lines[i] = r.document_mrz[i];
  const Result<MrzDocument> doc =
      ParseMrz(std::span<const std::string_view>(lines.data(), r.document_mrz.size()));
  if (!doc.ok()) return Failed(kKind, "document_unreadable");
  if (!doc->check_digits_valid) return Failed(kKind, "document_check_digit_mismatch");
  if (doc->issuing_state.present && !doc->issuing_state_known) {
    return Failed(kKind, "document_state_unknown");
  }
  if (!doc->valid) return Failed(kKind, "document_invalid");

  const std::optional<std::string> last_name = MrzStyleName(r.last_name);
  if (!last_name) return Review(kKind, "document_name_unverified");  // needs transliteration
  if (!NameMatches(doc->last_name.value, *last_name)) {
    return Failed(kKind, "document_name_mismatch");
  }
  if (doc->birth_date.present) {
    const std::optional<KycDate> birth = ResolveMrzBirthDate(doc->birth_date.value, r.today);
    if (!birth || *birth != r.birth_date) return Failed(kKind, "document_birth_date_mismatch");
  }
  if (doc->nationality.present && !SameState(doc->nationality.value, r.nationality)) {
    return Failed(kKind, "document_nationality_mismatch");
  }
  if (!doc->expiration_date.present) return Review(kKind, "document_expiry_unknown");
  const std::optional<KycDate> expiry = ResolveMrzExpiryDate(doc->expiration_date.value, r.today);
  if (!expiry) return Review(kKind, "document_expiry_unknown");
  // A document is valid through its expiry date.
  if (*expiry < r.today) return Failed(kKind, "document_expired");
  return Passed(kKind);
}

KycCheck CheckAddress(const KycVerificationRequest& r) {
  constexpr KycCheckKind kKind = KycCheckKind::kAddress;
  if (!r.address) return NotPerformed(kKind, "address_missing");
  const KycAddress& a = *r.address;
  if (a.line1.empty() || a.city.empty() || a.country.empty()) {
    return Failed(kKind, "address_incomplete");
  }
  if (!IsKnownMrzStateCode(a.country)) return Failed(kKind, "address_country_unknown");
  // Not a reason to reject: the customer stays below tier 3 until the proof arrives.
  if (a.proof_ref.empty()) return NotPerformed(kKind, "address_proof_missing");
  return Passed(kKind);
}

KycCheck CheckScreening(const KycVerificationRequest& r) {
  constexpr KycCheckKind kKind = KycCheckKind::kScreening;
  switch (r.screening) {
    case KycScreening::kNotRun:
      return NotPerformed(kKind, "screening_not_run");
    case KycScreening::kClear:
      return Passed(kKind);
    case KycScreening::kPossibleMatch:
      return Review(kKind, "screening_possible_match");
    case KycScreening::kConfirmedMatch:
      return Failed(kKind, "screening_confirmed_match");
  }
  return Failed(kKind, "screening_unknown");
}

}  // namespace cb::risk::kyc
