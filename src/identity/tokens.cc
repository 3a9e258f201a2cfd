#include "identity/tokens.h"

#include <openssl/rand.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "base/json_string.h"
#include "base/sha256.h"
#include "jose/jose.h"
#include "kernel/scopes.h"
#include "platform/ids.h"

namespace cb::identity {

namespace json = boost::json;
using kernel::FormatId;

namespace {

constexpr std::string_view kAccessTokenType = "at+jwt";
constexpr size_t kAudiencesMax = 8;

std::string RandomB64(size_t bytes) {
  std::string raw(bytes, '\0');
  CB_CHECK(RAND_bytes(reinterpret_cast<uint8_t*>(raw.data()), static_cast<int>(bytes)) == 1);
  return jose::Base64UrlEncode(raw);
}

uint64_t Seconds(TimestampNs ns) { return ns / kNsPerSecond; }

// A tiny claims writer: fields in the order added.
class Claims {
 public:
  Claims() : out_("{") {}
  void Str(std::string_view name, std::string_view value) {
    Sep();
    AppendJsonString(&out_, name);
    out_.push_back(':');
    AppendJsonString(&out_, value);
  }
  void Num(std::string_view name, uint64_t value) {
    Sep();
    AppendJsonString(&out_, name);
    out_.push_back(':');
    out_.append(std::to_string(value));
  }
  void Amr(uint32_t amr) {
    Sep();
    out_.append(R"("amr":[)");
    out_.append(amr & kAmrOtp ? R"("pwd","otp")" : R"("pwd")");
    out_.push_back(']');
  }
  std::string Done() {
    out_.push_back('}');
    return std::move(out_);
  }

