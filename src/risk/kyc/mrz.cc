#include "risk/kyc/mrz.h"

#include <array>

#include "risk/kyc/mrz_fields.h"

namespace cb::risk::kyc {
namespace {

using internal::CheckDigitField;
using internal::DateField;
using internal::Field;
using internal::IsLetter;
using internal::LongDocumentNumber;
using internal::NameFields;
using internal::StateField;
using internal::TextField;

bool IsAccepted(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<' || c == '?';
}

// TD1, TD2 and the French national ID share ICAO's ID-card document code: A, C or I, then
// a letter or '<' (not V, which marks a visa).
MrzField IdDocumentCode(std::string_view s) {
  if (s[0] != 'A' && s[0] != 'C' && s[0] != 'I') {
    return Field(std::string(s), false, "first character must be A, C or I");
  }
  if (s[1] == 'V') return Field(std::string(s), false, "second character may not be V");
  if (s[1] != '<' && !IsLetter(s[1])) return Field(std::string(s), false, "not a letter");
  return Field(s[1] == '<' ? std::string(s.substr(0, 1)) : std::string(s), true, "");
}

MrzField SexField(char c, MrzSex* kind) {
  switch (c) {
    case 'M':
      *kind = MrzSex::kMale;
      break;
    case 'F':
      *kind = MrzSex::kFemale;
      break;
    case 'X':
    case '<':
      *kind = MrzSex::kUnspecified;
      break;
    default:
      return Field(std::string(1, c), false, "must be M, F, X or <");
  }
  return Field(std::string(1, c), true, "");
}

std::string Concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p);
  return out;
}

// TD1: line 1 code(2) state(3) number(9) check(1) optional(15); line 2 birth(6) check(1)
// sex(1) expiry(6) check(1) nationality(3) optional(11) composite(1); line 3 names(30).
MrzDocument ParseTd1(std::span<const std::string_view> l) {
  MrzDocument d;
  d.format = MrzFormat::kTd1;
  d.document_code = IdDocumentCode(l[0].substr(0, 2));
  d.issuing_state = StateField(l[0].substr(2, 3));
  LongDocumentNumber(l[0].substr(5, 9), l[0][14], l[0].substr(15, 15), &d.document_number,
                     &d.document_number_check_digit);
  d.optional1 = TextField(l[0].substr(15, 15));
  d.birth_date = DateField(l[1].substr(0, 6));
  d.birth_date_check_digit = CheckDigitField(l[1][6], l[1].substr(0, 6));
  d.sex = SexField(l[1][7], &d.sex_kind);
  d.expiration_date = DateField(l[1].substr(8, 6));
  d.expiration_date_check_digit = CheckDigitField(l[1][14], l[1].substr(8, 6));
  d.nationality = StateField(l[1].substr(15, 3));
  d.optional2 = TextField(l[1].substr(18, 11));
  d.composite_check_digit = CheckDigitField(
      l[1][29],
      Concat({l[0].substr(5, 25), l[1].substr(0, 7), l[1].substr(8, 7), l[1].substr(18, 11)}));
  NameFields(l[2], &d.last_name, &d.first_name);
  return d;
}

