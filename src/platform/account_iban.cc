// Account numbers to IBANs and back (account_iban.h).
#include "platform/account_iban.h"

#include <cstdio>

#include "base/check.h"
#include "payments/iban.h"

namespace cb::platform {

std::string AccountIban(uint64_t number) {
  if (number == 0 || number > kAccountNumberMax) return "";
  char digits[9];
  std::snprintf(digits, sizeof(digits), "%08llu", static_cast<unsigned long long>(number));
  const std::string bban = std::string(kBankCode) + std::string(kBankSortCode) + digits;
  Result<payments::Iban> iban = payments::MakeIban(kBankIbanCountry, bban);
  CB_CHECK(iban.ok());  // the constants are a valid GB BBAN (account_iban_test)
  return iban->electronic();
}

std::optional<uint64_t> AccountNumberOfIban(std::string_view electronic) {
  Result<payments::Iban> iban = payments::ParseIban(electronic);
  if (!iban.ok() || iban->country() != kBankIbanCountry) return std::nullopt;
  const std::string_view bban = iban->bban();
  const std::string prefix = std::string(kBankCode) + std::string(kBankSortCode);
  if (!bban.starts_with(prefix)) return std::nullopt;
  uint64_t n = 0;
  for (char c : bban.substr(prefix.size())) n = n * 10 + static_cast<uint64_t>(c - '0');
  if (n == 0) return std::nullopt;
  return n;
}

}  // namespace cb::platform
