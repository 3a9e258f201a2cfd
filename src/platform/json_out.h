#pragma once
// Appending JSON by hand: the answers are small, fixed in shape and on the hot path, so a
// DOM would only cost allocations. Strings are always escaped here.
#include <string>
#include <string_view>

#include "base/json_string.h"

namespace cb::platform {

using cb::AppendJsonString;  // base/json_string.h: escaped, always valid JSON

inline void AppendJsonStringOrNull(std::string* out, std::string_view s) {
  if (s.empty()) {
    out->append("null");
  } else {
    AppendJsonString(out, s);
  }
}

}  // namespace cb::platform