 private:
  void Sep() {
    if (out_.size() > 1) out_.push_back(',');
  }
  std::string out_;
};

const json::string* StringOf(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr ? v->if_string() : nullptr;
}
std::optional<uint64_t> NumberOf(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return std::nullopt;
  if (const int64_t* i = v->if_int64(); i != nullptr && *i >= 0) return static_cast<uint64_t>(*i);
  if (const uint64_t* u = v->if_uint64(); u != nullptr) return *u;
  return std::nullopt;
}
// An optional prefixed id claim: absent is zero; present must parse.
bool IdClaim(const json::object& o, std::string_view name, std::string_view prefix, u128* out) {
  *out = 0;
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return true;
  const json::string* s = v->if_string();
  return s != nullptr && kernel::ParseId(std::string_view(s->data(), s->size()), prefix, out);
}
bool AudienceMatches(const json::object& o, std::string_view audience) {
  const json::value* v = o.if_contains("aud");
  if (v == nullptr) return false;
  if (const json::string* s = v->if_string()) return *s == audience;
  const json::array* a = v->if_array();
  if (a == nullptr || a->size() > kAudiencesMax) return false;
  for (const json::value& e : *a) {
    if (const json::string* s = e.if_string(); s != nullptr && *s == audience) return true;
  }
  return false;
}

}  // namespace

std::string NewOpaqueToken(std::string_view prefix) { return std::string(prefix) + RandomB64(32); }

// --- issuing ------------------------------------------------------------------------------

TokenIssuer::TokenIssuer(TokenConfig config, kms::Kms* kms, const IdentityState* state)
    : config_(std::move(config)), kms_(kms), state_(state) {}

Result<std::string> TokenIssuer::Sign(std::string_view typ, std::string_view claims_json) const {
  std::string kid;
  for (const SigningKeyInfo& k : state_->ReadSigningKeys()) {
    if (k.retired == 0) kid = k.kid;
  }
  if (kid.empty()) return Status::Unavailable("no current signing key");
  std::string header = R"({"alg":"ES256","typ":)";
  AppendJsonString(&header, typ);
  header.append(R"(,"kid":)");
  AppendJsonString(&header, kid);
  header.push_back('}');
  const std::string input =
      jose::Base64UrlEncode(header) + "." + jose::Base64UrlEncode(claims_json);
  CB_ASSIGN_OR_RETURN(std::string signature, kms_->Sign(kid, input));
  return input + "." + jose::Base64UrlEncode(signature);
}

Result<std::string> TokenIssuer::SignClaims(std::string_view typ,
                                            std::string_view claims_json) const {
  return Sign(typ, claims_json);
}

Result<std::string> TokenIssuer::AccessToken(AccessClaims* c, TimestampNs now) const {
  c->jti = RandomB64(16);
  c->issued = now;
  c->expires = now + config_.access_ttl_s * kNsPerSecond;
  Claims j;
  j.Str("iss", config_.issuer);
  j.Str("sub", c->user.zero() ? FormatId(prefix::kApp, c->client.value)
                              : FormatId(prefix::kUser, c->user.value));
  j.Str("aud", config_.api_audience);
  j.Str("client_id", FormatId(prefix::kApp, c->client.value));
  j.Str("scope", kernel::FormatScopes(c->scopes));
  j.Num("iat", Seconds(c->issued));
  j.Num("nbf", Seconds(c->issued));
  j.Num("exp", Seconds(c->expires));
  j.Str("jti", c->jti);
  j.Str("tenant", FormatId(kernel::prefix::kTenant, c->tenant.value));
  if (!c->user.zero()) {
    j.Str("acr", AcrValue(c->acr));
    j.Amr(c->amr);
    j.Num("auth_time", Seconds(c->auth_time));
  }
  if (!c->grant.zero()) j.Str("grant", FormatId(prefix::kGrant, c->grant.value));
  if (!c->customer.zero())
    j.Str("customer", FormatId(kernel::prefix::kCustomer, c->customer.value));
  if (!c->consent.zero()) j.Str("consent", FormatId(prefix::kConsent, c->consent.value));
  return Sign(kAccessTokenType, j.Done());
}

Result<std::string> TokenIssuer::IdToken(const TokenGrant& g, std::string_view access_token,
                                         TimestampNs now) const {
  // at_hash: the left half of SHA-256 of the access token (OIDC Core §3.1.3.6, ES256).
  const Hash256 h = Sha256Of(access_token.data(), access_token.size());
  const std::string client = FormatId(prefix::kApp, g.client.value);
  Claims j;
  j.Str("iss", config_.issuer);
  j.Str("sub", FormatId(prefix::kUser, g.user.value));
  j.Str("aud", client);
  j.Str("azp", client);
  j.Num("iat", Seconds(now));
  j.Num("exp", Seconds(now) + config_.id_token_ttl_s);
  j.Num("auth_time", Seconds(g.auth_time));
  if (!g.nonce.empty()) j.Str("nonce", g.nonce);
  j.Str("acr", AcrValue(g.acr));
  j.Amr(g.amr);
  if (!g.session.zero()) j.Str("sid", FormatId(prefix::kSession, g.session.value));
  j.Str("at_hash", jose::Base64UrlEncode(
                       std::string_view(reinterpret_cast<const char*>(h.data()), h.size() / 2)));
  return Sign("JWT", j.Done());
}

// --- verifying ----------------------------------------------------------------------------

struct TokenVerifier::Cache {
  std::mutex mu;
  std::unordered_map<Hash256, AccessClaims, HashKey> verified;  // signature and claims checked
  std::shared_mutex keys_mu;
  std::unordered_map<std::string, jose::Es256Key> keys;  // kid -> public key
};

TokenVerifier::TokenVerifier(TokenConfig config, const IdentityState* state)
    : config_(std::move(config)), state_(state), cache_(std::make_unique<Cache>()) {}

TokenVerifier::~TokenVerifier() = default;

std::string TokenVerifier::JwksJson(TimestampNs now) const {
  std::string out = R"({"keys":[)";
  bool first = true;
  for (const SigningKeyInfo& k : state_->ReadSigningKeys()) {
    if (k.unpublish != 0 && k.unpublish <= now) continue;
    if (!first) out.push_back(',');
    first = false;
    out.append(k.public_jwk);
  }
  out.append("]}");
  return out;
}

Result<AccessClaims> TokenVerifier::Verify(std::string_view token, TimestampNs now,
                                           TokenError* error) const {
  error->description.clear();
  const Hash256 key = Sha256Of(token.data(), token.size());
  std::optional<AccessClaims> claims;
  {
    std::lock_guard<std::mutex> lock(cache_->mu);
    auto it = cache_->verified.find(key);
    if (it != cache_->verified.end()) claims = it->second;
  }
  if (!claims) {
    auto fresh = VerifyUncached(token, now, error);
    if (!fresh.ok()) return fresh.status();
    claims = *fresh;
    std::lock_guard<std::mutex> lock(cache_->mu);
    // Bounded: start over rather than track recency (a full cache costs one verification
    // per token again, nothing else).
    if (cache_->verified.size() >= config_.cache_entries_max) cache_->verified.clear();
    cache_->verified.emplace(key, *claims);
  }
  const uint64_t leeway = config_.leeway_s * kNsPerSecond;
  if (now >= claims->expires + leeway) {
    error->description = "The token expired.";
    return Status::Unauthenticated("expired");
  }
  // State, every time: revocation of the app, the grant, the token or the consent is
  // immediate even for a cached token.
  const TokenState s = state_->ReadTokenState(claims->client, claims->grant, claims->jti,
                                              claims->consent, claims->user, now);
  if (s.client_revoked) error->description = "The app is revoked.";
  if (s.grant_revoked) error->description = "The grant behind the token is revoked.";
  if (s.jti_revoked) error->description = "The token is revoked.";
  if (!s.user_active) error->description = "The user no longer exists.";
  if (!claims->consent.zero() && s.consent != ConsentStatus::kAuthorised) {
    error->description = std::string("The consent is ") + ConsentStatusName(s.consent) + ".";
  }
  if (!error->description.empty()) return Status::Unauthenticated("revoked");
  return *claims;
}

Result<AccessClaims> TokenVerifier::VerifyUncached(std::string_view token, TimestampNs now,
                                                   TokenError* error) const {
  auto refuse = [error](std::string description) {
    error->description = std::move(description);
    return Status::Unauthenticated(error->description);
  };
  auto jws = jose::DecodeCompact(token);
  if (!jws.ok()) return refuse("The token is not a well-formed JWS.");
  // The algorithm is pinned before any key is looked at: never "none", never HS* with our
  // public key as the secret, never RS*.
  if (jws->alg != "ES256") return refuse("Only ES256 tokens are accepted.");
  if (jws->typ != kAccessTokenType) return refuse("Not an access token (typ must be at+jwt).");
  std::optional<jose::Es256Key> key;
  for (int attempt = 0; attempt < 2 && !key; attempt++) {
    {
      std::shared_lock lock(cache_->keys_mu);
      auto it = cache_->keys.find(jws->kid);
      if (it != cache_->keys.end()) key = it->second;
    }
    if (key || attempt == 1) break;
    // An unknown kid: maybe a key rotated in since we last looked.
    std::unique_lock lock(cache_->keys_mu);
    cache_->keys.clear();
    for (const SigningKeyInfo& k : state_->ReadSigningKeys()) {
      if (k.unpublish != 0 && k.unpublish <= now) continue;
      auto parsed = jose::Es256Key::FromPublicJwk(k.public_jwk);
      if (parsed.ok()) cache_->keys.emplace(k.kid, *std::move(parsed));
    }
  }
  if (!key) return refuse("The token's key is not one of ours.");
  if (!key->Verify(jws->signing_input, jws->signature)) return refuse("Bad signature.");
  json::error_code ec;
  json::value v = json::parse(jws->payload_json, ec);
  if (ec || !v.is_object()) return refuse("The claims are not a JSON object.");
  const json::object& o = v.get_object();
  const json::string* iss = StringOf(o, "iss");
  if (iss == nullptr || *iss != config_.issuer) return refuse("Wrong issuer.");
  if (!AudienceMatches(o, config_.api_audience)) return refuse("Wrong audience.");
  const auto exp = NumberOf(o, "exp");
  const auto iat = NumberOf(o, "iat");
  const auto nbf = NumberOf(o, "nbf");
  if (!exp || !iat) return refuse("exp and iat are required.");
  const uint64_t now_s = Seconds(now);
  if (now_s >= *exp + config_.leeway_s) return refuse("The token expired.");
  if (nbf && *nbf > now_s + config_.leeway_s) return refuse("The token is not valid yet.");
  AccessClaims c;
  c.issued = *iat * kNsPerSecond;
  c.expires = *exp * kNsPerSecond;
  const json::string* jti = StringOf(o, "jti");
  const json::string* scope = StringOf(o, "scope");
  if (jti == nullptr || jti->empty() || jti->size() > 128 || scope == nullptr) {
    return refuse("jti and scope are required.");
  }
  c.jti = std::string(jti->data(), jti->size());
  if (!kernel::ParseScopes(std::string_view(scope->data(), scope->size()), &c.scopes)) {
    return refuse("Unknown scope in the token.");
  }
  if (!IdClaim(o, "client_id", prefix::kApp, &c.client.value) || c.client.zero() ||
      !IdClaim(o, "tenant", kernel::prefix::kTenant, &c.tenant.value) || c.tenant.zero() ||
      !IdClaim(o, "grant", prefix::kGrant, &c.grant.value) ||
      !IdClaim(o, "customer", kernel::prefix::kCustomer, &c.customer.value) ||
      !IdClaim(o, "consent", prefix::kConsent, &c.consent.value)) {
    return refuse("Malformed identifier claims.");
  }
  const json::string* sub = StringOf(o, "sub");
  if (sub == nullptr) return refuse("sub is required.");
  const std::string_view sub_text(sub->data(), sub->size());
  if (!c.grant.zero()) {
    if (!kernel::ParseId(sub_text, prefix::kUser, &c.user.value)) return refuse("Bad sub.");
    const json::string* acr = StringOf(o, "acr");
    AuthLevel level = AuthLevel::kPassword;
    if (acr == nullptr || !ParseAcrValues(std::string_view(acr->data(), acr->size()), &level)) {
      return refuse("Bad acr.");
    }
    c.acr = level;
    if (const json::value* amr = o.if_contains("amr"); amr != nullptr && amr->is_array()) {
      for (const json::value& m : amr->get_array()) {
        if (m == "pwd") c.amr |= kAmrPassword;
        if (m == "otp") c.amr |= kAmrOtp;
      }
    }
    c.auth_time = NumberOf(o, "auth_time").value_or(0) * kNsPerSecond;
  } else if (sub_text != FormatId(prefix::kApp, c.client.value)) {
    return refuse("Bad sub.");
  }
  return c;
}

}  // namespace cb::identity
