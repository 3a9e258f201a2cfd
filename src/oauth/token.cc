// POST /oauth2/token: client_credentials (signed here, nothing journaled), and
// authorization_code / refresh_token (decided on the writer, then signed here).
#include "base/json_string.h"
#include "base/sha256.h"
#include "oauth/internal.h"
#include "platform/ids.h"

namespace cb::oauth {

namespace {

// The key service's own words (paths, key ids) are for the operator's log, not the client.
http::Response SigningUnavailable(const Status& st) {
  std::fprintf(stderr, "corebank: token signing failed: %s\n", st.ToString().c_str());
  return OAuthHandler::Impl::OAuthError(503, "temporarily_unavailable",
                                        "Tokens cannot be signed right now; retry.");
}

bool ValidVerifier(std::string_view v) {
  // RFC 7636 §4.1: 43-128 characters of [A-Z a-z 0-9 - . _ ~].
  if (v.size() < 43 || v.size() > 128) return false;
  for (char c : v) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~';
    if (!ok) return false;
  }
  return true;
}

// {"access_token","token_type","expires_in","scope", ["refresh_token"], ["id_token"]}
std::string TokenBody(std::string_view access_token, uint64_t expires_in, kernel::ScopeSet scopes,
                      std::string_view refresh_token, std::string_view id_token) {
  std::string b = R"({"access_token":)";
  AppendJsonString(&b, access_token);
  b.append(R"(,"token_type":"Bearer","expires_in":)");
  b.append(std::to_string(expires_in));
  b.append(R"(,"scope":)");
  AppendJsonString(&b, kernel::FormatScopes(scopes));
  if (!refresh_token.empty()) {
    b.append(R"(,"refresh_token":)");
    AppendJsonString(&b, refresh_token);
  }
  if (!id_token.empty()) {
    b.append(R"(,"id_token":)");
    AppendJsonString(&b, id_token);
  }
  b.push_back('}');
  return b;
}

Hash256 HashOf(std::string_view s) { return Sha256Of(s.data(), s.size()); }

// --- the request ------------------------------------------------------------------------

// RFC 6749 §3.2: a form body, and no parameter sent twice. On failure, the answer.
std::optional<http::Response> ReadTokenForm(const http::Request& req, http::FormFields* form) {
  if (req.header("Content-Type").substr(0, 33) != "application/x-www-form-urlencoded" ||
      !http::ParseForm(req.body, form)) {
    return OAuthHandler::Impl::OAuthError(400, "invalid_request",
                                          "Send an application/x-www-form-urlencoded body.");
  }
  for (const auto& [k, v] : *form) {
    bool dup = false;
    (void)http::FormValue(*form, k, &dup);
    if (dup) {
      return OAuthHandler::Impl::OAuthError(400, "invalid_request",
                                            "Parameter " + k + " is repeated.");
    }
  }
  return std::nullopt;
}

// The optional `scope` parameter into *scopes (left empty when absent). On an unknown
// scope, the answer.
std::optional<http::Response> ReadScope(const http::FormFields& form,
                                        std::optional<kernel::ScopeSet>* scopes) {
  const auto scope_text = http::FormValue(form, "scope");
  if (!scope_text) return std::nullopt;
  kernel::ScopeSet parsed;
  std::string unknown;
  if (!kernel::ParseScopes(*scope_text, &parsed, &unknown)) {
    return OAuthHandler::Impl::OAuthError(400, "invalid_scope", "Unknown scope: " + unknown + ".");
  }
  *scopes = parsed;
  return std::nullopt;
}

// --- one function per grant type ----------------------------------------------------------

// client_credentials: no user and nothing to journal, so decided and signed here.
http::Response ClientCredentialsGrant(const identity::TokenIssuer& issuer, const identity::App& app,
                                      std::optional<kernel::ScopeSet> scopes, TimestampNs now) {
  if (!(app.grant_types & identity::kGrantClientCredentials)) {
    return OAuthHandler::Impl::OAuthError(400, "unauthorized_client",
                                          "This client may not use client_credentials.");
  }
  // No user, so no OpenID Connect scopes: only the app's API scopes.
  const kernel::ScopeSet allowed = app.scopes & kernel::ApiScopes();
  const kernel::ScopeSet granted = scopes.value_or(allowed);
  if (!allowed.Covers(granted)) {
    return OAuthHandler::Impl::OAuthError(
        400, "invalid_scope",
        "Not allowed for this client: " + kernel::FormatScopes(granted & ~allowed) + ".");
  }
  identity::AccessClaims claims;
  claims.tenant = app.tenant;
  claims.client = app.id;
  claims.scopes = granted;
  auto token = issuer.AccessToken(&claims, now);
  if (!token.ok()) return SigningUnavailable(token.status());
  return OAuthHandler::Impl::Json(200,
                                  TokenBody(*token, issuer.config().access_ttl_s, granted, "", ""));
}

// authorization_code: the redemption for the writer to decide (the code, its redirect URI
// and PKCE verifier are checked there). With refresh allowed, *new_refresh is the token the
// writer records by hash. On a malformed request, the answer.
std::optional<http::Response> RedeemCode(const identity::App& app, const http::FormFields& form,
                                         bool may_refresh, uint64_t refresh_ttl_s,
                                         std::string* new_refresh, identity::IdentityOp* op) {
  if (!(app.grant_types & identity::kGrantAuthorizationCode)) {
    return OAuthHandler::Impl::OAuthError(400, "unauthorized_client",
                                          "This client may not use authorization_code.");
  }
  const auto code = http::FormValue(form, "code");
  const auto redirect_uri = http::FormValue(form, "redirect_uri");
  const auto verifier = http::FormValue(form, "code_verifier");
  if (!code || code->empty() || code->size() > 128 || !redirect_uri) {
    return OAuthHandler::Impl::OAuthError(400, "invalid_request",
                                          "code and redirect_uri are required.");
  }
  if (!verifier || !ValidVerifier(*verifier)) {
    return OAuthHandler::Impl::OAuthError(
        400, "invalid_request", "code_verifier is required (PKCE, RFC 7636: 43-128 characters).");
  }
  identity::RedeemCodeOp redeem;
  redeem.client = app.id;
  redeem.code_sha256 = HashOf(*code);
  redeem.redirect_uri = *redirect_uri;
  redeem.code_verifier = *verifier;
  redeem.grant_id = identity::GrantId(kernel::RandomU128());
  if (may_refresh) {
    *new_refresh = identity::NewOpaqueToken("rt_");
    redeem.refresh_sha256 = HashOf(*new_refresh);
    redeem.refresh_ttl_ns = refresh_ttl_s * kNsPerSecond;
  }
  op->body = std::move(redeem);
  return std::nullopt;
}

// refresh_token: the rotation for the writer to decide; *new_refresh replaces the presented
// token. On a malformed request, the answer.
std::optional<http::Response> RefreshToken(const identity::App& app, const http::FormFields& form,
                                           bool may_refresh, std::optional<kernel::ScopeSet> scopes,
                                           std::string* new_refresh, identity::IdentityOp* op) {
  if (!may_refresh) {
    return OAuthHandler::Impl::OAuthError(400, "unauthorized_client",
                                          "This client may not refresh.");
  }
  const auto token = http::FormValue(form, "refresh_token");
  if (!token || token->empty() || token->size() > 256) {
    return OAuthHandler::Impl::OAuthError(400, "invalid_request", "refresh_token is required.");
  }
  identity::RefreshOp refresh;
  refresh.client = app.id;
  refresh.refresh_sha256 = HashOf(*token);
  refresh.scopes = scopes;
  *new_refresh = identity::NewOpaqueToken("rt_");
  refresh.new_refresh_sha256 = HashOf(*new_refresh);
  op->body = std::move(refresh);
  return std::nullopt;
}

// The writer's decision on a code or refresh grant, signed here: the token answer.
// `new_refresh` is handed out only if the writer recorded it.
http::Response WrittenGrantAnswer(const identity::TokenIssuer& issuer, const runtime::Reply& r,
                                  const std::string& new_refresh) {
  const identity::OAuthResult* res = OAuthHandler::Impl::ResultOf(r);
  if (res == nullptr) {
    return OAuthHandler::Impl::OAuthError(503, "temporarily_unavailable", "Not durable; retry.");
  }
  if (!res->error.empty()) return OAuthHandler::Impl::DecidedError(*res);
  const identity::TokenGrant& g = res->grant;
  identity::AccessClaims claims;
  claims.tenant = g.tenant;
  claims.client = g.client;
  claims.user = g.user;
  claims.customer = g.customer;
  claims.consent = g.consent;
  claims.grant = g.grant;
  claims.scopes = g.scopes;
  claims.acr = g.acr;
  claims.amr = g.amr;
  claims.auth_time = g.auth_time;
  const TimestampNs issued = WallNowNs();
  auto access = issuer.AccessToken(&claims, issued);
  if (!access.ok()) {
    return SigningUnavailable(access.status());
  }
  std::string id_token;
  if (g.scopes & kernel::kScopeOpenId) {
    auto signed_id = issuer.IdToken(g, *access, issued);
    if (!signed_id.ok()) {
      return SigningUnavailable(signed_id.status());
    }
    id_token = *std::move(signed_id);
  }
  return OAuthHandler::Impl::Json(200, TokenBody(*access, issuer.config().access_ttl_s, g.scopes,
                                                 res->refresh_issued ? new_refresh : "", id_token));
}

}  // namespace

