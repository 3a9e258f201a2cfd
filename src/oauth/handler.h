#pragma once
// The OAuth 2.0 / OpenID Connect endpoints (docs/oauth.md): discovery, JWKS, token, PAR,
// authorize with its login / TOTP / consent pages, introspection, revocation, user info,
// dynamic registration and the customer's consent dashboard. The REST edge hands every
// path under /oauth2/ and /.well-known/ here; answers go back through `finish`.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "credentials/password.h"
#include "http/server.h"
#include "identity/service.h"
#include "identity/tokens.h"
#include "kms/kms.h"
#include "platform/key_directory.h"
#include "runtime/executor.h"

namespace cb::oauth {

struct OAuthOptions {
  std::string issuer;  // our base URL, no trailing slash
  uint64_t code_ttl_s = 60;
  uint64_t par_ttl_s = 90;
  uint64_t authorize_ttl_s = 600;  // a login started at /oauth2/authorize
  uint64_t session_ttl_s = 12 * 3600;
  uint64_t refresh_ttl_s = 30 * 86400;  // absolute: rotation never extends it
  uint64_t consent_ttl_s = 90 * 86400;  // consents created inside an authorization
  uint64_t client_assertion_ttl_max_s = 300;
  bool secure_cookies = false;  // served over TLS: cookies get Secure
  credentials::PasswordPolicy password_policy = credentials::PasswordPolicy::Interactive();
};

// What the endpoints need; none owned.
struct OAuthDeps {
  const identity::IdentityState* identity = nullptr;
  const identity::TokenIssuer* issuer = nullptr;
  const identity::TokenVerifier* verifier = nullptr;
  kms::Kms* kms = nullptr;
  credentials::PasswordHasherPool* passwords = nullptr;
  const platform::KeyDirectory* keys = nullptr;
};

using Finish = std::function<void(http::Response)>;

class OAuthHandler {
 public:
  OAuthHandler(OAuthOptions options, OAuthDeps deps);
  ~OAuthHandler();
  OAuthHandler(const OAuthHandler&) = delete;
  OAuthHandler& operator=(const OAuthHandler&) = delete;

  void SetExecutor(runtime::Executor* executor);
  static bool Owns(std::string_view path);
  // The metrics/access-log label of a path it owns ("/oauth2/token", ...).
  static std::string_view RouteLabel(std::string_view path);
  void Handle(const http::Request& req, const std::string& trace_id, Finish finish);

  // Counts a /v1 request made with an app's token (usage metering, flushed to the journal).
  void CountUsage(identity::AppId app, std::string_view route, TimestampNs now);
  // Writes counted usage to the journal (called every few seconds and at shutdown).
  void FlushUsage();

  struct Impl;  // oauth/internal.h: visible to the endpoint files, not to callers

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cb::oauth
