#pragma once
// Strong 128-bit id types: `Id128<AccountTag>` and `Id128<TransferTag>` are different types,
// so swapping two ids in a call does not compile. Zero means "none"; all ones is reserved.
#include "base/uint128.h"

namespace cb {

template <typename Tag>
struct Id128 {
  u128 value = 0;
  constexpr Id128() = default;
  constexpr explicit Id128(u128 v) : value(v) {}
  bool operator==(const Id128&) const = default;
  bool zero() const { return value == 0; }
  bool max() const { return value == kU128Max; }
};

}  // namespace cb
