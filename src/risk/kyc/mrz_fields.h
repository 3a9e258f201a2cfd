#pragma once
// Field parsers shared by the MRZ formats (mrz.cc). Internal: callers use mrz.h.
#include <string>
#include <string_view>

#include "risk/kyc/mrz.h"

namespace cb::risk::kyc::internal {

inline bool IsLetter(char c) { return c >= 'A' && c <= 'Z'; }

// A present field; `error` is kept only when !valid.
MrzField Field(std::string value, bool valid, std::string_view error);
// Optional data or a number: A-Z 0-9 and fillers; value without trailing fillers, inner
// filler runs as one space.
MrzField TextField(std::string_view s);
// Letters and fillers only (a name printed on its own), value as TextField.
MrzField AlphaField(std::string_view s);
// Digits only (the French issue date, Swiss PIN and version).
MrzField DigitsField(std::string_view s);
// YYMMDD; month or day may be "<<" (unknown, ICAO 9303 part 3); Feb 29 in years YY % 4 == 0
// (2000 was a leap year, so that holds for every two-digit year we can see).
MrzField DateField(std::string_view s);
// A state or nationality code: letters, then fillers; valid only if IsKnownMrzStateCode.
MrzField StateField(std::string_view s);
// The check digit `c` against the 7-3-1 digit of `data`.
MrzField CheckDigitField(char c, std::string_view data);
// The name area "PRIMARY<<SECONDARY<NAMES<<<": primary and secondary identifiers, each
// letters and single fillers; either may be empty (a person with one name).
void NameFields(std::string_view s, MrzField* last, MrzField* first);
// TD1/TD2 document number of 9 characters + check digit, or, when the check digit position
// holds '<', a longer number whose rest and check digit open the optional field (see .cc).
void LongDocumentNumber(std::string_view number9, char check, std::string_view optional,
                        MrzField* number, MrzField* check_digit);

}  // namespace cb::risk::kyc::internal
