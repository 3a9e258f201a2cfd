#pragma once
// The checks a provider runs on our side of the seam, shared by the sandbox and by real
// providers that only return a vendor verdict for part of them.
#include <optional>
#include <string_view>

#include "risk/kyc/mrz.h"
#include "risk/kyc/provider.h"

namespace cb::risk::kyc {

// Names present and within limits, birth date a real date not after today.
KycCheck CheckIdentityData(const KycVerificationRequest& request);

// The MRZ parses and is valid (check digits, fields, a real issuing state), has not expired
// at `today`, and names the applicant: same last name, birth date and nationality. Reason
// codes: document_missing, document_unreadable, document_check_digit_mismatch,
// document_state_unknown, document_invalid, document_expired, document_expiry_unknown
// (review: the format has no expiry), document_name_mismatch,
// document_birth_date_mismatch, document_nationality_mismatch.
KycCheck CheckDocument(const KycVerificationRequest& request);

// An address with a known country and a proof reference. Not performed: address_missing,
// address_proof_missing; failed: address_incomplete, address_country_unknown.
KycCheck CheckAddress(const KycVerificationRequest& request);

// The screening verdict the caller passed: clear passes, a possible match is review, a
// confirmed match fails, not run is not performed (screening_not_run).
KycCheck CheckScreening(const KycVerificationRequest& request);

// The calendar date of an MRZ YYMMDD field: the century puts a birth date at or before
// `today`, an expiry within 50 years either side of it. nullopt if the field is not a full
// date (unknown day or month, "<<").
std::optional<KycDate> ResolveMrzBirthDate(std::string_view yymmdd, KycDate today);
std::optional<KycDate> ResolveMrzExpiryDate(std::string_view yymmdd, KycDate today);

// How a name is printed in an MRZ: upper case A-Z, everything else a single space between
// words; nullopt if it has a non-ASCII letter we would have to transliterate (é, ß, Ж).
std::optional<std::string> MrzStyleName(std::string_view name);

}  // namespace cb::risk::kyc
