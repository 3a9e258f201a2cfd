// Es256Key and the EC P-256 helpers PublicKey shares.
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include <cstring>

#include "base/check.h"
#include "base/json_string.h"
#include "jose/internal.h"

namespace cb::jose {

namespace json = boost::json;
using internal::BnPtr;
using internal::ErrorQueueGuard;
using internal::kEcCoordinateBytes;
using internal::kEs256SignatureBytes;
using internal::KeyState;
using internal::MdCtxPtr;
using internal::PkeyCtxPtr;
using internal::PkeyPtr;

namespace {

constexpr size_t kPemBytesMax = 16 * 1024;
constexpr size_t kEcPointBytes = 1 + 2 * kEcCoordinateBytes;  // 0x04 | x | y (uncompressed)

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

// Never prompt on a terminal for a passphrase: encrypted PEM is refused.
int NoPassphrase(char*, int, int, void*) { return -1; }

Result<std::string> CoordinateBytes(EVP_PKEY* pkey, const char* param) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, param, &raw) != 1) {
    return Status::InvalidArgument("EC key has no public point");
  }
  BnPtr bn(raw);
  std::string out(kEcCoordinateBytes, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()),
                   static_cast<int>(out.size())) != static_cast<int>(kEcCoordinateBytes)) {
    return Status::InvalidArgument("EC coordinate does not fit 32 bytes");
  }
  return out;
}

bool IsP256(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "EC") != 1) return false;
  char name[64] = {};
  size_t name_len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
                                     &name_len) != 1) {
    return false;
  }
  const std::string_view group(name, name_len);
  return group == "prime256v1" || group == "P-256";
}

Result<std::string> DecodeCoordinate(const json::object& jwk, std::string_view key) {
  const json::value* v = jwk.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return Status::InvalidArgument("EC JWK needs a string \"" + std::string(key) + "\"");
  }
  std::optional<std::string> bytes = Base64UrlDecode(v->get_string());
  // RFC 7518 §6.2.1.2: the full 32 bytes, leading zeros kept.
  if (!bytes || bytes->size() != kEcCoordinateBytes) {
    return Status::InvalidArgument("EC JWK \"" + std::string(key) + "\" is not 32 base64url bytes");
  }
  return *std::move(bytes);
}

}  // namespace

namespace internal {

Result<std::shared_ptr<KeyState>> EcStateFromPkey(PkeyPtr pkey, bool has_private) {
  CB_CHECK(pkey != nullptr);
  if (!IsP256(pkey.get())) return Status::InvalidArgument("not an EC P-256 key");
  auto state = std::make_shared<KeyState>();
  CB_ASSIGN_OR_RETURN(state->x, CoordinateBytes(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X));
  CB_ASSIGN_OR_RETURN(state->y, CoordinateBytes(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y));
  state->pkey = std::move(pkey);
  state->has_private = has_private;
  state->kty = "EC";
  // RFC 7638 §3.2: required members only, in lexicographic order, no whitespace.
  state->thumbprint =
      ThumbprintOfCanonicalJson(R"({"crv":"P-256","kty":"EC","x":")" + Base64UrlEncode(state->x) +
                                R"(","y":")" + Base64UrlEncode(state->y) + R"("})");
  return state;
}

Result<std::shared_ptr<KeyState>> EcStateFromJwk(const json::object& jwk) {
  std::string kty, crv, alg, kid;
  CB_RETURN_IF_ERROR(OptionalString(jwk, "kty", &kty));
  CB_RETURN_IF_ERROR(OptionalString(jwk, "crv", &crv));
  CB_RETURN_IF_ERROR(OptionalString(jwk, "alg", &alg));
  CB_RETURN_IF_ERROR(OptionalString(jwk, "kid", &kid));
  if (kty != "EC") return Status::InvalidArgument("JWK kty is not \"EC\"");
  if (crv != "P-256") return Status::InvalidArgument("EC JWK crv is not \"P-256\"");
  if (!alg.empty() && alg != "ES256") {
    return Status::InvalidArgument("EC P-256 JWK alg must be \"ES256\"");
  }
  // A public key set that carries a private key is a leak to report, not a key to use.
  if (jwk.contains("d")) return Status::InvalidArgument("JWK contains private key material");
  CB_ASSIGN_OR_RETURN(std::string x, DecodeCoordinate(jwk, "x"));
  CB_ASSIGN_OR_RETURN(std::string y, DecodeCoordinate(jwk, "y"));

  unsigned char point[kEcPointBytes];
  point[0] = 0x04;
  std::memcpy(point + 1, x.data(), kEcCoordinateBytes);
  std::memcpy(point + 1 + kEcCoordinateBytes, y.data(), kEcCoordinateBytes);
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)),
      OSSL_PARAM_construct_end()};
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  CB_CHECK(ctx != nullptr);
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return Status::InvalidArgument("EC JWK is not a P-256 public key");
  }
  PkeyPtr pkey(raw);
  // On the curve, not the point at infinity, in the prime-order subgroup.
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  CB_CHECK(check != nullptr);
  if (EVP_PKEY_public_check(check.get()) != 1) {
    return Status::InvalidArgument("EC JWK point is not on P-256");
  }
  CB_ASSIGN_OR_RETURN(std::shared_ptr<KeyState> state, EcStateFromPkey(std::move(pkey), false));
  CB_CHECK(state->x == x);
  CB_CHECK(state->y == y);
  state->alg = std::move(alg);
  state->kid = std::move(kid);
  return state;
}

