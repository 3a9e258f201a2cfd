// Base64url, Es256Key and compact JWS. RSA, JWK Sets and alg confusion: public_key_test.cc.
#include "jose/jose.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

namespace cb::jose {
namespace {

// RFC 7515 Appendix A.3: ES256 example (public members of the JWK, and the JWS).
constexpr char kRfc7515A3Jwk[] =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
constexpr char kRfc7515A3Jws[] =
    "eyJhbGciOiJFUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q"
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
// The A.1-A.3 payload: CRLF line breaks, as the RFC spells out octet by octet.
constexpr char kRfc7515Payload[] =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";

std::string Token(std::string_view header, std::string_view payload, std::string_view sig) {
  return EncodeCompact(header, payload, sig);
}

TEST(JoseTest, Base64UrlEncodesRfc4648Vectors) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");  // URL alphabet, not "+/"
}

TEST(JoseTest, Base64UrlRoundTripsEveryLengthAndByte) {
  std::string bytes;
  for (int i = 0; i < 300; i++) {
    const std::string text = Base64UrlEncode(bytes);
    EXPECT_EQ(text.find_first_of("=+/"), std::string::npos);
    std::optional<std::string> back = Base64UrlDecode(text);
    ASSERT_TRUE(back.has_value()) << i;
    EXPECT_EQ(*back, bytes);
    bytes.push_back(static_cast<char>((i * 151 + 7) & 0xFF));
  }
}

TEST(JoseTest, Base64UrlDecodeRejectsPaddingWhitespaceAndOtherAlphabets) {
  EXPECT_FALSE(Base64UrlDecode("Zg=="));
  EXPECT_FALSE(Base64UrlDecode("Zg="));
  EXPECT_FALSE(Base64UrlDecode("Zm9v=="));
  EXPECT_FALSE(Base64UrlDecode("+_8"));
  EXPECT_FALSE(Base64UrlDecode("-/8"));
  EXPECT_FALSE(Base64UrlDecode("Zm9v YmFy"));
  EXPECT_FALSE(Base64UrlDecode("Zm9v\n"));
  EXPECT_FALSE(Base64UrlDecode(" Zm9v"));
  EXPECT_FALSE(Base64UrlDecode(std::string_view("Zm\0v", 4)));
  EXPECT_FALSE(Base64UrlDecode("Zm9\xc3\xa9"));
  EXPECT_FALSE(Base64UrlDecode("Zm9v."));
}

TEST(JoseTest, Base64UrlDecodeRejectsImpossibleLengths) {
  EXPECT_FALSE(Base64UrlDecode("Z"));
  EXPECT_FALSE(Base64UrlDecode("Zm9vY"));
  EXPECT_FALSE(Base64UrlDecode("Zm9vYmFyZ"));
  EXPECT_TRUE(Base64UrlDecode(""));
}

TEST(JoseTest, Base64UrlDecodeRejectsNonZeroTrailingBits) {
  EXPECT_EQ(*Base64UrlDecode("Zg"), "f");
  EXPECT_FALSE(Base64UrlDecode("Zh"));  // same byte, a low bit set
  EXPECT_FALSE(Base64UrlDecode("Zv"));
  EXPECT_EQ(*Base64UrlDecode("Zm8"), "fo");
  EXPECT_FALSE(Base64UrlDecode("Zm9"));
  EXPECT_FALSE(Base64UrlDecode("-_9"));
}

TEST(JoseTest, Rfc7515A3Es256SignatureVerifies) {
  Result<CompactJws> jws = DecodeCompact(kRfc7515A3Jws);
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  EXPECT_EQ(jws->alg, "ES256");
  EXPECT_EQ(jws->header_json, R"({"alg":"ES256"})");
  EXPECT_EQ(jws->payload_json, kRfc7515Payload);
  ASSERT_EQ(jws->signature.size(), 64u);

  Result<Es256Key> key = Es256Key::FromPublicJwk(kRfc7515A3Jwk);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_FALSE(key->has_private());
  EXPECT_TRUE(key->Verify(jws->signing_input, jws->signature));

  Result<PublicKey> pub = PublicKey::FromJwkJson(kRfc7515A3Jwk);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(pub->kty(), "EC");
  EXPECT_TRUE(pub->Verify("ES256", jws->signing_input, jws->signature));
  EXPECT_EQ(pub->Thumbprint(), key->Thumbprint());
}

TEST(JoseTest, EncodeCompactRebuildsTheRfcToken) {
  Result<CompactJws> jws = DecodeCompact(kRfc7515A3Jws);
  ASSERT_TRUE(jws.ok());
  EXPECT_EQ(EncodeCompact(jws->header_json, jws->payload_json, jws->signature), kRfc7515A3Jws);
}

TEST(JoseTest, Es256SignThenVerify) {
  const Es256Key key = Es256Key::Generate();
  ASSERT_TRUE(key.has_private());
  Result<std::string> sig = key.Sign("header.payload");
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_TRUE(key.Verify("header.payload", *sig));
  // ECDSA is randomised: a second signature differs and verifies too.
  Result<std::string> again = key.Sign("header.payload");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*again, *sig);
  EXPECT_TRUE(key.Verify("header.payload", *again));
}

