// Field values: decimal amounts (integers only), dates, text and code checks, and the
// readers that decode a validated element into a checked value.
#include <array>
#include <cstdio>

#include "base/check.h"
#include "ledger/currency.h"
#include "payments/iban.h"
#include "payments/iso20022_internal.h"

namespace cb::payments::iso {
namespace {

// Longest decimal text looked at: 18 digits, a '.', and room for leading zeros.
constexpr size_t kAmountTextBytesMax = 40;
// A UTF-8 character is at most 4 bytes: longer text is over its limit before decoding.
constexpr size_t kUtf8BytesPerCharMax = 4;
constexpr uint16_t kYearMin = 1000;  // ISODate has four-digit years in practice
constexpr uint16_t kYearMax = 9999;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLowerHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }
bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimXmlSpace(std::string_view text) {
  while (!text.empty() && IsXmlSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsXmlSpace(text.back())) text.remove_suffix(1);
  return text;
}

std::string Quote(std::string_view text) {
  // Quoted input stays short: the whole message is capped, but a quote should not crowd out
  // the reason.
  constexpr size_t kQuoteBytesMax = 40;
  if (text.size() > kQuoteBytesMax) {
    return "'" + std::string(text.substr(0, kQuoteBytesMax)) + "...'";
  }
  return "'" + std::string(text) + "'";
}

bool IsLeapYear(unsigned year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned DaysInMonth(unsigned year, unsigned month) {
  constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  CB_CHECK(month >= 1);
  CB_CHECK(month <= 12);
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

bool IsValidDate(Date date) {
  return date.year >= kYearMin && date.year <= kYearMax && date.month >= 1 && date.month <= 12 &&
         date.day >= 1 && date.day <= DaysInMonth(date.year, date.month);
}

unsigned DigitsValue(std::string_view digits) {
  unsigned value = 0;
  for (char c : digits) value = value * 10 + static_cast<unsigned>(c - '0');
  return value;
}

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// The zone suffix xs:date and xs:dateTime allow: "Z" or "+hh:mm" / "-hh:mm".
bool IsZone(std::string_view zone) {
  if (zone == "Z") return true;
  return zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && IsDigit(zone[1]) &&
         IsDigit(zone[2]) && zone[3] == ':' && IsDigit(zone[4]) && IsDigit(zone[5]);
}

std::string Join(std::string_view owner, std::string_view name) {
  return owner.empty() ? std::string(name) : std::string(owner) + "." + std::string(name);
}

}  // namespace

// ---- Amounts and dates (public) ----

std::string FormatDecimalAmount(int64_t amount_minor, uint8_t exponent) {
  CB_CHECK(amount_minor >= 0);
  CB_CHECK(amount_minor <= kAmountMinorMax);
  CB_CHECK(exponent <= kExponentMax);
  std::string digits = std::to_string(amount_minor);
  if (exponent == 0) return digits;
  if (digits.size() <= exponent) digits.insert(0, exponent + 1 - digits.size(), '0');
  digits.insert(digits.size() - exponent, 1, '.');
  return digits;
}

Result<int64_t> ParseDecimalAmount(std::string_view text, uint8_t exponent) {
  const auto refuse = [&text](std::string_view reason) {
    return Status::InvalidArgument("amount " + Quote(text) + " " + std::string(reason));
  };
  if (exponent > kExponentMax) {
    return Status::InvalidArgument("currency exponent " + std::to_string(exponent) + " is over " +
                                   std::to_string(kExponentMax));
  }
  if (text.empty()) return Status::InvalidArgument("amount is empty");
  if (text.size() > kAmountTextBytesMax) {
    return refuse("is longer than " + std::to_string(kAmountTextBytesMax) + " bytes");
  }
  if (text.front() == '-') return refuse("is negative");
  if (text.front() == '+') return refuse("has a sign");
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  for (char c : text) {
    if (c == 'e' || c == 'E') return refuse("uses exponent notation");
  }
  if (whole.empty() || !AllDigits(whole)) return refuse("is not digits with an optional '.'");
  if (dot != std::string_view::npos && (fraction.empty() || !AllDigits(fraction))) {
    return refuse("is not digits with an optional '.'");
  }
  if (fraction.size() > exponent) {
    return refuse("has " + std::to_string(fraction.size()) + " fraction digits; the currency has " +
                  std::to_string(exponent));
  }
  // minor = whole * 10^exponent + fraction padded to `exponent` digits, checked at each step.
  int64_t minor = 0;
  const auto push = [&minor](int digit) {
    if (minor > (kAmountMinorMax - digit) / 10) return false;
    minor = minor * 10 + digit;
    return true;
  };
  for (char c : whole) {
    if (!push(c - '0')) return refuse("has more than 18 digits");
  }
  for (size_t i = 0; i < exponent; ++i) {
    const int digit = i < fraction.size() ? fraction[i] - '0' : 0;
    if (!push(digit)) return refuse("has more than 18 digits");
  }
  CB_CHECK(minor >= 0);
  CB_CHECK(minor <= kAmountMinorMax);
  return minor;
}

std::string FormatDate(Date date) {
  CB_CHECK(IsValidDate(date));
  char out[16];
  std::snprintf(out, sizeof(out), "%04u-%02u-%02u", unsigned{date.year}, unsigned{date.month},
                unsigned{date.day});
  return out;
}

Result<Date> ParseDate(std::string_view text) {
  const std::string_view zone = text.size() > 10 ? text.substr(10) : std::string_view();
  if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !AllDigits(text.substr(0, 4)) ||
      !AllDigits(text.substr(5, 2)) || !AllDigits(text.substr(8, 2)) ||
      (!zone.empty() && !IsZone(zone))) {
    return Status::InvalidArgument("date " + Quote(text) + " is not YYYY-MM-DD");
  }
  const Date date{static_cast<uint16_t>(DigitsValue(text.substr(0, 4))),
                  static_cast<uint8_t>(DigitsValue(text.substr(5, 2))),
                  static_cast<uint8_t>(DigitsValue(text.substr(8, 2)))};
  if (!IsValidDate(date)) {
    return Status::InvalidArgument("date " + Quote(text) + " is not a day of years " +
                                   std::to_string(kYearMin) + "-" + std::to_string(kYearMax));
  }
  return date;
}

Date DateOf(TimestampNs ts) {
  const Result<Date> date = ParseDate(FormatRfc3339(ts).substr(0, 10));
  CB_CHECK(date.ok());  // every TimestampNs is a day of 1970-2554
  return *date;
}

namespace internal {

Status FieldError(std::string_view field, std::string_view reason) {
  return Status::InvalidArgument(std::string(field) + ": " + std::string(reason));
}

std::string_view FieldOf(const Status& status) {
  const std::string_view message = status.message();
  return message.substr(0, message.find(": "));
}

Status Prefixed(MessageType type, const Status& status) {
  if (status.ok()) return status;
  return Status(status.code(),
                CapError(std::string(MessageTypeName(type)) + ": " + status.message()));
}

// ---- Text and codes ----

Status CheckText(std::string_view field, std::string_view text, size_t chars_max) {
  if (text.empty()) return FieldError(field, "missing");
  const std::string too_long = "longer than " + std::to_string(chars_max) + " characters";
  if (text.size() > chars_max * kUtf8BytesPerCharMax) return FieldError(field, too_long);
  // Smallest code point of each sequence length: a smaller one is an overlong encoding.
  constexpr std::array<uint32_t, 5> kMinForLength = {0, 0, 0x80, 0x800, 0x10000};
  size_t chars = 0;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t cp = 0;
    if (lead < 0x80) {
      length = 1;
      cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      cp = lead & 0x1Fu;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      cp = lead & 0x0Fu;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      cp = lead & 0x07u;
    } else {
      return FieldError(field, "not valid UTF-8");
    }
    if (i + length > text.size()) return FieldError(field, "not valid UTF-8");
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return FieldError(field, "not valid UTF-8");
      cp = (cp << 6) | (next & 0x3Fu);
    }
    if (cp < kMinForLength[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return FieldError(field, "not valid UTF-8");
    }
    ++chars;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      return FieldError(field, "control character at character " + std::to_string(chars));
    }
    if (cp == 0xFFFE || cp == 0xFFFF) {
      return FieldError(field, "non-character at character " + std::to_string(chars));
    }
    if (chars > chars_max) return FieldError(field, too_long);
    i += length;
  }
  return Status::Ok();
}

