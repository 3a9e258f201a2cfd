// Introspection (RFC 7662), revocation (RFC 7009), user info (OIDC), dynamic registration
// (RFC 7591) and the customer's consent dashboard.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/json_string.h"
#include "base/sha256.h"
#include "oauth/internal.h"
#include "platform/ids.h"

namespace cb::oauth {

namespace json = boost::json;

namespace {

std::string_view BearerOf(const http::Request& req) {
  const std::string_view auth = req.header("Authorization");
  if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) {
    return auth.substr(7);
  }
  return {};
}

http::Response InvalidToken(std::string_view description) {
  http::Response r = OAuthHandler::Impl::OAuthError(401, "invalid_token", description);
  r.headers.push_back({"WWW-Authenticate", R"(Bearer error="invalid_token")"});
  return r;
}

bool ParseFormBody(const http::Request& req, http::FormFields* form) {
  return req.header("Content-Type").substr(0, 33) == "application/x-www-form-urlencoded" &&
         http::ParseForm(req.body, form);
}

}  // namespace

void OAuthHandler::Impl::Introspect(const http::Request& req, Finish finish) {
  http::FormFields form;
  if (!ParseFormBody(req, &form)) return finish(OAuthError(400, "invalid_request", "Send a form."));
  http::Response failure;
  auto client = AuthenticateClient(req, form, options.issuer + "/oauth2/introspect", &failure);
  if (!client) return finish(std::move(failure));
  const auto token = http::FormValue(form, "token");
  if (!token || token->empty())
    return finish(OAuthError(400, "invalid_request", "token is required."));
  const TimestampNs now = WallNowNs();
  identity::TokenError error;
  auto claims = deps.verifier->Verify(*token, now, &error);
  if (claims.ok() && claims->tenant == client->app.tenant) {
    std::string b = R"({"active":true,"token_type":"Bearer","scope":)";
    AppendJsonString(&b, kernel::FormatScopes(claims->scopes));
    b.append(R"(,"client_id":")");
    kernel::AppendId(&b, identity::prefix::kApp, claims->client.value);
    b.append(R"(","sub":")");
    if (claims->user.zero()) {
      kernel::AppendId(&b, identity::prefix::kApp, claims->client.value);
    } else {
      kernel::AppendId(&b, identity::prefix::kUser, claims->user.value);
    }
    b.append(R"(","exp":)");
    b.append(std::to_string(claims->expires / kNsPerSecond));
    b.append(R"(,"iat":)");
    b.append(std::to_string(claims->issued / kNsPerSecond));
    b.append(R"(,"iss":)");
    AppendJsonString(&b, options.issuer);
    b.append(R"(,"aud":)");
    AppendJsonString(&b, deps.issuer->config().api_audience);
    b.append(R"(,"jti":)");
    AppendJsonString(&b, claims->jti);
    b.append(R"(,"tenant":")");
    kernel::AppendId(&b, kernel::prefix::kTenant, claims->tenant.value);
    b.append("\"}");
    return finish(Json(200, std::move(b)));
  }
  // A refresh token of this tenant's?
  const Hash256 h = Sha256Of(token->data(), token->size());
  const auto rt = deps.identity->ReadRefresh(h);
  if (rt && !rt->retired && rt->expires > now && rt->tenant == client->app.tenant) {
    const auto grant = deps.identity->ReadGrant(rt->grant);
    if (grant && !grant->revoked) {
      std::string b = R"({"active":true,"token_type":"refresh_token","scope":)";
      AppendJsonString(&b, kernel::FormatScopes(rt->scopes));
      b.append(R"(,"client_id":")");
      kernel::AppendId(&b, identity::prefix::kApp, grant->client.value);
      b.append(R"(","sub":")");
      kernel::AppendId(&b, identity::prefix::kUser, grant->user.value);
      b.append(R"(","exp":)");
      b.append(std::to_string(rt->expires / kNsPerSecond));
      b.push_back('}');
      return finish(Json(200, std::move(b)));
    }
  }
  finish(Json(200, R"({"active":false})"));
}

