// PublicKey (RSA and EC JWKs), JWK Sets and algorithm confusion. OpenSSL is used here only
// to make signatures the library must accept (PS256/RS256 from a key made in the test).
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <string>

#include "base/check.h"
#include "jose/jose.h"

namespace cb::jose {
namespace {

// RFC 7515 Appendix A.2: RS256 example, public members of the key.
constexpr char kRfc7515A2Jwk[] =
    R"({"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-)"
    R"(4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg)"
    R"(0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5)"
    R"(ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpo)"
    R"(Q","e":"AQAB"})";
constexpr char kRfc7515A2Jws[] =
    "eyJhbGciOiJSUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q"
    ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5"
    "jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1"
    "L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYE"
    "UipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

// RFC 7638 §3.1: the example RSA key and its thumbprint.
constexpr char kRfc7638Jwk[] =
    R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aP)"
    R"(FFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5)"
    R"(v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-)"
    R"(bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",)"
    R"("e":"AQAB","alg":"RS256","kid":"2011-04-29"})";
constexpr char kRfc7638Thumbprint[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

std::string BnParamB64(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  CB_CHECK(EVP_PKEY_get_bn_param(pkey, name, &bn) == 1);
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return Base64UrlEncode(bytes);
}

// An RSA key made with OpenSSL, as a public JWK with `extra` members appended.
struct RsaKey {
  explicit RsaKey(size_t bits) : pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits)) {
    CB_CHECK(pkey != nullptr);
  }
  ~RsaKey() { EVP_PKEY_free(pkey); }
  RsaKey(const RsaKey&) = delete;
  RsaKey& operator=(const RsaKey&) = delete;

  std::string Jwk(std::string_view extra = "") const {
    return R"({"kty":"RSA","n":")" + BnParamB64(pkey, OSSL_PKEY_PARAM_RSA_N) + R"(","e":")" +
           BnParamB64(pkey, OSSL_PKEY_PARAM_RSA_E) + "\"" + std::string(extra) + "}";
  }
  std::string Sign(bool pss, std::string_view input) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    CB_CHECK(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, pkey) == 1);
    if (pss) {
      CB_CHECK(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1);
      CB_CHECK(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1);
      CB_CHECK(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1);
    }
    size_t len = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(input.data());
    CB_CHECK(EVP_DigestSign(ctx, nullptr, &len, in, input.size()) == 1);
    std::string sig(len, '\0');
    CB_CHECK(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                            input.size()) == 1);
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return sig;
  }
  EVP_PKEY* pkey;
};

const RsaKey& Rsa2048() {
  static const RsaKey* key = new RsaKey(2048);  // generated once: it takes a while
  return *key;
}

TEST(PublicKeyTest, Rfc7515A2Rs256SignatureVerifies) {
  Result<PublicKey> key = PublicKey::FromJwkJson(kRfc7515A2Jwk);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->kty(), "RSA");
  EXPECT_EQ(key->alg(), "");
  Result<CompactJws> jws = DecodeCompact(kRfc7515A2Jws);
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  EXPECT_EQ(jws->alg, "RS256");
  EXPECT_TRUE(key->Verify("RS256", jws->signing_input, jws->signature));
  EXPECT_FALSE(key->Verify("PS256", jws->signing_input, jws->signature));
  EXPECT_FALSE(key->Verify("RS256", jws->signing_input + " ", jws->signature));
  std::string bad = jws->signature;
  bad[100] = static_cast<char>(bad[100] ^ 0x10);
  EXPECT_FALSE(key->Verify("RS256", jws->signing_input, bad));
  EXPECT_FALSE(key->Verify("RS256", jws->signing_input, jws->signature.substr(1)));
}

TEST(PublicKeyTest, Rfc7638ThumbprintOfTheExampleRsaKey) {
  Result<PublicKey> key = PublicKey::FromJwkJson(kRfc7638Jwk);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->Thumbprint(), kRfc7638Thumbprint);
  EXPECT_EQ(key->kid(), "2011-04-29");
  EXPECT_EQ(key->alg(), "RS256");
}