TEST(JoseTest, SignatureOfAnotherInputDoesNotVerify) {
  const Es256Key key = Es256Key::Generate();
  Result<std::string> sig = key.Sign("header.payload");
  ASSERT_TRUE(sig.ok());
  EXPECT_FALSE(key.Verify("header.payloaD", *sig));
  EXPECT_FALSE(key.Verify("header.payload ", *sig));
  EXPECT_FALSE(key.Verify("", *sig));
  EXPECT_FALSE(Es256Key::Generate().Verify("header.payload", *sig));  // another key
}

TEST(JoseTest, TamperedSignatureDoesNotVerify) {
  const Es256Key key = Es256Key::Generate();
  Result<std::string> sig = key.Sign("input");
  ASSERT_TRUE(sig.ok());
  for (size_t i = 0; i < sig->size(); i += 7) {
    std::string bad = *sig;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(key.Verify("input", bad)) << i;
  }
  EXPECT_FALSE(key.Verify("input", sig->substr(0, 63)));
  EXPECT_FALSE(key.Verify("input", *sig + '\0'));
  EXPECT_FALSE(key.Verify("input", ""));
  EXPECT_FALSE(key.Verify("input", std::string(64, '\0')));
  EXPECT_FALSE(key.Verify("input", std::string(64, '\xff')));
  // R and S swapped.
  EXPECT_FALSE(key.Verify("input", sig->substr(32) + sig->substr(0, 32)));
}

TEST(JoseTest, PemRoundTripKeepsTheKey) {
  const Es256Key key = Es256Key::Generate();
  const std::string pem = key.PrivatePem();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);  // PKCS#8
  Result<Es256Key> reloaded = Es256Key::FromPrivatePem(pem);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  EXPECT_TRUE(reloaded->has_private());
  EXPECT_EQ(reloaded->Thumbprint(), key.Thumbprint());
  Result<std::string> sig = reloaded->Sign("signed by the reloaded key");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(key.Verify("signed by the reloaded key", *sig));
}

TEST(JoseTest, FromPrivatePemRejectsGarbageEncryptedAndOtherCurves) {
  EXPECT_FALSE(Es256Key::FromPrivatePem("").ok());
  EXPECT_FALSE(Es256Key::FromPrivatePem("-----BEGIN PRIVATE KEY-----\nAAAA\n").ok());
  EXPECT_FALSE(Es256Key::FromPrivatePem(std::string(20000, 'A')).ok());

  // A P-384 key, in clear and encrypted: the encrypted one is refused without prompting
  // for a passphrase.
  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  ASSERT_NE(p384, nullptr);
  for (const bool encrypt : {true, false}) {
    BIO* bio = BIO_new(BIO_s_mem());
    char pass[] = "secret";
    ASSERT_EQ(
        PEM_write_bio_PKCS8PrivateKey(bio, p384, encrypt ? EVP_aes_256_cbc() : nullptr,
                                      encrypt ? pass : nullptr, encrypt ? 6 : 0, nullptr, nullptr),
        1);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    Result<Es256Key> other = Es256Key::FromPrivatePem(std::string(data, static_cast<size_t>(len)));
    EXPECT_FALSE(other.ok()) << encrypt;
    EXPECT_EQ(other.status().code(), StatusCode::kInvalidArgument);
    BIO_free(bio);
  }
  EVP_PKEY_free(p384);
}

TEST(JoseTest, PublicJwkJsonHasTheExactShape) {
  Result<Es256Key> key = Es256Key::FromPublicJwk(kRfc7515A3Jwk);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->PublicJwkJson("k1"),
            R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
            R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"k1","use":"sig",)"
            R"("alg":"ES256"})");
  // The kid is escaped, never spliced in raw.
  EXPECT_NE(key->PublicJwkJson("a\"b").find(R"("kid":"a\"b")"), std::string::npos);
}

TEST(JoseTest, PublicJwkRoundTripVerifiesAndCannotSign) {
  const Es256Key key = Es256Key::Generate();
  const std::string jwk = key.PublicJwkJson(key.Thumbprint());
  Result<Es256Key> pub = Es256Key::FromPublicJwk(jwk);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_FALSE(pub->has_private());
  EXPECT_EQ(pub->PublicJwkJson("x"), key.PublicJwkJson("x"));
  EXPECT_EQ(pub->Thumbprint(), key.Thumbprint());
  Result<std::string> sig = key.Sign("input");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(pub->Verify("input", *sig));
  EXPECT_EQ(pub->Sign("input").status().code(), StatusCode::kFailedPrecondition);

  Result<PublicKey> as_public_key = PublicKey::FromJwkJson(jwk);
  ASSERT_TRUE(as_public_key.ok());
  EXPECT_EQ(as_public_key->kid(), key.Thumbprint());
  EXPECT_EQ(as_public_key->alg(), "ES256");
  EXPECT_TRUE(as_public_key->Verify("ES256", "input", *sig));
}

