// Access tokens: what the verifier accepts and every forgery or stale token it refuses.
#include "identity/tokens.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include "base/temp_dir.h"
#include "jose/jose.h"
#include "journal/disk.h"
#include "platform/ids.h"
#include "platform/state.h"

namespace cb::identity {
namespace {

constexpr TimestampNs kNow = 1'800'000'000ull * kNsPerSecond;

class TokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kms = kms::OpenLocalKms(JoinPath(tmp_.path(), "kms"));
    ASSERT_TRUE(kms.ok()) << kms.status().ToString();
    kms_ = std::move(*kms);
    std::string jwk;
    auto kid = kms_->CreateSigningKey(&jwk);
    ASSERT_TRUE(kid.ok());
    kid_ = *kid;
    pb::SigningKeyAdded k;
    k.set_kid(kid_);
    k.set_public_jwk(jwk);
    state_.ApplySigningKeyAdded(k);
    pb::AppCreated a;
    a.set_id(platform::IdBytes(app_.value));
    a.set_tenant_id(platform::IdBytes(tenant_.value));
    a.set_name("app");
    a.set_auth_method(1);
    state_.ApplyAppCreated(a);
    config_.issuer = "https://bank.example";
    config_.api_audience = "https://bank.example/v1";
  }

  AccessClaims Claims() const {
    AccessClaims c;
    c.tenant = tenant_;
    c.client = app_;
    c.scopes = kernel::kScopeAccountsRead;
    return c;
  }
  // A JWT with our key but hand-written claims and header.
  std::string Forge(std::string_view header, std::string_view claims) {
    const std::string input = jose::Base64UrlEncode(header) + "." + jose::Base64UrlEncode(claims);
    auto sig = kms_->Sign(kid_, input);
    CB_CHECK(sig.ok());
    return input + "." + jose::Base64UrlEncode(*sig);
  }
  std::string Header(std::string_view alg = "ES256", std::string_view typ = "at+jwt") const {
    return std::string(R"({"alg":")") + std::string(alg) + R"(","typ":")" + std::string(typ) +
           R"(","kid":")" + kid_ + R"("})";
  }
  std::string Body(std::string_view aud, uint64_t exp_s) const {
    return std::string(R"({"iss":"https://bank.example","sub":")") +
           kernel::FormatId(prefix::kApp, app_.value) + R"(","aud":")" + std::string(aud) +
           R"(","client_id":")" + kernel::FormatId(prefix::kApp, app_.value) +
           R"(","scope":"accounts.read","iat":1800000000,"exp":)" + std::to_string(exp_s) +
           R"(,"jti":"j1","tenant":")" + kernel::FormatId(kernel::prefix::kTenant, tenant_.value) +
           R"("})";
  }
  bool Accepts(const std::string& token, TimestampNs now = kNow) {
    TokenVerifier v(config_, &state_);
    TokenError e;
    return v.Verify(token, now, &e).ok();
  }

  TempDir tmp_;
  std::unique_ptr<kms::Kms> kms_;
  std::string kid_;
  IdentityState state_;
  TokenConfig config_;
  TenantId tenant_{kernel::RandomU128()};
  AppId app_{kernel::RandomU128()};
};

