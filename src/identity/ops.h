#pragma once
// Typed requests the edge sends the identity service. REST ops (apps, users, consents,
// sessions, signing keys) run inside the platform's envelope (scope, tenant, idempotency);
// OAuth ops (authorization requests, logins, codes, tokens) are the protocol's own steps
// and answer with a typed result (results.h). Everything here is shape-validated already;
// secrets arrive only as SHA-256 (or KMS ciphertext), randomness and ids come from the edge.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "identity/model.h"
#include "runtime/service.h"

namespace cb::identity {

constexpr uint32_t kIdentityServiceId = 1;

// --- REST ----------------------------------------------------------------------------------
struct AppSpec {
  std::string name;
  std::vector<std::string> redirect_uris;
  uint32_t grant_types = 0;
  ScopeSet scopes;
  ClientAuthMethod auth_method = ClientAuthMethod::kSecretBasic;
  std::string jwks;
  uint32_t rate_limit_per_s = 0;
  bool refresh_rotation = true;
};
struct CreateAppOp {
  AppId id;
  AppSpec spec;
  Hash256 secret_sha256{};  // zero for private_key_jwt
  std::string secret;       // echoed once in the answer, never stored
  bool dynamic = false;     // RFC 7591 registration: answer in its format
};
struct GetAppOp {
  AppId id;
};
struct ListAppsOp {
  uint32_t limit = 10;
  std::optional<AppId> after;
};
struct RotateAppSecretOp {
  AppId id;
  Hash256 secret_sha256{};
  std::string secret;
};
struct RevokeAppOp {
  AppId id;
};
struct GetAppUsageOp {
  AppId id;
};
struct CreateUserOp {
  UserId id;
  UserKind kind = UserKind::kCustomer;
  std::string username;
  std::string password_hash;
  CustomerId customer;
  uint32_t staff_roles = 0;
};
struct GetUserOp {
  UserId id;
};
struct ListUsersOp {
  uint32_t limit = 10;
  std::optional<UserId> after;
};
struct EnrollTotpOp {
  UserId user;
  std::string secret_ciphertext;
  std::string secret_base32;  // echoed once
  std::string otpauth_uri;    // echoed once
};
struct ConfirmTotpOp {
  UserId user;
  uint64_t step = 0;  // the step the edge matched the code to
};
struct ListSessionsOp {
  UserId user;
};
struct RevokeSessionOp {
  SessionId id;
};
struct CreateConsentOp {
  ConsentId id;
  ScopeSet permissions;
  TimestampNs expires = 0;
};
struct GetConsentOp {
  ConsentId id;
};
struct ListConsentsOp {
  uint32_t limit = 10;
  std::optional<ConsentId> after;
  std::optional<CustomerId> customer;
};
struct RevokeConsentOp {
  ConsentId id;
};
struct RotateSigningKeyOp {
  std::string kid;
  std::string public_jwk;
};

// --- OAuth -----------------------------------------------------------------------------------
struct CreateAuthRequestOp {
  AuthRequest request;  // complete, validated against the app at the edge
};
// A login attempt's outcome as the edge saw it (password or TOTP checked off the writer);
// the writer applies the lockout policy and, on success, starts or steps up a session.
struct LoginOp {
  RequestId request;
  UserId user;  // zero: the username names no user (it still counts towards a lockout)
  Hash256 username_sha256{};  // KMS MAC of (tenant id, username); keys an unknown one's lockout
  bool password_ok = false;
  SessionId session_id;  // new session (password logins)
  Hash256 session_secret_sha256{};
  Hash256 device_sha256{};
  TimestampNs session_ttl_ns = 0;
};
struct StepUpOp {
  SessionId session;
  UserId user;
  bool code_ok = false;
  uint64_t step = 0;
};
// The user's decision on the consent page.
struct DecideOp {
  RequestId request;
  SessionId session;
  bool approve = false;
  std::vector<AccountId> accounts;  // chosen on the page (customer users)
  Hash256 code_sha256{};
  ConsentId new_consent;  // used when the request names no app-created consent
  TimestampNs consent_ttl_ns = 0;
  TimestampNs code_ttl_ns = 0;
};
struct RedeemCodeOp {
  AppId client;
  Hash256 code_sha256{};
  std::string redirect_uri;
  std::string code_verifier;
  GrantId grant_id;
  Hash256 refresh_sha256{};  // stored when the grant may refresh
  TimestampNs refresh_ttl_ns = 0;
};
struct RefreshOp {
  AppId client;
  Hash256 refresh_sha256{};
  std::optional<ScopeSet> scopes;  // narrower scope asked for
  Hash256 new_refresh_sha256{};
};
struct RevokeTokenOp {
  AppId client;
  std::optional<Hash256> refresh_sha256;
  std::string jti;  // access token
  TimestampNs jti_expires = 0;
  GrantId jti_grant;  // the access token's grant (must be the client's)
};
struct UsageEntry {
  AppId app;
  uint32_t day = 0;
  std::string route;
  uint64_t count = 0;
};
struct RecordUsageOp {
  std::vector<UsageEntry> entries;
};
// A new current signing key (at start-up when there is none, or from the admin CLI).
struct AddSigningKeyOp {
  std::string kid;
  std::string public_jwk;
  bool retire_current = false;  // else: a no-op when a current key exists
};
struct UserInfoOp {
  UserId user;
  ScopeSet scopes;
};
// What the consent page shows: the app, and the signed-in customer's accounts to choose.
struct ConsentViewOp {
  RequestId request;
  SessionId session;
};
// A customer revoking one of their consents from the consent dashboard.
struct CustomerRevokeConsentOp {
  SessionId session;
  ConsentId consent;
};

using IdentityOpBody =
    std::variant<CreateAppOp, GetAppOp, ListAppsOp, RotateAppSecretOp, RevokeAppOp, GetAppUsageOp,
                 CreateUserOp, GetUserOp, ListUsersOp, EnrollTotpOp, ConfirmTotpOp, ListSessionsOp,
                 RevokeSessionOp, CreateConsentOp, GetConsentOp, ListConsentsOp, RevokeConsentOp,
                 RotateSigningKeyOp, CreateAuthRequestOp, LoginOp, StepUpOp, DecideOp, RedeemCodeOp,
                 RefreshOp, RevokeTokenOp, RecordUsageOp, AddSigningKeyOp, UserInfoOp,
                 ConsentViewOp, CustomerRevokeConsentOp>;

class IdentityOp final : public runtime::ServiceOp {
 public:
  kernel::Principal caller;  // REST ops and dynamic registration; tenant for OAuth ops
  std::string trace_id;
  std::string idempotency_key;  // REST writes
  Hash256 request_sha256{};
  IdentityOpBody body;
  uint32_t service_id() const override { return kIdentityServiceId; }
};

// True for the ops that run inside the platform envelope.
bool IsRestOp(const IdentityOpBody& body);

// Checks an app's settings (from /v1/apps or RFC 7591 registration); on failure names the
// field and why. Normalises: no duplicate redirect URIs.
bool ValidateAppSpec(AppSpec* spec, std::string* param, std::string* message);

}  // namespace cb::identity
