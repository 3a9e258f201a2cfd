#include "platform/ids.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <unordered_set>

#include "platform/key_directory.h"

namespace cb::platform {
namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

TEST(IdsTest, KnownValues) {
  EXPECT_EQ(FormatId(prefix::kAccount, 1), "acct_" + std::string(25, '0') + "1");
  EXPECT_EQ(FormatId(prefix::kTransfer, 32), "tr_" + std::string(24, '0') + "10");
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
    for (std::string_view p : {prefix::kTenant, prefix::kApiKey, prefix::kCustomer,
                               prefix::kAccount, prefix::kTransfer}) {
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
  const std::string upper = FormatId(prefix::kAccount, v);
  const std::string body = upper.substr(prefix::kAccount.size());
  const std::string lower = std::string(prefix::kAccount) + Lower(body);
  ASSERT_NE(lower, upper);
  u128 back = 0;
  ASSERT_TRUE(ParseId(lower, prefix::kAccount, &back));
  EXPECT_TRUE(back == v);
  // Mixed case too.
  std::string mixed = upper;
  for (size_t k = prefix::kAccount.size(); k < mixed.size(); k += 2) mixed[k] = Lower(upper)[k];
  back = 0;
  ASSERT_TRUE(ParseId(mixed, prefix::kAccount, &back));
  EXPECT_TRUE(back == v);
}

TEST(IdsTest, WrongPrefixIsRejected) {
  const u128 v = 123456789;
  u128 out = 42;
  const std::string acct = FormatId(prefix::kAccount, v);
  EXPECT_FALSE(ParseId(acct, prefix::kTransfer, &out));
  EXPECT_FALSE(ParseId(acct, prefix::kCustomer, &out));
  EXPECT_FALSE(ParseId(FormatId(prefix::kTransfer, v), prefix::kAccount, &out));
  // Same length as "acct_", different prefix.
  EXPECT_FALSE(ParseId("acc__" + acct.substr(5), prefix::kAccount, &out));
  // The prefix is matched exactly (only the base32 part is case-insensitive).
  EXPECT_FALSE(ParseId("ACCT_" + acct.substr(5), prefix::kAccount, &out));
  // No prefix at all.
  EXPECT_FALSE(ParseId(acct.substr(5), prefix::kAccount, &out));
  EXPECT_TRUE(out == 42);  // untouched on failure
}

TEST(IdsTest, WrongLengthIsRejected) {
  const std::string id = FormatId(prefix::kAccount, 987654321);
  u128 out = 0;
  EXPECT_FALSE(ParseId(id.substr(0, id.size() - 1), prefix::kAccount, &out));  // 25 chars
  EXPECT_FALSE(ParseId(id + "0", prefix::kAccount, &out));                     // 27 chars
  EXPECT_FALSE(ParseId("acct_" + std::string(25, '0') + "1 ", prefix::kAccount, &out));
  EXPECT_FALSE(ParseId("", prefix::kAccount, &out));
  EXPECT_FALSE(ParseId("acct_", prefix::kAccount, &out));
}

TEST(IdsTest, LettersOutsideTheCrockfordAlphabetAreRejected) {
  const std::string id = FormatId(prefix::kAccount, MakeU128(0x1111, 0x2222));
  for (char bad : {'I', 'L', 'O', 'U', 'i', 'l', 'o', 'u', '-', '_', ' ', '*', '\0'}) {
    for (size_t pos : {prefix::kAccount.size() + 1, id.size() - 1}) {
      std::string text = id;
      text[pos] = bad;
      u128 out = 0;
      EXPECT_FALSE(ParseId(text, prefix::kAccount, &out))
          << "char " << int{bad} << " at " << pos << ": " << text;
    }
  }
}

TEST(IdsTest, ZeroAndAllOnesAreRejected) {
  u128 out = 0;
  EXPECT_FALSE(ParseId(FormatId(prefix::kAccount, 0), prefix::kAccount, &out));
  EXPECT_FALSE(ParseId(FormatId(prefix::kAccount, kU128Max), prefix::kAccount, &out));
  EXPECT_FALSE(ParseId("acct_7" + Lower(std::string(25, 'Z')), prefix::kAccount, &out));
  // Neighbours are fine.
  EXPECT_TRUE(ParseId(FormatId(prefix::kAccount, 1), prefix::kAccount, &out));
  EXPECT_TRUE(out == 1);
  EXPECT_TRUE(ParseId(FormatId(prefix::kAccount, kU128Max - 1), prefix::kAccount, &out));
  EXPECT_TRUE(out == kU128Max - 1);
}

TEST(IdsTest, FirstCharacterAboveSevenOverflowsAndIsRejected) {
  const std::string body = std::string(25, '0') + "1";
  for (char first : {'8', '9', 'A', 'Z', 'a', 'z'}) {
    std::string text = "acct_" + body;
    text[5] = first;
    u128 out = 0;
    EXPECT_FALSE(ParseId(text, prefix::kAccount, &out)) << text;
  }
  for (char first : {'0', '1', '7'}) {
    std::string text = "acct_" + body;
    text[5] = first;
    u128 out = 0;
    EXPECT_TRUE(ParseId(text, prefix::kAccount, &out)) << text;
  }
  // "8000...0" would be exactly 2^128: wraps to zero without the first-char check.
  u128 out = 0;
  EXPECT_FALSE(ParseId("acct_8" + std::string(25, '0'), prefix::kAccount, &out));
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

// --- KeyDirectory -----------------------------------------------------------------------

class KeyDirectoryTest : public ::testing::Test {
 protected:
  KeyDirectoryTest() {
    tenant_.id = TenantId(RandomU128());
    tenant_.seq = 3;
    tenant_.name = "acme";
    tenant_.sandbox = true;
    tenant_.root = false;
    dir_.PutTenant(tenant_);
    key_id_ = ApiKeyId(RandomU128());
    secret_ = MakeKeySecret(key_id_);
    ApiKey k;
    k.id = key_id_;
    k.tenant = tenant_.id;
    k.secret_sha256 = secret_.secret_sha256;
    k.role = Role::kOperator;
    k.name = "ops";
    dir_.PutKey(k);
  }

  KeyDirectory dir_;
  Tenant tenant_;
  ApiKeyId key_id_;
  NewKeySecret secret_;
};

TEST_F(KeyDirectoryTest, TokenHasTheDocumentedShape) {
  const std::string& t = secret_.token;
  ASSERT_EQ(t.size(), 3 + kIdBase32Chars + 1 + 64);
  EXPECT_EQ(t.substr(0, 3), "sk_");
  EXPECT_EQ(t[3 + kIdBase32Chars], '_');
  u128 id = 0;
  ASSERT_TRUE(ParseId(t.substr(0, 3 + kIdBase32Chars), "sk_", &id));
  EXPECT_TRUE(id == key_id_.value);
  const std::string secret = t.substr(3 + kIdBase32Chars + 1);
  for (char c : secret) {
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << secret;
  }
  EXPECT_EQ(secret_.secret_sha256, Sha256Of(secret.data(), secret.size()));
  // Two secrets for the same id differ.
  EXPECT_NE(MakeKeySecret(key_id_).token, secret_.token);
}

TEST_F(KeyDirectoryTest, ValidTokenAuthenticates) {
  const auto p = dir_.Authenticate(secret_.token);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->tenant, tenant_.id);
  EXPECT_EQ(p->tenant_seq, 3u);
  EXPECT_TRUE(p->sandbox);
  EXPECT_FALSE(p->root);
  EXPECT_EQ(p->key, key_id_);
  EXPECT_EQ(p->role, Role::kOperator);
}

TEST_F(KeyDirectoryTest, OneCharacterChangeOfTheSecretFails) {
  const size_t secret_at = 3 + kIdBase32Chars + 1;
  for (size_t pos = secret_at; pos < secret_.token.size(); pos++) {
    std::string t = secret_.token;
    t[pos] = t[pos] == '0' ? '1' : '0';
    EXPECT_FALSE(dir_.Authenticate(t).has_value()) << pos;
  }
  // Upper-case hex is a different secret (the hash covers the text as issued).
  std::string upper = secret_.token;
  bool changed = false;
  for (size_t pos = secret_at; pos < upper.size(); pos++) {
    if (upper[pos] >= 'a' && upper[pos] <= 'f') {
      upper[pos] = static_cast<char>(upper[pos] - 'a' + 'A');
      changed = true;
    }
  }
  if (changed) {
    EXPECT_FALSE(dir_.Authenticate(upper).has_value());
  }
}

TEST_F(KeyDirectoryTest, UnknownKeyIdFails) {
  const NewKeySecret other = MakeKeySecret(ApiKeyId(RandomU128()));
  EXPECT_FALSE(dir_.Authenticate(other.token).has_value());
  // The right secret under another (unknown) key id.
  const std::string secret = secret_.token.substr(3 + kIdBase32Chars);
  const std::string swapped = FormatId("sk_", key_id_.value ^ 1) + secret;
  EXPECT_FALSE(dir_.Authenticate(swapped).has_value());
}

TEST_F(KeyDirectoryTest, AnotherKeysSecretFails) {
  const ApiKeyId id2(RandomU128());
  const NewKeySecret s2 = MakeKeySecret(id2);
  ApiKey k;
  k.id = id2;
  k.tenant = tenant_.id;
  k.secret_sha256 = s2.secret_sha256;
  k.role = Role::kAdmin;
  dir_.PutKey(k);
  ASSERT_TRUE(dir_.Authenticate(s2.token).has_value());
  // Key 1's id with key 2's secret.
  const std::string mixed =
      secret_.token.substr(0, 3 + kIdBase32Chars) + s2.token.substr(3 + kIdBase32Chars);
  EXPECT_FALSE(dir_.Authenticate(mixed).has_value());
}

TEST_F(KeyDirectoryTest, RevokedKeyFails) {
  ASSERT_TRUE(dir_.Authenticate(secret_.token).has_value());
  dir_.RevokeKey(key_id_);
  EXPECT_FALSE(dir_.Authenticate(secret_.token).has_value());
  dir_.RevokeKey(ApiKeyId(RandomU128()));  // unknown: no effect, no crash
}

TEST_F(KeyDirectoryTest, KeyOfAnUnknownTenantFails) {
  const ApiKeyId id(RandomU128());
  const NewKeySecret s = MakeKeySecret(id);
  ApiKey k;
  k.id = id;
  k.tenant = TenantId(RandomU128());  // never put
  k.secret_sha256 = s.secret_sha256;
  dir_.PutKey(k);
  EXPECT_FALSE(dir_.Authenticate(s.token).has_value());
}

TEST_F(KeyDirectoryTest, ClearForgetsEverything) {
  dir_.Clear();
  EXPECT_FALSE(dir_.Authenticate(secret_.token).has_value());
}

TEST_F(KeyDirectoryTest, MalformedTokensFail) {
  const std::string& t = secret_.token;
  const size_t id_end = 3 + kIdBase32Chars;
  std::vector<std::string> bad = {
      "",
      "sk_",
      t.substr(0, t.size() - 1),                         // short
      t + "0",                                           // long
      t.substr(0, id_end) + t.substr(id_end + 1) + "0",  // missing underscore, same length
      "pk_" + t.substr(3),                               // wrong prefix
      "SK_" + t.substr(3),
      "Bearer " + t,
  };
  std::string no_sep = t;
  no_sep[id_end] = '-';
  bad.push_back(no_sep);
  std::string bad_id = t;
  bad_id[5] = 'U';  // not Crockford
  bad.push_back(bad_id);
  std::string overflow_id = t;
  overflow_id[3] = '8';  // the id would overflow 128 bits
  bad.push_back(overflow_id);
  bad.push_back("sk_" + std::string(kIdBase32Chars, '0') + t.substr(id_end));  // zero id
  std::string non_hex = t;
  non_hex.back() = 'g';
  bad.push_back(non_hex);
  for (const std::string& b : bad) {
    EXPECT_FALSE(dir_.Authenticate(b).has_value()) << "'" << b << "'";
  }
  EXPECT_TRUE(dir_.Authenticate(t).has_value());  // the original still works
}

}  // namespace
}  // namespace cb::platform