TEST_F(TokensTest, IssuedAccessTokenVerifiesWithItsClaims) {
  TokenIssuer issuer(config_, kms_.get(), &state_);
  AccessClaims c = Claims();
  auto token = issuer.AccessToken(&c, kNow);
  ASSERT_TRUE(token.ok());
  TokenVerifier v(config_, &state_);
  TokenError e;
  auto got = v.Verify(*token, kNow + kNsPerSecond, &e);
  ASSERT_TRUE(got.ok()) << e.description;
  EXPECT_EQ(got->client, app_);
  EXPECT_EQ(got->tenant, tenant_);
  EXPECT_EQ(got->scopes, kernel::kScopeAccountsRead);
  EXPECT_EQ(got->jti, c.jti);
  EXPECT_EQ(got->expires - got->issued, config_.access_ttl_s * kNsPerSecond);
  // A hand-built token with the same claims shape is accepted too (the forgery tests below
  // change one thing each).
  EXPECT_TRUE(Accepts(Forge(Header(), Body(config_.api_audience, 1'800'000'300))));
}

TEST_F(TokensTest, AlgNoneIsRefused) {
  const std::string body = Body(config_.api_audience, 1'800'000'300);
  const std::string token = jose::Base64UrlEncode(R"({"alg":"none","typ":"at+jwt"})") + "." +
                            jose::Base64UrlEncode(body) + ".";
  EXPECT_FALSE(Accepts(token));
  EXPECT_FALSE(Accepts(token + "c2ln"));
}

TEST_F(TokensTest, Hs256SignedWithOurPublicKeyIsRefused) {
  // The classic confusion: HMAC keyed with the public key a verifier would hold.
  const std::string jwk = state_.ReadSigningKeys().at(0).public_jwk;
  const std::string input = jose::Base64UrlEncode(Header("HS256")) + "." +
                            jose::Base64UrlEncode(Body(config_.api_audience, 1'800'000'300));
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), jwk.data(), static_cast<int>(jwk.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  EXPECT_FALSE(Accepts(input + "." +
                       jose::Base64UrlEncode(std::string_view(reinterpret_cast<char*>(mac), len))));
}

TEST_F(TokensTest, ATokenSignedByAKeyNotInOurJwksIsRefused) {
  const jose::Es256Key stranger = jose::Es256Key::Generate();
  const std::string input = jose::Base64UrlEncode(Header()) + "." +
                            jose::Base64UrlEncode(Body(config_.api_audience, 1'800'000'300));
  auto sig = stranger.Sign(input);  // our kid, someone else's key
  ASSERT_TRUE(sig.ok());
  EXPECT_FALSE(Accepts(input + "." + jose::Base64UrlEncode(*sig)));
  auto own = jose::SignCompactEs256(stranger, "strangers-kid", "at+jwt",
                                    Body(config_.api_audience, 1'800'000'300));
  ASSERT_TRUE(own.ok());
  EXPECT_FALSE(Accepts(*own));  // unknown kid
}

TEST_F(TokensTest, WrongAudienceIssuerOrTypeIsRefused) {
  EXPECT_FALSE(Accepts(Forge(Header(), Body("https://other.example/v1", 1'800'000'300))));
  std::string wrong_iss = Body(config_.api_audience, 1'800'000'300);
  wrong_iss.replace(wrong_iss.find("bank.example"), 12, "evil.example");
  EXPECT_FALSE(Accepts(Forge(Header(), wrong_iss)));
  EXPECT_FALSE(Accepts(Forge(Header("ES256", "JWT"), Body(config_.api_audience, 1'800'000'300))));
}

TEST_F(TokensTest, ExpiredTokenIsRefusedAfterTheLeeway) {
  const std::string token = Forge(Header(), Body(config_.api_audience, 1'800'000'010));
  EXPECT_TRUE(Accepts(token, kNow));
  EXPECT_TRUE(Accepts(token, kNow + 60 * kNsPerSecond));  // within 60 s of leeway
  EXPECT_FALSE(Accepts(token, kNow + 71 * kNsPerSecond));
}

TEST_F(TokensTest, RevokingTheJtiOrTheAppStopsACachedToken) {
  TokenIssuer issuer(config_, kms_.get(), &state_);
  AccessClaims c = Claims();
  const std::string token = *issuer.AccessToken(&c, kNow);
  TokenVerifier v(config_, &state_);  // one verifier: the second call hits its cache
  TokenError e;
  ASSERT_TRUE(v.Verify(token, kNow, &e).ok());
  pb::AccessTokenRevoked r;
  r.set_jti(c.jti);
  r.set_expires_ns(c.expires);
  r.set_at_ns(kNow);
  state_.ApplyAccessTokenRevoked(r);
  EXPECT_FALSE(v.Verify(token, kNow, &e).ok());
  EXPECT_EQ(e.description, "The token is revoked.");

  AccessClaims c2 = Claims();
  const std::string other = *issuer.AccessToken(&c2, kNow);
  ASSERT_TRUE(v.Verify(other, kNow, &e).ok());
  pb::AppRevoked ar;
  ar.set_id(platform::IdBytes(app_.value));
  state_.ApplyAppRevoked(ar);
  EXPECT_FALSE(v.Verify(other, kNow, &e).ok());
}

TEST_F(TokensTest, RotatedKeyStaysPublishedUntilUnpublishTime) {
  TokenIssuer issuer(config_, kms_.get(), &state_);
  AccessClaims c = Claims();
  const std::string old_token = *issuer.AccessToken(&c, kNow);
  std::string jwk;
  const std::string new_kid = *kms_->CreateSigningKey(&jwk);
  pb::SigningKeyRetired retire;
  retire.set_kid(kid_);
  retire.set_unpublish_ns(kNow + 600 * kNsPerSecond);
  retire.set_at_ns(kNow);
  state_.ApplySigningKeyRetired(retire);
  pb::SigningKeyAdded add;
  add.set_kid(new_kid);
  add.set_public_jwk(jwk);
  state_.ApplySigningKeyAdded(add);
  TokenVerifier v(config_, &state_);
  EXPECT_NE(v.JwksJson(kNow).find(kid_), std::string::npos);
  EXPECT_EQ(v.JwksJson(kNow + 601 * kNsPerSecond).find(kid_), std::string::npos);
  TokenError e;
  EXPECT_TRUE(v.Verify(old_token, kNow + kNsPerSecond, &e).ok()) << e.description;
  AccessClaims c2 = Claims();
  const std::string new_token = *issuer.AccessToken(&c2, kNow);
  EXPECT_NE(new_token.find('.'), std::string::npos);
  EXPECT_TRUE(v.Verify(new_token, kNow, &e).ok()) << e.description;
  EXPECT_NE(jose::DecodeCompact(new_token)->kid, kid_);  // signed by the new key
}

}  // namespace
}  // namespace cb::identity