void OAuthHandler::Impl::Revoke(const http::Request& req, Finish finish) {
  http::FormFields form;
  if (!ParseFormBody(req, &form)) return finish(OAuthError(400, "invalid_request", "Send a form."));
  http::Response failure;
  auto client = AuthenticateClient(req, form, options.issuer + "/oauth2/revoke", &failure);
  if (!client) return finish(std::move(failure));
  const auto token = http::FormValue(form, "token");
  if (!token || token->empty())
    return finish(OAuthError(400, "invalid_request", "token is required."));
  identity::RevokeTokenOp revoke;
  revoke.client = client->app.id;
  identity::TokenError error;
  auto claims = deps.verifier->Verify(*token, WallNowNs(), &error);
  if (claims.ok()) {
    // RFC 7009 §2.1: only the client the token was issued to may revoke it.
    if (!(claims->client == client->app.id)) return finish(Json(200, "{}"));
    revoke.jti = claims->jti;
    revoke.jti_expires = claims->expires;
    revoke.jti_grant = claims->grant;
  } else {
    revoke.refresh_sha256 = Sha256Of(token->data(), token->size());
  }
  auto op = std::make_shared<identity::IdentityOp>();
  op->caller.tenant = client->app.tenant;
  op->body = std::move(revoke);
  Submit(std::move(op), [finish = std::move(finish)](runtime::Reply&& r) {
    if (ResultOf(r) == nullptr) return finish(OAuthError(503, "temporarily_unavailable", "Retry."));
    finish(Json(200, "{}"));
  });
}

void OAuthHandler::Impl::UserInfo(const http::Request& req, Finish finish) {
  const std::string_view bearer = BearerOf(req);
  if (bearer.empty()) {
    http::Response r = OAuthError(401, "invalid_token", "A bearer access token is required.");
    r.headers.push_back({"WWW-Authenticate", "Bearer"});
    return finish(std::move(r));
  }
  identity::TokenError error;
  auto claims = deps.verifier->Verify(bearer, WallNowNs(), &error);
  if (!claims.ok()) return finish(InvalidToken(error.description));
  if (claims->user.zero() || !(claims->scopes & kernel::kScopeOpenId)) {
    http::Response r = OAuthError(403, "insufficient_scope", "User info needs the openid scope.");
    r.headers.push_back(
        {"WWW-Authenticate", R"(Bearer error="insufficient_scope", scope="openid")"});
    return finish(std::move(r));
  }
  auto op = std::make_shared<identity::IdentityOp>();
  op->caller.tenant = claims->tenant;
  op->body = identity::UserInfoOp{claims->user, claims->scopes};
  Submit(std::move(op), [finish = std::move(finish)](runtime::Reply&& r) {
    if (!r.status.ok()) return finish(OAuthError(503, "temporarily_unavailable", "Retry."));
    if (r.http_status == 401) return finish(InvalidToken("The user no longer exists."));
    finish(Json(200, std::move(r.body)));
  });
}

