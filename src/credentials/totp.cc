#include "credentials/totp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>
#include <iterator>
#include <limits>

#include "base/check.h"

namespace cb::credentials {
namespace {

constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr uint32_t kPow10[] = {1,       10,        100,        1'000,      10'000,
                               100'000, 1'000'000, 10'000'000, 100'000'000};
static_assert(kTotpDigitsMax < static_cast<int>(std::size(kPow10)));

void CheckShape(int digits, uint32_t step_s) {
  CB_CHECK(digits >= kTotpDigitsMin);
  CB_CHECK(digits <= kTotpDigitsMax);
  CB_CHECK(step_s >= 1);
}

const EVP_MD* Digest(TotpAlgorithm algorithm) {
  switch (algorithm) {
    case TotpAlgorithm::kSha1:
      return EVP_sha1();
    case TotpAlgorithm::kSha256:
      return EVP_sha256();
  }
  CB_CHECK(false);
}

// RFC 4226 §5.3: HMAC over the counter (8 bytes, big-endian), then "dynamic truncation": the
// low nibble of the last byte picks 4 bytes; the top bit is dropped so signedness can't vary.
std::string Hotp(std::string_view secret, uint64_t counter, int digits, TotpAlgorithm algorithm) {
  uint8_t message[8];
  for (int i = 7; i >= 0; i--) {
    message[i] = static_cast<uint8_t>(counter & 0xFF);
    counter >>= 8;
  }
  CB_CHECK(secret.size() <= static_cast<size_t>(INT_MAX));
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int mac_bytes = 0;
  const uint8_t* ok = HMAC(Digest(algorithm), secret.data(), static_cast<int>(secret.size()),
                           message, sizeof(message), mac, &mac_bytes);
  CB_CHECK(ok != nullptr);
  CB_CHECK(mac_bytes >= 20);  // offset (<= 15) + 4 bytes must stay inside the MAC.
  const size_t offset = mac[mac_bytes - 1] & 0x0Fu;
  const uint32_t binary = (uint32_t{mac[offset]} & 0x7Fu) << 24 | uint32_t{mac[offset + 1]} << 16 |
                          uint32_t{mac[offset + 2]} << 8 | uint32_t{mac[offset + 3]};
  uint32_t value = binary % kPow10[digits];
  std::string code(static_cast<size_t>(digits), '0');
  for (size_t i = code.size(); i-- > 0;) {  // Zero-padded on the left: 6 digits always.
    code[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return code;
}

// -1 for a character outside the base32 alphabet (either case).
int Base32Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

void AppendPercentEncoded(std::string_view text, std::string& out) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  for (const char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<uint8_t>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
}

}  // namespace

std::string NewTotpSecret() {
  std::string secret(kTotpSecretBytes, '\0');
  // RAND_bytes fails only when the OS RNG is unavailable; no caller could recover from that.
  CB_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()),
                      static_cast<int>(secret.size())) == 1);
  return secret;
}

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  uint32_t buffer = 0;  // Holds fewer than 5 + 8 bits between iterations.
  int bits = 0;
  for (const char c : bytes) {
    buffer = (buffer << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32Alphabet[(buffer >> bits) & 0x1Fu]);
    }
    buffer &= (1u << bits) - 1;
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 0x1Fu]);
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  size_t data_chars = text.size();
  while (data_chars > 0 && text[data_chars - 1] == '=') data_chars--;
  const size_t pad_chars = text.size() - data_chars;
  // Padding, when present, completes a group of 8 and is at most 6 ('f' -> "MY======").
  if (pad_chars > 0 && (text.size() % 8 != 0 || pad_chars > 6)) return std::nullopt;
  // 1, 3 or 6 characters in a final group can't come from whole bytes.
  const size_t tail_chars = data_chars % 8;
  if (tail_chars == 1 || tail_chars == 3 || tail_chars == 6) return std::nullopt;

  std::string out;
  out.reserve(data_chars * 5 / 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < data_chars; i++) {
    const int value = Base32Value(text[i]);
    if (value < 0) return std::nullopt;  // Also a '=' in the middle.
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFFu));
    }
    buffer &= (1u << bits) - 1;
  }
  // Leftover bits must be zero: otherwise two texts would decode to the same bytes.
  if (buffer != 0) return std::nullopt;
  return out;
}

std::string TotpCode(std::string_view secret, uint64_t unix_seconds, int digits, uint32_t step_s,
                     TotpAlgorithm algorithm) {
  CheckShape(digits, step_s);
  return Hotp(secret, unix_seconds / step_s, digits, algorithm);
}

std::optional<uint64_t> VerifyTotp(std::string_view secret, std::string_view code,
                                   uint64_t unix_seconds, uint64_t last_used_step, int window_steps,
                                   const TotpParams& params) {
  CheckShape(params.digits, params.step_s);
  CB_CHECK(window_steps >= 0);
  CB_CHECK(window_steps <= kTotpWindowStepsMax);
  if (code.size() != static_cast<size_t>(params.digits)) return std::nullopt;
  for (const char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const auto window = static_cast<uint64_t>(window_steps);
  const uint64_t now_step = unix_seconds / params.step_s;
  const uint64_t step_first = now_step >= window ? now_step - window : 0;
  const uint64_t step_last = now_step <= std::numeric_limits<uint64_t>::max() - window
                                 ? now_step + window
                                 : std::numeric_limits<uint64_t>::max();
  // Every step in the window is computed and compared, matched or not, so timing says
  // nothing about which step matched. The highest match wins: recording a lower one would
  // let the same code pass again at a later step that happens to share it.
  std::optional<uint64_t> matched;
  for (uint64_t step = step_first;; step++) {  // Bounded: 2 * kTotpWindowStepsMax + 1 steps.
    const std::string expected = Hotp(secret, step, params.digits, params.algorithm);
    const bool equal = CRYPTO_memcmp(expected.data(), code.data(), code.size()) == 0;
    if (equal && step > last_used_step) matched = step;
    if (step == step_last) break;
  }
  return matched;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account_name,
                       std::string_view secret) {
  std::string uri = "otpauth://totp/";
  AppendPercentEncoded(issuer, uri);
  uri.push_back(':');
  AppendPercentEncoded(account_name, uri);
  uri += "?secret=";
  uri += Base32Encode(secret);
  uri += "&issuer=";
  AppendPercentEncoded(issuer, uri);
  uri += "&algorithm=SHA1&digits=6&period=30";
  return uri;
}

}  // namespace cb::credentials
