#pragma once
// JOSE primitives (RFC 7515 JWS compact form, RFC 7517 JWK, RFC 7518 ES256/RS256/PS256,
// RFC 7638 thumbprints) for the OAuth server and token verification at the edge.
// OpenSSL and Boost.JSON stay in the .cc files: keys are shared, immutable handles.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cb::jose {

// Limits checked at the edge (bytes of text as received).
inline constexpr size_t kCompactBytesMax = 8 * 1024;
inline constexpr size_t kJwksBytesMax = 16 * 1024;
inline constexpr size_t kJwksKeysMax = 16;

// RFC 7515 §2: URL-safe alphabet, no padding. Decode is strict: no padding, whitespace or
// other alphabets, no impossible length (len % 4 == 1), no non-zero trailing bits, so every
// byte string has exactly one accepted encoding.
std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

namespace internal {
struct KeyState;  // the EVP_PKEY and its derived public values; defined in jose/internal.h
}

// An EC P-256 key for ES256: ours (with the private half) or a peer's (public only).
// Copies share one immutable OpenSSL key, so concurrent Sign/Verify calls are safe.
class Es256Key {
 public:
  static Es256Key Generate();
  static Result<Es256Key> FromPrivatePem(std::string_view pem);  // PKCS#8 (or SEC1) PEM
  // A public EC P-256 JWK; refused if it carries private members ("d").
  static Result<Es256Key> FromPublicJwk(std::string_view jwk_json);

  bool has_private() const;
  std::string PrivatePem() const;  // PKCS#8; requires has_private()
  // {"kty":"EC","crv":"P-256","x":"..","y":"..","kid":"<kid>","use":"sig","alg":"ES256"}
  std::string PublicJwkJson(std::string_view kid) const;
  std::string Thumbprint() const;  // RFC 7638, SHA-256, base64url: a stable kid

  // JWS signature (RFC 7518 §3.4): 64 bytes, R || S, each left-padded to 32 bytes.
  Result<std::string> Sign(std::string_view signing_input) const;
  bool Verify(std::string_view signing_input, std::string_view raw_signature) const;

 private:
  explicit Es256Key(std::shared_ptr<const internal::KeyState> state);
  std::shared_ptr<const internal::KeyState> state_;
};

// A verification key from a JWK (a client's private_key_jwt keys): EC P-256 (ES256) or
// RSA with a modulus of 2048 to 8192 bits (RS256, PS256). A JWK with private members
// ("d", "p", "k", ...), a "use" other than "sig" or an "alg" that does not fit is refused.
class PublicKey {
 public:
  static Result<PublicKey> FromJwkJson(std::string_view jwk_json);

  const std::string& kid() const;
  const std::string& alg() const;  // the JWK's "alg", empty when absent
  const std::string& kty() const;  // "EC" or "RSA"
  std::string Thumbprint() const;  // RFC 7638

  // False unless `alg` fits the key (ES256 for EC; RS256 or PS256 for RSA), equals the
  // JWK's "alg" when it has one, and the signature verifies. "none" and HS* never verify.
  bool Verify(std::string_view alg, std::string_view signing_input,
              std::string_view signature) const;

 private:
  friend Result<std::vector<PublicKey>> ParseJwks(std::string_view jwks_json);
  explicit PublicKey(std::shared_ptr<const internal::KeyState> state);
  std::shared_ptr<const internal::KeyState> state_;
};

// {"keys":[...]}: at most kJwksKeysMax keys in kJwksBytesMax bytes. Keys whose "use" is not
// "sig" are skipped; any other key that does not parse fails the whole set (naming its index).
Result<std::vector<PublicKey>> ParseJwks(std::string_view jwks_json);

// A compact JWS split and decoded, not verified.
struct CompactJws {
  std::string header_json, payload_json;  // decoded text as received
  std::string alg, kid, typ;              // from the header; kid and typ may be empty
  std::string signing_input;              // first two parts joined with '.' as received
  std::string signature;                  // decoded third part
};

// Structure only, no crypto: three base64url parts, at most kCompactBytesMax bytes, header
// a JSON object with a string "alg" (and string "kid"/"typ" when present) and no "crit",
// payload a JSON object.
Result<CompactJws> DecodeCompact(std::string_view token);

std::string EncodeCompact(std::string_view header_json, std::string_view payload_json,
                          std::string_view raw_signature);
// Header {"alg":"ES256","typ":"<typ>","kid":"<kid>"} ("typ" left out when empty).
Result<std::string> SignCompactEs256(const Es256Key& key, std::string_view kid,
                                     std::string_view typ, std::string_view payload_json);

}  // namespace cb::jose
