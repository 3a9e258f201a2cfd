#pragma once
// jose internals shared by its .cc files; OpenSSL and Boost.JSON stay behind this header.
// Not for use outside src/jose/.
#include <openssl/bn.h>
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "jose/jose.h"

namespace cb::jose::internal {

struct PkeyFree {
  void operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

inline constexpr size_t kEcCoordinateBytes = 32;    // P-256 field element
inline constexpr size_t kEs256SignatureBytes = 64;  // R || S
inline constexpr size_t kRsaModulusBitsMin = 2048;  // RFC 7518 §3.3
inline constexpr size_t kRsaModulusBitsMax = 8192;  // verification cost bound
inline constexpr size_t kRsaExponentBytesMax = 4;   // e is 65537 in practice
inline constexpr size_t kJwkBytesMax = 8 * 1024;    // one key as text
inline constexpr unsigned kJsonDepthMax = 16;

// Immutable once built; shared by every copy of an Es256Key or PublicKey.
struct KeyState {
  PkeyPtr pkey;
  bool has_private = false;
  std::string kty;         // "EC" or "RSA"
  std::string alg;         // the JWK's "alg", empty when absent
  std::string kid;         // the JWK's "kid", empty when absent
  std::string x, y;        // EC only: 32-byte big-endian coordinates
  std::string thumbprint;  // RFC 7638, computed once
};

// Clears OpenSSL's per-thread error queue on scope exit, so a failure here never leaves a
// stale error for the TLS code running next on the same io thread.
class ErrorQueueGuard {
 public:
  ErrorQueueGuard() = default;
  ~ErrorQueueGuard();
  ErrorQueueGuard(const ErrorQueueGuard&) = delete;
  ErrorQueueGuard& operator=(const ErrorQueueGuard&) = delete;
};

// SHA-256, fetched once: EVP_sha256() makes OpenSSL 3 look it up under a lock on every use.
const EVP_MD* Sha256Md();

// Parses `text` (at most `bytes_max`) as a JSON object; `what` names it in errors.
Result<boost::json::object> ParseJsonObject(std::string_view text, size_t bytes_max,
                                            const char* what);
// Optional string member: absent -> empty; present but not a string -> error.
Status OptionalString(const boost::json::object& obj, std::string_view key, std::string* out);

// SHA-256 of the canonical JWK (RFC 7638 §3), base64url.
std::string ThumbprintOfCanonicalJson(std::string_view canonical_json);

// EC P-256 key state from an OpenSSL key (checks the curve, fills x, y and thumbprint).
Result<std::shared_ptr<KeyState>> EcStateFromPkey(PkeyPtr pkey, bool has_private);
// EC P-256 public key from a JWK object with kty "EC" (checks crv, x, y, the point).
Result<std::shared_ptr<KeyState>> EcStateFromJwk(const boost::json::object& jwk);

Result<std::string> SignEs256(EVP_PKEY* pkey, std::string_view signing_input);
bool VerifyEs256(EVP_PKEY* pkey, std::string_view signing_input, std::string_view raw_signature);

}  // namespace cb::jose::internal
