#include "base/uint128.h"

#include <algorithm>

namespace cb {

std::string U128ToString(u128 value) {
  if (value == 0) return "0";
  std::string out;
  while (value > 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::optional<u128> ParseU128(std::string_view text) {
  if (text.empty() || text.size() > 39) return std::nullopt;
  u128 value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    u128 next;
    if (__builtin_mul_overflow(value, static_cast<u128>(10), &next)) return std::nullopt;
    if (!CheckedAdd(next, static_cast<u128>(c - '0'), &value)) return std::nullopt;
  }
  return value;
}

}  // namespace cb