Status CheckOptionalText(std::string_view field, std::string_view text, size_t chars_max) {
  return text.empty() ? Status::Ok() : CheckText(field, text, chars_max);
}

Status CheckCode(std::string_view field, std::string_view code, size_t chars_max) {
  if (code.empty()) return FieldError(field, "missing");
  if (code.size() > chars_max) {
    return FieldError(field, Quote(code) + " is longer than " + std::to_string(chars_max));
  }
  for (char c : code) {
    if (!IsUpper(c) && !IsDigit(c)) return FieldError(field, Quote(code) + " is not A-Z/0-9");
  }
  return Status::Ok();
}

Status CheckBic(std::string_view field, std::string_view bic) {
  // BICFIDec2014Identifier: [A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?
  bool ok = bic.size() == 8 || bic.size() == 11;
  for (size_t i = 0; ok && i < bic.size(); ++i) {
    const bool country = i == 4 || i == 5;
    ok = IsUpper(bic[i]) || (!country && IsDigit(bic[i]));
  }
  if (!ok) return FieldError(field, Quote(bic) + " is not a BIC (8 or 11 characters, ISO 9362)");
  return Status::Ok();
}

Status CheckIban(std::string_view field, std::string_view iban) {
  if (iban.empty()) return FieldError(field, "missing");
  const Result<Iban> parsed = ParseIban(iban);
  if (!parsed.ok()) return FieldError(field, parsed.status().message());
  if (parsed->electronic() != iban) {
    return FieldError(field, "not in electronic form (upper case, no spaces): " + Quote(iban));
  }
  return Status::Ok();
}

