#pragma once
// Appending JSON by hand: the answers are small, fixed in shape and on the hot path, so a
// DOM would only cost allocations. Strings are always escaped here.
#include <string>
#include <string_view>

#include "base/json_string.h"
#include "base/time.h"

namespace cb::kernel {

using cb::AppendJsonString;  // base/json_string.h: escaped, always valid JSON

inline void AppendJsonStringOrNull(std::string* out, std::string_view s) {
  if (s.empty()) {
    out->append("null");
  } else {
    AppendJsonString(out, s);
  }
}

// Quoted RFC 3339 with nanoseconds, UTC.
inline void AppendTimestamp(std::string* out, TimestampNs ts) {
  out->push_back('"');
  out->append(FormatRfc3339(ts));
  out->push_back('"');
}

}  // namespace cb::kernel
