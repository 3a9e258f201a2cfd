#pragma once
// The IBAN of a customer account (issue 15): the bank's country, bank code and sort code with
// the account's bank-wide number (AccountMeta::number), check digits per ISO 13616. Fixed for
// the bank: an IBAN once shown must name the same account for ever, so these are constants,
// not configuration (a bank with its own codes changes them before its first account).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cb::platform {

inline constexpr std::string_view kBankIbanCountry = "GB";
inline constexpr std::string_view kBankCode = "CBNK";        // 4 letters (GB BBAN: 4!a6!n8!n)
inline constexpr std::string_view kBankSortCode = "000001";  // 6 digits
inline constexpr std::string_view kBankBic = "CBNKGB2LXXX";  // the bank's BIC (ISO 9362)
inline constexpr uint64_t kAccountNumberMax = 99'999'999;    // 8 digits

// "GB.." for `number` in 1..kAccountNumberMax; "" otherwise (no IBAN).
std::string AccountIban(uint64_t number);
// The account number of one of this bank's IBANs (electronic form); nullopt for any other.
std::optional<uint64_t> AccountNumberOfIban(std::string_view electronic);

}  // namespace cb::platform
