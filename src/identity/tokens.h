#pragma once
// Access tokens (RFC 9068 JWTs) and ID tokens (OIDC Core): minting on the edge's io threads
// with the KMS's current key, and verification of presented access tokens with the alg
// pinned to ES256, the key from our own JWKS, then iss/aud/exp/nbf/typ, then state
// (client, grant, jti, consent, user) — on every request, so revocation is immediate.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "identity/results.h"
#include "identity/state.h"
#include "kms/kms.h"

namespace cb::identity {

struct TokenConfig {
  std::string issuer;        // e.g. "http://127.0.0.1:8080"
  std::string api_audience;  // e.g. "http://127.0.0.1:8080/v1"
  uint64_t access_ttl_s = 300;
  uint64_t id_token_ttl_s = 300;
  uint64_t leeway_s = 60;
  size_t cache_entries_max = 100'000;
};

// What an access token says (and what minting one needs).
struct AccessClaims {
  std::string jti;
  TenantId tenant;
  AppId client;
  UserId user;          // zero: client credentials
  CustomerId customer;  // customer users
  ConsentId consent;
  GrantId grant;  // zero: client credentials
  ScopeSet scopes;
  AuthLevel acr = AuthLevel::kNone;
  uint32_t amr = 0;
  TimestampNs auth_time = 0;
  TimestampNs issued = 0;
  TimestampNs expires = 0;
};

// Why a token was refused, for `WWW-Authenticate: Bearer error="invalid_token"`.
struct TokenError {
  std::string description;
};

class TokenIssuer {
 public:
  TokenIssuer(TokenConfig config, kms::Kms* kms, const IdentityState* state);
  // Fills jti, issued and expires; signs with the current key.
  Result<std::string> AccessToken(AccessClaims* claims, TimestampNs now) const;
  // OIDC ID token for `audience` (the client id), with at_hash of the access token.
  Result<std::string> IdToken(const TokenGrant& grant, std::string_view access_token,
                              TimestampNs now) const;
  // A signed JWT of any claims (used for nothing but tests of the verifier's checks).
  Result<std::string> SignClaims(std::string_view typ, std::string_view claims_json) const;
  const TokenConfig& config() const { return config_; }

 private:
  Result<std::string> Sign(std::string_view typ, std::string_view claims_json) const;
  TokenConfig config_;
  kms::Kms* kms_;
  const IdentityState* state_;
};

class TokenVerifier {
 public:
  TokenVerifier(TokenConfig config, const IdentityState* state);
  ~TokenVerifier();
  // The token's claims if it is ours, intact, current and not revoked; else why not.
  Result<AccessClaims> Verify(std::string_view token, TimestampNs now, TokenError* error) const;
  // The JWKS document: every key not yet unpublished.
  std::string JwksJson(TimestampNs now) const;

 private:
  struct Cache;
  Result<AccessClaims> VerifyUncached(std::string_view token, TimestampNs now,
                                      TokenError* error) const;
  TokenConfig config_;
  const IdentityState* state_;
  std::unique_ptr<Cache> cache_;
};

// Random, URL-safe token material: `prefix` + base64url of 32 random bytes.
std::string NewOpaqueToken(std::string_view prefix);

}  // namespace cb::identity
