#pragma once
// ISO 3166-1 alpha-2 codes to the English country names the lists write ("IR" -> "Iran"):
// a screen's country arrives as a code, the index compares names (screening.h).
#include <optional>
#include <string>
#include <string_view>

namespace cb::risk::screening {

// The English short name of an assigned upper-case alpha-2 code (ICU's CLDR data), or
// nullopt for anything else ("ZZ", "ir", "IRN").
std::optional<std::string> CountryNameOfIso2(std::string_view code);

}  // namespace cb::risk::screening
