#pragma once
// Amounts at the edge: decimal strings in major units ("12.34") with an ISO 4217 currency,
// parsed exactly into integer minor units. No floating point anywhere.
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/uint128.h"

namespace cb::kernel {

constexpr size_t kAmountCharsMax = 40;

// "12.34" with scale 2 -> 1234. Accepts digits with an optional '.' and at most `scale`
// fraction digits ("12", "12.3", "12.34"); rejects signs, exponents, spaces, leading '.',
// trailing '.', and zero. InvalidArgument with a message naming the problem.
Result<u128> ParseAmount(std::string_view text, uint8_t scale);

// 1234, scale 2 -> "12.34"; always `scale` fraction digits.
void AppendAmount(std::string* out, u128 minor, uint8_t scale);
std::string FormatAmount(u128 minor, uint8_t scale);
// plus - minus, possibly negative: "-5.00".
void AppendSignedAmount(std::string* out, u128 plus, u128 minus, uint8_t scale);

}  // namespace cb::kernel
