// PublicKey (EC P-256 and RSA JWKs) and JWK Set parsing.
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "base/check.h"
#include "jose/internal.h"

namespace cb::jose {

namespace json = boost::json;
using internal::BnPtr;
using internal::ErrorQueueGuard;
using internal::KeyState;
using internal::MdCtxPtr;
using internal::PkeyCtxPtr;
using internal::PkeyPtr;

namespace {

constexpr int kPssSaltBytes = 32;  // RFC 7518 §3.5: salt length = hash length

// Members that only a private JWK has (RFC 7518 §6.2.2, §6.3.2) or a symmetric one (§6.4).
constexpr std::string_view kPrivateMembers[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

size_t BitLength(std::string_view big_endian) {
  if (big_endian.empty()) return 0;
  size_t bits = (big_endian.size() - 1) * 8;
  for (auto top = static_cast<uint8_t>(big_endian[0]); top != 0; top >>= 1) bits++;
  return bits;
}

// Base64url big-endian unsigned integer, leading zero bytes dropped (some libraries add one).
Result<std::string> DecodeRsaInteger(const json::object& jwk, std::string_view key) {
  const json::value* v = jwk.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return Status::InvalidArgument("RSA JWK needs a string \"" + std::string(key) + "\"");
  }
  std::optional<std::string> bytes = Base64UrlDecode(v->get_string());
  if (!bytes)
    return Status::InvalidArgument("RSA JWK \"" + std::string(key) + "\" is not base64url");
  const size_t zeros = bytes->find_first_not_of('\0');
  if (zeros == std::string::npos) {
    return Status::InvalidArgument("RSA JWK \"" + std::string(key) + "\" is zero");
  }
  return bytes->substr(zeros);
}

BnPtr BnFromBytes(std::string_view bytes) {
  BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                     static_cast<int>(bytes.size()), nullptr));
  CB_CHECK(bn != nullptr);
  return bn;
}

Result<std::shared_ptr<KeyState>> RsaStateFromJwk(const json::object& jwk) {
  std::string alg, kid;
  CB_RETURN_IF_ERROR(internal::OptionalString(jwk, "alg", &alg));
  CB_RETURN_IF_ERROR(internal::OptionalString(jwk, "kid", &kid));
  if (!alg.empty() && alg != "RS256" && alg != "PS256") {
    return Status::InvalidArgument("RSA JWK alg must be \"RS256\" or \"PS256\"");
  }
  CB_ASSIGN_OR_RETURN(std::string n, DecodeRsaInteger(jwk, "n"));
  CB_ASSIGN_OR_RETURN(std::string e, DecodeRsaInteger(jwk, "e"));
  const size_t n_bits = BitLength(n);
  if (n_bits < internal::kRsaModulusBitsMin) {
    return Status::InvalidArgument("RSA modulus is shorter than 2048 bits");
  }
  if (n_bits > internal::kRsaModulusBitsMax) {
    return Status::InvalidArgument("RSA modulus is longer than 8192 bits");
  }
  if (e.size() > internal::kRsaExponentBytesMax || (static_cast<uint8_t>(e.back()) & 1) == 0 ||
      e == std::string_view("\x01", 1)) {
    return Status::InvalidArgument("RSA exponent is not an odd number above 1 of at most 32 bits");
  }

  BnPtr bn_n = BnFromBytes(n);
  BnPtr bn_e = BnFromBytes(e);
  std::unique_ptr<OSSL_PARAM_BLD, void (*)(OSSL_PARAM_BLD*)> bld(OSSL_PARAM_BLD_new(),
                                                                 OSSL_PARAM_BLD_free);
  CB_CHECK(bld != nullptr);
  CB_CHECK(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) == 1);
  CB_CHECK(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) == 1);
  std::unique_ptr<OSSL_PARAM, void (*)(OSSL_PARAM*)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                            OSSL_PARAM_free);
  CB_CHECK(params != nullptr);
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  CB_CHECK(ctx != nullptr);
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Status::InvalidArgument("RSA JWK is not a valid public key");
  }
  auto state = std::make_shared<KeyState>();
  state->pkey = PkeyPtr(raw);
  state->kty = "RSA";
  state->alg = std::move(alg);
  state->kid = std::move(kid);
  // RFC 7638 §3.2 with the minimal (leading-zero-free) encodings of n and e.
  state->thumbprint = internal::ThumbprintOfCanonicalJson(
      R"({"e":")" + Base64UrlEncode(e) + R"(","kty":"RSA","n":")" + Base64UrlEncode(n) + R"("})");
  return state;
}

