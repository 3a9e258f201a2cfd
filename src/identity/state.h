#pragma once
// The identity service's state: a projection of its events. Only the shard's writer thread
// mutates it (through the Apply* functions, in execution and in replay); the edge's io
// threads read it concurrently through the Read* functions, which take a shared lock and
// return copies. The writer's own reads (Find*) take no lock: nobody else writes.
#include <deque>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "corebank/identity/v1/events.pb.h"
#include "identity/model.h"
#include "journal/format.h"
#include "platform/ids.h"

namespace cb::identity {

namespace pb = ::corebank::identity::v1;

struct HashKey {
  size_t operator()(const Hash256& h) const {
    uint64_t x;
    std::memcpy(&x, h.data(), sizeof(x));  // SHA-256 output: any 8 bytes are uniform
    return static_cast<size_t>(x);
  }
};

// What a presented access token's state says, checked in one shared lock per request.
struct TokenState {
  bool client_revoked = false;
  bool grant_revoked = false;
  bool jti_revoked = false;
  bool user_active = true;
  ConsentStatus consent = ConsentStatus::kAuthorised;  // when the token names a consent
};

// The event that creates `r` (its `created` is the event's time): shared by the handler and
// the snapshot encoder, so both write the same fields.
pb::AuthRequestCreated AuthRequestEvent(const AuthRequest& r);

class IdentityState {
 public:
  static constexpr size_t kDevicesPerUserMax = 32;
  static constexpr uint64_t kUsedCodeKeptNs = 10ull * 60 * kNsPerSecond;  // replay detection
  static constexpr uint32_t kUsageDaysKept = 400;

  // --- writer-thread reads (no lock) -------------------------------------------------
  const App* FindApp(AppId id) const;
  const User* FindUser(UserId id) const;
  const User* FindUserByName(TenantId tenant, std::string_view username) const;
  const Session* FindSession(SessionId id) const;
  const AuthRequest* FindRequest(RequestId id) const;
  const AuthCode* FindCode(const Hash256& code_sha256) const;
  const Grant* FindGrant(GrantId id) const;
  const RefreshToken* FindRefresh(const Hash256& token_sha256) const;
  const Consent* FindConsent(ConsentId id) const;
  bool JtiRevoked(std::string_view jti) const { return revoked_jti_.contains(std::string(jti)); }
  const std::vector<AppId>& AppsOf(TenantId tenant) const;
  const std::vector<UserId>& UsersOf(TenantId tenant) const;
  const std::vector<ConsentId>& ConsentsOf(TenantId tenant) const;
  std::vector<SessionId> SessionsOf(UserId user) const;
  std::vector<GrantId> GrantsOfSession(SessionId session) const;
  const std::vector<SigningKeyInfo>& signing_keys() const { return signing_keys_; }
  // (day, route) -> count for an app, oldest day first.
  std::vector<std::tuple<uint32_t, std::string, uint64_t>> UsageOf(AppId app) const;
  size_t request_count() const { return requests_.size(); }
  // Unfinished requests of an app (no code issued, not denied), until they are pruned.
  size_t request_count(AppId client) const;
  // The app's oldest unfinished request: the one a new request pushes out at the cap.
  std::optional<RequestId> OldestOpenRequest(AppId client) const;
  size_t session_count() const { return sessions_.size(); }

  // --- concurrent reads for io threads (shared lock, copies) ---------------------------
  std::optional<App> ReadApp(AppId id) const;
  // The app's own rate limit (0: the server default), or nullopt for no such app.
  std::optional<uint32_t> ReadAppRateLimit(AppId id) const;
  std::optional<User> ReadUser(UserId id) const;
  std::optional<User> ReadUserByName(TenantId tenant, std::string_view username) const;
  std::optional<Session> ReadSession(SessionId id) const;
  std::optional<AuthRequest> ReadRequest(RequestId id) const;
  std::optional<Consent> ReadConsent(ConsentId id) const;
  std::optional<RefreshToken> ReadRefresh(const Hash256& token_sha256) const;
  std::optional<Grant> ReadGrant(GrantId id) const;
  std::vector<SigningKeyInfo> ReadSigningKeys() const;
  std::vector<Consent> ReadConsentsOf(TenantId tenant, CustomerId customer) const;
  TokenState ReadTokenState(AppId client, GrantId grant, std::string_view jti, ConsentId consent,
                            UserId user, TimestampNs now) const;

