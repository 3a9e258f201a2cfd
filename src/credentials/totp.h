#pragma once
// RFC 6238 time-based one-time passwords (RFC 4226 HOTP over a time counter) and the RFC 4648
// base32 that authenticator apps use for the secret. Time is passed in: tests replay exactly.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cb::credentials {

// RFC 4226 asks for at least 6 digits; 8 is the most RFC 6238's reference code produces.
inline constexpr int kTotpDigitsMin = 6;
inline constexpr int kTotpDigitsMax = 8;
// Steps either side of now VerifyTotp may search. Wider windows multiply guessing odds.
inline constexpr int kTotpWindowStepsMax = 10;
inline constexpr size_t kTotpSecretBytes = 20;  // RFC 4226 recommends 160 bits.

enum class TotpAlgorithm { kSha1, kSha256 };

// Everything but the secret that the user's authenticator must agree on. The defaults are
// what every authenticator app supports and what OtpauthUri advertises.
struct TotpParams {
  int digits = 6;
  uint32_t step_s = 30;
  TotpAlgorithm algorithm = TotpAlgorithm::kSha1;
};

// kTotpSecretBytes from a cryptographic RNG (raw bytes, not base32).
std::string NewTotpSecret();

// RFC 4648 alphabet, upper case, no '=' padding (what otpauth URIs carry).
std::string Base32Encode(std::string_view bytes);
// Accepts upper or lower case, with or without correct '=' padding. nullopt for any other
// character, an impossible length, or non-zero leftover bits (a non-canonical encoding).
std::optional<std::string> Base32Decode(std::string_view text);

// The code for unix_seconds: digits in [kTotpDigitsMin, kTotpDigitsMax], step_s >= 1.
std::string TotpCode(std::string_view secret, uint64_t unix_seconds, int digits = 6,
                     uint32_t step_s = 30, TotpAlgorithm algorithm = TotpAlgorithm::kSha1);

// If code is exactly params.digits ASCII digits and equals the code of some step in
// [now - window_steps, now + window_steps] that is > last_used_step, returns that step (the
// highest one if several match); the caller stores it as the new last_used_step so no code
// is ever accepted twice. Compares in constant time. nullopt otherwise.
std::optional<uint64_t> VerifyTotp(std::string_view secret, std::string_view code,
                                   uint64_t unix_seconds, uint64_t last_used_step,
                                   int window_steps = 1, const TotpParams& params = {});

// otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer>&algorithm=SHA1&digits=6
// &period=30, issuer and account percent-encoded (everything but RFC 3986 unreserved).
std::string OtpauthUri(std::string_view issuer, std::string_view account_name,
                       std::string_view secret);

}  // namespace cb::credentials