TEST(PublicKeyTest, Ps256SignatureMadeByOpenSslVerifies) {
  const RsaKey& rsa = Rsa2048();
  Result<PublicKey> key = PublicKey::FromJwkJson(rsa.Jwk(R"(,"kid":"c1")"));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->kid(), "c1");
  const std::string pss = rsa.Sign(true, "header.claims");
  EXPECT_TRUE(key->Verify("PS256", "header.claims", pss));
  EXPECT_FALSE(key->Verify("RS256", "header.claims", pss));
  EXPECT_FALSE(key->Verify("PS256", "header.claimz", pss));
  const std::string pkcs1 = rsa.Sign(false, "header.claims");
  EXPECT_TRUE(key->Verify("RS256", "header.claims", pkcs1));
  EXPECT_FALSE(key->Verify("PS256", "header.claims", pkcs1));
}

TEST(PublicKeyTest, RsaKeyRefusesEcHmacAndNone) {
  const RsaKey& rsa = Rsa2048();
  Result<PublicKey> key = PublicKey::FromJwkJson(rsa.Jwk());
  ASSERT_TRUE(key.ok());
  const std::string sig = rsa.Sign(false, "input");
  ASSERT_TRUE(key->Verify("RS256", "input", sig));
  for (const char* alg : {"ES256", "HS256", "none", "", "rs256", "RS384", "RS256 "}) {
    EXPECT_FALSE(key->Verify(alg, "input", sig)) << alg;
  }
}

TEST(PublicKeyTest, EcKeyRefusesRsaHmacAndNone) {
  const Es256Key ec = Es256Key::Generate();
  Result<PublicKey> key = PublicKey::FromJwkJson(ec.PublicJwkJson("e1"));
  ASSERT_TRUE(key.ok());
  Result<std::string> sig = ec.Sign("input");
  ASSERT_TRUE(sig.ok());
  ASSERT_TRUE(key->Verify("ES256", "input", *sig));
  for (const char* alg : {"RS256", "PS256", "HS256", "none", "", "es256", "ES384"}) {
    EXPECT_FALSE(key->Verify(alg, "input", *sig)) << alg;
  }
}

TEST(PublicKeyTest, JwkAlgPinsTheAlgorithm) {
  const RsaKey& rsa = Rsa2048();
  Result<PublicKey> rs_only = PublicKey::FromJwkJson(rsa.Jwk(R"(,"alg":"RS256")"));
  ASSERT_TRUE(rs_only.ok());
  EXPECT_TRUE(rs_only->Verify("RS256", "input", rsa.Sign(false, "input")));
  EXPECT_FALSE(rs_only->Verify("PS256", "input", rsa.Sign(true, "input")));
  Result<PublicKey> ps_only = PublicKey::FromJwkJson(rsa.Jwk(R"(,"alg":"PS256")"));
  ASSERT_TRUE(ps_only.ok());
  EXPECT_TRUE(ps_only->Verify("PS256", "input", rsa.Sign(true, "input")));
  EXPECT_FALSE(ps_only->Verify("RS256", "input", rsa.Sign(false, "input")));
}

TEST(PublicKeyTest, JwkAlgThatDoesNotFitTheKeyIsRefused) {
  const RsaKey& rsa = Rsa2048();
  for (const char* alg : {"ES256", "HS256", "none", "RS512"}) {
    EXPECT_FALSE(PublicKey::FromJwkJson(rsa.Jwk(std::string(R"(,"alg":")") + alg + "\"")).ok())
        << alg;
  }
  std::string ec = Es256Key::Generate().PublicJwkJson("k");
  ec.replace(ec.find("ES256"), 5, "RS256");
  EXPECT_FALSE(PublicKey::FromJwkJson(ec).ok());
  EXPECT_FALSE(PublicKey::FromJwkJson(rsa.Jwk(R"(,"alg":7)")).ok());
}

