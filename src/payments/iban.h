#pragma once
// IBAN validation (ISO 13616) against the country registry in testdata/iban/, which the build
// compiles into the library: the server reads no file for it. Exact: character classes, the
// country's length and BBAN format, and the ISO 7064 mod 97-10 check digits computed piecewise
// on the text (no floating point, no big integers). Pure functions of bounded input.
//
// Countries outside the SWIFT registry (schwifty's additions, registry `source` = "overwrite",
// e.g. the West African BCEAO countries) are accepted like the SWIFT ones: the registry lists
// them with a length and a BBAN format, and banks there issue such IBANs. A caller that wants
// SWIFT countries only checks `IbanCountry::in_swift_registry`.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace cb::payments {

// Bytes of input looked at, spaces included (the print form of the longest IBAN, 34
// characters, is 42 bytes). Longer input is refused before any other work.
inline constexpr size_t kIbanInputBytesMax = 64;
// ISO 13616: an IBAN has at most 34 characters.
inline constexpr size_t kIbanLengthMax = 34;

// [begin, end) offsets into the BBAN; empty when the country has no such code.
struct BbanRange {
  uint8_t begin = 0;
  uint8_t end = 0;
  bool empty() const { return begin == end; }
};

// One row of testdata/iban/iban_registry.tsv. The views point into the compiled-in text.
struct IbanCountry {
  std::string_view code;       // "DE"
  size_t iban_length = 0;      // whole IBAN, country code and check digits included
  std::string_view bban_spec;  // SWIFT notation, e.g. "8!n10!n"
  bool in_sepa = false;
  bool in_swift_registry = false;  // false: schwifty's additions, accepted all the same
  BbanRange bank_code;
  BbanRange branch_code;
};

// All countries of the registry, ordered by code.
std::span<const IbanCountry> IbanCountries();
// nullptr when `code` (two upper-case letters) is not in the registry.
const IbanCountry* FindIbanCountry(std::string_view code);

class Iban {
 public:
  std::string_view country() const { return std::string_view(electronic_).substr(0, 2); }
  std::string_view check_digits() const { return std::string_view(electronic_).substr(2, 2); }
  std::string_view bban() const { return std::string_view(electronic_).substr(4); }
  // Upper case, no spaces: "DE89370400440532013000".
  const std::string& electronic() const { return electronic_; }
  // Groups of four: "DE89 3704 0044 0532 0130 00".
  std::string printed() const;
  std::string_view bank_code() const { return BbanPart(country_->bank_code); }
  std::string_view branch_code() const { return BbanPart(country_->branch_code); }
  bool in_sepa() const { return country_->in_sepa; }
  const IbanCountry& country_info() const { return *country_; }

  friend bool operator==(const Iban& a, const Iban& b) { return a.electronic_ == b.electronic_; }

 private:
  friend Result<Iban> ParseIban(std::string_view input);

  // The IBAN of `country` (two upper-case letters) and `bban`, its check digits computed
  // (ISO 13616: 98 minus mod 97 of the rearranged IBAN with "00"), then parsed like any input:
  // a BBAN not in the country's format is refused the same way.
  Result<Iban> MakeIban(std::string_view country, std::string_view bban);
  Iban(std::string electronic, const IbanCountry* country)
      : electronic_(std::move(electronic)), country_(country) {}
  std::string_view BbanPart(BbanRange range) const {
    return bban().substr(range.begin, range.end - range.begin);
  }

  std::string electronic_;
  const IbanCountry* country_;  // into the registry: lives as long as the program
};

// Accepts the electronic form and the print form (spaces anywhere are dropped; lower-case
// letters become upper case). Refusals are InvalidArgument naming the reason: a character
// other than A-Z, a-z, 0-9 or space, input over kIbanInputBytesMax, an unknown country code,
// the wrong length for the country, a BBAN not in the country's format, or check digits that
// are not 02-98 or fail mod 97.
Result<Iban> ParseIban(std::string_view input);

// The IBAN of `country` (two upper-case letters) and `bban`, its check digits computed
// (ISO 13616: 98 minus mod 97 of the rearranged IBAN with "00"), then parsed like any input:
// a BBAN not in the country's format is refused the same way.
Result<Iban> MakeIban(std::string_view country, std::string_view bban);

}  // namespace cb::payments