// TD2 and TD3 share the second line up to the expiry check digit; the rest is optional data
// (TD2, 7) or a personal number with its own check digit (TD3, 14 + 1), then the composite.
// Line 1: code(2) state(3) names(31 or 39).
MrzDocument ParseTd2OrTd3(std::span<const std::string_view> l, MrzFormat format) {
  MrzDocument d;
  d.format = format;
  const bool td3 = format == MrzFormat::kTd3;
  const size_t length = l[0].size();
  if (td3) {
    const std::string_view code = l[0].substr(0, 2);
    d.document_code = code[0] == 'P' && (code[1] == '<' || IsLetter(code[1]))
                          ? Field(std::string(code[1] == '<' ? code.substr(0, 1) : code), true, "")
                          : Field(std::string(code), false, "a passport code starts with P");
  } else {
    d.document_code = IdDocumentCode(l[0].substr(0, 2));
  }
  d.issuing_state = StateField(l[0].substr(2, 3));
  NameFields(l[0].substr(5), &d.last_name, &d.first_name);

  const std::string_view l2 = l[1];
  if (td3) {
    // A passport number never overflows: 9 characters and a check digit.
    d.document_number = TextField(l2.substr(0, 9));
    d.document_number_check_digit = CheckDigitField(l2[9], l2.substr(0, 9));
  } else {
    LongDocumentNumber(l2.substr(0, 9), l2[9], l2.substr(28, 7), &d.document_number,
                       &d.document_number_check_digit);
  }
  d.nationality = StateField(l2.substr(10, 3));
  d.birth_date = DateField(l2.substr(13, 6));
  d.birth_date_check_digit = CheckDigitField(l2[19], l2.substr(13, 6));
  d.sex = SexField(l2[20], &d.sex_kind);
  d.expiration_date = DateField(l2.substr(21, 6));
  d.expiration_date_check_digit = CheckDigitField(l2[27], l2.substr(21, 6));
  if (td3) {
    const std::string_view personal = l2.substr(28, 14);
    d.personal_number = TextField(personal);
    // An empty personal number may have '<' (or 0) as its check digit (ICAO 9303 part 4).
    if (personal.find_first_not_of('<') == std::string_view::npos &&
        (l2[42] == '<' || l2[42] == '0')) {
      d.personal_number_check_digit = Field(std::string(1, l2[42]), true, "");
    } else {
      d.personal_number_check_digit = CheckDigitField(l2[42], personal);
    }
  } else {
    d.optional1 = TextField(l2.substr(28, 7));
  }
  d.composite_check_digit = CheckDigitField(
      l2[length - 1], Concat({l2.substr(0, 10), l2.substr(13, 7), l2.substr(21, length - 1 - 21)}));
  return d;
}

// The French national ID (2x36, before 2021): line 1 "ID" "FRA" last name(25)
// administrative code(6); line 2 issue YYMM(4) office(3) number(5) check(1) first names(14)
// birth(6) check(1) sex(1) composite(1). The number's check digit covers issue+office+number;
// the composite covers line 1 and line 2 up to it.
MrzDocument ParseFrenchNationalId(std::span<const std::string_view> l) {
  MrzDocument d;
  d.format = MrzFormat::kFrenchNationalId;
  d.document_code = IdDocumentCode(l[0].substr(0, 2));
  d.issuing_state = StateField(l[0].substr(2, 3));
  d.last_name = internal::AlphaField(l[0].substr(5, 25));
  d.administrative_code = TextField(l[0].substr(30, 6));
  d.issue_date = internal::DigitsField(l[1].substr(0, 4));
  d.administrative_code2 = TextField(l[1].substr(4, 3));
  d.document_number = TextField(l[1].substr(7, 5));
  d.document_number_check_digit = CheckDigitField(l[1][12], l[1].substr(0, 12));
  d.first_name = internal::AlphaField(l[1].substr(13, 14));
  d.birth_date = DateField(l[1].substr(27, 6));
  d.birth_date_check_digit = CheckDigitField(l[1][33], l[1].substr(27, 6));
  d.sex = SexField(l[1][34], &d.sex_kind);
  d.composite_check_digit = CheckDigitField(l[1][35], Concat({l[0], l[1].substr(0, 35)}));
  return d;
}

// The French driving licence (1x30): "D1" "FRA" number(9) check(1) expiry(6) last name(8)
// composite(1). Both check digits cover everything before them.
MrzDocument ParseFrenchDrivingLicence(std::span<const std::string_view> l) {
  MrzDocument d;
  d.format = MrzFormat::kFrenchDrivingLicence;
  const std::string_view line = l[0];
  d.document_code = Field(std::string(line.substr(0, 2)), line.substr(0, 2) == "D1",
                          "a French driving licence starts with D1");
  d.issuing_state = StateField(line.substr(2, 3));
  d.document_number = TextField(line.substr(5, 9));
  d.document_number_check_digit = CheckDigitField(line[14], line.substr(0, 14));
  d.expiration_date = DateField(line.substr(15, 6));
  d.last_name = internal::AlphaField(line.substr(21, 8));
  d.composite_check_digit = CheckDigitField(line[29], line.substr(0, 29));
  return d;
}

