#pragma once
// The sandbox routes' JSON bodies: one flat object of strings, integers, booleans and nulls,
// read strictly (a key twice, nesting, a number with a fraction or an exponent, an unknown
// field: each a 400 naming it). Amounts are strings, never JSON numbers.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cb::scheme {

inline constexpr size_t kJsonKeysMax = 32;
inline constexpr size_t kJsonKeyBytesMax = 64;
inline constexpr size_t kJsonStringBytesMax = 4096;

struct JsonScalar {
  enum class Kind : uint8_t { kString, kInteger, kBool, kNull };
  Kind kind = Kind::kNull;
  std::string text;       // kString
  bool negative = false;  // kInteger: magnitude in `magnitude`
  uint64_t magnitude = 0;
  bool boolean = false;  // kBool
};

// InvalidArgument naming the problem ("body: ...").
Result<std::map<std::string, JsonScalar>> ParseFlatJsonObject(std::string_view text);

// Reads the fields of a parsed object; an absent field and a null are the same.
class JsonFields {
 public:
  explicit JsonFields(const std::map<std::string, JsonScalar>& fields) : fields_(fields) {}

  // UTF-8 text of 1..bytes_max bytes without control characters; "" when absent and
  // not required.
  Status String(std::string_view key, bool required, size_t bytes_max, std::string* out);
  // An integer in [min, max]; *out unchanged when absent.
  Status Uint(std::string_view key, uint64_t min, uint64_t max, uint64_t* out);
  // InvalidArgument naming the first field no reader asked for.
  Status NoUnknownFields() const;

 private:
  const JsonScalar* Get(std::string_view key);

  const std::map<std::string, JsonScalar>& fields_;
  std::set<std::string, std::less<>> used_;
};

}  // namespace cb::scheme
