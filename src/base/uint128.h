#pragma once
// 128-bit unsigned integers for ids and amounts (minor units). Money is exact: no floating
// point; every addition that could overflow goes through CheckedAdd.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace cb {

using u128 = unsigned __int128;
constexpr u128 kU128Max = ~static_cast<u128>(0);

inline bool CheckedAdd(u128 a, u128 b, u128* out) { return !__builtin_add_overflow(a, b, out); }

std::string U128ToString(u128 value);
// Parses a plain decimal string (no sign, no leading '+', at most 39 digits); nullopt on
// any other input or overflow.
std::optional<u128> ParseU128(std::string_view text);

inline u128 MakeU128(uint64_t hi, uint64_t lo) { return (static_cast<u128>(hi) << 64) | lo; }
inline uint64_t U128Lo(u128 v) { return static_cast<uint64_t>(v); }
inline uint64_t U128Hi(u128 v) { return static_cast<uint64_t>(v >> 64); }

// Little-endian (de)serialisation; x86-64 is little-endian, the on-disk formats are too.
template <typename T>
inline void StoreLe(uint8_t* dst, T value) {
  std::memcpy(dst, &value, sizeof(T));
}
template <typename T>
inline T LoadLe(const uint8_t* src) {
  T value;
  std::memcpy(&value, src, sizeof(T));
  return value;
}
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "on-disk formats assume little-endian");

}  // namespace cb
