#include "oauth/handler.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "base/json_string.h"
#include "base/sha256.h"
#include "jose/jose.h"
#include "oauth/internal.h"
#include "platform/ids.h"

namespace cb::oauth {

namespace {
std::string RandomBytes(size_t n) {
  std::string s(n, '\0');
  CB_CHECK(RAND_bytes(reinterpret_cast<uint8_t*>(s.data()), static_cast<int>(n)) == 1);
  return s;
}
}  // namespace

TimestampNs WallNowNs() { return SystemClock().NowNs(); }

OAuthHandler::Impl::Impl(OAuthOptions o, OAuthDeps d)
    : options(std::move(o)), deps(d), csrf_key(RandomBytes(32)) {
  // A hash of a random password with the live policy: verifying it costs what a real
  // verification costs.
  auto h =
      credentials::HashPassword(jose::Base64UrlEncode(RandomBytes(18)), options.password_policy);
  CB_CHECK(h.ok());
  dummy_hash = *h;
}

OAuthHandler::OAuthHandler(OAuthOptions options, OAuthDeps deps)
    : impl_(std::make_unique<Impl>(std::move(options), deps)) {}

OAuthHandler::~OAuthHandler() = default;

void OAuthHandler::SetExecutor(runtime::Executor* executor) { impl_->executor.store(executor); }

bool OAuthHandler::Owns(std::string_view path) {
  return path.substr(0, 8) == "/oauth2/" || path.substr(0, 13) == "/.well-known/";
}

std::string_view OAuthHandler::RouteLabel(std::string_view path) {
  static constexpr std::string_view kKnown[] = {"/.well-known/openid-configuration",
                                                "/.well-known/oauth-authorization-server",
                                                "/oauth2/jwks",
                                                "/oauth2/token",
                                                "/oauth2/par",
                                                "/oauth2/authorize",
                                                "/oauth2/login",
                                                "/oauth2/mfa",
                                                "/oauth2/consent",
                                                "/oauth2/consents",
                                                "/oauth2/consents/revoke",
                                                "/oauth2/introspect",
                                                "/oauth2/revoke",
                                                "/oauth2/userinfo",
                                                "/oauth2/register"};
  for (std::string_view k : kKnown) {
    if (path == k) return k;
  }
  return "unmatched";
}

void OAuthHandler::Handle(const http::Request& req, const std::string& /*trace_id*/,
                          Finish finish) {
  Impl& m = *impl_;
  const std::string_view path = req.path();
  const bool get = req.method == "GET" || req.method == "HEAD";
  const bool post = req.method == "POST";
  auto method_not_allowed = [&finish](std::string_view allow) {
    http::Response r = Impl::OAuthError(405, "invalid_request", "Method not allowed.");
    r.headers.push_back({"Allow", std::string(allow)});
    finish(std::move(r));
  };
  if (path == "/.well-known/openid-configuration" ||
      path == "/.well-known/oauth-authorization-server") {
    return get ? m.Discovery(std::move(finish)) : method_not_allowed("GET");
  }
  if (path == "/oauth2/jwks") return get ? m.Jwks(std::move(finish)) : method_not_allowed("GET");
  if (path == "/oauth2/token")
    return post ? m.Token(req, std::move(finish)) : method_not_allowed("POST");
  if (path == "/oauth2/par")
    return post ? m.Par(req, std::move(finish)) : method_not_allowed("POST");
  if (path == "/oauth2/authorize") {
    return get ? m.Authorize(req, std::move(finish)) : method_not_allowed("GET");
  }
  if (path == "/oauth2/login") {
    if (get) return m.LoginPage(req, std::move(finish));
    return post ? m.LoginSubmit(req, std::move(finish)) : method_not_allowed("GET, POST");
  }
  if (path == "/oauth2/mfa") {
    if (get) return m.MfaPage(req, std::move(finish));
    return post ? m.MfaSubmit(req, std::move(finish)) : method_not_allowed("GET, POST");
  }
  if (path == "/oauth2/consent") {
    if (get) return m.ConsentPage(req, std::move(finish));
    return post ? m.ConsentSubmit(req, std::move(finish)) : method_not_allowed("GET, POST");
  }
  if (path == "/oauth2/consents") {
    return get ? m.ConsentsDashboard(req, std::move(finish)) : method_not_allowed("GET");
  }
  if (path == "/oauth2/consents/revoke") {
    return post ? m.ConsentsRevoke(req, std::move(finish)) : method_not_allowed("POST");
  }
  if (path == "/oauth2/introspect") {
    return post ? m.Introspect(req, std::move(finish)) : method_not_allowed("POST");
  }
  if (path == "/oauth2/revoke")
    return post ? m.Revoke(req, std::move(finish)) : method_not_allowed("POST");
  if (path == "/oauth2/userinfo") {
    return get || post ? m.UserInfo(req, std::move(finish)) : method_not_allowed("GET, POST");
  }
  if (path == "/oauth2/register") {
    return post ? m.Register(req, std::move(finish)) : method_not_allowed("POST");
  }
  finish(Impl::OAuthError(404, "invalid_request", "No such endpoint."));
}

// --- answers ---------------------------------------------------------------------------------

http::Response OAuthHandler::Impl::OAuthError(int status, std::string_view error,
                                              std::string_view description) {
  std::string body = R"({"error":)";
  AppendJsonString(&body, error);
  body.append(R"(,"error_description":)");
  AppendJsonString(&body, description);
  body.push_back('}');
  http::Response r = Json(status, std::move(body));
  if (status == 401 && error == "invalid_client") {
    r.headers.push_back({"WWW-Authenticate", R"(Basic realm="oauth2")"});
  }
  return r;
}

http::Response OAuthHandler::Impl::DecidedError(const identity::OAuthResult& r) {
  const int status = r.error == "server_error"              ? 500
                     : r.error == "temporarily_unavailable" ? 503
                                                            : 400;
  return OAuthError(status, r.error, r.error_description);
}

http::Response OAuthHandler::Impl::Json(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.push_back({"Pragma", "no-cache"});
  return r;
}

http::Response OAuthHandler::Impl::Html(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  // Pages are never framed (clickjacking) and run no script at all.
  r.headers.push_back({"X-Frame-Options", "DENY"});
  r.headers.push_back({"Content-Security-Policy",
                       "default-src 'none'; style-src 'unsafe-inline'; "
                       "form-action 'self' *; frame-ancestors 'none'"});
  r.headers.push_back({"Referrer-Policy", "no-referrer"});
  return r;
}

http::Response OAuthHandler::Impl::SeeOther(std::string location) {
  http::Response r;
  r.status = 303;
  r.content_type.clear();
  r.headers.push_back({"Location", std::move(location)});
  return r;
}

std::string OAuthHandler::Impl::Cookie(std::string_view name, std::string_view value,
                                       uint64_t max_age_s, std::string_view path) const {
  std::string c(name);
  c.push_back('=');
  c.append(value);
  c.append("; Path=");
  c.append(path);
  c.append("; Max-Age=");
  c.append(std::to_string(max_age_s));
  c.append("; HttpOnly; SameSite=Lax");
  if (options.secure_cookies) c.append("; Secure");
  return c;
}

// --- the writer ------------------------------------------------------------------------------

void OAuthHandler::Impl::Submit(std::shared_ptr<identity::IdentityOp> op,
                                std::function<void(runtime::Reply&&)> done) {
  runtime::Executor* ex = executor.load();
  if (ex == nullptr) {
    runtime::Reply r;
    r.status = Status::Unavailable("the server is starting");
    return done(std::move(r));
  }
  auto shared_done = std::make_shared<std::function<void(runtime::Reply &&)>>(std::move(done));
  Status st = ex->Submit(runtime::ServiceCmd{std::move(op)},
                         [shared_done](runtime::Reply&& r) { (*shared_done)(std::move(r)); });
  if (!st.ok()) {
    runtime::Reply r;
    r.status = st;
    (*shared_done)(std::move(r));
  }
}

const identity::OAuthResult* OAuthHandler::Impl::ResultOf(const runtime::Reply& r) {
  if (!r.status.ok()) return nullptr;
  return std::any_cast<identity::OAuthResult>(&r.service_result);
}

// --- browser binding and sessions ----------------------------------------------------------

std::string OAuthHandler::Impl::CsrfToken(std::string_view binding,
                                          std::string_view purpose) const {
  std::string msg(binding);
  msg.push_back('|');
  msg.append(purpose);
  unsigned char mac[32];
  unsigned int len = 0;
  CB_CHECK(HMAC(EVP_sha256(), csrf_key.data(), static_cast<int>(csrf_key.size()),
                reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac,
                &len) != nullptr);
  return jose::Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

bool OAuthHandler::Impl::CsrfValid(std::string_view binding, std::string_view purpose,
                                   std::string_view presented) const {
  if (binding.empty()) return false;
  const std::string expected = CsrfToken(binding, purpose);
  return presented.size() == expected.size() &&
         CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) == 0;
}

std::optional<identity::Session> OAuthHandler::Impl::SessionOf(const http::Request& req,
                                                               TimestampNs now) const {
  const auto cookies = http::ParseCookies(req.header("Cookie"));
  auto it = cookies.find("cb_session");
  if (it == cookies.end()) return std::nullopt;
  const std::string_view value = it->second;
  const size_t dot = value.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  u128 id = 0;
  if (!kernel::ParseId(value.substr(0, dot), identity::prefix::kSession, &id)) {
    return std::nullopt;
  }
  auto s = deps.identity->ReadSession(identity::SessionId(id));
  if (!s || s->revoked || s->expires <= now) return std::nullopt;
  const std::string_view secret = value.substr(dot + 1);
  const Hash256 h = Sha256Of(secret.data(), secret.size());
  if (CRYPTO_memcmp(h.data(), s->secret_sha256.data(), h.size()) != 0) return std::nullopt;
  return s;
}

// --- usage -------------------------------------------------------------------------------------

void OAuthHandler::CountUsage(identity::AppId app, std::string_view route, TimestampNs now) {
  const auto day = static_cast<uint32_t>(now / (86400ull * kNsPerSecond));
  std::lock_guard<std::mutex> lock(impl_->usage_mu);
  impl_->usage[{app.value, day, std::string(route)}]++;
}

void OAuthHandler::FlushUsage() {
  auto op = std::make_shared<identity::IdentityOp>();
  identity::RecordUsageOp record;
  {
    std::lock_guard<std::mutex> lock(impl_->usage_mu);
    for (const auto& [key, count] : impl_->usage) {
      record.entries.push_back(
          {identity::AppId(std::get<0>(key)), std::get<1>(key), std::get<2>(key), count});
    }
    impl_->usage.clear();
  }
  if (record.entries.empty()) return;
  op->body = std::move(record);
  // Counts that do not reach the journal (shutdown, full queue) are lost: metering is
  // best effort by one flush interval, never double counted.
  impl_->Submit(std::move(op), [](runtime::Reply&&) {});
}

// --- discovery ----------------------------------------------------------------------------------

void OAuthHandler::Impl::Discovery(Finish finish) const {
  const std::string& iss = options.issuer;
  std::string b = R"({"issuer":)";
  AppendJsonString(&b, iss);
  auto url = [&b, &iss](std::string_view name, std::string_view path) {
    b.append(",\"");
    b.append(name);
    b.append("\":");
    AppendJsonString(&b, iss + std::string(path));
  };
  url("authorization_endpoint", "/oauth2/authorize");
  url("token_endpoint", "/oauth2/token");
  url("pushed_authorization_request_endpoint", "/oauth2/par");
  url("introspection_endpoint", "/oauth2/introspect");
  url("revocation_endpoint", "/oauth2/revoke");
  url("userinfo_endpoint", "/oauth2/userinfo");
  url("jwks_uri", "/oauth2/jwks");
  url("registration_endpoint", "/oauth2/register");
  b.append(R"(,"scopes_supported":)");
  std::string scopes;
  for (std::string_view n : kernel::AllScopeNames()) {
    scopes.append(scopes.empty() ? "[\"" : ",\"");
    scopes.append(n);
    scopes.push_back('"');
  }
  b.append(scopes + "]");
  b.append(
      R"(,"response_types_supported":["code"],"response_modes_supported":["query"],)"
      R"("grant_types_supported":["authorization_code","client_credentials","refresh_token"],)"
      R"("code_challenge_methods_supported":["S256"],)"
      R"("token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","private_key_jwt"],)"
      R"("token_endpoint_auth_signing_alg_values_supported":["ES256","RS256","PS256"],)"
      R"("introspection_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","private_key_jwt"],)"
      R"("revocation_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","private_key_jwt"],)"
      R"("subject_types_supported":["public"],"id_token_signing_alg_values_supported":["ES256"],)"
      R"("userinfo_signing_alg_values_supported":["ES256"],)"
      R"("acr_values_supported":["urn:corebank:acr:pwd","urn:corebank:acr:mfa"],)"
      R"("claims_supported":["sub","iss","aud","exp","iat","auth_time","nonce","acr","amr","azp","sid","name","email","email_verified","preferred_username","customer"],)"
      R"("require_pushed_authorization_requests":false,)"
      R"("authorization_response_iss_parameter_supported":true,)"
      R"("prompt_values_supported":["login"]})");
  http::Response r = Json(200, std::move(b));
  finish(std::move(r));
}

void OAuthHandler::Impl::Jwks(Finish finish) const {
  http::Response r = Json(200, deps.verifier->JwksJson(WallNowNs()));
  r.content_type = "application/jwk-set+json";
  finish(std::move(r));
}

std::string WithQuery(std::string_view uri,
                      const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out(uri);
  char sep = out.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : params) {
    out.push_back(sep);
    sep = '&';
    out.append(http::PercentEncode(k));
    out.push_back('=');
    out.append(http::PercentEncode(v));
  }
  return out;
}

}  // namespace cb::oauth