namespace {
// An RFC 7591 §3.2.2 error: {"error","error_description"} with status 400.
struct MetadataError {
  std::string error;
  std::string description;
};

// One client metadata field (RFC 7591 §2) into *spec. Unknown fields are ignored.
std::optional<MetadataError> ReadMetadataField(std::string_view k, const json::value& value,
                                               identity::AppSpec* spec) {
  auto metadata_error = [](std::string_view error, std::string_view description) {
    return std::optional<MetadataError>(
        MetadataError{std::string(error), std::string(description)});
  };
  if (k == "client_name") {
    if (!value.is_string()) return metadata_error("invalid_client_metadata", "client_name");
    spec->name = std::string(value.get_string());
  } else if (k == "redirect_uris") {
    if (!value.is_array()) return metadata_error("invalid_redirect_uri", "redirect_uris");
    for (const json::value& u : value.get_array()) {
      if (!u.is_string()) return metadata_error("invalid_redirect_uri", "redirect_uris");
      spec->redirect_uris.emplace_back(u.get_string());
    }
  } else if (k == "grant_types") {
    if (!value.is_array()) return metadata_error("invalid_client_metadata", "grant_types");
    spec->grant_types = 0;
    for (const json::value& g : value.get_array()) {
      uint32_t bit = 0;
      if (!g.is_string() || !identity::ParseGrantType(std::string(g.get_string()), &bit)) {
        return metadata_error("invalid_client_metadata", "Unsupported grant type.");
      }
      spec->grant_types |= bit;
    }
  } else if (k == "token_endpoint_auth_method") {
    if (!value.is_string() ||
        !identity::ParseClientAuthMethod(std::string(value.get_string()), &spec->auth_method)) {
      return metadata_error("invalid_client_metadata", "Unsupported token_endpoint_auth_method.");
    }
  } else if (k == "scope") {
    if (!value.is_string() ||
        !kernel::ParseScopes(std::string(value.get_string()), &spec->scopes)) {
      return metadata_error("invalid_client_metadata", "Unknown scope.");
    }
  } else if (k == "jwks") {
    if (!value.is_object()) return metadata_error("invalid_client_metadata", "jwks");
    spec->jwks = json::serialize(value);
  } else if (k == "response_types") {
    if (!value.is_array() || value.get_array().size() != 1 || value.get_array()[0] != "code") {
      return metadata_error("invalid_client_metadata", "response_types must be [\"code\"].");
    }
  } else {
    // RFC 7591 §2: unknown metadata is ignored.
  }
  return std::nullopt;
}

// The registration request's metadata as an app: defaults (code flow, read scopes), each
// field in the order sent, then the same validation as /v1/apps. On failure, the error.
std::optional<MetadataError> ReadClientMetadata(const json::object& o, identity::AppSpec* spec) {
  auto metadata_error = [](std::string_view error, std::string_view description) {
    return std::optional<MetadataError>(
        MetadataError{std::string(error), std::string(description)});
  };
  spec->grant_types = identity::kGrantAuthorizationCode;
  spec->scopes =
      kernel::kScopeAccountsRead | kernel::kScopeBalancesRead | kernel::kScopeTransactionsRead;
  for (const auto& [key, value] : o) {
    auto bad = ReadMetadataField(std::string_view(key.data(), key.size()), value, spec);
    if (bad) return bad;
  }
  if (spec->name.empty()) spec->name = "dynamically registered client";
  std::string param, message;
  if (!identity::ValidateAppSpec(spec, &param, &message)) {
    return metadata_error(
        param == "redirect_uris" ? "invalid_redirect_uri" : "invalid_client_metadata", message);
  }
  return std::nullopt;
}
}  // namespace

void OAuthHandler::Impl::Register(const http::Request& req, Finish finish) {
  auto metadata_error = [&finish](std::string_view error, std::string_view description) {
    finish(OAuthError(400, error, description));
  };
  // The initial access token (RFC 7591 §3): an admin API key of a sandbox tenant.
  const auto principal = deps.keys->Authenticate(BearerOf(req));
  if (!principal || principal->role != kernel::Role::kAdmin) {
    return finish(InvalidToken("An admin API key is the initial access token."));
  }
  if (!principal->sandbox) {
    return finish(
        OAuthError(403, "access_denied",
                   "Dynamic registration is open to sandbox tenants only; use /v1/apps."));
  }
  json::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec || !v.is_object()) return metadata_error("invalid_client_metadata", "Send a JSON object.");
  identity::AppSpec spec;
  if (auto bad = ReadClientMetadata(v.get_object(), &spec)) {
    return metadata_error(bad->error, bad->description);
  }
  identity::CreateAppOp create;
  create.id = identity::AppId(kernel::RandomU128());
  create.spec = std::move(spec);
  create.dynamic = true;
  if (create.spec.auth_method != identity::ClientAuthMethod::kPrivateKeyJwt) {
    create.secret = identity::NewOpaqueToken("");
    create.secret_sha256 = Sha256Of(create.secret.data(), create.secret.size());
  }
  auto op = std::make_shared<identity::IdentityOp>();
  op->caller = *principal;
  op->body = std::move(create);
  Submit(std::move(op), [finish = std::move(finish)](runtime::Reply&& r) {
    if (!r.status.ok() || r.http_status == 0) {
      return finish(OAuthError(503, "temporarily_unavailable", "Retry."));
    }
    finish(Json(r.http_status, std::move(r.body)));
  });
}

