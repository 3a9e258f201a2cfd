#include "payments/iban.h"

#include <algorithm>
#include <array>
#include <vector>

#include "base/check.h"

namespace cb::payments {
namespace internal {
// testdata/iban/iban_registry.tsv, embedded at configure time (src/CMakeLists.txt).
extern const std::string_view kIbanRegistryTsv;
}  // namespace internal

namespace {

// The registry has 127 rows; the bound only keeps the parse loop finite.
constexpr size_t kRegistryRowsMax = 512;
constexpr size_t kRegistryColumns = 10;
constexpr std::string_view kRegistryHeader =
    "country_code\tiban_length\tbban_length\tbban_spec\tiban_spec\tin_sepa_zone\t"
    "bank_code_pos\tbranch_code_pos\taccount_code_pos\tsource";
// Country code (2) and check digits (2) precede the BBAN.
constexpr size_t kBbanOffset = 4;
constexpr size_t kBbanLengthMax = kIbanLengthMax - kBbanOffset;

// What a BBAN position may hold, from the SWIFT spec letters.
enum class CharKind : uint8_t { kDigit, kUpper, kAlnum };

struct Registry {
  std::vector<IbanCountry> countries;
  // Per country (same order), the kind of each BBAN position: "4!a6!n" expands to aaaannnnnn.
  std::vector<std::array<CharKind, kBbanLengthMax>> bban_kinds;
  // 'AA'..'ZZ' -> index into `countries`, -1 when absent.
  std::array<int16_t, 26 * 26> index{};
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

size_t CodeSlot(std::string_view code) {
  CB_CHECK(code.size() == 2);
  CB_CHECK(IsUpper(code[0]));
  CB_CHECK(IsUpper(code[1]));
  return static_cast<size_t>(code[0] - 'A') * 26 + static_cast<size_t>(code[1] - 'A');
}

// Splits at `sep`; bounded by `parts_max` (more parts is a broken registry).
std::vector<std::string_view> Split(std::string_view text, char sep, size_t parts_max) {
  std::vector<std::string_view> parts;
  while (true) {
    CB_CHECK(parts.size() < parts_max);
    const size_t at = text.find(sep);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return parts;
}

size_t ParseSmallNumber(std::string_view digits) {
  CB_CHECK(!digits.empty());
  CB_CHECK(digits.size() <= 3);
  size_t value = 0;
  for (char c : digits) {
    CB_CHECK(IsDigit(c));
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  return value;
}

// "4-8" -> [4, 8); "" and "0-0" (PL's branch) -> empty.
BbanRange ParseRange(std::string_view text, size_t bban_length) {
  if (text.empty()) return {};
  const size_t dash = text.find('-');
  CB_CHECK(dash != std::string_view::npos);
  const size_t begin = ParseSmallNumber(text.substr(0, dash));
  const size_t end = ParseSmallNumber(text.substr(dash + 1));
  CB_CHECK(begin <= end);
  CB_CHECK(end <= bban_length);
  if (begin == end) return {};
  return {static_cast<uint8_t>(begin), static_cast<uint8_t>(end)};
}

// "4!n4!n12!c": fixed-length runs of digits (n), upper-case letters (a) or either (c).
// Returns the BBAN length the spec describes.
size_t ExpandSpec(std::string_view spec, std::array<CharKind, kBbanLengthMax>& kinds) {
  size_t length = 0;
  while (!spec.empty()) {
    size_t digits = 0;
    while (digits < spec.size() && IsDigit(spec[digits])) ++digits;
    CB_CHECK(digits > 0);
    const size_t run = ParseSmallNumber(spec.substr(0, digits));
    CB_CHECK(spec.size() >= digits + 2);
    CB_CHECK(spec[digits] == '!');  // the registry has fixed-length runs only
    CharKind kind = CharKind::kAlnum;
    switch (spec[digits + 1]) {
      case 'n':
        kind = CharKind::kDigit;
        break;
      case 'a':
        kind = CharKind::kUpper;
        break;
      case 'c':
        kind = CharKind::kAlnum;
        break;
      default:
        CB_CHECK(false && "unknown BBAN spec letter");
    }
    CB_CHECK(run > 0);
    CB_CHECK(length + run <= kBbanLengthMax);
    std::fill_n(kinds.begin() + static_cast<std::ptrdiff_t>(length), run, kind);
    length += run;
    spec.remove_prefix(digits + 2);
  }
  return length;
}

// The embedded text is build-time data: a malformed row is a broken build, hence CB_CHECK
// (iban_test parses every row).
Registry ParseRegistry(std::string_view tsv) {
  Registry registry;
  registry.index.fill(-1);
  const std::vector<std::string_view> lines = Split(tsv, '\n', kRegistryRowsMax + 2);
  CB_CHECK(!lines.empty());
  CB_CHECK(lines[0] == kRegistryHeader);
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      CB_CHECK(i + 1 == lines.size());  // only the final newline leaves an empty line
      continue;
    }
    const std::vector<std::string_view> f = Split(lines[i], '\t', kRegistryColumns + 1);
    CB_CHECK(f.size() == kRegistryColumns);
    IbanCountry country;
    country.code = f[0];
    country.iban_length = ParseSmallNumber(f[1]);
    const size_t bban_length = ParseSmallNumber(f[2]);
    CB_CHECK(country.iban_length == bban_length + kBbanOffset);
    CB_CHECK(country.iban_length <= kIbanLengthMax);
    country.bban_spec = f[3];
    std::array<CharKind, kBbanLengthMax> kinds{};
    CB_CHECK(ExpandSpec(country.bban_spec, kinds) == bban_length);
    // f[4], the IBAN spec, repeats the BBAN spec behind a prefix; it is not used (for NE it
    // disagrees with the length, the BBAN spec does not).
    CB_CHECK(f[5] == "True" || f[5] == "False");
    country.in_sepa = f[5] == "True";
    country.bank_code = ParseRange(f[6], bban_length);
    country.branch_code = ParseRange(f[7], bban_length);
    CB_CHECK(f[9] == "generated" || f[9] == "generated+overwrite" || f[9] == "overwrite");
    country.in_swift_registry = f[9] != "overwrite";
    const size_t slot = CodeSlot(country.code);
    CB_CHECK(registry.index[slot] == -1);  // one row per country
    CB_CHECK(registry.countries.empty() || registry.countries.back().code < country.code);
    registry.index[slot] = static_cast<int16_t>(registry.countries.size());
    registry.countries.push_back(country);
    registry.bban_kinds.push_back(kinds);
  }
  CB_CHECK(!registry.countries.empty());
  return registry;
}

const Registry& GetRegistry() {
  static const Registry registry = ParseRegistry(internal::kIbanRegistryTsv);
  return registry;
}

Status Refuse(std::string message) { return Status::InvalidArgument(std::move(message)); }

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

// ISO 7064 mod 97-10 over the rearranged IBAN (BBAN, then country code and check digits),
// letters as two digits (A=10 .. Z=35), one digit at a time: the remainder stays below 97.
uint32_t Mod97(std::string_view electronic) {
  uint32_t remainder = 0;
  const auto feed = [&remainder](char c) {
    if (IsDigit(c)) {
      remainder = (remainder * 10 + static_cast<uint32_t>(c - '0')) % 97;
    } else {
      CB_CHECK(IsUpper(c));
      remainder = (remainder * 100 + static_cast<uint32_t>(c - 'A' + 10)) % 97;
    }
  };
  for (char c : electronic.substr(kBbanOffset)) feed(c);
  for (char c : electronic.substr(0, kBbanOffset)) feed(c);
  return remainder;
}

}  // namespace

std::span<const IbanCountry> IbanCountries() { return GetRegistry().countries; }

const IbanCountry* FindIbanCountry(std::string_view code) {
  if (code.size() != 2 || !IsUpper(code[0]) || !IsUpper(code[1])) return nullptr;
  const Registry& registry = GetRegistry();
  const int16_t at = registry.index[CodeSlot(code)];
  return at < 0 ? nullptr : &registry.countries[static_cast<size_t>(at)];
}

std::string Iban::printed() const {
  std::string out;
  out.reserve(electronic_.size() + electronic_.size() / 4);
  for (size_t i = 0; i < electronic_.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back(' ');
    out.push_back(electronic_[i]);
  }
  return out;
}

Result<Iban> ParseIban(std::string_view input) {
  if (input.size() > kIbanInputBytesMax) {
    return Refuse("IBAN input has " + std::to_string(input.size()) + " bytes, more than " +
                  std::to_string(kIbanInputBytesMax));
  }
  std::string electronic;
  electronic.reserve(input.size());
  for (size_t i = 0; i < input.size(); ++i) {
    const char c = input[i];
    if (c == ' ') continue;
    if (c >= 'a' && c <= 'z') {
      electronic.push_back(static_cast<char>(c - 'a' + 'A'));
    } else if (IsUpper(c) || IsDigit(c)) {
      electronic.push_back(c);
    } else {
      return Refuse("IBAN has a character other than A-Z, 0-9 or space at byte " +
                    std::to_string(i + 1));
    }
  }
  if (electronic.empty()) return Refuse("IBAN is empty");
  if (electronic.size() < kBbanOffset) {
    return Refuse("IBAN length " + std::to_string(electronic.size()) +
                  " is too short for a country code and check digits");
  }
  const std::string_view code = std::string_view(electronic).substr(0, 2);
  if (!IsUpper(code[0]) || !IsUpper(code[1])) {
    return Refuse("IBAN country code must be two letters, got " + Quote(code));
  }
  const Registry& registry = GetRegistry();
  const int16_t at = registry.index[CodeSlot(code)];
  if (at < 0) return Refuse("unknown IBAN country code " + Quote(code));
  const IbanCountry& country = registry.countries[static_cast<size_t>(at)];
  const std::array<CharKind, kBbanLengthMax>& kinds = registry.bban_kinds[static_cast<size_t>(at)];

  if (electronic.size() != country.iban_length) {
    return Refuse("wrong IBAN length for " + std::string(code) + ": expected " +
                  std::to_string(country.iban_length) + " characters, got " +
                  std::to_string(electronic.size()));
  }
  const std::string_view check = std::string_view(electronic).substr(2, 2);
  if (!IsDigit(check[0]) || !IsDigit(check[1])) {
    return Refuse("IBAN check digits must be two digits, got " + Quote(check));
  }
  // mod 97 alone lets 00, 01 and 99 through for some BBANs; ISO 13616 issues only 02-98.
  if (check == "00" || check == "01" || check == "99") {
    return Refuse("IBAN check digits " + Quote(check) + " are out of range (02-98)");
  }
  const std::string_view bban = std::string_view(electronic).substr(kBbanOffset);
  CB_CHECK(bban.size() + kBbanOffset == country.iban_length);
  for (size_t j = 0; j < bban.size(); ++j) {
    const char c = bban[j];
    const char* expected = nullptr;
    switch (kinds[j]) {
      case CharKind::kDigit:
        if (!IsDigit(c)) expected = "a digit";
        break;
      case CharKind::kUpper:
        if (!IsUpper(c)) expected = "a letter";
        break;
      case CharKind::kAlnum:
        break;  // every normalised character is A-Z or 0-9
    }
    if (expected != nullptr) {
      return Refuse("IBAN BBAN does not match the " + std::string(code) + " format " +
                    std::string(country.bban_spec) + ": character " +
                    std::to_string(kBbanOffset + j + 1) + " (BBAN position " +
                    std::to_string(j + 1) + ") is " + Quote(std::string_view(&c, 1)) +
                    ", expected " + expected);
    }
  }
  if (Mod97(electronic) != 1) {
    return Refuse("IBAN check digits " + Quote(check) + " do not match (ISO 7064 mod 97-10)");
  }
  return Iban(std::move(electronic), &country);
}

Result<Iban> MakeIban(std::string_view country, std::string_view bban) {
  if (country.size() != 2 || !IsUpper(country[0]) || !IsUpper(country[1]) ||
      bban.size() > kIbanInputBytesMax) {
    return Refuse("IBAN country must be two upper-case letters");
  }
  for (char c : bban) {
    if (!IsDigit(c) && !IsUpper(c)) return Refuse("a BBAN is upper-case letters and digits");
  }
  std::string electronic = std::string(country) + "00" + std::string(bban);
  const uint32_t check = 98 - Mod97(electronic);
  electronic[2] = static_cast<char>('0' + check / 10);
  electronic[3] = static_cast<char>('0' + check % 10);
  return ParseIban(electronic);
}

}  // namespace cb::payments