Status CheckUetr(std::string_view field, std::string_view uetr) {
  // UUIDv4Identifier: [a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}
  bool ok = uetr.size() == 36;
  for (size_t i = 0; ok && i < uetr.size(); ++i) {
    const char c = uetr[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      ok = c == '-';
    } else if (i == 14) {
      ok = c == '4';
    } else if (i == 19) {
      ok = c == '8' || c == '9' || c == 'a' || c == 'b';
    } else {
      ok = IsLowerHex(c);
    }
  }
  if (!ok) return FieldError(field, Quote(uetr) + " is not a lower-case UUID v4");
  return Status::Ok();
}

Status CheckCurrency(std::string_view owner, std::string_view currency, uint8_t exponent) {
  const std::string field = Join(owner, "currency");
  if (currency.size() != 3 || !IsUpper(currency[0]) || !IsUpper(currency[1]) ||
      !IsUpper(currency[2])) {
    return FieldError(field, Quote(currency) + " is not three upper-case letters");
  }
  const std::optional<ledger::CurrencyInfo> info = ledger::FindCurrency(currency);
  if (!info) return FieldError(field, Quote(currency) + " is not an ISO 4217 currency we know");
  if (info->scale != exponent) {
    return FieldError(Join(owner, "exponent"),
                      std::to_string(exponent) + " does not match " + std::string(currency) +
                          "'s " + std::to_string(info->scale) + " minor-unit digits");
  }
  return Status::Ok();
}

Result<uint8_t> ExponentOf(std::string_view field, std::string_view currency) {
  const std::optional<ledger::CurrencyInfo> info = ledger::FindCurrency(currency);
  if (!info) return FieldError(field, Quote(currency) + " is not an ISO 4217 currency we know");
  return info->scale;
}

