#pragma once
// JSON string literals written by hand (answers, logs): escaping and strict UTF-8.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cb {

// Length of the well-formed UTF-8 sequence starting at s[i] (a byte >= 0x80), or 0 when it
// is not one (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
size_t Utf8SequenceLength(std::string_view s, size_t i);
bool IsValidUtf8(std::string_view s);
// The longest prefix of `s` of at most `bytes_max` bytes that is valid UTF-8: invalid
// sequences are dropped and no character is cut in half (text stored in protobuf `string`
// fields must stay UTF-8, or the event does not parse back).
std::string TruncateUtf8(std::string_view s, size_t bytes_max);

// Appends `s` as a JSON string literal (quotes included): escapes ", \ and control bytes,
// and turns invalid UTF-8 into U+FFFD, so the output is valid JSON whatever `s` holds.
void AppendJsonString(std::string* out, std::string_view s);
// Appends `values` as a JSON array of such string literals.
void AppendJsonStringArray(std::string* out, const std::vector<std::string>& values);

}  // namespace cb
