#pragma once
// ICAO 9303 machine readable zones (issue 14, KYC document check): TD1 (3x30, ID cards),
// TD2 (2x36), TD3 (2x44, passports), and three national formats in the test vectors: the
// French national ID (2x36, "IDFRA..."), the French driving licence (1x30) and the Swiss
// driving licence (9/30/30). Pure functions of bounded input, no state.
//
// Two kinds of failure: a text that is not an MRZ at all (wrong shape, a byte outside
// A-Z 0-9 < ?) is InvalidArgument; an MRZ whose fields are wrong (a check digit that does
// not match, a month 13, digits in a name, an unknown state) parses, with that field marked
// invalid and `valid == false`, so a caller can say which field to re-scan.
// '?' is accepted as OCR's "unreadable character" mark: it makes its field invalid.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace cb::risk::kyc {

inline constexpr size_t kMrzLineCountMax = 3;
inline constexpr size_t kMrzLineLengthMax = 44;  // TD3
// The whole text: 3 lines of 44 plus CR/LF each, with room for a trailing newline.
inline constexpr size_t kMrzTextBytesMax = kMrzLineCountMax * (kMrzLineLengthMax + 2);

enum class MrzFormat {
  kTd1,
  kTd2,
  kTd3,
  kFrenchNationalId,
  kFrenchDrivingLicence,
  kSwissDrivingLicence,
};
const char* MrzFormatName(MrzFormat format);

enum class MrzSex { kUnspecified, kMale, kFemale };

// One field as printed. `value` has trailing fillers removed and inner fillers shown as
// spaces (names, optional data); a check digit is its one raw character. `valid` means well
// formed and, for a check digit, matching its data; for a state code, a known code.
struct MrzField {
  bool present = false;  // the format defines this field
  bool valid = false;
  std::string value;
  std::string error;  // why it is invalid; empty when valid
};

struct MrzDocument {
  MrzFormat format = MrzFormat::kTd1;
  MrzField document_code;
  MrzField issuing_state;
  MrzField document_number;  // TD1/TD2: with the long-number extension (see mrz.cc)
  MrzField document_number_check_digit;
  MrzField birth_date;  // YYMMDD as printed
  MrzField birth_date_check_digit;
  MrzField sex;              // the raw character; see sex_kind
  MrzField expiration_date;  // YYMMDD as printed
  MrzField expiration_date_check_digit;
  MrzField nationality;
  MrzField optional1;        // TD1 line 1 optional data; TD2 optional data
  MrzField optional2;        // TD1 line 2 optional data
  MrzField personal_number;  // TD3
  MrzField personal_number_check_digit;
  MrzField composite_check_digit;
  MrzField last_name;
  MrzField first_name;
  MrzField issue_date;            // French national ID: YYMM
  MrzField administrative_code;   // French national ID, line 1
  MrzField administrative_code2;  // French national ID, line 2
  MrzField language_code;         // Swiss driving licence: D, F, I or R
  MrzField pin_code;              // Swiss driving licence
  MrzField version_number;        // Swiss driving licence
  MrzSex sex_kind = MrzSex::kUnspecified;

  // Every check digit the format has matches its data (a specimen from "Utopia" passes).
  bool check_digits_valid = false;
  // Issuing state and nationality (where the format has them) are ISO 3166-1 alpha-3 codes
  // or ICAO's own codes (D, GBD, UNO, XXA, ...). ICAO's specimen state UTO is not: a
  // specimen is not a document we accept.
  bool issuing_state_known = false;
  bool nationality_known = false;
  // Every present field valid, fillers where the format has them (what cheminfo/mrz, whose
  // vectors we test against, calls `valid`). The first problem, as "field: reason", is in
  // `error`.
  bool valid = false;
  std::string error;
};

// The ICAO 7-3-1 check digit of `chars` (0-9 = 0-9, A-Z = 10-35, '<' = 0); nullopt if a
// character is outside that set.
std::optional<int> MrzCheckDigit(std::string_view chars);

// `lines` are the MRZ lines, top first. InvalidArgument for a shape no format has or a
// character outside A-Z 0-9 < ?.
Result<MrzDocument> ParseMrz(std::span<const std::string_view> lines);
// The same, from one text with lines separated by "\n" or "\r\n" (a trailing newline is
// allowed); at most kMrzTextBytesMax bytes.
Result<MrzDocument> ParseMrzText(std::string_view text);

// Every field `doc`'s format defines, in MRZ order, with its snake_case name (for rendering
// and for tests that compare field by field).
std::vector<std::pair<std::string_view, const MrzField*>> MrzFields(const MrzDocument& doc);

// ISO 3166-1 alpha-3 or an ICAO-specific code, as printed without fillers ("D", "GBD").
bool IsKnownMrzStateCode(std::string_view code);

}  // namespace cb::risk::kyc