  // --- events (the only mutators); Apply validates what replay could get wrong --------
  // `seq` is the event's journal sequence (0 when rebuilding from a snapshot).
  Status Apply(const journal::EventView& event, uint64_t seq);
  void ApplyAppCreated(const pb::AppCreated& e);
  void ApplyAppSecretRotated(const pb::AppSecretRotated& e);
  void ApplyAppRevoked(const pb::AppRevoked& e);
  void ApplyUserCreated(const pb::UserCreated& e);
  void ApplyLoginFailed(const pb::LoginFailed& e);
  // The lockout of a username that names no user (see LoginFailed.username_sha256); the
  // Read variant takes the lock (the edge, beside the writer).
  credentials::LockoutState UnknownUserLockout(TenantId tenant, const Hash256& username) const;
  credentials::LockoutState ReadUnknownUserLockout(TenantId tenant, const Hash256& username) const;
  void ApplySessionStarted(const pb::SessionStarted& e);
  void ApplyDeviceFirstSeen(const pb::DeviceFirstSeen& e);
  void ApplyTotpEnrolled(const pb::TotpEnrolled& e);
  void ApplyTotpUsed(const pb::TotpUsed& e);
  void ApplySessionRevoked(const pb::SessionRevoked& e);
  void ApplyAuthRequestCreated(const pb::AuthRequestCreated& e);
  void ApplyCodeIssued(const pb::CodeIssued& e);
  void ApplyAuthRequestDenied(const pb::AuthRequestDenied& e);
  void ApplyCodeRedeemed(const pb::CodeRedeemed& e);
  void ApplyGrantCreated(const pb::GrantCreated& e);
  void ApplyGrantRevoked(const pb::GrantRevoked& e);
  void ApplyRefreshTokenIssued(const pb::RefreshTokenIssued& e);
  void ApplyAccessTokenRevoked(const pb::AccessTokenRevoked& e);
  void ApplyConsentCreated(const pb::ConsentCreated& e);
  void ApplyConsentAuthorised(const pb::ConsentAuthorised& e);
  void ApplyConsentRejected(const pb::ConsentRejected& e);
  void ApplyConsentRevoked(const pb::ConsentRevoked& e);
  void ApplySigningKeyAdded(const pb::SigningKeyAdded& e);
  void ApplySigningKeyRetired(const pb::SigningKeyRetired& e);
  void ApplyUsageRecorded(const pb::UsageRecorded& e);

  void Clear();
  // The state as events that rebuild it: u16 type | u32 size | payload, repeated.
  std::string EncodeSnapshot() const;
  Status DecodeSnapshot(std::string_view bytes);

 private:
  // Forgets what expired before `now` (bounded work per call; deterministic: `now` comes
  // from the event being applied, in execution and replay alike).
  void Prune(TimestampNs now);
  Status ApplyChecked(const journal::EventView& ev);

  bool restoring_ = false;  // decoding a snapshot: no pruning (the live state did not)
  mutable std::shared_mutex mu_;
  std::unordered_map<u128, App, kernel::U128Hash> apps_;
  std::unordered_map<u128, User, kernel::U128Hash> users_;
  std::unordered_map<std::string, UserId> usernames_;  // tenant bytes + username
  std::unordered_map<u128, Session, kernel::U128Hash> sessions_;
  std::unordered_map<u128, std::vector<SessionId>, kernel::U128Hash> user_sessions_;
  // Lockouts of usernames that name no user, bounded: the oldest is forgotten first.
  static constexpr size_t kUnknownLockoutsMax = 100'000;
  std::unordered_map<std::string, credentials::LockoutState> unknown_lockouts_;
  std::deque<std::string> unknown_lockout_order_;
  std::unordered_map<u128, AuthRequest, kernel::U128Hash> requests_;
  void Finish(AuthRequest* r);  // a code was issued or the user denied
  void ReleaseClientSlot(AppId client);
  std::unordered_map<u128, uint32_t, kernel::U128Hash> requests_by_client_;  // open, per app
  std::unordered_map<u128, std::deque<RequestId>, kernel::U128Hash> open_requests_by_client_;
  std::unordered_map<Hash256, AuthCode, HashKey> codes_;
  std::unordered_map<u128, Grant, kernel::U128Hash> grants_;
  std::unordered_map<u128, std::vector<GrantId>, kernel::U128Hash> session_grants_;
  std::unordered_map<Hash256, RefreshToken, HashKey> refresh_;
  std::unordered_map<std::string, TimestampNs> revoked_jti_;  // jti -> token expiry
  std::unordered_map<u128, Consent, kernel::U128Hash> consents_;
  // A customer's consents (set once the consent names its customer): the dashboard and a
  // customer's reads cost O(their consents), not O(the tenant's).
  std::unordered_map<u128, std::vector<ConsentId>, kernel::U128Hash> customer_consents_;
  void IndexConsentCustomer(const Consent& c, CustomerId before);
  struct TenantLists {
    std::vector<AppId> apps;
    std::vector<UserId> users;
    std::vector<ConsentId> consents;
  };
  std::unordered_map<u128, TenantLists, kernel::U128Hash> lists_;
  std::vector<SigningKeyInfo> signing_keys_;
  std::map<std::tuple<u128, uint32_t, std::string>, uint64_t> usage_;  // (app, day, route)

  // Expiry queues (expires_ns, key), in insertion order; times grow with the batch clock.
  std::deque<std::pair<TimestampNs, u128>> request_expiry_;
  std::deque<std::pair<TimestampNs, Hash256>> code_expiry_;
  std::deque<std::pair<TimestampNs, Hash256>> refresh_expiry_;
  std::deque<std::pair<TimestampNs, std::string>> jti_expiry_;
  std::deque<std::pair<TimestampNs, u128>> session_expiry_;
};

}  // namespace cb::identity
