#include "kernel/money.h"

namespace cb::kernel {

Result<u128> ParseAmount(std::string_view text, uint8_t scale) {
  if (text.empty()) return Status::InvalidArgument("amount is empty");
  if (text.size() > kAmountCharsMax) return Status::InvalidArgument("amount is too long");
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty()) return Status::InvalidArgument("amount must start with a digit");
  if (dot != std::string_view::npos && frac.empty()) {
    return Status::InvalidArgument("amount must not end with '.'");
  }
  if (frac.size() > scale) {
    return Status::InvalidArgument("amount has more decimals than the currency allows (" +
                                   std::to_string(scale) + ")");
  }
  u128 v = 0;
  auto push = [&v](char c) -> bool {
    if (c < '0' || c > '9') return false;
    const u128 d = static_cast<u128>(c - '0');
    if (v > (kU128Max - d) / 10) return false;
    v = v * 10 + d;
    return true;
  };
  for (char c : whole) {
    if (!push(c)) return Status::InvalidArgument("amount must be a decimal number like \"12.34\"");
  }
  for (char c : frac) {
    if (!push(c)) return Status::InvalidArgument("amount must be a decimal number like \"12.34\"");
  }
  for (size_t i = frac.size(); i < scale; i++) {
    if (!push('0')) return Status::InvalidArgument("amount is too large");
  }
  if (v == 0) return Status::InvalidArgument("amount must be greater than zero");
  return v;
}

void AppendAmount(std::string* out, u128 minor, uint8_t scale) {
  char buf[64];
  size_t n = 0;
  do {
    buf[n++] = static_cast<char>('0' + static_cast<unsigned>(minor % 10));
    minor /= 10;
  } while (minor != 0);
  while (n <= scale) buf[n++] = '0';  // at least one whole digit
  for (size_t i = n; i-- > 0;) {
    out->push_back(buf[i]);
    if (i == scale && scale > 0) out->push_back('.');
  }
}

std::string FormatAmount(u128 minor, uint8_t scale) {
  std::string s;
  AppendAmount(&s, minor, scale);
  return s;
}

void AppendSignedAmount(std::string* out, u128 plus, u128 minus, uint8_t scale) {
  if (plus >= minus) return AppendAmount(out, plus - minus, scale);
  out->push_back('-');
  AppendAmount(out, minus - plus, scale);
}

}  // namespace cb::kernel