// The Swiss driving licence (9/30/30, no check digits): line 1 number "AAA001" + language
// (D/F/I/R) "<<"; line 2 "FA" "CHE" PIN(9) version(3) "<<" birth(6) "<<<<<"; line 3 names.
MrzDocument ParseSwissDrivingLicence(std::span<const std::string_view> l, std::string* error) {
  MrzDocument d;
  d.format = MrzFormat::kSwissDrivingLicence;
  const std::string_view number = l[0].substr(0, 7);
  bool number_ok = IsLetter(number[0]) && IsLetter(number[1]) && IsLetter(number[2]);
  for (size_t i = 3; i < 6; ++i) number_ok = number_ok && number[i] >= '0' && number[i] <= '9';
  d.document_number = Field(std::string(number), number_ok, "must be 3 letters and 3 digits");
  const char language = l[0][6];
  d.language_code = Field(std::string(1, language),
                          language == 'D' || language == 'F' || language == 'I' || language == 'R',
                          "must be D, F, I or R");
  d.document_code = Field(std::string(l[1].substr(0, 2)), l[1].substr(0, 2) == "FA", "must be FA");
  d.issuing_state = StateField(l[1].substr(2, 3));
  if (d.issuing_state.valid && d.issuing_state.value != "CHE") {
    d.issuing_state = Field(d.issuing_state.value, false, "a Swiss licence is issued by CHE");
  }
  d.pin_code = internal::DigitsField(l[1].substr(5, 9));
  d.version_number = internal::DigitsField(l[1].substr(14, 3));
  d.birth_date = DateField(l[1].substr(19, 6));
  NameFields(l[2], &d.last_name, &d.first_name);
  if (l[0].substr(7) != "<<" || l[1].substr(17, 2) != "<<" || l[1].substr(25) != "<<<<<") {
    *error = "fillers: expected '<' between the fields";
  }
  return d;
}

// Fills the summary flags from the fields: `valid` is every present field valid.
void Summarise(MrzDocument* d, std::string error) {
  d->check_digits_valid = true;
  for (const MrzField* f : {&d->document_number_check_digit, &d->birth_date_check_digit,
                            &d->expiration_date_check_digit, &d->personal_number_check_digit,
                            &d->composite_check_digit}) {
    if (f->present && !f->valid) d->check_digits_valid = false;
  }
  d->issuing_state_known = d->issuing_state.present && d->issuing_state.valid;
  d->nationality_known = d->nationality.present && d->nationality.valid;
  for (const auto& [name, field] : MrzFields(*d)) {
    if (!field->valid && error.empty()) error = std::string(name) + ": " + field->error;
  }
  d->valid = error.empty();
  d->error = std::move(error);
}

}  // namespace

const char* MrzFormatName(MrzFormat format) {
  switch (format) {
    case MrzFormat::kTd1:
      return "TD1";
    case MrzFormat::kTd2:
      return "TD2";
    case MrzFormat::kTd3:
      return "TD3";
    case MrzFormat::kFrenchNationalId:
      return "FRENCH_NATIONAL_ID";
    case MrzFormat::kFrenchDrivingLicence:
      return "FRENCH_DRIVING_LICENSE";
    case MrzFormat::kSwissDrivingLicence:
      return "SWISS_DRIVING_LICENSE";
  }
  return "unknown";
}

std::optional<int> MrzCheckDigit(std::string_view chars) {
  static constexpr std::array<int, 3> kWeights = {7, 3, 1};
  int sum = 0;
  for (size_t i = 0; i < chars.size(); ++i) {
    const char c = chars[i];
    int value = 0;
    if (c >= '0' && c <= '9') {
      value = c - '0';
    } else if (c >= 'A' && c <= 'Z') {
      value = c - 'A' + 10;
    } else if (c != '<') {
      return std::nullopt;
    }
    // Reduced as we go: an input of any length cannot overflow.
    sum = (sum + value * kWeights[i % 3]) % 10;
  }
  return sum;
}

