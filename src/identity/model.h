#pragma once
// The identity service's objects: apps (OAuth clients), users, sessions, authorization
// requests and codes, grants, refresh tokens, consents and signing keys (ADR 0007).
#include <string>
#include <string_view>
#include <vector>

#include "base/sha256.h"
#include "base/time.h"
#include "credentials/lockout.h"
#include "kernel/ids.h"
#include "kernel/principal.h"
#include "kernel/scopes.h"
#include "ledger/types.h"

namespace cb::identity {

using ledger::AccountId;
// The caller's ids are the kernel's (kernel/ids.h); identity's own objects are below.
using kernel::AppId;
using kernel::AuthLevel;
using kernel::ConsentId;
using kernel::CustomerId;
using kernel::GrantId;
using kernel::Principal;
using kernel::ScopeSet;
using kernel::TenantId;
using kernel::UserId;

struct SessionIdTag {};
struct RequestIdTag {};
using SessionId = Id128<SessionIdTag>;
using RequestId = Id128<RequestIdTag>;

namespace prefix {
using kernel::prefix::kApp;
using kernel::prefix::kConsent;
using kernel::prefix::kGrant;
using kernel::prefix::kUser;
inline constexpr std::string_view kSession = "ses_";
inline constexpr std::string_view kRequest = "req_";
}  // namespace prefix

// Values are stored in events: append only.
enum GrantType : uint32_t {
  kGrantClientCredentials = 1u << 0,
  kGrantAuthorizationCode = 1u << 1,
  kGrantRefreshToken = 1u << 2,
};
enum class ClientAuthMethod : uint8_t {
  kSecretBasic = 1,
  kSecretPost = 2,
  kPrivateKeyJwt = 3,
};
enum class UserKind : uint8_t { kCustomer = 1, kStaff = 2 };
enum StaffRole : uint32_t {
  kStaffAdmin = 1u << 0,
  kStaffOperator = 1u << 1,
  kStaffSupport = 1u << 2,
  kStaffAuditor = 1u << 3,
  kStaffApprover = 1u << 4,
};
enum Amr : uint32_t { kAmrPassword = 1u << 0, kAmrOtp = 1u << 1 };
enum class ConsentStatus : uint8_t {
  kAwaitingAuthorisation = 1,
  kAuthorised = 2,
  kRejected = 3,
  kRevoked = 4,
  kExpired = 5,  // derived when read: authorised or awaiting past expires_ns
};

const char* GrantTypeName(uint32_t one_bit);  // "client_credentials", ...
bool ParseGrantType(std::string_view s, uint32_t* bit);
const char* ClientAuthMethodName(ClientAuthMethod m);  // "client_secret_basic", ...
bool ParseClientAuthMethod(std::string_view s, ClientAuthMethod* out);
const char* StaffRoleName(uint32_t one_bit);  // "admin", "operator", ...
bool ParseStaffRole(std::string_view s, uint32_t* bit);
const char* ConsentStatusName(ConsentStatus s);  // "awaiting_authorisation", ...
// The scopes staff roles grant (the union over the roles held).
ScopeSet ScopesOfStaffRoles(uint32_t roles);
// "urn:corebank:acr:pwd" / "urn:corebank:acr:mfa".
const char* AcrValue(AuthLevel level);
bool ParseAcrValues(std::string_view space_separated, AuthLevel* strongest);

struct App {
  AppId id;
  TenantId tenant;
  std::string name;
  Hash256 secret_sha256{};
  std::vector<std::string> redirect_uris;
  uint32_t grant_types = 0;
  ScopeSet scopes;
  ClientAuthMethod auth_method = ClientAuthMethod::kSecretBasic;
  std::string jwks;  // JSON, private_key_jwt only
  uint32_t rate_limit_per_s = 0;
  bool refresh_rotation = true;
  bool dynamic = false;
  bool revoked = false;
  TimestampNs created = 0;
  uint32_t order = 0;
};

struct User {
  UserId id;
  TenantId tenant;
  UserKind kind = UserKind::kCustomer;
  std::string username;
  std::string password_hash;
  CustomerId customer;
  uint32_t staff_roles = 0;
  credentials::LockoutState lockout;
  std::string totp_ciphertext;  // KMS envelope; empty: not enrolled
  bool totp_enabled = false;    // enrolment confirmed with a code
  uint64_t totp_last_step = 0;
  std::vector<Hash256> devices;  // SHA-256 of device cookies seen (bounded)
  TimestampNs created = 0;
  uint32_t order = 0;
};

struct Session {
  SessionId id;
  TenantId tenant;
  UserId user;
  Hash256 secret_sha256{};
  Hash256 device_sha256{};
  AuthLevel acr = AuthLevel::kPassword;
  uint32_t amr = 0;
  TimestampNs auth_time = 0;
  TimestampNs created = 0;
  TimestampNs expires = 0;
  bool revoked = false;
};

struct AuthRequest {
  RequestId id;
  TenantId tenant;
  AppId client;
  std::string redirect_uri;
  ScopeSet scopes;
  std::string state;
  std::string nonce;
  std::string code_challenge;
  AuthLevel acr_min = AuthLevel::kPassword;
  ConsentId consent;  // an app-created consent to authorise, or zero
  bool pushed = false;
  uint64_t max_age_s = 0;
  bool prompt_login = false;
  TimestampNs expires = 0;
  TimestampNs created = 0;
  bool finished = false;  // a code was issued or the user denied
};

struct AuthCode {
  Hash256 code_sha256{};
  TenantId tenant;
  RequestId request;
  SessionId session;
  ConsentId consent;
  ScopeSet scopes;
  TimestampNs expires = 0;
  TimestampNs created = 0;
  GrantId redeemed_grant;  // zero until redeemed
};

struct Grant {
  GrantId id;
  TenantId tenant;
  AppId client;
  UserId user;
  SessionId session;
  ConsentId consent;
  ScopeSet scopes;
  AuthLevel acr = AuthLevel::kPassword;
  uint32_t amr = 0;
  TimestampNs auth_time = 0;
  std::string nonce;
  TimestampNs created = 0;
  bool revoked = false;
  std::string revoked_reason;
};

struct RefreshToken {
  Hash256 token_sha256{};
  TenantId tenant;
  GrantId grant;
  ScopeSet scopes;
  TimestampNs expires = 0;
  bool retired = false;  // rotated out: presenting it again revokes the grant
};

struct Consent {
  ConsentId id;
  TenantId tenant;
  AppId client;
  CustomerId customer;  // zero until authorised
  ScopeSet permissions;
  std::vector<AccountId> accounts;
  TimestampNs expires = 0;  // 0: no expiry
  ConsentStatus status = ConsentStatus::kAwaitingAuthorisation;
  TimestampNs created = 0;
  TimestampNs updated = 0;
  uint32_t order = 0;
  // The status as of `now`: authorised or awaiting past expires_ns reads as expired.
  ConsentStatus StatusAt(TimestampNs now) const {
    const bool live =
        status == ConsentStatus::kAuthorised || status == ConsentStatus::kAwaitingAuthorisation;
    return live && expires != 0 && now >= expires ? ConsentStatus::kExpired : status;
  }
};

struct SigningKeyInfo {
  std::string kid;
  std::string public_jwk;
  TimestampNs added = 0;
  TimestampNs retired = 0;    // 0: current
  TimestampNs unpublish = 0;  // removed from the JWKS from then on
};

}  // namespace cb::identity
