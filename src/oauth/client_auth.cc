// Client authentication at the token, PAR, introspection and revocation endpoints:
// client_secret_basic, client_secret_post (RFC 6749 §2.3.1) and private_key_jwt (RFC 7523).
#include <openssl/crypto.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "base/sha256.h"
#include "jose/jose.h"
#include "oauth/internal.h"
#include "platform/ids.h"

namespace cb::oauth {

namespace json = boost::json;

namespace {
constexpr std::string_view kAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr size_t kAssertionJtisMax = 100'000;

bool SecretMatches(const identity::App& app, std::string_view secret) {
  const Hash256 h = Sha256Of(secret.data(), secret.size());
  return app.secret_sha256 != Hash256{} &&
         CRYPTO_memcmp(h.data(), app.secret_sha256.data(), h.size()) == 0;
}

std::optional<uint64_t> Number(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return std::nullopt;
  if (const int64_t* i = v->if_int64(); i != nullptr && *i >= 0) return static_cast<uint64_t>(*i);
  if (const uint64_t* u = v->if_uint64()) return *u;
  return std::nullopt;
}
bool StringIs(const json::object& o, std::string_view name, std::string_view want) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() && v->get_string() == want;
}
bool AudienceHas(const json::object& o, std::string_view a, std::string_view b) {
  const json::value* v = o.if_contains("aud");
  if (v == nullptr) return false;
  auto one = [&](const json::value& x) {
    return x.is_string() && (x.get_string() == a || x.get_string() == b);
  };
  if (v->is_array()) {
    for (const json::value& x : v->get_array()) {
      if (one(x)) return true;
    }
    return false;
  }
  return one(*v);
}

// The one credential a request presents: which method, for which client.
struct PresentedCredential {
  std::string client_id;
  identity::ClientAuthMethod method = identity::ClientAuthMethod::kSecretBasic;
  std::string secret;                   // client_secret_basic and client_secret_post
  std::optional<jose::CompactJws> jws;  // private_key_jwt
};

// private_key_jwt: the assertion's structure and the client it names (its sub; the
// signature is checked once the client's keys are known). On failure, why.
bool DecodeAssertion(const std::optional<std::string>& assertion_type, const std::string& assertion,
                     PresentedCredential* cred, std::string* why) {
  auto fail = [why](std::string_view description) {
    *why = description;
    return false;
  };
  if (assertion_type != kAssertionType) return fail("Unsupported client_assertion_type.");
  auto decoded = jose::DecodeCompact(assertion);
  if (!decoded.ok()) return fail("The client assertion is not a well-formed JWS.");
  cred->jws = *std::move(decoded);
  json::error_code ec;
  json::value v = json::parse(cred->jws->payload_json, ec);
  if (ec || !v.is_object() || !v.get_object().contains("sub")) {
    return fail("The client assertion has no claims.");
  }
  const json::value& sub = v.get_object().at("sub");
  if (!sub.is_string()) return fail("The client assertion's sub is not a client id.");
  cred->client_id = std::string(sub.get_string().data(), sub.get_string().size());
  cred->method = identity::ClientAuthMethod::kPrivateKeyJwt;
  return true;
}

// The credential from the Authorization header or the form: exactly one method, no
// parameter twice, and a form client_id that agrees with it. On failure, why.
std::optional<PresentedCredential> ReadCredential(const http::Request& req,
                                                  const http::FormFields& form, std::string* why) {
  auto fail = [why](std::string_view description) -> std::optional<PresentedCredential> {
    *why = description;
    return std::nullopt;
  };
  bool dup = false;
  const auto basic = http::ParseBasicAuth(req.header("Authorization"));
  const auto form_id = http::FormValue(form, "client_id", &dup);
  const auto form_secret = http::FormValue(form, "client_secret", &dup);
  const auto assertion_type = http::FormValue(form, "client_assertion_type", &dup);
  const auto assertion = http::FormValue(form, "client_assertion", &dup);
  if (dup) return fail("A client authentication parameter is repeated.");
  const int methods = (basic ? 1 : 0) + (form_secret ? 1 : 0) + (assertion ? 1 : 0);
  if (methods == 0) return fail("Client authentication is required.");
  if (methods > 1) return fail("Use exactly one client authentication method.");

  PresentedCredential cred;
  if (basic) {
    cred.client_id = basic->first;
    cred.secret = basic->second;
  } else if (form_secret) {
    if (!form_id) return fail("client_id is required with client_secret.");
    cred.client_id = *form_id;
    cred.secret = *form_secret;
    cred.method = identity::ClientAuthMethod::kSecretPost;
  } else if (!DecodeAssertion(assertion_type, *assertion, &cred, why)) {
    return std::nullopt;
  }
  if (form_id && *form_id != cred.client_id) {
    return fail("client_id does not match the credential.");
  }
  return cred;
}

// private_key_jwt: signed by one of the app's registered keys. On failure, why.
bool SignedByAppKey(const identity::App& app, const jose::CompactJws& jws, std::string* why) {
  auto keys = jose::ParseJwks(app.jwks);
  if (!keys.ok()) {
    *why = "The client's registered JWKS is unusable.";
    return false;
  }
  for (const jose::PublicKey& k : *keys) {
    if (!jws.kid.empty() && !k.kid().empty() && k.kid() != jws.kid) continue;
    if (k.Verify(jws.alg, jws.signing_input, jws.signature)) return true;
  }
  *why = "The client assertion's signature does not verify.";
  return false;
}

// private_key_jwt (RFC 7523 §3): from the client, for us, short-lived, with a jti. On
// success, the expiry and jti for the replay guard; on failure, why.
bool CheckAssertionClaims(const jose::CompactJws& jws, std::string_view client_id,
                          std::string_view endpoint_url, std::string_view issuer,
                          uint64_t ttl_max_s, uint64_t now_s, uint64_t* exp_s, std::string* jti,
                          std::string* why) {
  auto fail = [why](std::string_view description) {
    *why = description;
    return false;
  };
  json::error_code ec;
  const json::value v = json::parse(jws.payload_json, ec);
  const json::object& o = v.get_object();
  const auto exp = Number(o, "exp");
  const json::value* jti_value = o.if_contains("jti");
  if (!StringIs(o, "iss", client_id)) return fail("The assertion's iss must be the client id.");
  if (!AudienceHas(o, endpoint_url, issuer)) {
    return fail("The assertion's aud must be the endpoint URL or the issuer.");
  }
  if (!exp || *exp <= now_s) return fail("The client assertion expired.");
  if (*exp > now_s + ttl_max_s) {
    return fail("The client assertion lives too long (at most 5 minutes).");
  }
  if (jti_value == nullptr || !jti_value->is_string() || jti_value->get_string().empty() ||
      jti_value->get_string().size() > 256) {
    return fail("The client assertion needs a jti.");
  }
  *exp_s = *exp;
  *jti = std::string(jti_value->get_string());
  return true;
}

enum class JtiUse { kFirst, kReplayed, kGuardFull };

// Replay guard: a jti is accepted once while its assertion could still be valid. In
// memory: an assertion lives at most 5 minutes, a restart loses at most that window.
JtiUse RememberJti(std::mutex* mu, std::unordered_map<std::string, uint64_t>* jtis, std::string key,
                   uint64_t exp_s, uint64_t now_s) {
  std::lock_guard<std::mutex> lock(*mu);
  if (jtis->size() >= kAssertionJtisMax) {
    std::erase_if(*jtis, [now_s](const auto& e) { return e.second <= now_s; });
    if (jtis->size() >= kAssertionJtisMax) return JtiUse::kGuardFull;
  }
  return jtis->emplace(std::move(key), exp_s).second ? JtiUse::kFirst : JtiUse::kReplayed;
}

}  // namespace