void OAuthHandler::Impl::Token(const http::Request& req, Finish finish) {
  http::FormFields form;
  if (auto bad = ReadTokenForm(req, &form)) return finish(*std::move(bad));
  http::Response failure;
  auto client = AuthenticateClient(req, form, options.issuer + "/oauth2/token", &failure);
  if (!client) return finish(std::move(failure));
  const identity::App& app = client->app;
  const std::string grant_type = http::FormValue(form, "grant_type").value_or("");
  std::optional<kernel::ScopeSet> scopes;
  if (auto bad = ReadScope(form, &scopes)) return finish(*std::move(bad));
  const TimestampNs now = WallNowNs();

  if (grant_type == "client_credentials") {
    return finish(ClientCredentialsGrant(*deps.issuer, app, scopes, now));
  }

  // Code and refresh grants: the writer decides, we sign.
  auto op = std::make_shared<identity::IdentityOp>();
  op->caller.tenant = app.tenant;
  std::string new_refresh;
  const bool may_refresh = (app.grant_types & identity::kGrantRefreshToken) != 0;
  std::optional<http::Response> bad;
  if (grant_type == "authorization_code") {
    bad = RedeemCode(app, form, may_refresh, options.refresh_ttl_s, &new_refresh, op.get());
  } else if (grant_type == "refresh_token") {
    bad = RefreshToken(app, form, may_refresh, scopes, &new_refresh, op.get());
  } else {
    return finish(OAuthError(400, "unsupported_grant_type",
                             "grant_type must be client_credentials, authorization_code or "
                             "refresh_token."));
  }
  if (bad) return finish(*std::move(bad));
  const identity::TokenIssuer* issuer = deps.issuer;
  Submit(std::move(op), [finish = std::move(finish), new_refresh, issuer](runtime::Reply&& r) {
    finish(WrittenGrantAnswer(*issuer, r, new_refresh));
  });
}

}  // namespace cb::oauth