TEST(JoseTest, EcThumbprintIsStableAndDiffersBetweenKeys) {
  const Es256Key a = Es256Key::Generate();
  const Es256Key b = Es256Key::Generate();
  EXPECT_EQ(a.Thumbprint().size(), 43u);  // base64url of 32 bytes
  EXPECT_EQ(a.Thumbprint(), a.Thumbprint());
  EXPECT_EQ(Es256Key::FromPrivatePem(a.PrivatePem())->Thumbprint(), a.Thumbprint());
  // Optional members (kid, use, alg) do not change it.
  EXPECT_EQ(Es256Key::FromPublicJwk(a.PublicJwkJson("other"))->Thumbprint(), a.Thumbprint());
  EXPECT_NE(a.Thumbprint(), b.Thumbprint());
}

TEST(JoseTest, EcJwkWithPrivateKeyOrBadPointIsRefused) {
  const std::string with_d = std::string(kRfc7515A3Jwk, sizeof(kRfc7515A3Jwk) - 2) +
                             R"(,"d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";
  Result<Es256Key> private_jwk = Es256Key::FromPublicJwk(with_d);
  ASSERT_FALSE(private_jwk.ok());
  EXPECT_NE(private_jwk.status().message().find("private"), std::string::npos);
  EXPECT_FALSE(PublicKey::FromJwkJson(with_d).ok());
  // y with one bit flipped: well-formed, but not a point on the curve.
  std::string off_curve = kRfc7515A3Jwk;
  off_curve.replace(off_curve.find("I5a0"), 4, "I5b0");
  Result<Es256Key> off = Es256Key::FromPublicJwk(off_curve);
  ASSERT_FALSE(off.ok());
  EXPECT_NE(off.status().message().find("P-256"), std::string::npos) << off.status().message();
  EXPECT_FALSE(PublicKey::FromJwkJson(off_curve).ok());
  // Short coordinate, wrong curve, wrong kty, not JSON.
  EXPECT_FALSE(
      Es256Key::FromPublicJwk(
          R"({"kty":"EC","crv":"P-256","x":"AAAA","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})")
          .ok());
  std::string p384 = kRfc7515A3Jwk;
  p384.replace(p384.find("P-256"), 5, "P-384");
  EXPECT_FALSE(Es256Key::FromPublicJwk(p384).ok());
  EXPECT_FALSE(Es256Key::FromPublicJwk(R"({"kty":"RSA","n":"AQAB","e":"AQAB"})").ok());
  EXPECT_FALSE(Es256Key::FromPublicJwk("{").ok());
  EXPECT_FALSE(Es256Key::FromPublicJwk("[]").ok());
}

TEST(JoseTest, SignCompactEs256WritesHeaderInOrderAndVerifies) {
  const Es256Key key = Es256Key::Generate();
  Result<std::string> token = SignCompactEs256(key, "kid-1", "at+jwt", R"({"sub":"u1"})");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  Result<CompactJws> jws = DecodeCompact(*token);
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  EXPECT_EQ(jws->header_json, R"({"alg":"ES256","typ":"at+jwt","kid":"kid-1"})");
  EXPECT_EQ(jws->payload_json, R"({"sub":"u1"})");
  EXPECT_EQ(jws->alg, "ES256");
  EXPECT_EQ(jws->kid, "kid-1");
  EXPECT_EQ(jws->typ, "at+jwt");
  EXPECT_EQ(jws->signing_input, token->substr(0, token->rfind('.')));
  EXPECT_TRUE(key.Verify(jws->signing_input, jws->signature));

  Result<std::string> no_typ = SignCompactEs256(key, "kid-1", "", "{}");
  ASSERT_TRUE(no_typ.ok());
  Result<CompactJws> jws2 = DecodeCompact(*no_typ);
  ASSERT_TRUE(jws2.ok());
  EXPECT_EQ(jws2->header_json, R"({"alg":"ES256","kid":"kid-1"})");
  EXPECT_EQ(jws2->typ, "");
}

