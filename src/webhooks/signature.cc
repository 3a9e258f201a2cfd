// Standard Webhooks signing with OpenSSL's HMAC and base64 (EVP_EncodeBlock).
#include "webhooks/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <string>

#include "base/check.h"

namespace cb::webhooks {

namespace {

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  CB_CHECK(n >= 0 && static_cast<size_t>(n) == out.size());
  return out;
}

// Strict standard base64 (with padding) of at most kSecretKeyBytesMax bytes.
bool Unbase64(std::string_view text, std::string* out) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4 * ((kSecretKeyBytesMax + 2) / 3)) {
    return false;
  }
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/' || c == '=';
    if (!ok) return false;
  }
  std::string raw(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts the padding's zero bytes: take them off.
  size_t pad = 0;
  if (text.back() == '=') pad++;
  if (text.size() >= 2 && text[text.size() - 2] == '=') pad++;
  raw.resize(static_cast<size_t>(n) - pad);
  *out = std::move(raw);
  return true;
}

std::string Mac(std::string_view key, std::string_view msg_id, int64_t timestamp_s,
                std::string_view body) {
  std::string signed_content;
  signed_content.reserve(msg_id.size() + 24 + body.size());
  signed_content.append(msg_id).push_back('.');
  signed_content.append(std::to_string(timestamp_s)).push_back('.');
  signed_content.append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_bytes = 0;
  CB_CHECK(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                reinterpret_cast<const unsigned char*>(signed_content.data()),
                signed_content.size(), mac, &mac_bytes) != nullptr);
  CB_CHECK(mac_bytes == 32);
  return std::string(reinterpret_cast<const char*>(mac), mac_bytes);
}

}  // namespace

std::string NewSecret() {
  std::string raw(kSecretKeyBytes, '\0');
  CB_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) ==
           1);
  return std::string(kSecretPrefix) + Base64(raw);
}

Result<std::string> SecretKey(std::string_view secret) {
  std::string key;
  if (!secret.starts_with(kSecretPrefix) || !Unbase64(secret.substr(kSecretPrefix.size()), &key) ||
      key.size() < kSecretKeyBytesMin || key.size() > kSecretKeyBytesMax) {
    return Status::InvalidArgument("not a whsec_ secret of 24 to 64 base64 bytes");
  }
  return key;
}

std::string Sign(std::string_view key, std::string_view msg_id, int64_t timestamp_s,
                 std::string_view body) {
  return "v1," + Base64(Mac(key, msg_id, timestamp_s, body));
}

bool Verify(std::string_view key, std::string_view msg_id, int64_t timestamp_s,
            std::string_view body, std::string_view header) {
  const std::string expected = Base64(Mac(key, msg_id, timestamp_s, body));
  bool found = false;
  while (!header.empty()) {
    const size_t space = header.find(' ');
    const std::string_view entry = header.substr(0, space);
    header = space == std::string_view::npos ? std::string_view() : header.substr(space + 1);
    if (!entry.starts_with("v1,")) continue;
    const std::string_view sig = entry.substr(3);
    // Every entry is compared (no early exit): timing says nothing about which matched.
    if (sig.size() == expected.size() &&
        CRYPTO_memcmp(sig.data(), expected.data(), expected.size()) == 0) {
      found = true;
    }
  }
  return found;
}

}  // namespace cb::webhooks
