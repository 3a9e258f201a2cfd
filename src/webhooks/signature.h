#pragma once
// Standard Webhooks signatures (https://www.standardwebhooks.com, issue 16): a delivery is
// signed `v1,` + base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")), the key
// being the base64 after `whsec_` of the endpoint's secret. During a secret's rotation both
// signatures are sent, space-separated, in one `webhook-signature` header.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cb::webhooks {

inline constexpr std::string_view kSecretPrefix = "whsec_";
constexpr size_t kSecretKeyBytes = 24;     // what we mint (the spec allows 24..64)
constexpr size_t kSecretKeyBytesMin = 24;  // shorter keys are refused
constexpr size_t kSecretKeyBytesMax = 64;

// A fresh endpoint secret: `whsec_` + base64 of kSecretKeyBytes random bytes.
std::string NewSecret();

// The HMAC key of a `whsec_...` secret; InvalidArgument when it is not one.
Result<std::string> SecretKey(std::string_view secret);

// `v1,<base64 signature>` of one delivery.
std::string Sign(std::string_view key, std::string_view msg_id, int64_t timestamp_s,
                 std::string_view body);

// Whether `header` (space-separated `v1,<sig>` entries; others ignored) holds a valid
// signature of the delivery under `key`. Constant time in the signatures compared.
bool Verify(std::string_view key, std::string_view msg_id, int64_t timestamp_s,
            std::string_view body, std::string_view header);

}  // namespace cb::webhooks
