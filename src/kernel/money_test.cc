#include "kernel/money.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>

namespace cb::kernel {
namespace {

// kU128Max = 340282366920938463463374607431768211455 (39 digits).
constexpr std::string_view kMaxDigits = "340282366920938463463374607431768211455";

u128 ParseOk(std::string_view text, uint8_t scale) {
  Result<u128> r = ParseAmount(text, scale);
  EXPECT_TRUE(r.ok()) << "'" << text << "' scale " << int{scale} << ": " << r.status().ToString();
  return r.ok() ? *r : 0;
}

void ExpectInvalid(std::string_view text, uint8_t scale) {
  Result<u128> r = ParseAmount(text, scale);
  ASSERT_FALSE(r.ok()) << "'" << text << "' scale " << int{scale} << " parsed as "
                       << U128ToString(*r);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << text;
  EXPECT_FALSE(r.status().message().empty()) << text;
}

// Inserts '.' before the last `scale` digits of a digit string (at least one whole digit).
std::string WithDot(std::string_view digits, uint8_t scale) {
  std::string s(digits);
  if (scale == 0) return s;
  s.insert(s.size() - scale, ".");
  return s;
}

TEST(ParseAmountTest, ScaleTwoIsExact) {
  EXPECT_EQ(ParseOk("12.34", 2), static_cast<u128>(1234));
  EXPECT_EQ(ParseOk("12.3", 2), static_cast<u128>(1230));
  EXPECT_EQ(ParseOk("12", 2), static_cast<u128>(1200));
  EXPECT_EQ(ParseOk("0.01", 2), static_cast<u128>(1));
  EXPECT_EQ(ParseOk("0.1", 2), static_cast<u128>(10));
  EXPECT_EQ(ParseOk("1", 2), static_cast<u128>(100));
}

TEST(ParseAmountTest, ScaleZeroIsExact) {
  EXPECT_EQ(ParseOk("12", 0), static_cast<u128>(12));
  EXPECT_EQ(ParseOk("1", 0), static_cast<u128>(1));
  ExpectInvalid("12.3", 0);
  ExpectInvalid("1.0", 0);  // no fraction digits at all at scale 0
}

TEST(ParseAmountTest, ScaleThreeIsExact) {
  EXPECT_EQ(ParseOk("1.234", 3), static_cast<u128>(1234));
  EXPECT_EQ(ParseOk("1.23", 3), static_cast<u128>(1230));
  EXPECT_EQ(ParseOk("1.2", 3), static_cast<u128>(1200));
  EXPECT_EQ(ParseOk("1", 3), static_cast<u128>(1000));
  EXPECT_EQ(ParseOk("0.001", 3), static_cast<u128>(1));
  ExpectInvalid("1.2345", 3);
}

TEST(ParseAmountTest, MoreDecimalsThanTheScaleIsInvalid) {
  ExpectInvalid("1.234", 2);
  ExpectInvalid("0.001", 2);
  ExpectInvalid("12.340", 2);  // even a trailing zero is one decimal too many
}

TEST(ParseAmountTest, ZeroIsInvalid) {
  for (uint8_t scale : {uint8_t{0}, uint8_t{2}, uint8_t{3}}) {
    ExpectInvalid("0", scale);
    ExpectInvalid("000", scale);
  }
  ExpectInvalid("0.00", 2);
  ExpectInvalid("0.0", 2);
  ExpectInvalid("0.000", 3);
}

TEST(ParseAmountTest, MalformedTextIsInvalid) {
  for (uint8_t scale : {uint8_t{0}, uint8_t{2}, uint8_t{3}}) {
    for (std::string_view text : {"-1",
                                  "+1",
                                  "1e3",
                                  "1E3",
                                  " 1",
                                  "1 ",
                                  ".5",
                                  "5.",
                                  "",
                                  "1.2.3",
                                  "\xEF\xBC\x91" /* "１" */,
                                  "1,5",
                                  "0x10",
                                  "１.00",
                                  "1_000",
                                  "abc",
                                  "1.-5",
                                  "\t1",
                                  "1\n",
                                  ".",
                                  "..",
                                  "٣"}) {
      SCOPED_TRACE(std::string(text));
      ExpectInvalid(text, scale);
    }
  }
  // Embedded NUL: not a digit.
  ExpectInvalid(std::string_view("1\0", 2), 2);
}

TEST(ParseAmountTest, TooLongIsInvalid) {
  ExpectInvalid(std::string(kAmountCharsMax + 1, '1'), 0);
  // Leading zeros count towards the length bound.
  ExpectInvalid(std::string(kAmountCharsMax, '0') + "1", 0);
}

TEST(ParseAmountTest, LargestRepresentableAmountParsesAndOneMoreOverflows) {
  // The text for kU128Max minor units at each scale, and the same plus one minor unit.
  const std::string max_plus_one = "340282366920938463463374607431768211456";
  for (uint8_t scale : {uint8_t{0}, uint8_t{2}, uint8_t{3}}) {
    SCOPED_TRACE(int{scale});
    EXPECT_TRUE(ParseOk(WithDot(kMaxDigits, scale), scale) == kU128Max);
    ExpectInvalid(WithDot(max_plus_one, scale), scale);
  }
  // Overflow that only shows while padding the fraction: kU128Max whole units parse at
  // scale 0 but overflow once scaled to minor units.
  ExpectInvalid(std::string(kMaxDigits), 2);
  ExpectInvalid("3402823669209384634633746074317682114.6", 2);
  EXPECT_TRUE(ParseOk("3402823669209384634633746074317682114.5", 2) ==
              kU128Max - 5);  // ...114.50 = max - 5
  // Forty nines overflow at any scale.
  ExpectInvalid(std::string(40, '9'), 0);
}

TEST(FormatAmountTest, AlwaysScaleFractionDigits) {
  EXPECT_EQ(FormatAmount(0, 2), "0.00");
  EXPECT_EQ(FormatAmount(5, 2), "0.05");
  EXPECT_EQ(FormatAmount(50, 2), "0.50");
  EXPECT_EQ(FormatAmount(1234, 2), "12.34");
  EXPECT_EQ(FormatAmount(100, 2), "1.00");
  EXPECT_EQ(FormatAmount(5, 0), "5");
  EXPECT_EQ(FormatAmount(0, 0), "0");
  EXPECT_EQ(FormatAmount(1, 3), "0.001");
  EXPECT_EQ(FormatAmount(1234, 3), "1.234");
  EXPECT_EQ(FormatAmount(kU128Max, 0), kMaxDigits);
  EXPECT_EQ(FormatAmount(kU128Max, 2), WithDot(kMaxDigits, 2));
  EXPECT_EQ(FormatAmount(kU128Max, 18), WithDot(kMaxDigits, 18));
}

TEST(FormatAmountTest, AppendAmountAppends) {
  std::string s = "x=";
  AppendAmount(&s, 1234, 2);
  EXPECT_EQ(s, "x=12.34");
}

TEST(FormatAmountTest, SignedAmount) {
  std::string s;
  AppendSignedAmount(&s, 0, 500, 2);
  EXPECT_EQ(s, "-5.00");
  s.clear();
  AppendSignedAmount(&s, 700, 700, 2);
  EXPECT_EQ(s, "0.00");
  s.clear();
  AppendSignedAmount(&s, 1234, 34, 2);
  EXPECT_EQ(s, "12.00");
  s.clear();
  AppendSignedAmount(&s, 1, 2, 0);
  EXPECT_EQ(s, "-1");
  s.clear();
  AppendSignedAmount(&s, 0, kU128Max, 0);
  EXPECT_EQ(s, "-" + std::string(kMaxDigits));
}

TEST(FormatAmountTest, FormatOfParseRoundTripsForRandomValues) {
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 20000; i++) {
    // Values of every magnitude: a random width of random bits.
    const u128 raw = MakeU128(rng(), rng());
    const unsigned bits = static_cast<unsigned>(rng() % 128) + 1;
    u128 v = bits == 128 ? raw : raw & ((static_cast<u128>(1) << bits) - 1);
    if (v == 0) v = 1;
    for (uint8_t scale : {uint8_t{0}, uint8_t{2}, uint8_t{3}}) {
      const std::string text = FormatAmount(v, scale);
      Result<u128> back = ParseAmount(text, scale);
      ASSERT_TRUE(back.ok()) << text << ": " << back.status().ToString();
      ASSERT_TRUE(*back == v) << text;
      EXPECT_EQ(FormatAmount(*back, scale), text);
    }
  }
}

}  // namespace
}  // namespace cb::kernel
