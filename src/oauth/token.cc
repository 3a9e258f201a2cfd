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

}  // namespace

void OAuthHandler::Impl::Token(const http::Request& req, Finish finish) {
  http::FormFields form;
  if (req.header("Content-Type").substr(0, 33) != "application/x-www-form-urlencoded" ||
      !http::ParseForm(req.body, &form)) {
    return finish(
        OAuthError(400, "invalid_request", "Send an application/x-www-form-urlencoded body."));
  }
  for (const auto& [k, v] : form) {
    bool dup = false;
    (void)http::FormValue(form, k, &dup);
    if (dup) return finish(OAuthError(400, "invalid_request", "Parameter " + k + " is repeated."));
  }
  http::Response failure;
  auto client = AuthenticateClient(req, form, options.issuer + "/oauth2/token", &failure);
  if (!client) return finish(std::move(failure));
  const identity::App& app = client->app;
  const std::string grant_type = http::FormValue(form, "grant_type").value_or("");
  const auto scope_text = http::FormValue(form, "scope");
  std::optional<kernel::ScopeSet> scopes;
  if (scope_text) {
    kernel::ScopeSet parsed;
    std::string unknown;
    if (!kernel::ParseScopes(*scope_text, &parsed, &unknown)) {
      return finish(OAuthError(400, "invalid_scope", "Unknown scope: " + unknown + "."));
    }
    scopes = parsed;
  }
  const TimestampNs now = WallNowNs();

  if (grant_type == "client_credentials") {
    if (!(app.grant_types & identity::kGrantClientCredentials)) {
      return finish(
          OAuthError(400, "unauthorized_client", "This client may not use client_credentials."));
    }
    // No user, so no OpenID Connect scopes: only the app's API scopes.
    const kernel::ScopeSet allowed = app.scopes & kernel::ApiScopes();
    const kernel::ScopeSet granted = scopes.value_or(allowed);
    if (!allowed.Covers(granted)) {
      return finish(OAuthError(
          400, "invalid_scope",
          "Not allowed for this client: " + kernel::FormatScopes(granted & ~allowed) + "."));
    }
    identity::AccessClaims claims;
    claims.tenant = app.tenant;
    claims.client = app.id;
    claims.scopes = granted;
    auto token = deps.issuer->AccessToken(&claims, now);
    if (!token.ok()) return finish(SigningUnavailable(token.status()));
    return finish(
        Json(200, TokenBody(*token, deps.issuer->config().access_ttl_s, granted, "", "")));
  }

  // Code and refresh grants: the writer decides, we sign.
  auto op = std::make_shared<identity::IdentityOp>();
  op->caller.tenant = app.tenant;
  std::string new_refresh;
  const bool may_refresh = (app.grant_types & identity::kGrantRefreshToken) != 0;
  if (grant_type == "authorization_code") {
    if (!(app.grant_types & identity::kGrantAuthorizationCode)) {
      return finish(
          OAuthError(400, "unauthorized_client", "This client may not use authorization_code."));
    }
    const auto code = http::FormValue(form, "code");
    const auto redirect_uri = http::FormValue(form, "redirect_uri");
    const auto verifier = http::FormValue(form, "code_verifier");
    if (!code || code->empty() || code->size() > 128 || !redirect_uri) {
      return finish(OAuthError(400, "invalid_request", "code and redirect_uri are required."));
    }
    if (!verifier || !ValidVerifier(*verifier)) {
      return finish(OAuthError(400, "invalid_request",
                               "code_verifier is required (PKCE, RFC 7636: 43-128 characters)."));
    }
    identity::RedeemCodeOp redeem;
    redeem.client = app.id;
    redeem.code_sha256 = HashOf(*code);
    redeem.redirect_uri = *redirect_uri;
    redeem.code_verifier = *verifier;
    redeem.grant_id = identity::GrantId(kernel::RandomU128());
    if (may_refresh) {
      new_refresh = identity::NewOpaqueToken("rt_");
      redeem.refresh_sha256 = HashOf(new_refresh);
      redeem.refresh_ttl_ns = options.refresh_ttl_s * kNsPerSecond;
    }
    op->body = std::move(redeem);
  } else if (grant_type == "refresh_token") {
    if (!may_refresh) {
      return finish(OAuthError(400, "unauthorized_client", "This client may not refresh."));
    }
    const auto token = http::FormValue(form, "refresh_token");
    if (!token || token->empty() || token->size() > 256) {
      return finish(OAuthError(400, "invalid_request", "refresh_token is required."));
    }
    identity::RefreshOp refresh;
    refresh.client = app.id;
    refresh.refresh_sha256 = HashOf(*token);
    refresh.scopes = scopes;
    new_refresh = identity::NewOpaqueToken("rt_");
    refresh.new_refresh_sha256 = HashOf(new_refresh);
    op->body = std::move(refresh);
  } else {
    return finish(OAuthError(400, "unsupported_grant_type",
                             "grant_type must be client_credentials, authorization_code or "
                             "refresh_token."));
  }
  const identity::TokenIssuer* issuer = deps.issuer;
  Submit(std::move(op), [finish = std::move(finish), new_refresh, issuer](runtime::Reply&& r) {
    const identity::OAuthResult* res = ResultOf(r);
    if (res == nullptr) {
      return finish(OAuthError(503, "temporarily_unavailable", "Not durable; retry."));
    }
    if (!res->error.empty()) return finish(DecidedError(*res));
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
    auto access = issuer->AccessToken(&claims, issued);
    if (!access.ok()) {
      return finish(SigningUnavailable(access.status()));
    }
    std::string id_token;
    if (g.scopes & kernel::kScopeOpenId) {
      auto signed_id = issuer->IdToken(g, *access, issued);
      if (!signed_id.ok()) {
        return finish(SigningUnavailable(signed_id.status()));
      }
      id_token = *std::move(signed_id);
    }
    finish(Json(200, TokenBody(*access, issuer->config().access_ttl_s, g.scopes,
                               res->refresh_issued ? new_refresh : "", id_token)));
  });
}

}  // namespace cb::oauth
