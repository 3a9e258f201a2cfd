#include "kernel/ids.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <unordered_set>

namespace cb::kernel {
namespace {

// Two services' prefixes, as any service would define its own.
constexpr std::string_view kAccountPrefix = "acct_";
constexpr std::string_view kTransferPrefix = "tr_";

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

TEST(IdsTest, KnownValues) {
  EXPECT_EQ(FormatId(kAccountPrefix, 1), "acct_" + std::string(25, '0') + "1");
  EXPECT_EQ(FormatId(kTransferPrefix, 32), "tr_" + std::string(24, '0') + "10");
  // 128 bits in 130: the first character carries the top 3 bits.
  EXPECT_EQ(FormatId(prefix::kTenant, kU128Max), "ten_7" + std::string(25, 'Z'));
  EXPECT_EQ(FormatId(prefix::kTenant, kU128Max - 1), "ten_7" + std::string(24, 'Z') + "Y");
  std::string s = "x:";
  AppendId(&s, prefix::kCustomer, 31);
  EXPECT_EQ(s, "x:cus_" + std::string(25, '0') + "Z");
}

TEST(IdsTest, FormatParseRoundTripsForRandomValues) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; i++) {
    u128 v = MakeU128(rng(), rng());
    if (i % 4 == 1) v >>= rng() % 128;  // small values too (leading zeros)
    if (v == 0 || v == kU128Max) continue;
    for (std::string_view p :
         {prefix::kTenant, prefix::kApiKey, prefix::kCustomer, kAccountPrefix, kTransferPrefix}) {
      const std::string text = FormatId(p, v);
      ASSERT_EQ(text.size(), p.size() + kIdBase32Chars);
      ASSERT_EQ(text.substr(0, p.size()), p);
      for (size_t k = p.size(); k < text.size(); k++) {
        ASSERT_NE(kCrockford.find(text[k]), std::string_view::npos) << text;
      }
      ASSERT_LE(text[p.size()], '7') << text;
      u128 back = 0;
      ASSERT_TRUE(ParseId(text, p, &back)) << text;
      ASSERT_TRUE(back == v) << text;
    }
  }
}

TEST(IdsTest, LowercaseIsAccepted) {
  const u128 v = MakeU128(0x0123456789ABCDEFull, 0xFEDCBA9876543210ull);
  const std::string upper = FormatId(kAccountPrefix, v);
  const std::string body = upper.substr(kAccountPrefix.size());
  const std::string lower = std::string(kAccountPrefix) + Lower(body);
  ASSERT_NE(lower, upper);
  u128 back = 0;
  ASSERT_TRUE(ParseId(lower, kAccountPrefix, &back));
  EXPECT_TRUE(back == v);
  // Mixed case too.
  std::string mixed = upper;
  for (size_t k = kAccountPrefix.size(); k < mixed.size(); k += 2) mixed[k] = Lower(upper)[k];
  back = 0;
  ASSERT_TRUE(ParseId(mixed, kAccountPrefix, &back));
  EXPECT_TRUE(back == v);
}

TEST(IdsTest, WrongPrefixIsRejected) {
  const u128 v = 123456789;
  u128 out = 42;
  const std::string acct = FormatId(kAccountPrefix, v);
  EXPECT_FALSE(ParseId(acct, kTransferPrefix, &out));
  EXPECT_FALSE(ParseId(acct, prefix::kCustomer, &out));
  EXPECT_FALSE(ParseId(FormatId(kTransferPrefix, v), kAccountPrefix, &out));
  // Same length as "acct_", different prefix.
  EXPECT_FALSE(ParseId("acc__" + acct.substr(5), kAccountPrefix, &out));
  // The prefix is matched exactly (only the base32 part is case-insensitive).
  EXPECT_FALSE(ParseId("ACCT_" + acct.substr(5), kAccountPrefix, &out));
  // No prefix at all.
  EXPECT_FALSE(ParseId(acct.substr(5), kAccountPrefix, &out));
  EXPECT_TRUE(out == 42);  // untouched on failure
}

