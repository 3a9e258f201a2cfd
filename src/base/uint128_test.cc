#include "base/uint128.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace cb {
namespace {

constexpr const char* kU128MaxText = "340282366920938463463374607431768211455";

TEST(Uint128Test, ZeroFormatsAsASingleDigit) { EXPECT_EQ(U128ToString(0), "0"); }

TEST(Uint128Test, MaxValueFormatsAsAllThirtyNineDigits) {
  EXPECT_EQ(U128ToString(kU128Max), kU128MaxText);
}

TEST(Uint128Test, ValuesAboveSixtyFourBitsFormatExactly) {
  EXPECT_EQ(U128ToString(static_cast<u128>(UINT64_MAX)), "18446744073709551615");
  EXPECT_EQ(U128ToString(static_cast<u128>(UINT64_MAX) + 1), "18446744073709551616");
  EXPECT_EQ(U128ToString(MakeU128(1, 0)), "18446744073709551616");
  EXPECT_EQ(U128ToString(MakeU128(0x0123456789ABCDEFull, 0xFEDCBA9876543210ull)),
            "1512366075204170947332355369683137040");
}

TEST(Uint128Test, FormatThenParseRoundTrips) {
  const u128 samples[] = {0,
                          1,
                          9,
                          10,
                          99,
                          100,
                          static_cast<u128>(UINT64_MAX),
                          MakeU128(1, 0),
                          MakeU128(0xFFFF, 12345),
                          kU128Max - 1,
                          kU128Max};
  for (u128 v : samples) {
    const std::string text = U128ToString(v);
    const std::optional<u128> parsed = ParseU128(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_TRUE(*parsed == v) << text;
  }
}

TEST(Uint128Test, MaxValueParses) {
  const std::optional<u128> v = ParseU128(kU128MaxText);
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(*v == kU128Max);
}

TEST(Uint128Test, MaxValuePlusOneOverflowsToNullopt) {
  EXPECT_EQ(ParseU128("340282366920938463463374607431768211456"), std::nullopt);
  EXPECT_EQ(ParseU128("340282366920938463463374607431768211460"), std::nullopt);
  EXPECT_EQ(ParseU128("999999999999999999999999999999999999999"), std::nullopt);
}

TEST(Uint128Test, FortyDigitsAreRejectedEvenWithLeadingZeros) {
  EXPECT_EQ(ParseU128("0000000000000000000000000000000000000001"), std::nullopt);
  EXPECT_EQ(ParseU128("3402823669209384634633746074317682114550"), std::nullopt);
}

TEST(Uint128Test, LeadingZerosWithinThirtyNineDigitsParse) {
  const std::optional<u128> v = ParseU128("000000000000000000000000000000000000042");
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(*v == 42);
  const std::optional<u128> zero = ParseU128("0");
  ASSERT_TRUE(zero.has_value());
  EXPECT_TRUE(*zero == 0);
}

TEST(Uint128Test, SignsSpacesAndEmptyInputAreRejected) {
  for (const char* text :
       {"", "+1", "-1", "-0", " 1", "1 ", "1 2", "\t7", "0x10", "1e3", "1.0", "12a", "\xd9\xa1"}) {
    EXPECT_EQ(ParseU128(text), std::nullopt) << "'" << text << "'";
  }
}

TEST(Uint128Test, CheckedAddDetectsOverflowAtTheTopOfTheRange) {
  u128 out = 0;
  EXPECT_TRUE(CheckedAdd(kU128Max - 1, 1, &out));
  EXPECT_TRUE(out == kU128Max);
  EXPECT_FALSE(CheckedAdd(kU128Max, 1, &out));
}

TEST(Uint128Test, HighAndLowHalvesRecombine) {
  const u128 v = MakeU128(0xDEADBEEFull, 0xCAFEBABEull);
  EXPECT_EQ(U128Hi(v), 0xDEADBEEFull);
  EXPECT_EQ(U128Lo(v), 0xCAFEBABEull);
}

}  // namespace
}  // namespace cb
