#include "webhooks/signature.h"

#include <gtest/gtest.h>

namespace cb::webhooks {
namespace {

// The Standard Webhooks specification's own example (its README and reference libraries).
constexpr std::string_view kSpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kSpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kSpecTimestamp = 1614265330;
constexpr std::string_view kSpecBody = R"({"test": 2432232314})";
constexpr std::string_view kSpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(WebhookSignature, SignsTheSpecificationsExample) {
  Result<std::string> key = SecretKey(kSpecSecret);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(Sign(*key, kSpecId, kSpecTimestamp, kSpecBody), kSpecSignature);
}

TEST(WebhookSignature, VerifiesAnyListedV1SignatureAndNothingElse) {
  const std::string key = *SecretKey(kSpecSecret);
  EXPECT_TRUE(Verify(key, kSpecId, kSpecTimestamp, kSpecBody, kSpecSignature));
  // During a rotation two signatures are sent; either may be the receiver's.
  const std::string other = *SecretKey(NewSecret());
  const std::string both =
      Sign(other, kSpecId, kSpecTimestamp, kSpecBody) + " " + std::string(kSpecSignature);
  EXPECT_TRUE(Verify(key, kSpecId, kSpecTimestamp, kSpecBody, both));
  EXPECT_TRUE(Verify(other, kSpecId, kSpecTimestamp, kSpecBody, both));
  // Any change to the id, the timestamp or the body breaks it, as does another scheme.
  EXPECT_FALSE(Verify(key, "msg_other", kSpecTimestamp, kSpecBody, kSpecSignature));
  EXPECT_FALSE(Verify(key, kSpecId, kSpecTimestamp + 1, kSpecBody, kSpecSignature));
  EXPECT_FALSE(Verify(key, kSpecId, kSpecTimestamp, R"({"test": 2432232315})", kSpecSignature));
  EXPECT_FALSE(Verify(key, kSpecId, kSpecTimestamp, kSpecBody,
                      "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
  EXPECT_FALSE(Verify(key, kSpecId, kSpecTimestamp, kSpecBody, ""));
}

TEST(WebhookSignature, MintsSecretsThatParseAndDiffer) {
  const std::string a = NewSecret();
  const std::string b = NewSecret();
  EXPECT_NE(a, b);
  EXPECT_TRUE(a.starts_with("whsec_"));
  Result<std::string> key = SecretKey(a);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->size(), kSecretKeyBytes);
}

TEST(WebhookSignature, RefusesWhatIsNotASecret) {
  for (std::string_view bad : {"", "whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                               "whsec_MfKQ9r8GKYqrTwjU", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!",
                               "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw==", "whsec_AAAA"}) {
    EXPECT_FALSE(SecretKey(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace cb::webhooks
