#include "risk/screening/country.h"

#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <cstring>

namespace cb::risk::screening {

std::optional<std::string> CountryNameOfIso2(std::string_view code) {
  if (code.size() != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z') {
    return std::nullopt;
  }
  // ICU's list of assigned codes: a well-formed but unassigned code ("ZZ") is refused
  // rather than compared as a name nobody lists.
  bool known = false;
  for (const char* const* c = icu::Locale::getISOCountries(); *c != nullptr && !known; c++) {
    known = std::strncmp(*c, code.data(), 2) == 0 && (*c)[2] == '\0';
  }
  if (!known) return std::nullopt;
  const std::string region(code);
  const icu::Locale locale("", region.c_str());
  icu::UnicodeString name;
  locale.getDisplayCountry(icu::Locale::getEnglish(), name);
  std::string out;
  name.toUTF8String(out);
  if (out.empty() || out == region) return std::nullopt;
  return out;
}

}  // namespace cb::risk::screening
