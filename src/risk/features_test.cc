#include "risk/features.h"

#include <gtest/gtest.h>

namespace cb::risk {
namespace {

constexpr TimestampNs kMin = 60 * kNsPerSecond;
constexpr TimestampNs kHour = 60 * kMin;
constexpr TimestampNs kDay = 24 * kHour;
constexpr TimestampNs kT0 = 1'000 * kDay;  // a day boundary, far from zero

FeatureQuery Query(TimestampNs now, int64_t amount = 100) {
  return {.from_account = 1,
          .to_account = 2,
          .customer = 7,
          .ledger = 978,
          .amount_minor = amount,
          .now = now};
}

void Pay(FeatureStore* s, TimestampNs at, int64_t amount, u128 to = 2) {
  s->Count({.from_account = 1,
            .to_account = to,
            .customer = 7,
            .ledger = 978,
            .amount_minor = amount,
            .at = at});
}

TEST(FeaturesTest, VelocityWindowsCountAndSumWithinTheirSpans) {
  FeatureStore s;
  Pay(&s, kT0, 100);
  Pay(&s, kT0 + 5 * kMin, 200);
  Pay(&s, kT0 + 3 * kHour, 400);
  FeatureValues f = s.Compute(Query(kT0 + 3 * kHour + kMin));
  EXPECT_EQ(f.get(Feature::kAccountCount1h), 1);
  EXPECT_EQ(f.get(Feature::kAccountSum1h), 400);
  EXPECT_EQ(f.get(Feature::kAccountCount24h), 3);
  EXPECT_EQ(f.get(Feature::kAccountSum24h), 700);
  EXPECT_EQ(f.get(Feature::kCustomerSum30d), 700);
  // Two days later the 24 h window is empty; 30 d still holds everything.
  f = s.Compute(Query(kT0 + 2 * kDay));
  EXPECT_EQ(f.get(Feature::kAccountCount24h), 0);
  EXPECT_EQ(f.get(Feature::kAccountCount30d), 3);
  f = s.Compute(Query(kT0 + 31 * kDay));
  EXPECT_EQ(f.get(Feature::kAccountCount30d), 0);
  EXPECT_EQ(f.get(Feature::kDaysSinceLastActivity), 30);
}

TEST(FeaturesTest, FanOutFanInAndFirstSeenCounterparty) {
  FeatureStore s;
  FeatureValues f = s.Compute(Query(kT0));
  EXPECT_EQ(f.get(Feature::kFirstSeenCounterparty), 1);
  EXPECT_EQ(f.get(Feature::kDaysSinceLastActivity), -1);
  for (u128 to = 10; to < 15; to++) Pay(&s, kT0 + static_cast<TimestampNs>(to) * kMin, 50, to);
  FeatureQuery q = Query(kT0 + kHour);
  q.to_account = 12;
  f = s.Compute(q);
  EXPECT_EQ(f.get(Feature::kFirstSeenCounterparty), 0);
  EXPECT_EQ(f.get(Feature::kPayeesDistinct24h), 5);
  q.from_account = 99;  // another payer into account 12: fan-in sees account 1
  f = s.Compute(q);
  EXPECT_EQ(f.get(Feature::kPayersDistinct24h), 1);
  EXPECT_EQ(f.get(Feature::kPayeeInboundSum24h), 50);
}

TEST(FeaturesTest, PeersStayBoundedAndEvictTheLeastRecent) {
  FeatureStore s;
  for (u128 to = 100; to < 100 + 3 * kPeersMax; to++) {
    Pay(&s, kT0 + static_cast<TimestampNs>(to) * kNsPerSecond, 1, to);
  }
  FeatureQuery q = Query(kT0 + kHour);
  q.to_account = 100;  // the first payee was evicted long ago
  EXPECT_EQ(s.Compute(q).get(Feature::kFirstSeenCounterparty), 1);
  q.to_account = 100 + 3 * kPeersMax - 1;
  EXPECT_EQ(s.Compute(q).get(Feature::kFirstSeenCounterparty), 0);
  EXPECT_EQ(s.Compute(q).get(Feature::kPayeesDistinct24h), static_cast<int64_t>(kPeersMax));
}

TEST(FeaturesTest, RobustZscoreFlagsAnOutlierAgainstTheCustomersHistory) {
  const int64_t history[] = {100, 110, 90, 105, 95, 100, 102};
  EXPECT_EQ(RobustZscoreMilli(100, history, 7), 0);
  EXPECT_GT(RobustZscoreMilli(10'000, history, 7), 100'000);
  EXPECT_LT(RobustZscoreMilli(1, history, 7), -1000);
  EXPECT_EQ(RobustZscoreMilli(10'000, history, 4), 0);  // too few samples
  FeatureStore s;
  for (int i = 0; i < 10; i++) Pay(&s, kT0 + static_cast<TimestampNs>(i) * kMin, 100 + i);
  EXPECT_GT(s.Compute(Query(kT0 + kHour, 50'000)).get(Feature::kAmountZscoreMilli), 10'000);
}

TEST(FeaturesTest, EncodeDecodeRoundTripsExactly) {
  FeatureStore s;
  for (int i = 0; i < 40; i++) {
    Pay(&s, kT0 + static_cast<TimestampNs>(i) * 7 * kMin, 10 * i + 1,
        static_cast<u128>(20 + i % 9));
  }
  std::string a;
  s.Encode(&a);
  FeatureStore t;
  ASSERT_TRUE(t.Decode(a).ok());
  std::string b;
  t.Encode(&b);
  EXPECT_EQ(a, b);
  const FeatureQuery q = Query(kT0 + 5 * kHour, 999);
  EXPECT_EQ(s.Compute(q).v, t.Compute(q).v);
  EXPECT_FALSE(t.Decode(a.substr(0, a.size() - 1)).ok());
  EXPECT_FALSE(t.Decode("XX").ok());
}

TEST(FeaturesTest, TimeOfDayAndAgesComeFromTheBatchClock) {
  FeatureStore s;
  FeatureQuery q = Query(kT0 + 13 * kHour + 5 * kMin);
  q.from_account_created = kT0 - 10 * kDay;
  const FeatureValues f = s.Compute(q);
  EXPECT_EQ(f.get(Feature::kHourOfDay), 13);
  EXPECT_EQ(f.get(Feature::kAccountAgeDays), 10);
  EXPECT_EQ(f.get(Feature::kPayeeAccountAgeDays), -1);  // unknown creation
}

}  // namespace
}  // namespace cb::risk
