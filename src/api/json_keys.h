#pragma once
// Duplicate object keys in a JSON text. Boost.JSON keeps the last of two equal keys, so
// {"amount":"1.00","amount":"1000.00"} would mean whatever the last parser in a chain
// decides; we refuse such bodies outright.
#include <optional>
#include <string>
#include <string_view>

namespace cb::api {

// The first key that appears twice in one object, or nullopt (also for invalid JSON: the
// caller's parse reports that). One pass, no DOM.
std::optional<std::string> FindDuplicateKey(std::string_view json);

// Keys in a valid JSON text, counted on its bytes (a string followed by ':'), duplicates
// included. Compared with the keys a parsed DOM kept (which drops duplicates), it clears the
// usual body in one cheap pass; only a mismatch needs FindDuplicateKey to name the key.
size_t CountKeysInText(std::string_view json);

}  // namespace cb::api
