#include "risk/sample_decisions.h"

#include <iterator>

namespace cb::risk {

namespace {

// splitmix64: small, fast, and the same sequence everywhere.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int64_t Below(int64_t n) { return static_cast<int64_t>(Next() % static_cast<uint64_t>(n)); }
  bool Chance(int percent) { return Below(100) < percent; }
  template <typename T, size_t N>
  const T& Pick(const T (&a)[N]) {
    return a[Below(static_cast<int64_t>(N))];
  }
};

constexpr std::string_view kCountries[] = {"de", "fr", "gb", "us", "es", "it", "nl", "ng", "ir"};
constexpr std::string_view kTrust[] = {"trusted", "trusted", "trusted", "new", "unknown"};
constexpr std::string_view kCounterparty[] = {"customer", "customer", "external", "own"};
struct Currency {
  std::string_view code;
  uint8_t exponent;
};
constexpr Currency kCurrencies[] = {{"EUR", 2}, {"EUR", 2}, {"USD", 2}, {"GBP", 2}, {"JPY", 0}};

}  // namespace

std::vector<SampleDecision> SampleDecisions(uint64_t seed, size_t count) {
  Rng rng{seed};
  std::vector<SampleDecision> out(count);
  for (SampleDecision& d : out) {
    RiskInput& in = d.input;
    const Currency& c = rng.Pick(kCurrencies);
    in.currency = c.code;
    in.currency_exponent = c.exponent;
    const int64_t unit = c.exponent == 2 ? 100 : 1;
    const int64_t kind = rng.Below(100);
    in.operation = rng.Chance(10) ? "batch_item" : "transfer";
    if (kind < 15) {  // the tenant's own accounts, admin or operator key
      in.channel = "api";
      in.role = rng.Chance(50) ? "admin" : "operator";
      in.customer_type = "none";
      in.counterparty_type = "internal";
      in.device_trust = "unknown";
    } else {
      const bool app = kind >= 60;
      in.channel = app ? "app" : "api";
      in.role = app ? "user" : "admin";
      in.acr = app ? static_cast<uint8_t>(1 + rng.Below(2)) : 0;
      in.customer_type = rng.Chance(80) ? "individual" : "business";
      in.country = rng.Pick(kCountries);
      in.counterparty_type = rng.Pick(kCounterparty);
      in.counterparty_country = rng.Pick(kCountries);
      in.device_trust = app ? rng.Pick(kTrust) : "unknown";
      in.kyc_tier = static_cast<uint8_t>(rng.Below(4));
    }
    // Mostly small amounts, some large and round ones.
    const int64_t r = rng.Below(100);
    in.amount_minor = r < 70   ? 1 + rng.Below(200 * unit)
                      : r < 90 ? unit * (100 + rng.Below(5000))
                               : unit * 1000 * (1 + rng.Below(20));
    FeatureValues& f = d.features;
    const int64_t count_24h = rng.Below(rng.Chance(10) ? 80 : 8);
    f.set(Feature::kCustomerCount1h, count_24h / 4);
    f.set(Feature::kCustomerCount24h, count_24h);
    f.set(Feature::kCustomerCount30d, count_24h * (1 + rng.Below(20)));
    f.set(Feature::kCustomerSum1h, count_24h / 4 * in.amount_minor);
    f.set(Feature::kCustomerSum24h, count_24h * in.amount_minor);
    f.set(Feature::kCustomerSum30d, f.get(Feature::kCustomerCount30d) * in.amount_minor);
    for (size_t i = 0; i < 6; i++) f.v[6 + i] = f.v[i];  // account_* = customer_*
    f.set(Feature::kInboundCount24h, rng.Below(5));
    f.set(Feature::kInboundSum24h, f.get(Feature::kInboundCount24h) * in.amount_minor);
    f.set(Feature::kPayeeInboundCount24h, rng.Below(rng.Chance(5) ? 100 : 10));
    f.set(Feature::kPayeeInboundSum24h, f.get(Feature::kPayeeInboundCount24h) * unit * 50);
    f.set(Feature::kPayeesDistinct24h, rng.Below(rng.Chance(5) ? 30 : 5));
    f.set(Feature::kPayersDistinct24h, rng.Below(rng.Chance(5) ? 30 : 5));
    f.set(Feature::kFirstSeenCounterparty, rng.Chance(30) ? 1 : 0);
    f.set(Feature::kAccountAgeDays, rng.Below(rng.Chance(10) ? 7 : 2000));
    f.set(Feature::kPayeeAccountAgeDays, rng.Below(rng.Chance(10) ? 2 : 2000));
    f.set(Feature::kDaysSinceLastActivity, rng.Chance(5) ? 100 + rng.Below(600) : rng.Below(10));
    f.set(Feature::kAmountZscoreMilli, rng.Below(12000) - 2000);
    f.set(Feature::kHourOfDay, rng.Below(24));
    f.set(Feature::kDeviceAgeDays, rng.Below(1000) - 1);
  }
  return out;
}

}  // namespace cb::risk
