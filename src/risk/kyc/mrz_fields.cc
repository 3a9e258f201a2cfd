#include "risk/kyc/mrz_fields.h"

#include <algorithm>

namespace cb::risk::kyc::internal {
namespace {

constexpr std::string_view kUnreadable = "unreadable character '?'";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Trailing fillers dropped, each inner run of fillers shown as one space.
std::string Clean(std::string_view s) {
  while (!s.empty() && s.back() == '<') s.remove_suffix(1);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '<') {
      out.push_back(s[i]);
    } else if (i == 0 || s[i - 1] != '<') {
      out.push_back(' ');
    }
  }
  return out;
}

int TwoDigits(std::string_view s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

}  // namespace

MrzField Field(std::string value, bool valid, std::string_view error) {
  MrzField f;
  f.present = true;
  f.valid = valid;
  f.value = std::move(value);
  if (!valid) f.error = std::string(error);
  return f;
}

MrzField TextField(std::string_view s) {
  if (s.find('?') != std::string_view::npos) return Field(std::string(s), false, kUnreadable);
  return Field(Clean(s), true, "");
}

MrzField AlphaField(std::string_view s) {
  if (s.find('?') != std::string_view::npos) return Field(std::string(s), false, kUnreadable);
  const bool ok = std::ranges::all_of(s, [](char c) { return IsLetter(c) || c == '<'; });
  return Field(Clean(s), ok, "letters only");
}

MrzField DigitsField(std::string_view s) {
  if (s.find('?') != std::string_view::npos) return Field(std::string(s), false, kUnreadable);
  return Field(std::string(s), std::ranges::all_of(s, IsDigit), "digits only");
}

MrzField DateField(std::string_view s) {
  std::string value(s);
  if (s.size() != 6 || !IsDigit(s[0]) || !IsDigit(s[1])) {
    return Field(value, false, "expected YYMMDD");
  }
  const bool month_known = s.substr(2, 2) != "<<";
  const bool day_known = s.substr(4, 2) != "<<";
  if ((month_known && (!IsDigit(s[2]) || !IsDigit(s[3]))) ||
      (day_known && (!IsDigit(s[4]) || !IsDigit(s[5])))) {
    return Field(value, false, "expected YYMMDD");
  }
  const int month = month_known ? TwoDigits(s.substr(2, 2)) : 0;
  if (month_known && (month < 1 || month > 12)) return Field(value, false, "month out of range");
  if (day_known) {
    static constexpr int kDaysInMonth[13] = {31, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int year = TwoDigits(s.substr(0, 2));
    int days_max = kDaysInMonth[month];  // month 0 (unknown): any day up to 31
    if (month == 2 && year % 4 != 0) days_max = 28;
    const int day = TwoDigits(s.substr(4, 2));
    if (day < 1 || day > days_max) return Field(value, false, "day out of range");
  }
  return Field(value, true, "");
}

MrzField StateField(std::string_view s) {
  const std::string value = Clean(s);
  if (s.find('?') != std::string_view::npos) return Field(std::string(s), false, kUnreadable);
  // Letters first, fillers only at the end ("D<<").
  const size_t letters = s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  if (letters == 0 || (letters != std::string_view::npos &&
                       s.find_first_not_of('<', letters) != std::string_view::npos)) {
    return Field(std::string(s), false, "not a state code");
  }
  if (!IsKnownMrzStateCode(value)) return Field(value, false, "unknown state code " + value);
  return Field(value, true, "");
}

MrzField CheckDigitField(char c, std::string_view data) {
  std::string value(1, c);
  if (!IsDigit(c)) return Field(value, false, "check digit is not a digit");
  const std::optional<int> expected = MrzCheckDigit(data);
  if (!expected) return Field(value, false, "covers an unreadable character");
  if (*expected != c - '0') {
    return Field(value, false, "check digit " + value + ", computed " + std::to_string(*expected));
  }
  return Field(value, true, "");
}

void NameFields(std::string_view s, MrzField* last, MrzField* first) {
  while (!s.empty() && s.back() == '<') s.remove_suffix(1);
  const size_t split = s.find("<<");
  const std::string_view primary = s.substr(0, split);
  const std::string_view secondary =
      split == std::string_view::npos ? std::string_view() : s.substr(split + 2);
  *last = AlphaField(primary);
  *first = AlphaField(secondary);
}

// ICAO 9303 part 5 (TD1) / part 6 (TD2): a number longer than 9 characters prints its first
// 9, then '<' where the check digit would be, then the rest of the number and the check
// digit at the start of the optional field, ended by a filler. Documents disagree on
// whether the '<' at the check digit position is part of the checked data: Portugal
// (PRT-BO-04001, "007666667" + "ZZ0") checks without it, Belgium (BEL-BO-03003,
// "000590240" + "601") with it; ICAO's own example gives the same digit both ways. So,
// like cheminfo/mrz, either matching is accepted.
void LongDocumentNumber(std::string_view number9, char check, std::string_view optional,
                        MrzField* number, MrzField* check_digit) {
  if (check != '<' || optional.empty() || optional[0] == '<') {
    *number = TextField(number9);
    *check_digit = CheckDigitField(check, number9);
    return;
  }
  size_t end = optional.find('<');
  if (end == std::string_view::npos) end = optional.size();
  const std::string_view rest = optional.substr(0, end - 1);
  const char digit = optional[end - 1];
  const std::string joined = std::string(number9) + std::string(rest);
  *number = TextField(joined);
  const MrzField with_filler =
      CheckDigitField(digit, std::string(number9) + "<" + std::string(rest));
  *check_digit = with_filler.valid ? with_filler : CheckDigitField(digit, joined);
}

}  // namespace cb::risk::kyc::internal