// --- the customer's consent dashboard --------------------------------------------------------

void OAuthHandler::Impl::ConsentsDashboard(const http::Request& req, Finish finish) {
  const TimestampNs now = WallNowNs();
  const auto session = SessionOf(req, now);
  const auto user = session ? deps.identity->ReadUser(session->user) : std::nullopt;
  if (!user || user->kind != identity::UserKind::kCustomer) {
    return finish(Html(
        401, RenderErrorPage("Sign in first", "Sign in through an app to manage your consents.")));
  }
  const auto cookies = http::ParseCookies(req.header("Cookie"));
  const auto bsid_it = cookies.find("cb_bsid");
  const bool new_binding = bsid_it == cookies.end() || bsid_it->second.empty();
  const std::string bsid = new_binding ? identity::NewOpaqueToken("") : bsid_it->second;
  const std::string csrf = CsrfToken(bsid, "consents");
  std::vector<DashboardRow> rows;
  for (const identity::Consent& c : deps.identity->ReadConsentsOf(user->tenant, user->customer)) {
    const identity::ConsentStatus st = c.StatusAt(now);
    const auto app = deps.identity->ReadApp(c.client);
    rows.push_back({kernel::FormatId(identity::prefix::kConsent, c.id.value),
                    app ? app->name : "(removed app)", kernel::FormatScopes(c.permissions),
                    identity::ConsentStatusName(st), c.expires ? FormatRfc3339(c.expires) : "",
                    st == identity::ConsentStatus::kAuthorised});
  }
  http::FormFields q;
  (void)http::ParseForm(req.query(), &q);
  const std::string notice =
      http::FormValue(q, "revoked").has_value() ? "The consent is revoked." : "";
  http::Response res = Html(200, RenderDashboard(rows, csrf, notice));
  if (new_binding) res.headers.push_back({"Set-Cookie", Cookie("cb_bsid", bsid, 86400)});
  finish(std::move(res));
}

void OAuthHandler::Impl::ConsentsRevoke(const http::Request& req, Finish finish) {
  http::FormFields f;
  if (!http::ParseForm(req.body, &f)) return finish(Html(400, RenderErrorPage("Bad request", "")));
  const auto cookies = http::ParseCookies(req.header("Cookie"));
  const auto bsid = cookies.find("cb_bsid");
  if (bsid == cookies.end() ||
      !CsrfValid(bsid->second, "consents", http::FormValue(f, "csrf_token").value_or(""))) {
    return finish(
        Html(403, RenderErrorPage("Forbidden", "The form is stale or forged; reload it.")));
  }
  const auto session = SessionOf(req, WallNowNs());
  u128 consent = 0;
  if (!session || !kernel::ParseId(http::FormValue(f, "consent").value_or(""),
                                   identity::prefix::kConsent, &consent)) {
    return finish(Html(400, RenderErrorPage("Bad request", "Unknown consent or no session.")));
  }
  auto op = std::make_shared<identity::IdentityOp>();
  op->caller.tenant = session->tenant;
  op->body = identity::CustomerRevokeConsentOp{session->id, identity::ConsentId(consent)};
  Submit(std::move(op), [finish = std::move(finish)](runtime::Reply&& r) {
    const identity::OAuthResult* res = ResultOf(r);
    if (res == nullptr) return finish(Html(503, RenderErrorPage("Unavailable", "Try again.")));
    if (!res->error.empty()) {
      return finish(Html(400, RenderErrorPage("Cannot revoke", res->error_description)));
    }
    finish(SeeOther("/oauth2/consents?revoked=1"));
  });
}

}  // namespace cb::oauth
