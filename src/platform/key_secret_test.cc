#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "platform/key_directory.h"

namespace cb::platform {
namespace {

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