TEST(JoseTest, TamperedPayloadDoesNotVerify) {
  const Es256Key key = Es256Key::Generate();
  Result<std::string> token = SignCompactEs256(key, "k", "JWT", R"({"sub":"alice"})");
  ASSERT_TRUE(token.ok());
  std::string forged = *token;
  const size_t dot1 = forged.find('.');
  const size_t dot2 = forged.find('.', dot1 + 1);
  forged.replace(dot1 + 1, dot2 - dot1 - 1, Base64UrlEncode(R"({"sub":"mallory"})"));
  Result<CompactJws> jws = DecodeCompact(forged);
  ASSERT_TRUE(jws.ok());
  EXPECT_FALSE(key.Verify(jws->signing_input, jws->signature));
}

TEST(JoseTest, DecodeCompactRejectsWrongPartCounts) {
  const std::string h = Base64UrlEncode(R"({"alg":"ES256"})");
  const std::string p = Base64UrlEncode("{}");
  const std::string s = Base64UrlEncode(std::string(64, 'x'));
  EXPECT_TRUE(DecodeCompact(h + "." + p + "." + s).ok());
  EXPECT_FALSE(DecodeCompact("").ok());
  EXPECT_FALSE(DecodeCompact(h).ok());
  EXPECT_FALSE(DecodeCompact(h + "." + p).ok());
  EXPECT_FALSE(DecodeCompact(h + "." + p + "." + s + "." + s).ok());
  EXPECT_FALSE(DecodeCompact(h + "." + p + "." + s + ".").ok());
  EXPECT_FALSE(DecodeCompact(h + "." + p + ".").ok());  // empty signature
}

TEST(JoseTest, DecodeCompactRejectsBadBase64Url) {
  const std::string h = Base64UrlEncode(R"({"alg":"ES256"})");
  const std::string p = Base64UrlEncode("{}");
  const std::string s = Base64UrlEncode(std::string(64, 'x'));
  EXPECT_FALSE(DecodeCompact(h + "=." + p + "." + s).ok());
  EXPECT_FALSE(DecodeCompact(h + "." + p + "==." + s).ok());
  EXPECT_FALSE(DecodeCompact(h + "." + p + "." + s + "=").ok());
  EXPECT_FALSE(DecodeCompact(h + "." + p + "." + s.substr(0, 5)).ok());  // len % 4 == 1
  EXPECT_FALSE(DecodeCompact(" " + h + "." + p + "." + s).ok());
  std::string plus = s;
  plus[0] = '+';
  EXPECT_FALSE(DecodeCompact(h + "." + p + "." + plus).ok());
}

TEST(JoseTest, DecodeCompactRejectsNonObjectHeaderOrPayload) {
  const std::string sig(64, 'x');
  for (const char* bad : {"[]", R"("ES256")", "null", "1", "{", R"({"alg":"ES256"} x)", ""}) {
    EXPECT_FALSE(DecodeCompact(Token(bad, "{}", sig)).ok()) << bad;
    EXPECT_FALSE(DecodeCompact(Token(R"({"alg":"ES256"})", bad, sig)).ok()) << bad;
  }
  EXPECT_FALSE(DecodeCompact(Token(R"({"alg":"ES256"})", "\xff\xfe{}", sig)).ok());
}

TEST(JoseTest, DecodeCompactRejectsMissingAlgNonStringMembersAndCrit) {
  const std::string sig(64, 'x');
  EXPECT_FALSE(DecodeCompact(Token(R"({"typ":"JWT"})", "{}", sig)).ok());
  EXPECT_FALSE(DecodeCompact(Token(R"({"alg":256})", "{}", sig)).ok());
  EXPECT_FALSE(DecodeCompact(Token(R"({"alg":null})", "{}", sig)).ok());
  EXPECT_FALSE(DecodeCompact(Token(R"({"alg":"ES256","kid":5})", "{}", sig)).ok());
  EXPECT_FALSE(DecodeCompact(Token(R"({"alg":"ES256","typ":["JWT"]})", "{}", sig)).ok());
  Result<CompactJws> crit =
      DecodeCompact(Token(R"({"alg":"ES256","crit":["exp"],"exp":1})", "{}", sig));
  EXPECT_FALSE(crit.ok());
  EXPECT_NE(crit.status().message().find("crit"), std::string::npos);
}

TEST(JoseTest, DecodeCompactRejectsOversizeTokens) {
  const std::string header = R"({"alg":"ES256"})";
  const std::string sig(64, 'x');
  // Largest payload that keeps the token within the limit, then one byte more.
  std::string fits;
  for (size_t n = 0;; n++) {
    const std::string payload = R"({"p":")" + std::string(n, 'a') + R"("})";
    if (Token(header, payload, sig).size() > kCompactBytesMax) break;
    fits = payload;
  }
  EXPECT_TRUE(DecodeCompact(Token(header, fits, sig)).ok());
  const std::string over = R"({"p":")" + std::string(fits.size() - 8 + 3, 'a') + R"("})";
  Result<CompactJws> big = DecodeCompact(Token(header, over, sig));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace cb::jose