Result<std::shared_ptr<KeyState>> StateFromJwk(const json::object& jwk) {
  std::string kty, use;
  CB_RETURN_IF_ERROR(internal::OptionalString(jwk, "kty", &kty));
  CB_RETURN_IF_ERROR(internal::OptionalString(jwk, "use", &use));
  if (!use.empty() && use != "sig") return Status::InvalidArgument("JWK use is not \"sig\"");
  for (std::string_view member : kPrivateMembers) {
    if (jwk.contains(member)) return Status::InvalidArgument("JWK contains private key material");
  }
  if (kty == "EC") return internal::EcStateFromJwk(jwk);
  if (kty == "RSA") return RsaStateFromJwk(jwk);
  if (kty.empty()) return Status::InvalidArgument("JWK has no \"kty\"");
  return Status::InvalidArgument("JWK kty \"" + kty + "\" is not supported");
}

bool VerifyRsa(EVP_PKEY* pkey, bool pss, std::string_view signing_input,
               std::string_view signature) {
  // RFC 7518 §3.3: the signature is exactly as long as the modulus.
  if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(pkey))) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  CB_CHECK(ctx != nullptr);
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, internal::Sha256Md(), nullptr, pkey) != 1) {
    return false;
  }
  if (pss) {
    // RFC 7518 §3.5: MGF1 with SHA-256, salt as long as the hash.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, internal::Sha256Md()) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, kPssSaltBytes) != 1) {
      return false;
    }
  } else if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

}  // namespace

PublicKey::PublicKey(std::shared_ptr<const KeyState> state) : state_(std::move(state)) {
  CB_CHECK(state_ != nullptr);
  CB_CHECK(!state_->has_private);
}

Result<PublicKey> PublicKey::FromJwkJson(std::string_view jwk_json) {
  ErrorQueueGuard guard;
  CB_ASSIGN_OR_RETURN(json::object jwk,
                      internal::ParseJsonObject(jwk_json, internal::kJwkBytesMax, "JWK"));
  CB_ASSIGN_OR_RETURN(std::shared_ptr<KeyState> state, StateFromJwk(jwk));
  return PublicKey(std::move(state));
}

const std::string& PublicKey::kid() const { return state_->kid; }
const std::string& PublicKey::alg() const { return state_->alg; }
const std::string& PublicKey::kty() const { return state_->kty; }
std::string PublicKey::Thumbprint() const { return state_->thumbprint; }

bool PublicKey::Verify(std::string_view alg, std::string_view signing_input,
                       std::string_view signature) const {
  // The caller's alg comes from an untrusted header: it must fit the key, never choose it.
  if (!state_->alg.empty() && alg != state_->alg) return false;
  ErrorQueueGuard guard;
  if (state_->kty == "EC") {
    if (alg != "ES256") return false;
    return internal::VerifyEs256(state_->pkey.get(), signing_input, signature);
  }
  if (state_->kty == "RSA") {
    if (alg == "RS256") return VerifyRsa(state_->pkey.get(), false, signing_input, signature);
    if (alg == "PS256") return VerifyRsa(state_->pkey.get(), true, signing_input, signature);
    return false;
  }
  return false;
}

Result<std::vector<PublicKey>> ParseJwks(std::string_view jwks_json) {
  ErrorQueueGuard guard;
  CB_ASSIGN_OR_RETURN(json::object jwks,
                      internal::ParseJsonObject(jwks_json, kJwksBytesMax, "JWK Set"));
  const json::value* keys = jwks.if_contains("keys");
  if (keys == nullptr || !keys->is_array()) {
    return Status::InvalidArgument("JWK Set needs a \"keys\" array");
  }
  const json::array& array = keys->get_array();
  if (array.size() > kJwksKeysMax) {
    return Status::ResourceExhausted("JWK Set has more than " + std::to_string(kJwksKeysMax) +
                                     " keys");
  }
  std::vector<PublicKey> out;
  out.reserve(array.size());
  for (size_t i = 0; i < array.size(); i++) {
    const std::string where = "JWK Set key " + std::to_string(i) + ": ";
    if (!array[i].is_object()) return Status::InvalidArgument(where + "not an object");
    const json::object& jwk = array[i].get_object();
    std::string use;
    Status use_status = internal::OptionalString(jwk, "use", &use);
    if (!use_status.ok()) return Status::InvalidArgument(where + use_status.message());
    if (!use.empty() && use != "sig") continue;  // an encryption key: not ours to check
    Result<std::shared_ptr<KeyState>> state = StateFromJwk(jwk);
    if (!state.ok()) return Status(state.status().code(), where + state.status().message());
    out.push_back(PublicKey(*std::move(state)));
  }
  CB_CHECK(out.size() <= kJwksKeysMax);
  return out;
}

}  // namespace cb::jose
