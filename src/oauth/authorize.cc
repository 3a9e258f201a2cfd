// The authorization code flow: /oauth2/authorize and PAR create the request (journaled),
// then the login, TOTP and consent pages walk the browser to a code.
#include "credentials/lockout.h"
#include "credentials/totp.h"
#include "jose/jose.h"
#include "oauth/internal.h"
#include "platform/ids.h"
#include "platform/state.h"

namespace cb::oauth {

namespace {

using identity::AuthRequest;

constexpr size_t kStateCharsMax = 512;
constexpr size_t kNonceCharsMax = 512;
constexpr uint64_t kDeviceCookieAgeS = 2ull * 365 * 86400;

struct AuthError {
  bool redirect = false;  // false: show a page (the redirect URI is not trusted yet)
  std::string error;
  std::string description;
};

bool ValidChallenge(std::string_view c) {
  // base64url of a SHA-256: 43 characters.
  return c.size() == 43 && jose::Base64UrlDecode(c).has_value();
}

// Checks authorization request parameters against the app; fills `out` (all but id,
// tenant timing fields). The redirect URI is checked first: until it is known good,
// errors are shown, never redirected (open redirector).
bool ValidateParams(const http::FormFields& p, const identity::App& app, AuthRequest* out,
                    AuthError* err) {
  auto page = [err](std::string description) {
    *err = {false, "invalid_request", std::move(description)};
    return false;
  };
  auto back = [err](std::string error, std::string description) {
    *err = {true, std::move(error), std::move(description)};
    return false;
  };
  for (const auto& [k, v] : p) {
    bool dup = false;
    (void)http::FormValue(p, k, &dup);
    if (dup) return page("Parameter " + k + " is repeated.");
  }
  const auto redirect_uri = http::FormValue(p, "redirect_uri");
  if (!redirect_uri) return page("redirect_uri is required.");
  bool registered = false;
  for (const std::string& uri : app.redirect_uris) registered |= uri == *redirect_uri;
  if (!registered) return page("redirect_uri does not match one registered for this client.");
  out->redirect_uri = *redirect_uri;
  out->client = app.id;
  out->tenant = app.tenant;
  out->state = http::FormValue(p, "state").value_or("");
  if (out->state.size() > kStateCharsMax) return page("state is too long.");
  if (!(app.grant_types & identity::kGrantAuthorizationCode)) {
    return back("unauthorized_client", "This client may not use the authorization code flow.");
  }
  if (http::FormValue(p, "response_type").value_or("") != "code") {
    return back("unsupported_response_type", "response_type must be code.");
  }
  const auto method = http::FormValue(p, "code_challenge_method");
  const auto challenge = http::FormValue(p, "code_challenge");
  if (!challenge || !method) {
    return back("invalid_request", "PKCE is required: code_challenge with method S256.");
  }
  if (*method != "S256") return back("invalid_request", "Only code_challenge_method=S256.");
  if (!ValidChallenge(*challenge)) return back("invalid_request", "Malformed code_challenge.");
  out->code_challenge = *challenge;
  kernel::ScopeSet scopes;
  std::string unknown;
  if (!kernel::ParseScopes(http::FormValue(p, "scope").value_or(""), &scopes, &unknown)) {
    return back("invalid_scope", "Unknown scope: " + unknown + ".");
  }
  if (!(app.scopes | kernel::kScopesOidc).Covers(scopes)) {
    return back("invalid_scope",
                "Not allowed for this client: " + kernel::FormatScopes(scopes & ~app.scopes) + ".");
  }
  if (scopes.empty()) return back("invalid_scope", "scope is required.");
  out->scopes = scopes;
  out->nonce = http::FormValue(p, "nonce").value_or("");
  if (out->nonce.size() > kNonceCharsMax) return back("invalid_request", "nonce is too long.");
  if (!identity::ParseAcrValues(http::FormValue(p, "acr_values").value_or(""), &out->acr_min)) {
    return back("invalid_request", "Unsupported acr_values.");
  }
  if (const auto consent = http::FormValue(p, "consent_id")) {
    if (!kernel::ParseId(*consent, identity::prefix::kConsent, &out->consent.value)) {
      return back("invalid_request", "Malformed consent_id.");
    }
  }
  const std::string prompt = http::FormValue(p, "prompt").value_or("");
  if (prompt == "none") return back("login_required", "Interactive login is required.");
  if (!prompt.empty() && prompt != "login" && prompt != "consent") {
    return back("invalid_request", "Unsupported prompt.");
  }
  out->prompt_login = prompt == "login";
  if (const auto max_age = http::FormValue(p, "max_age")) {
    uint64_t v = 0;
    for (char c : *max_age) {
      if (c < '0' || c > '9' || v > 1'000'000'000) return back("invalid_request", "Bad max_age.");
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    out->max_age_s = v;
    // max_age=0: the user must authenticate now, like prompt=login (OIDC Core §3.1.2.1).
    if (v == 0) out->prompt_login = true;
  }
  return true;
}

std::string CookieValue(const http::Request& req, std::string_view name) {
  const auto cookies = http::ParseCookies(req.header("Cookie"));
  auto it = cookies.find(std::string(name));
  return it == cookies.end() ? std::string() : it->second;
}

std::string RandomToken() { return identity::NewOpaqueToken(""); }

std::string RequestIdText(identity::RequestId id) {
  return kernel::FormatId(identity::prefix::kRequest, id.value);
}

}  // namespace

// --- /oauth2/authorize and PAR --------------------------------------------------------------

void OAuthHandler::Impl::Authorize(const http::Request& req, Finish finish) {
  http::FormFields p;
  if (!http::ParseForm(req.query(), &p)) {
    return finish(Html(400, RenderErrorPage("Bad request", "The query string is malformed.")));
  }
  const auto client_id = http::FormValue(p, "client_id");
  u128 id = 0;
  if (!client_id || !kernel::ParseId(*client_id, identity::prefix::kApp, &id)) {
    return finish(Html(400, RenderErrorPage("Unknown client", "client_id is missing or unknown.")));
  }
  const auto app = deps.identity->ReadApp(AppId(id));
  if (!app || app->revoked) {
    return finish(
        Html(400, RenderErrorPage("Unknown client", "The client is unknown or revoked.")));
  }
  const TimestampNs now = WallNowNs();
  // Where the browser goes next, with the binding cookie set. It may run on the writer after
  // this request timed out and its connection moved on: it must hold copies, never `req`.
  const bool new_binding = CookieValue(req, "cb_bsid").empty();
  const auto session = SessionOf(req, now);
  auto proceed = [this, new_binding, session, now](const AuthRequest& r, Finish done) {
    const bool reuse = session && session->tenant == r.tenant && !r.prompt_login &&
                       static_cast<uint8_t>(session->acr) >= static_cast<uint8_t>(r.acr_min) &&
                       (r.max_age_s == 0 || now - session->auth_time <= r.max_age_s * kNsPerSecond);
    http::Response res = SeeOther(std::string(reuse ? "/oauth2/consent" : "/oauth2/login") +
                                  "?request=" + RequestIdText(r.id));
    if (new_binding) {
      res.headers.push_back({"Set-Cookie", Cookie("cb_bsid", RandomToken(), 86400)});
    }
    done(std::move(res));
  };
  if (const auto request_uri = http::FormValue(p, "request_uri")) {
    u128 rid = 0;
    const std::string_view uri = *request_uri;
    if (uri.substr(0, kRequestUriPrefix.size()) != kRequestUriPrefix ||
        !kernel::ParseId(uri.substr(kRequestUriPrefix.size()), identity::prefix::kRequest, &rid)) {
      return finish(Html(400, RenderErrorPage("Bad request", "request_uri is not ours.")));
    }
    const auto r = deps.identity->ReadRequest(identity::RequestId(rid));
    if (!r || !r->pushed || !(r->client == app->id) || r->finished || r->expires <= now) {
      return finish(Html(
          400, RenderErrorPage("Bad request", "The pushed request is unknown, used or expired.")));
    }
    return proceed(*r, std::move(finish));
  }
  AuthRequest r;
  AuthError err;
  if (!ValidateParams(p, *app, &r, &err)) {
    if (!err.redirect) return finish(Html(400, RenderErrorPage("Bad request", err.description)));
    std::vector<std::pair<std::string, std::string>> q = {{"error", err.error},
                                                          {"error_description", err.description}};
    if (!r.state.empty()) q.emplace_back("state", r.state);
    q.emplace_back("iss", options.issuer);
    return finish(SeeOther(WithQuery(r.redirect_uri, q)));
  }
  r.id = identity::RequestId(kernel::RandomU128());
  r.expires = now + options.authorize_ttl_s * kNsPerSecond;
  r.created = now;
  auto op = std::make_shared<identity::IdentityOp>();
  op->caller.tenant = r.tenant;
  op->body = identity::CreateAuthRequestOp{r};
  Submit(std::move(op), [this, r, proceed, finish = std::move(finish)](runtime::Reply&& reply) {
    const identity::OAuthResult* res = ResultOf(reply);
    if (res == nullptr) return finish(Html(503, RenderErrorPage("Unavailable", "Try again.")));
    if (!res->error.empty()) {
      return finish(
          SeeOther(WithQuery(r.redirect_uri, {{"error", res->error},
                                              {"error_description", res->error_description},
                                              {"state", r.state},
                                              {"iss", options.issuer}})));
    }
    proceed(r, finish);
  });
}

void OAuthHandler::Impl::Par(const http::Request& req, Finish finish) {
  http::FormFields form;
  if (req.header("Content-Type").substr(0, 33) != "application/x-www-form-urlencoded" ||
      !http::ParseForm(req.body, &form)) {
    return finish(OAuthError(400, "invalid_request", "Malformed form body."));
  }
  http::Response failure;
  auto client = AuthenticateClient(req, form, options.issuer + "/oauth2/par", &failure);
  if (!client) return finish(std::move(failure));
  if (http::FormValue(form, "request_uri")) {
    return finish(OAuthError(400, "invalid_request", "request_uri is not allowed in PAR."));
  }
  http::FormFields params;
  for (const auto& [k, v] : form) {
    if (k != "client_secret" && k != "client_assertion" && k != "client_assertion_type") {
      params.emplace_back(k, v);
    }
  }
  AuthRequest r;
  AuthError err;
  if (!ValidateParams(params, client->app, &r, &err)) {
    return finish(OAuthError(400, err.error, err.description));
  }
  const TimestampNs now = WallNowNs();
  r.id = identity::RequestId(kernel::RandomU128());
  r.pushed = true;
  r.expires = now + options.par_ttl_s * kNsPerSecond;
  r.created = now;
  auto op = std::make_shared<identity::IdentityOp>();
  op->caller.tenant = r.tenant;
  op->body = identity::CreateAuthRequestOp{r};
  const uint64_t ttl = options.par_ttl_s;
  Submit(std::move(op), [id = r.id, ttl, finish = std::move(finish)](runtime::Reply&& reply) {
    const identity::OAuthResult* res = ResultOf(reply);
    if (res == nullptr) return finish(OAuthError(503, "temporarily_unavailable", "Retry."));
    if (!res->error.empty()) return finish(DecidedError(*res));
    finish(Json(201, std::string(R"({"request_uri":")") + std::string(kRequestUriPrefix) +
                         RequestIdText(id) + R"(","expires_in":)" + std::to_string(ttl) + "}"));
  });
}

// --- login -------------------------------------------------------------------------------------

namespace {
// The live authorization request a page names (?request= or the form's `request`).
std::optional<AuthRequest> PageRequest(const identity::IdentityState& st, std::string_view text,
                                       TimestampNs now) {
  u128 id = 0;
  if (!kernel::ParseId(text, identity::prefix::kRequest, &id)) return std::nullopt;
  auto r = st.ReadRequest(identity::RequestId(id));
  if (!r || r->finished || r->expires <= now) return std::nullopt;
  return r;
}

http::Response Expired() {
  return OAuthHandler::Impl::Html(
      400, RenderErrorPage("Request expired",
                           "This sign-in request is unknown, finished or expired. Go back to "
                           "the app and start again."));
}
// A page answered while the user is locked out: 429 with the seconds left.
http::Response Locked(std::string page, TimestampNs locked_until) {
  http::Response res = OAuthHandler::Impl::Html(429, std::move(page));
  const TimestampNs now = WallNowNs();
  const uint64_t wait_s = locked_until > now ? (locked_until - now) / kNsPerSecond + 1 : 1;
  res.headers.push_back({"Retry-After", std::to_string(wait_s)});
  return res;
}
constexpr std::string_view kLockedMessage = "Too many failed attempts. Try again later.";

// What every page request and form post starts with: the fields (query or form body), the
// live authorization request they name, and the browser-binding cookie. `purpose` set: a
// form post, whose CSRF token must be bound to that cookie and "purpose:request". On
// failure, *failure is the answer.
struct PageInput {
  http::FormFields fields;
  std::string request_text;
  std::string bsid;  // empty when the browser sent none
  AuthRequest request;
};

// A page that needs the signed-in session of the request's tenant: the session, or the
// answer that sends the browser back to the login page.
std::optional<identity::Session> PageSession(const OAuthHandler::Impl& m, const http::Request& req,
                                             const PageInput& in, TimestampNs now,
                                             http::Response* failure) {
  auto session = m.SessionOf(req, now);
  if (!session || !(session->tenant == in.request.tenant)) {
    *failure = OAuthHandler::Impl::SeeOther("/oauth2/login?request=" + in.request_text);
    return std::nullopt;
  }
  return session;
}
std::optional<PageInput> ReadPage(const OAuthHandler::Impl& m, const http::Request& req,
                                  std::string_view purpose, TimestampNs now,
                                  http::Response* failure) {
  PageInput in;
  const std::string_view source = purpose.empty() ? req.query() : std::string_view(req.body);
  if (!http::ParseForm(source, &in.fields)) {
    *failure = Expired();
    return std::nullopt;
  }
  in.request_text = http::FormValue(in.fields, "request").value_or("");
  in.bsid = CookieValue(req, "cb_bsid");
  if (!purpose.empty() && !m.CsrfValid(in.bsid, std::string(purpose) + ":" + in.request_text,
                                       http::FormValue(in.fields, "csrf_token").value_or(""))) {
    *failure = OAuthHandler::Impl::Html(
        403, RenderErrorPage("Forbidden", "The form is stale or forged; reload it."));
    return std::nullopt;
  }
  auto r = PageRequest(*m.deps.identity, in.request_text, now);
  if (!r) {
    *failure = Expired();
    return std::nullopt;
  }
  in.request = *std::move(r);
  return in;
}
}  // namespace

void OAuthHandler::Impl::LoginPage(const http::Request& req, Finish finish) {
  http::Response failure;
  auto in = ReadPage(*this, req, "", WallNowNs(), &failure);
  if (!in) return finish(std::move(failure));
  const std::string& request = in->request_text;
  const AuthRequest* r = &in->request;
  std::string bsid = in->bsid;
  const bool new_binding = bsid.empty();
  if (new_binding) bsid = RandomToken();
  const auto app = deps.identity->ReadApp(r->client);
  http::Response res = Html(200, RenderLoginPage({.request_id = request,
                                                  .csrf_token = CsrfToken(bsid, "login:" + request),
                                                  .app_name = app ? app->name : "",
                                                  .username = "",
                                                  .error = ""}));
  if (new_binding) res.headers.push_back({"Set-Cookie", Cookie("cb_bsid", bsid, 86400)});
  finish(std::move(res));
}

namespace {
// One sign-in between the password check and the writer's answer.
struct LoginAttempt {
  LoginPageView view;     // shown again, with the error, when the sign-in fails
  identity::UserId user;  // zero for a username that names no user
  Hash256 username_sha256{};
  AuthRequest request;
  std::string device;  // the cb_device cookie's value, new when the browser had none usable
  bool new_device_cookie = false;
  std::shared_ptr<Finish> finish;
};

// The writer's verdict on a sign-in, as the browser sees it: on to TOTP or consent with a
// session cookie, or the login page again with the reason.
http::Response LoginAnswer(const OAuthHandler::Impl& m, LoginAttempt& a,
                           const identity::OAuthResult* res, const std::string& secret,
                           identity::SessionId session_id) {
  if (res == nullptr) {
    return OAuthHandler::Impl::Html(503, RenderErrorPage("Unavailable", "Try again."));
  }
  if (res->locked) {
    a.view.error = kLockedMessage;
    return Locked(RenderLoginPage(a.view), res->locked_until);
  }
  if (!res->error.empty()) {
    a.view.error =
        res->error == "access_denied" ? "Wrong username or password." : res->error_description;
    return OAuthHandler::Impl::Html(401, RenderLoginPage(a.view));
  }
  const AuthRequest& r = a.request;
  const std::string next =
      std::string(r.acr_min == kernel::AuthLevel::kMfa ? "/oauth2/mfa" : "/oauth2/consent") +
      "?request=" + RequestIdText(r.id);
  http::Response ok_res = OAuthHandler::Impl::SeeOther(next);
  ok_res.headers.push_back(
      {"Set-Cookie",
       m.Cookie("cb_session",
                kernel::FormatId(identity::prefix::kSession, session_id.value) + "." + secret,
                m.options.session_ttl_s)});
  if (a.new_device_cookie) {
    ok_res.headers.push_back({"Set-Cookie", m.Cookie("cb_device", a.device, kDeviceCookieAgeS)});
  }
  return ok_res;
}

// After the password check: the login for the writer to decide (lockout, session, device),
// answered through a.finish. Unknown users take this same round trip.
void SubmitLogin(OAuthHandler::Impl* m, LoginAttempt a, bool password_ok) {
  const std::string secret = RandomToken();
  auto op = std::make_shared<identity::IdentityOp>();
  op->caller.tenant = a.request.tenant;
  identity::LoginOp login;
  login.request = a.request.id;
  login.user = a.user;
  login.username_sha256 = a.username_sha256;
  login.password_ok = password_ok && !a.user.zero();
  login.session_id = identity::SessionId(kernel::RandomU128());
  login.session_secret_sha256 = Sha256Of(secret.data(), secret.size());
  login.device_sha256 = Sha256Of(a.device.data(), a.device.size());
  login.session_ttl_ns = m->options.session_ttl_s * kNsPerSecond;
  const identity::SessionId session_id = login.session_id;
  op->body = std::move(login);
  m->Submit(
      std::move(op), [m, a = std::move(a), secret, session_id](runtime::Reply&& reply) mutable {
        (*a.finish)(LoginAnswer(*m, a, OAuthHandler::Impl::ResultOf(reply), secret, session_id));
      });
}
}  // namespace

void OAuthHandler::Impl::LoginSubmit(const http::Request& req, Finish finish) {
  const TimestampNs now = WallNowNs();
  http::Response failure;
  auto in = ReadPage(*this, req, "login", now, &failure);
  if (!in) return finish(std::move(failure));
  const http::FormFields& f = in->fields;
  const std::string& request = in->request_text;
  const std::string& bsid = in->bsid;
  const AuthRequest* r = &in->request;
  const std::string username = http::FormValue(f, "username").value_or("");
  std::string password = http::FormValue(f, "password").value_or("");
  const auto app = deps.identity->ReadApp(r->client);
  LoginPageView view{request, CsrfToken(bsid, "login:" + request), app ? app->name : "", username,
                     ""};
  const auto user = username.empty() || username.size() > 128
                        ? std::nullopt
                        : deps.identity->ReadUserByName(r->tenant, username);
  // Unknown users verify against a dummy hash and then take the same journaled round trip
  // with their own lockout: same time, same answers, whether the username exists or not.
  // Keyed by the KMS: what was typed may be a password, and the digest is journaled.
  const std::string username_key = platform::IdBytes(r->tenant.value) + username;
  auto mac = deps.kms->Mac("unknown-username", username_key);
  if (!mac.ok()) {
    std::fprintf(stderr, "corebank: key service: %s\n", mac.status().ToString().c_str());
    return finish(Html(503, RenderErrorPage("Unavailable", "Try again.")));
  }
  Hash256 username_sha256{};
  std::memcpy(username_sha256.data(), mac->data(), username_sha256.size());
  const credentials::LockoutState lockout =
      user ? user->lockout : deps.identity->ReadUnknownUserLockout(r->tenant, username_sha256);
  if (credentials::IsLocked(lockout, now)) {
    view.error = kLockedMessage;
    return finish(Locked(RenderLoginPage(view), lockout.locked_until_ns));
  }
  const std::string stored = user ? user->password_hash : dummy_hash;
  LoginAttempt attempt{.view = std::move(view),
                       .user = user ? user->id : identity::UserId(),
                       .username_sha256 = username_sha256,
                       .request = *r,
                       .device = CookieValue(req, "cb_device"),
                       .new_device_cookie = false,
                       .finish = std::make_shared<Finish>(std::move(finish))};
  attempt.new_device_cookie = attempt.device.size() < 16 || attempt.device.size() > 64;
  if (attempt.new_device_cookie) attempt.device = RandomToken();
  const std::shared_ptr<Finish> shared_finish = attempt.finish;
  const bool accepted = deps.passwords->SubmitVerify(
      stored, std::move(password), [this, attempt](bool ok) { SubmitLogin(this, attempt, ok); });
  if (!accepted) {
    (*shared_finish)(Html(503, RenderErrorPage("Busy", "Too many sign-ins at once; try again.")));
  }
}

// --- TOTP --------------------------------------------------------------------------------------

void OAuthHandler::Impl::MfaPage(const http::Request& req, Finish finish) {
  const TimestampNs now = WallNowNs();
  http::Response failure;
  auto in = ReadPage(*this, req, "", now, &failure);
  if (!in) return finish(std::move(failure));
  const std::string& request = in->request_text;
  const auto session = PageSession(*this, req, *in, now, &failure);
  if (!session) return finish(std::move(failure));
  finish(Html(200, RenderMfaPage({request, CsrfToken(in->bsid, "mfa:" + request), ""})));
}

void OAuthHandler::Impl::MfaSubmit(const http::Request& req, Finish finish) {
  const TimestampNs now = WallNowNs();
  http::Response failure;
  auto in = ReadPage(*this, req, "mfa", now, &failure);
  if (!in) return finish(std::move(failure));
  const http::FormFields& f = in->fields;
  const std::string& request = in->request_text;
  const std::string& bsid = in->bsid;
  const AuthRequest* r = &in->request;
  const auto session = PageSession(*this, req, *in, now, &failure);
  if (!session) return finish(std::move(failure));
  const auto user = deps.identity->ReadUser(session->user);
  MfaPageView view{request, CsrfToken(bsid, "mfa:" + request), ""};
  if (!user || !user->totp_enabled) {
    view.error = "No authenticator app is set up for this user.";
    return finish(Html(403, RenderMfaPage(view)));
  }
  const std::string aad = "totp|" + kernel::FormatId(identity::prefix::kUser, user->id.value);
  auto secret = deps.kms->Decrypt(user->totp_ciphertext, aad);
  if (!secret.ok())
    return finish(Html(500, RenderErrorPage("Error", "Cannot read the second factor.")));
  const auto step = credentials::VerifyTotp(*secret, http::FormValue(f, "code").value_or(""),
                                            now / kNsPerSecond, user->totp_last_step);
  auto op = std::make_shared<identity::IdentityOp>();
  op->caller.tenant = r->tenant;
  op->body = identity::StepUpOp{session->id, user->id, step.has_value(), step.value_or(0)};
  Submit(std::move(op),
         [view, request, finish = std::move(finish)](runtime::Reply&& reply) mutable {
           const identity::OAuthResult* res = ResultOf(reply);
           if (res == nullptr)
             return finish(Html(503, RenderErrorPage("Unavailable", "Try again.")));
           if (res->locked) {
             view.error = kLockedMessage;
             return finish(Locked(RenderMfaPage(view), res->locked_until));
           }
           if (!res->error.empty()) {
             view.error = res->error_description;
             return finish(Html(401, RenderMfaPage(view)));
           }
           finish(SeeOther("/oauth2/consent?request=" + request));
         });
}

// --- consent -----------------------------------------------------------------------------------

void OAuthHandler::Impl::ConsentPage(const http::Request& req, Finish finish) {
  const TimestampNs now = WallNowNs();
  http::Response failure;
  auto in = ReadPage(*this, req, "", now, &failure);
  if (!in) return finish(std::move(failure));
  const std::string& request = in->request_text;
  const AuthRequest* r = &in->request;
  const auto session = SessionOf(req, now);
  const bool fresh_enough =
      session && session->tenant == r->tenant &&
      (!r->prompt_login || session->auth_time >= r->created) &&
      (r->max_age_s == 0 || now - session->auth_time <= r->max_age_s * kNsPerSecond);
  if (!fresh_enough) return finish(SeeOther("/oauth2/login?request=" + request));
  if (static_cast<uint8_t>(session->acr) < static_cast<uint8_t>(r->acr_min)) {
    return finish(SeeOther("/oauth2/mfa?request=" + request));
  }
  const std::string csrf = CsrfToken(in->bsid, "consent:" + request);
  auto op = std::make_shared<identity::IdentityOp>();
  op->caller.tenant = r->tenant;
  op->body = identity::ConsentViewOp{r->id, session->id};
  Submit(std::move(op), [request, csrf, finish = std::move(finish)](runtime::Reply&& reply) {
    const identity::OAuthResult* res = ResultOf(reply);
    if (res == nullptr) return finish(Html(503, RenderErrorPage("Unavailable", "Try again.")));
    if (!res->error.empty()) {
      return finish(Html(400, RenderErrorPage("Cannot continue", res->error_description)));
    }
    finish(Html(200, RenderConsentPage({request, csrf, "", res->view})));
  });
}

void OAuthHandler::Impl::ConsentSubmit(const http::Request& req, Finish finish) {
  const TimestampNs now = WallNowNs();
  http::Response failure;
  auto in = ReadPage(*this, req, "consent", now, &failure);
  if (!in) return finish(std::move(failure));
  const http::FormFields& f = in->fields;
  const AuthRequest* r = &in->request;
  const auto session = PageSession(*this, req, *in, now, &failure);
  if (!session) return finish(std::move(failure));
  const std::string decision = http::FormValue(f, "decision").value_or("");
  if (decision != "approve" && decision != "deny") {
    return finish(Html(400, RenderErrorPage("Bad request", "Choose approve or deny.")));
  }
  identity::DecideOp d;
  d.request = r->id;
  d.session = session->id;
  d.approve = decision == "approve";
  for (const std::string& a : http::FormValues(f, "account")) {
    u128 id = 0;
    if (!kernel::ParseId(a, platform::prefix::kAccount, &id)) {
      return finish(Html(400, RenderErrorPage("Bad request", "Unknown account.")));
    }
    d.accounts.push_back(platform::AccountId(id));
  }
  const std::string code = RandomToken();
  d.code_sha256 = Sha256Of(code.data(), code.size());
  d.new_consent = identity::ConsentId(kernel::RandomU128());
  d.consent_ttl_ns = options.consent_ttl_s * kNsPerSecond;
  d.code_ttl_ns = options.code_ttl_s * kNsPerSecond;
  auto op = std::make_shared<identity::IdentityOp>();
  op->caller.tenant = r->tenant;
  op->body = std::move(d);
  Submit(std::move(op), [this, code, finish = std::move(finish)](runtime::Reply&& reply) {
    const identity::OAuthResult* res = ResultOf(reply);
    if (res == nullptr) return finish(Html(503, RenderErrorPage("Unavailable", "Try again.")));
    std::vector<std::pair<std::string, std::string>> q;
    if (!res->error.empty()) {
      if (res->redirect_uri.empty() || res->error != "access_denied") {
        return finish(Html(400, RenderErrorPage("Cannot continue", res->error_description)));
      }
      q = {{"error", res->error}, {"error_description", res->error_description}};
    } else {
      q = {{"code", code}};
    }
    if (!res->state.empty()) q.emplace_back("state", res->state);
    q.emplace_back("iss", options.issuer);
    finish(SeeOther(WithQuery(res->redirect_uri, q)));
  });
}

}  // namespace cb::oauth
