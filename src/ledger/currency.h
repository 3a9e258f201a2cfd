#pragma once
// ISO 4217 currencies and their minor-unit scales, for defining ledgers. The table covers
// the active currencies banks settle in; assets beyond it are defined with an explicit
// scale (crypto, commodities) through the same LedgerInfo.
#include <optional>
#include <string_view>

#include "ledger/types.h"

namespace cb::ledger {

struct CurrencyInfo {
  std::string_view code;
  uint16_t numeric;
  uint8_t scale;  // minor-unit digits
};

std::optional<CurrencyInfo> FindCurrency(std::string_view code);
std::optional<CurrencyInfo> FindCurrencyByNumeric(uint16_t numeric);
// A LedgerInfo for an ISO 4217 currency; nullopt if the code is unknown.
std::optional<LedgerInfo> CurrencyLedger(LedgerCode ledger, std::string_view code);

}  // namespace cb::ledger