TEST(IdsTest, WrongLengthIsRejected) {
  const std::string id = FormatId(kAccountPrefix, 987654321);
  u128 out = 0;
  EXPECT_FALSE(ParseId(id.substr(0, id.size() - 1), kAccountPrefix, &out));  // 25 chars
  EXPECT_FALSE(ParseId(id + "0", kAccountPrefix, &out));                     // 27 chars
  EXPECT_FALSE(ParseId("acct_" + std::string(25, '0') + "1 ", kAccountPrefix, &out));
  EXPECT_FALSE(ParseId("", kAccountPrefix, &out));
  EXPECT_FALSE(ParseId("acct_", kAccountPrefix, &out));
}

TEST(IdsTest, LettersOutsideTheCrockfordAlphabetAreRejected) {
  const std::string id = FormatId(kAccountPrefix, MakeU128(0x1111, 0x2222));
  for (char bad : {'I', 'L', 'O', 'U', 'i', 'l', 'o', 'u', '-', '_', ' ', '*', '\0'}) {
    for (size_t pos : {kAccountPrefix.size() + 1, id.size() - 1}) {
      std::string text = id;
      text[pos] = bad;
      u128 out = 0;
      EXPECT_FALSE(ParseId(text, kAccountPrefix, &out))
          << "char " << int{bad} << " at " << pos << ": " << text;
    }
  }
}

TEST(IdsTest, ZeroAndAllOnesAreRejected) {
  u128 out = 0;
  EXPECT_FALSE(ParseId(FormatId(kAccountPrefix, 0), kAccountPrefix, &out));
  EXPECT_FALSE(ParseId(FormatId(kAccountPrefix, kU128Max), kAccountPrefix, &out));
  EXPECT_FALSE(ParseId("acct_7" + Lower(std::string(25, 'Z')), kAccountPrefix, &out));
  // Neighbours are fine.
  EXPECT_TRUE(ParseId(FormatId(kAccountPrefix, 1), kAccountPrefix, &out));
  EXPECT_TRUE(out == 1);
  EXPECT_TRUE(ParseId(FormatId(kAccountPrefix, kU128Max - 1), kAccountPrefix, &out));
  EXPECT_TRUE(out == kU128Max - 1);
}

TEST(IdsTest, FirstCharacterAboveSevenOverflowsAndIsRejected) {
  const std::string body = std::string(25, '0') + "1";
  for (char first : {'8', '9', 'A', 'Z', 'a', 'z'}) {
    std::string text = "acct_" + body;
    text[5] = first;
    u128 out = 0;
    EXPECT_FALSE(ParseId(text, kAccountPrefix, &out)) << text;
  }
  for (char first : {'0', '1', '7'}) {
    std::string text = "acct_" + body;
    text[5] = first;
    u128 out = 0;
    EXPECT_TRUE(ParseId(text, kAccountPrefix, &out)) << text;
  }
  // "8000...0" would be exactly 2^128: wraps to zero without the first-char check.
  u128 out = 0;
  EXPECT_FALSE(ParseId("acct_8" + std::string(25, '0'), kAccountPrefix, &out));
}

TEST(IdsTest, RandomU128IsNeverZeroOrAllOnesAndDistinct) {
  constexpr int kDraws = 100000;
  std::unordered_set<u128, U128Hash> seen;
  seen.reserve(kDraws);
  bool high_bit_seen = false, low_bit_seen = false;
  for (int i = 0; i < kDraws; i++) {
    const u128 v = RandomU128();
    ASSERT_TRUE(v != 0);
    ASSERT_TRUE(v != kU128Max);
    ASSERT_TRUE(seen.insert(v).second) << "duplicate draw " << i;
    high_bit_seen |= (v >> 127) != 0;
    low_bit_seen |= (v & 1) != 0;
  }
  // Uses all 128 bits (not, say, a 64-bit value widened).
  EXPECT_TRUE(high_bit_seen);
  EXPECT_TRUE(low_bit_seen);
}

}  // namespace
}  // namespace cb::kernel