std::optional<AuthenticatedClient> OAuthHandler::Impl::AuthenticateClient(
    const http::Request& req, const http::FormFields& form, std::string_view endpoint_url,
    http::Response* failure) {
  auto fail = [failure](std::string_view description) -> std::optional<AuthenticatedClient> {
    *failure = OAuthError(401, "invalid_client", description);
    return std::nullopt;
  };
  std::string why;
  auto cred = ReadCredential(req, form, &why);
  if (!cred) return fail(why);
  const std::string& client_id = cred->client_id;
  u128 id = 0;
  if (!kernel::ParseId(client_id, identity::prefix::kApp, &id)) return fail("Unknown client.");
  auto app = deps.identity->ReadApp(AppId(id));
  if (!app || app->revoked) return fail("Unknown or revoked client.");
  if (app->auth_method != cred->method) {
    return fail(std::string("This client authenticates with ") +
                identity::ClientAuthMethodName(app->auth_method) + ".");
  }
  if (cred->method != identity::ClientAuthMethod::kPrivateKeyJwt) {
    if (!SecretMatches(*app, cred->secret)) return fail("Wrong client secret.");
    return AuthenticatedClient{*std::move(app)};
  }
  // private_key_jwt: signed by one of the app's registered keys, for us, short-lived, once.
  if (!SignedByAppKey(*app, *cred->jws, &why)) return fail(why);
  const uint64_t now_s = WallNowNs() / kNsPerSecond;
  uint64_t exp_s = 0;
  std::string jti;
  if (!CheckAssertionClaims(*cred->jws, client_id, endpoint_url, options.issuer,
                            options.client_assertion_ttl_max_s, now_s, &exp_s, &jti, &why)) {
    return fail(why);
  }
  const JtiUse use = RememberJti(&jti_mu, &assertion_jtis, client_id + "|" + jti, exp_s, now_s);
  if (use == JtiUse::kGuardFull) {
    *failure = OAuthError(503, "temporarily_unavailable", "Too many client assertions.");
    return std::nullopt;
  }
  if (use == JtiUse::kReplayed) return fail("The client assertion was used already (jti replay).");
  return AuthenticatedClient{*std::move(app)};
}

}  // namespace cb::oauth
