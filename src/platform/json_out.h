#pragma once
// Appending JSON by hand: the answers are small, fixed in shape and on the hot path, so a
// DOM would only cost allocations. Strings are always escaped here.
#include <string>
#include <string_view>

namespace cb::platform {

// Appends `s` as a JSON string literal (quotes included), escaping ", \ and control bytes.
// Bytes >= 0x80 pass through (input was validated as UTF-8 at the edge).
inline void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

inline void AppendJsonStringOrNull(std::string* out, std::string_view s) {
  if (s.empty()) {
    out->append("null");
  } else {
    AppendJsonString(out, s);
  }
}

}  // namespace cb::platform
