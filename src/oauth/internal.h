#pragma once
// Shared by the OAuth endpoint files; not for use outside src/oauth/.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>

#include "http/form.h"
#include "identity/ops.h"
#include "identity/results.h"
#include "oauth/handler.h"

namespace cb::oauth {

using identity::AppId;

// A client that authenticated at an endpoint.
struct AuthenticatedClient {
  identity::App app;
};

struct OAuthHandler::Impl {
  OAuthOptions options;
  OAuthDeps deps;
  std::atomic<runtime::Executor*> executor{nullptr};
  std::string csrf_key;    // random per process: pages from before a restart must reload
  std::string dummy_hash;  // verified for unknown usernames, so timing tells nothing
  std::mutex jti_mu;
  std::unordered_map<std::string, uint64_t> assertion_jtis;  // jti -> expiry (s): replay guard
  std::mutex usage_mu;
  std::map<std::tuple<u128, uint32_t, std::string>, uint64_t> usage;  // (app, day, route)

  Impl(OAuthOptions o, OAuthDeps d);

  // --- answers ---------------------------------------------------------------------------
  // RFC 6749 §5.2: {"error","error_description"}, no-store.
  static http::Response OAuthError(int status, std::string_view error,
                                   std::string_view description);
  // An error the writer decided: 400, but 500 for server_error and 503 for
  // temporarily_unavailable (RFC 6749 §5.2 error codes carry their own meaning).
  static http::Response DecidedError(const identity::OAuthResult& r);
  static http::Response Json(int status, std::string body);
  static http::Response Html(int status, std::string body);
  static http::Response SeeOther(std::string location);
  std::string Cookie(std::string_view name, std::string_view value, uint64_t max_age_s,
                     std::string_view path = "/oauth2") const;

  // --- the writer ----------------------------------------------------------------------------
  // Submits an identity op; `done` gets the reply (from the journal thread, after the
  // batch is durable), or an unavailable status when the executor refuses it.
  void Submit(std::shared_ptr<identity::IdentityOp> op, std::function<void(runtime::Reply&&)> done);
  static const identity::OAuthResult* ResultOf(const runtime::Reply& r);

  // --- clients ---------------------------------------------------------------------------------
  // client_secret_basic, client_secret_post or private_key_jwt, by what the request carries
  // and the app's registered method. On failure, the answer to send (401 invalid_client).
  std::optional<AuthenticatedClient> AuthenticateClient(const http::Request& req,
                                                        const http::FormFields& form,
                                                        std::string_view endpoint_url,
                                                        http::Response* failure);

  // --- browser ------------------------------------------------------------------------------
  std::string CsrfToken(std::string_view binding, std::string_view purpose) const;
  bool CsrfValid(std::string_view binding, std::string_view purpose,
                 std::string_view presented) const;
  // The live session named by the request's cb_session cookie, or nullopt.
  std::optional<identity::Session> SessionOf(const http::Request& req, TimestampNs now) const;

  // --- endpoints ----------------------------------------------------------------------------
  void Discovery(Finish finish) const;
  void Jwks(Finish finish) const;
  void Token(const http::Request& req, Finish finish);
  void Par(const http::Request& req, Finish finish);
  void Authorize(const http::Request& req, Finish finish);
  void LoginPage(const http::Request& req, Finish finish);
  void LoginSubmit(const http::Request& req, Finish finish);
  void MfaPage(const http::Request& req, Finish finish);
  void MfaSubmit(const http::Request& req, Finish finish);
  void ConsentPage(const http::Request& req, Finish finish);
  void ConsentSubmit(const http::Request& req, Finish finish);
  void ConsentsDashboard(const http::Request& req, Finish finish);
  void ConsentsRevoke(const http::Request& req, Finish finish);
  void Introspect(const http::Request& req, Finish finish);
  void Revoke(const http::Request& req, Finish finish);
  void UserInfo(const http::Request& req, Finish finish);
  void Register(const http::Request& req, Finish finish);
};

// Pages (pages.cc): complete HTML documents, every interpolated value escaped.
struct LoginPageView {
  std::string request_id, csrf_token, app_name, username, error;
};
std::string RenderLoginPage(const LoginPageView& v);
struct MfaPageView {
  std::string request_id, csrf_token, error;
};
std::string RenderMfaPage(const MfaPageView& v);
struct ConsentPageView {
  std::string request_id, csrf_token, error;
  identity::ConsentView view;
};
std::string RenderConsentPage(const ConsentPageView& v);
struct DashboardRow {
  std::string consent_id, app_name, permissions, status, expires;
  bool revocable = false;
};
std::string RenderDashboard(const std::vector<DashboardRow>& rows, std::string_view csrf_token,
                            std::string_view notice);
std::string RenderErrorPage(std::string_view title, std::string_view message);

// "urn:ietf:params:oauth:request_uri:" + request id.
constexpr std::string_view kRequestUriPrefix = "urn:ietf:params:oauth:request_uri:";
// Appends query parameters to a redirect URI (which may already have a query).
std::string WithQuery(std::string_view uri,
                      const std::vector<std::pair<std::string, std::string>>& params);
TimestampNs WallNowNs();

}  // namespace cb::oauth