Result<std::string> SignEs256(EVP_PKEY* pkey, std::string_view signing_input) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  CB_CHECK(ctx != nullptr);
  size_t der_len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, Sha256Md(), nullptr, pkey) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &der_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return Status::Internal("ECDSA sign init failed");
  }
  std::string der(der_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &der_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return Status::Internal("ECDSA sign failed");
  }
  // OpenSSL writes DER SEQUENCE { r INTEGER, s INTEGER }; JWS wants fixed-width R || S.
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  CB_CHECK(sig != nullptr);
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(kEs256SignatureBytes, '\0');
  auto* out_bytes = reinterpret_cast<unsigned char*>(out.data());
  constexpr int kHalf = static_cast<int>(kEcCoordinateBytes);
  CB_CHECK(BN_bn2binpad(r, out_bytes, kHalf) == kHalf);
  CB_CHECK(BN_bn2binpad(s, out_bytes + kHalf, kHalf) == kHalf);
  return out;
}

bool VerifyEs256(EVP_PKEY* pkey, std::string_view signing_input, std::string_view raw_signature) {
  if (raw_signature.size() != kEs256SignatureBytes) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw_signature.data());
  constexpr int kHalf = static_cast<int>(kEcCoordinateBytes);
  BnPtr r(BN_bin2bn(bytes, kHalf, nullptr));
  BnPtr s(BN_bin2bn(bytes + kHalf, kHalf, nullptr));
  CB_CHECK(r != nullptr && s != nullptr);
  EcdsaSigPtr sig(ECDSA_SIG_new());
  CB_CHECK(sig != nullptr);
  CB_CHECK(ECDSA_SIG_set0(sig.get(), r.get(), s.get()) == 1);
  (void)r.release();  // owned by sig now
  (void)s.release();
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return false;
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> der_owner(
      der, [](unsigned char* d) { OPENSSL_free(d); });
  MdCtxPtr ctx(EVP_MD_CTX_new());
  CB_CHECK(ctx != nullptr);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, Sha256Md(), nullptr, pkey) != 1) return false;
  // 1 = valid; 0 = invalid; negative = malformed. Only 1 verifies.
  return EVP_DigestVerify(ctx.get(), der, static_cast<size_t>(der_len),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

}  // namespace internal

Es256Key::Es256Key(std::shared_ptr<const KeyState> state) : state_(std::move(state)) {
  CB_CHECK(state_ != nullptr);
}

Es256Key Es256Key::Generate() {
  ErrorQueueGuard guard;
  PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  CB_CHECK(pkey != nullptr);
  Result<std::shared_ptr<KeyState>> state = internal::EcStateFromPkey(std::move(pkey), true);
  CB_CHECK(state.ok());
  return Es256Key(*std::move(state));
}

Result<Es256Key> Es256Key::FromPrivatePem(std::string_view pem) {
  ErrorQueueGuard guard;
  if (pem.size() > kPemBytesMax) return Status::InvalidArgument("PEM is too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CB_CHECK(bio != nullptr);
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (pkey == nullptr) {
    return Status::InvalidArgument("not an unencrypted PEM private key");
  }
  // Private scalar in range and matching the public point.
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  CB_CHECK(check != nullptr);
  if (EVP_PKEY_check(check.get()) != 1) return Status::InvalidArgument("inconsistent EC key");
  CB_ASSIGN_OR_RETURN(std::shared_ptr<KeyState> state,
                      internal::EcStateFromPkey(std::move(pkey), true));
  return Es256Key(std::move(state));
}

Result<Es256Key> Es256Key::FromPublicJwk(std::string_view jwk_json) {
  ErrorQueueGuard guard;
  CB_ASSIGN_OR_RETURN(json::object jwk,
                      internal::ParseJsonObject(jwk_json, internal::kJwkBytesMax, "JWK"));
  CB_ASSIGN_OR_RETURN(std::shared_ptr<KeyState> state, internal::EcStateFromJwk(jwk));
  return Es256Key(std::move(state));
}

bool Es256Key::has_private() const { return state_->has_private; }

std::string Es256Key::PrivatePem() const {
  CB_CHECK(state_->has_private);
  ErrorQueueGuard guard;
  BioPtr bio(BIO_new(BIO_s_mem()));
  CB_CHECK(bio != nullptr);
  CB_CHECK(PEM_write_bio_PKCS8PrivateKey(bio.get(), state_->pkey.get(), nullptr, nullptr, 0,
                                         nullptr, nullptr) == 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  CB_CHECK(len > 0 && data != nullptr);
  return std::string(data, static_cast<size_t>(len));
}

std::string Es256Key::PublicJwkJson(std::string_view kid) const {
  std::string out = R"({"kty":"EC","crv":"P-256","x":")";
  out += Base64UrlEncode(state_->x);
  out += R"(","y":")";
  out += Base64UrlEncode(state_->y);
  out += R"(","kid":)";
  AppendJsonString(&out, kid);
  out += R"(,"use":"sig","alg":"ES256"})";
  return out;
}

std::string Es256Key::Thumbprint() const { return state_->thumbprint; }

Result<std::string> Es256Key::Sign(std::string_view signing_input) const {
  if (!state_->has_private) return Status::FailedPrecondition("ES256 key has no private half");
  ErrorQueueGuard guard;
  return internal::SignEs256(state_->pkey.get(), signing_input);
}

bool Es256Key::Verify(std::string_view signing_input, std::string_view raw_signature) const {
  ErrorQueueGuard guard;
  return internal::VerifyEs256(state_->pkey.get(), signing_input, raw_signature);
}

}  // namespace cb::jose