Result<MrzDocument> ParseMrz(std::span<const std::string_view> lines) {
  if (lines.empty() || lines.size() > kMrzLineCountMax) {
    return Status::InvalidArgument("MRZ: expected 1 to 3 lines, got " +
                                   std::to_string(lines.size()));
  }
  std::string shape;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].size() > kMrzLineLengthMax) {
      return Status::InvalidArgument("MRZ line " + std::to_string(i + 1) + " is longer than " +
                                     std::to_string(kMrzLineLengthMax) + " characters");
    }
    for (size_t j = 0; j < lines[i].size(); ++j) {
      if (!IsAccepted(lines[i][j])) {
        return Status::InvalidArgument("MRZ line " + std::to_string(i + 1) + " column " +
                                       std::to_string(j + 1) +
                                       ": only A-Z, 0-9, '<' and '?' may appear");
      }
    }
    shape += (i ? "/" : "") + std::to_string(lines[i].size());
  }
  MrzDocument d;
  std::string error;
  if (shape == "30/30/30") {
    d = ParseTd1(lines);
  } else if (shape == "36/36") {
    d = lines[0].starts_with("IDFRA") ? ParseFrenchNationalId(lines)
                                      : ParseTd2OrTd3(lines, MrzFormat::kTd2);
  } else if (shape == "44/44") {
    d = ParseTd2OrTd3(lines, MrzFormat::kTd3);
  } else if (shape == "30") {
    d = ParseFrenchDrivingLicence(lines);
  } else if (shape == "9/30/30") {
    d = ParseSwissDrivingLicence(lines, &error);
  } else {
    return Status::InvalidArgument("MRZ: no format has lines of " + shape +
                                   " characters (TD1 30/30/30, TD2 36/36, TD3 44/44)");
  }
  Summarise(&d, std::move(error));
  return d;
}

Result<MrzDocument> ParseMrzText(std::string_view text) {
  if (text.size() > kMrzTextBytesMax) {
    return Status::InvalidArgument("MRZ text longer than " + std::to_string(kMrzTextBytesMax) +
                                   " bytes");
  }
  if (text.ends_with('\n')) text.remove_suffix(1);
  if (text.ends_with('\r')) text.remove_suffix(1);
  std::array<std::string_view, kMrzLineCountMax> lines;
  size_t count = 0;
  while (true) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (count == kMrzLineCountMax) {
      return Status::InvalidArgument("MRZ: more than " + std::to_string(kMrzLineCountMax) +
                                     " lines");
    }
    lines[count++] = line;
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return ParseMrz(std::span<const std::string_view>(lines.data(), count));
}

std::vector<std::pair<std::string_view, const MrzField*>> MrzFields(const MrzDocument& d) {
  const std::pair<std::string_view, const MrzField*> all[] = {
      {"document_code", &d.document_code},
      {"issuing_state", &d.issuing_state},
      {"document_number", &d.document_number},
      {"document_number_check_digit", &d.document_number_check_digit},
      {"birth_date", &d.birth_date},
      {"birth_date_check_digit", &d.birth_date_check_digit},
      {"sex", &d.sex},
      {"expiration_date", &d.expiration_date},
      {"expiration_date_check_digit", &d.expiration_date_check_digit},
      {"nationality", &d.nationality},
      {"optional1", &d.optional1},
      {"optional2", &d.optional2},
      {"personal_number", &d.personal_number},
      {"personal_number_check_digit", &d.personal_number_check_digit},
      {"composite_check_digit", &d.composite_check_digit},
      {"last_name", &d.last_name},
      {"first_name", &d.first_name},
      {"issue_date", &d.issue_date},
      {"administrative_code", &d.administrative_code},
      {"administrative_code2", &d.administrative_code2},
      {"language_code", &d.language_code},
      {"pin_code", &d.pin_code},
      {"version_number", &d.version_number},
  };
  std::vector<std::pair<std::string_view, const MrzField*>> out;
  out.reserve(std::size(all));
  for (const auto& entry : all) {
    if (entry.second->present) out.push_back(entry);
  }
  return out;
}

}  // namespace cb::risk::kyc
