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

}  // namespace cb::api