Status CheckAmount(std::string_view field, const Amount& amount) {
  CB_RETURN_IF_ERROR(CheckCurrency(field, amount.currency, amount.exponent));
  if (amount.amount_minor <= 0) return FieldError(field, "must be positive");
  if (amount.amount_minor > kAmountMinorMax) return FieldError(field, "has more than 18 digits");
  return Status::Ok();
}

Status CheckDate(std::string_view field, Date date) {
  if (!IsValidDate(date)) {
    return FieldError(
        field, "not a day of years " + std::to_string(kYearMin) + "-" + std::to_string(kYearMax));
  }
  return Status::Ok();
}

// ---- Readers ----

Result<std::string> ReadText(const Reader& reader, const xmlNode* from, std::string_view path,
                             std::string_view field, size_t chars_max) {
  const xmlNode* node = reader.Find(from, path);
  if (node == nullptr) return FieldError(field, "missing");
  std::string text = Reader::Text(node);
  CB_RETURN_IF_ERROR(CheckText(field, text, chars_max));
  return text;
}

Result<std::string> ReadOptionalText(const Reader& reader, const xmlNode* from,
                                     std::string_view path, std::string_view field,
                                     size_t chars_max) {
  if (reader.Find(from, path) == nullptr) return std::string();
  return ReadText(reader, from, path, field, chars_max);
}

Result<TimestampNs> ReadDateTime(const Reader& reader, const xmlNode* from, std::string_view path,
                                 std::string_view field) {
  const xmlNode* node = reader.Find(from, path);
  if (node == nullptr) return FieldError(field, "missing");
  const std::string raw = Reader::Text(node);
  const std::string_view text = TrimXmlSpace(raw);
  std::optional<TimestampNs> ts = ParseRfc3339(text);
  if (!ts && !text.empty() && IsDigit(text.back())) ts = ParseRfc3339(std::string(text) + "Z");
  if (!ts) return FieldError(field, Quote(text) + " is not a date-time we can read");
  return *ts;
}

Result<Date> ReadDate(const Reader& reader, const xmlNode* from, std::string_view path,
                      std::string_view field) {
  const xmlNode* node = reader.Find(from, path);
  if (node == nullptr) return FieldError(field, "missing");
  const std::string raw = Reader::Text(node);
  const Result<Date> date = ParseDate(TrimXmlSpace(raw));
  if (!date.ok()) return FieldError(field, date.status().message());
  return *date;
}

Result<Amount> ReadAmount(const Reader& reader, const xmlNode* from, std::string_view path,
                          std::string_view field) {
  const xmlNode* node = reader.Find(from, path);
  if (node == nullptr) return FieldError(field, "missing");
  Amount amount;
  amount.currency = Reader::Attribute(node, "Ccy");
  const std::optional<ledger::CurrencyInfo> info = ledger::FindCurrency(amount.currency);
  if (!info) {
    return FieldError(
        field, "currency " + Quote(amount.currency) + " is not an ISO 4217 currency we know");
  }
  amount.exponent = info->scale;
  const std::string raw = Reader::Text(node);
  const Result<int64_t> minor = ParseDecimalAmount(TrimXmlSpace(raw), amount.exponent);
  if (!minor.ok()) return FieldError(field, minor.status().message());
  amount.amount_minor = *minor;
  return amount;
}

Result<uint64_t> ReadCount(const Reader& reader, const xmlNode* from, std::string_view path,
                           std::string_view field) {
  const xmlNode* node = reader.Find(from, path);
  if (node == nullptr) return FieldError(field, "missing");
  const std::string text = Reader::Text(node);
  // Max15NumericText: 15 digits fit in 64 bits.
  if (text.empty() || text.size() > 15 || !AllDigits(text)) {
    return FieldError(field, Quote(text) + " is not 1-15 digits");
  }
  uint64_t count = 0;
  for (char c : text) count = count * 10 + static_cast<uint64_t>(c - '0');
  return count;
}

}  // namespace internal
}  // namespace cb::payments::iso
