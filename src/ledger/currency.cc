#include "ledger/currency.h"

#include <array>

namespace cb::ledger {

namespace {
// ISO 4217 (amendment 176): active codes, numeric codes and minor units.
constexpr std::array<CurrencyInfo, 70> kCurrencies = {{
    {"AED", 784, 2}, {"ARS", 32, 2},  {"AUD", 36, 2},  {"BDT", 50, 2},  {"BGN", 975, 2},
    {"BHD", 48, 3},  {"BRL", 986, 2}, {"CAD", 124, 2}, {"CHF", 756, 2}, {"CLP", 152, 0},
    {"CNY", 156, 2}, {"COP", 170, 2}, {"CZK", 203, 2}, {"DKK", 208, 2}, {"EGP", 818, 2},
    {"EUR", 978, 2}, {"GBP", 826, 2}, {"GHS", 936, 2}, {"HKD", 344, 2}, {"HUF", 348, 2},
    {"IDR", 360, 2}, {"ILS", 376, 2}, {"INR", 356, 2}, {"IQD", 368, 3}, {"ISK", 352, 0},
    {"JOD", 400, 3}, {"JPY", 392, 0}, {"KES", 404, 2}, {"KRW", 410, 0}, {"KWD", 414, 3},
    {"KZT", 398, 2}, {"LKR", 144, 2}, {"LYD", 434, 3}, {"MAD", 504, 2}, {"MXN", 484, 2},
    {"MYR", 458, 2}, {"NGN", 566, 2}, {"NOK", 578, 2}, {"NZD", 554, 2}, {"OMR", 512, 3},
    {"PEN", 604, 2}, {"PHP", 608, 2}, {"PKR", 586, 2}, {"PLN", 985, 2}, {"QAR", 634, 2},
    {"RON", 946, 2}, {"RSD", 941, 2}, {"RWF", 646, 0}, {"SAR", 682, 2}, {"SEK", 752, 2},
    {"SGD", 702, 2}, {"THB", 764, 2}, {"TND", 788, 3}, {"TRY", 949, 2}, {"TWD", 901, 2},
    {"TZS", 834, 2}, {"UAH", 980, 2}, {"UGX", 800, 0}, {"USD", 840, 2}, {"UYU", 858, 2},
    {"VND", 704, 0}, {"XAF", 950, 0}, {"XOF", 952, 0}, {"ZAR", 710, 2}, {"ZMW", 967, 2},
    {"CLF", 990, 4}, {"UYW", 927, 4}, {"MUR", 480, 2}, {"BWP", 72, 2},  {"ETB", 230, 2},
}};
}  // namespace

std::optional<CurrencyInfo> FindCurrency(std::string_view code) {
  for (const auto& c : kCurrencies) {
    if (c.code == code) return c;
  }
  return std::nullopt;
}

std::optional<CurrencyInfo> FindCurrencyByNumeric(uint16_t numeric) {
  for (const auto& c : kCurrencies) {
    if (c.numeric == numeric) return c;
  }
  return std::nullopt;
}

std::optional<LedgerInfo> CurrencyLedger(LedgerCode ledger, std::string_view code) {
  auto c = FindCurrency(code);
  if (!c) return std::nullopt;
  LedgerInfo info;
  info.ledger = ledger;
  std::memcpy(info.currency, c->code.data(), c->code.size());
  info.scale = c->scale;
  return info;
}

}  // namespace cb::ledger