TEST(PublicKeyTest, WeakMalformedPrivateAndSymmetricKeysAreRefused) {
  RsaKey small(1024);
  Result<PublicKey> weak = PublicKey::FromJwkJson(small.Jwk());
  ASSERT_FALSE(weak.ok());
  EXPECT_NE(weak.status().message().find("2048"), std::string::npos);
  const RsaKey& rsa = Rsa2048();
  EXPECT_FALSE(PublicKey::FromJwkJson(rsa.Jwk(R"(,"d":"AQAB")")).ok());
  EXPECT_FALSE(PublicKey::FromJwkJson(rsa.Jwk(R"(,"use":"enc")")).ok());
  EXPECT_FALSE(PublicKey::FromJwkJson(R"({"kty":"oct","k":"c2VjcmV0"})").ok());
  EXPECT_FALSE(PublicKey::FromJwkJson(R"({"kty":"OKP","crv":"Ed25519","x":"AAAA"})").ok());
  EXPECT_FALSE(PublicKey::FromJwkJson(R"({"n":"AQAB","e":"AQAB"})").ok());
  EXPECT_FALSE(PublicKey::FromJwkJson(R"({"kty":"RSA","e":"AQAB"})").ok());
  EXPECT_FALSE(PublicKey::FromJwkJson(R"({"kty":"RSA","n":"AQAB==","e":"AQAB"})").ok());
  std::string even_e = rsa.Jwk();
  even_e.replace(even_e.find(R"("e":"AQAB")"), 10, R"("e":"AQAA")");
  EXPECT_FALSE(PublicKey::FromJwkJson(even_e).ok());
  EXPECT_FALSE(PublicKey::FromJwkJson("not json").ok());
  EXPECT_FALSE(PublicKey::FromJwkJson(std::string(9000, ' ') + rsa.Jwk()).ok());
}

TEST(PublicKeyTest, ParseJwksReadsSigningKeysAndSkipsOthers) {
  const Es256Key ec = Es256Key::Generate();
  const RsaKey& rsa = Rsa2048();
  const std::string jwks = R"({"keys":[)" + ec.PublicJwkJson("ec-1") + "," +
                           rsa.Jwk(R"(,"use":"enc","kid":"enc-1")") + "," +
                           rsa.Jwk(R"(,"kid":"rsa-1")") + "]}";
  Result<std::vector<PublicKey>> keys = ParseJwks(jwks);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid(), "ec-1");
  EXPECT_EQ((*keys)[0].kty(), "EC");
  EXPECT_EQ((*keys)[1].kid(), "rsa-1");
  EXPECT_TRUE((*keys)[1].Verify("PS256", "x", rsa.Sign(true, "x")));
}

TEST(PublicKeyTest, ParseJwksNamesTheKeyThatDoesNotParse) {
  const std::string good = Es256Key::Generate().PublicJwkJson("a");
  Result<std::vector<PublicKey>> keys =
      ParseJwks(R"({"keys":[)" + good + R"(,{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})");
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(keys.status().message().find("key 1"), std::string::npos) << keys.status().message();
  EXPECT_FALSE(ParseJwks(R"({"keys":[)" + good + R"(,"x"]})").ok());
}

TEST(PublicKeyTest, ParseJwksEnforcesShapeAndLimits) {
  EXPECT_FALSE(ParseJwks("{}").ok());
  EXPECT_FALSE(ParseJwks(R"({"keys":{}})").ok());
  EXPECT_FALSE(ParseJwks("[]").ok());
  EXPECT_FALSE(ParseJwks("").ok());
  Result<std::vector<PublicKey>> empty = ParseJwks(R"({"keys":[]})");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());

  const std::string jwk = Es256Key::Generate().PublicJwkJson("k");
  std::string sixteen = R"({"keys":[)" + jwk;
  for (size_t i = 1; i < kJwksKeysMax; i++) sixteen += "," + jwk;
  Result<std::vector<PublicKey>> max_keys = ParseJwks(sixteen + "]}");
  ASSERT_TRUE(max_keys.ok()) << max_keys.status().ToString();
  EXPECT_EQ(max_keys->size(), kJwksKeysMax);
  Result<std::vector<PublicKey>> too_many = ParseJwks(sixteen + "," + jwk + "]}");
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().code(), StatusCode::kResourceExhausted);

  const std::string padded = R"({"keys":[)" + jwk + "]" + std::string(kJwksBytesMax, ' ') + "}";
  Result<std::vector<PublicKey>> too_big = ParseJwks(padded);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace cb::jose
