#include "identity/state.h"

#include <algorithm>
#include <mutex>

#include "identity/events.h"
#include "identity/scope_wire.h"
#include "platform/state.h"

namespace cb::identity {

using platform::IdBytes;
using platform::IdFromBytes;

namespace {

template <typename Map, typename Key>
auto FindIn(const Map& m, const Key& key) -> const typename Map::mapped_type* {
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

template <typename Map, typename Key>
auto CopyOf(const Map& m, const Key& key) -> std::optional<typename Map::mapped_type> {
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

// Ids in events are validated by Apply before the typed Apply* runs, so here they hold.
u128 Id(const std::string& bytes) {
  u128 v = 0;
  CB_CHECK(IdFromBytes(bytes, &v));
  return v;
}
u128 IdOrZero(const std::string& bytes) {
  u128 v = 0;
  if (!bytes.empty()) CB_CHECK(IdFromBytes(bytes, &v));
  return v;
}
Hash256 HashOf(const std::string& bytes) {
  Hash256 h{};
  CB_CHECK(bytes.size() == h.size());
  std::memcpy(h.data(), bytes.data(), h.size());
  return h;
}
std::string UsernameKey(TenantId tenant, std::string_view username) {
  std::string k = IdBytes(tenant.value);
  k.append(username);
  return k;
}
const std::vector<AppId> kNoApps;
const std::vector<UserId> kNoUsers;
const std::vector<ConsentId> kNoConsents;
constexpr size_t kPruneStepsMax = 64;

}  // namespace

// --- writer reads ------------------------------------------------------------------------

const App* IdentityState::FindApp(AppId id) const { return FindIn(apps_, id.value); }
const User* IdentityState::FindUser(UserId id) const { return FindIn(users_, id.value); }
const User* IdentityState::FindUserByName(TenantId tenant, std::string_view username) const {
  auto it = usernames_.find(UsernameKey(tenant, username));
  return it == usernames_.end() ? nullptr : FindUser(it->second);
}
const Session* IdentityState::FindSession(SessionId id) const {
  return FindIn(sessions_, id.value);
}
const AuthRequest* IdentityState::FindRequest(RequestId id) const {
  return FindIn(requests_, id.value);
}
const AuthCode* IdentityState::FindCode(const Hash256& h) const { return FindIn(codes_, h); }
const Grant* IdentityState::FindGrant(GrantId id) const { return FindIn(grants_, id.value); }
const RefreshToken* IdentityState::FindRefresh(const Hash256& h) const {
  return FindIn(refresh_, h);
}
const Consent* IdentityState::FindConsent(ConsentId id) const {
  return FindIn(consents_, id.value);
}
const std::vector<AppId>& IdentityState::AppsOf(TenantId t) const {
  auto it = lists_.find(t.value);
  return it == lists_.end() ? kNoApps : it->second.apps;
}
const std::vector<UserId>& IdentityState::UsersOf(TenantId t) const {
  auto it = lists_.find(t.value);
  return it == lists_.end() ? kNoUsers : it->second.users;
}
const std::vector<ConsentId>& IdentityState::ConsentsOf(TenantId t) const {
  auto it = lists_.find(t.value);
  return it == lists_.end() ? kNoConsents : it->second.consents;
}
std::vector<SessionId> IdentityState::SessionsOf(UserId user) const {
  auto it = user_sessions_.find(user.value);
  if (it == user_sessions_.end()) return {};
  return it->second;
}
std::vector<GrantId> IdentityState::GrantsOfSession(SessionId session) const {
  auto it = session_grants_.find(session.value);
  if (it == session_grants_.end()) return {};
  return it->second;
}
std::vector<std::tuple<uint32_t, std::string, uint64_t>> IdentityState::UsageOf(AppId app) const {
  std::vector<std::tuple<uint32_t, std::string, uint64_t>> out;
  auto it = usage_.lower_bound({app.value, 0, std::string()});
  for (; it != usage_.end() && std::get<0>(it->first) == app.value; ++it) {
    out.emplace_back(std::get<1>(it->first), std::get<2>(it->first), it->second);
  }
  return out;
}

// --- io-thread reads -----------------------------------------------------------------------

std::optional<App> IdentityState::ReadApp(AppId id) const {
  std::shared_lock lock(mu_);
  return CopyOf(apps_, id.value);
}
std::optional<uint32_t> IdentityState::ReadAppRateLimit(AppId id) const {
  std::shared_lock lock(mu_);
  const App* a = FindApp(id);
  if (a == nullptr) return std::nullopt;
  return a->rate_limit_per_s;
}
std::optional<User> IdentityState::ReadUser(UserId id) const {
  std::shared_lock lock(mu_);
  return CopyOf(users_, id.value);
}
std::optional<User> IdentityState::ReadUserByName(TenantId tenant,
                                                  std::string_view username) const {
  std::shared_lock lock(mu_);
  auto it = usernames_.find(UsernameKey(tenant, username));
  if (it == usernames_.end()) return std::nullopt;
  return CopyOf(users_, it->second.value);
}
std::optional<Session> IdentityState::ReadSession(SessionId id) const {
  std::shared_lock lock(mu_);
  return CopyOf(sessions_, id.value);
}
std::optional<AuthRequest> IdentityState::ReadRequest(RequestId id) const {
  std::shared_lock lock(mu_);
  return CopyOf(requests_, id.value);
}
std::optional<Consent> IdentityState::ReadConsent(ConsentId id) const {
  std::shared_lock lock(mu_);
  return CopyOf(consents_, id.value);
}
std::optional<RefreshToken> IdentityState::ReadRefresh(const Hash256& h) const {
  std::shared_lock lock(mu_);
  return CopyOf(refresh_, h);
}
std::optional<Grant> IdentityState::ReadGrant(GrantId id) const {
  std::shared_lock lock(mu_);
  return CopyOf(grants_, id.value);
}
std::vector<SigningKeyInfo> IdentityState::ReadSigningKeys() const {
  std::shared_lock lock(mu_);
  return signing_keys_;
}

size_t IdentityState::request_count(AppId client) const {
  auto it = requests_by_client_.find(client.value);
  return it == requests_by_client_.end() ? 0 : it->second;
}

std::vector<Consent> IdentityState::ReadConsentsOf(TenantId tenant, CustomerId customer) const {
  std::vector<Consent> out;
  std::shared_lock lock(mu_);
  auto it = customer_consents_.find(customer.value);
  if (it == customer_consents_.end()) return out;
  for (ConsentId id : it->second) {
    const Consent& c = consents_.at(id.value);
    if (c.tenant == tenant && c.customer == customer) out.push_back(c);
  }
  // Creation order, as the tenant's list has them: the index is filled in authorisation
  // order, which a snapshot restore does not preserve.
  std::sort(out.begin(), out.end(),
            [](const Consent& a, const Consent& b) { return a.order < b.order; });
  return out;
}

void IdentityState::IndexConsentCustomer(const Consent& c, CustomerId before) {
  if (c.customer == before) return;
  if (!before.zero()) {
    auto& old = customer_consents_[before.value];
    old.erase(std::remove(old.begin(), old.end(), c.id), old.end());
  }
  if (!c.customer.zero()) customer_consents_[c.customer.value].push_back(c.id);
}

TokenState IdentityState::ReadTokenState(AppId client, GrantId grant, std::string_view jti,
                                         ConsentId consent, UserId user, TimestampNs now) const {
  TokenState s;
  std::shared_lock lock(mu_);
  const App* app = FindApp(client);
  s.client_revoked = app == nullptr || app->revoked;
  if (!grant.zero()) {
    const Grant* g = FindGrant(grant);
    s.grant_revoked = g == nullptr || g->revoked;
  }
  s.jti_revoked = !jti.empty() && revoked_jti_.contains(std::string(jti));
  if (!consent.zero()) {
    const Consent* c = FindConsent(consent);
    s.consent = c == nullptr ? ConsentStatus::kRevoked : c->StatusAt(now);
  }
  if (!user.zero()) s.user_active = FindUser(user) != nullptr;
  return s;
}

// --- mutators ------------------------------------------------------------------------------

void IdentityState::ApplyAppCreated(const pb::AppCreated& e) {
  std::unique_lock lock(mu_);
  App a;
  a.id = AppId(Id(e.id()));
  a.tenant = TenantId(Id(e.tenant_id()));
  a.name = e.name();
  if (!e.secret_sha256().empty()) a.secret_sha256 = HashOf(e.secret_sha256());
  a.redirect_uris.assign(e.redirect_uris().begin(), e.redirect_uris().end());
  a.grant_types = e.grant_types();
  a.scopes = ScopesOf(e);
  a.auth_method = static_cast<ClientAuthMethod>(e.auth_method());
  a.jwks = e.jwks();
  a.rate_limit_per_s = e.rate_limit_per_s();
  a.refresh_rotation = e.refresh_rotation();
  a.dynamic = e.dynamic();
  a.created = e.created_ns();
  auto& list = lists_[a.tenant.value].apps;
  a.order = static_cast<uint32_t>(list.size());
  list.push_back(a.id);
  apps_[a.id.value] = std::move(a);
}

void IdentityState::ApplyAppSecretRotated(const pb::AppSecretRotated& e) {
  std::unique_lock lock(mu_);
  apps_.at(Id(e.id())).secret_sha256 = HashOf(e.secret_sha256());
}

void IdentityState::ApplyAppRevoked(const pb::AppRevoked& e) {
  std::unique_lock lock(mu_);
  apps_.at(Id(e.id())).revoked = true;
}

void IdentityState::ApplyUserCreated(const pb::UserCreated& e) {
  std::unique_lock lock(mu_);
  User u;
  u.id = UserId(Id(e.id()));
  u.tenant = TenantId(Id(e.tenant_id()));
  u.kind = static_cast<UserKind>(e.kind());
  u.username = e.username();
  u.password_hash = e.password_hash();
  u.customer = CustomerId(IdOrZero(e.customer_id()));
  u.staff_roles = e.staff_roles();
  u.created = e.created_ns();
  auto& list = lists_[u.tenant.value].users;
  u.order = static_cast<uint32_t>(list.size());
  list.push_back(u.id);
  usernames_[UsernameKey(u.tenant, u.username)] = u.id;
  users_[u.id.value] = std::move(u);
}

void IdentityState::ApplyLoginFailed(const pb::LoginFailed& e) {
  std::unique_lock lock(mu_);
  credentials::LockoutState next;
  next.failures_in_row = e.failures_in_row();
  next.lockouts = e.lockouts();
  next.locked_until_ns = e.locked_until_ns();
  if (!e.user_id().empty()) {
    users_.at(Id(e.user_id())).lockout = next;
    return;
  }
  std::string key = e.tenant_id() + e.username_sha256();
  auto [it, inserted] = unknown_lockouts_.try_emplace(key, next);
  if (!inserted) {
    it->second = next;
    return;
  }
  unknown_lockout_order_.push_back(std::move(key));
  if (unknown_lockout_order_.size() > kUnknownLockoutsMax) {
    unknown_lockouts_.erase(unknown_lockout_order_.front());
    unknown_lockout_order_.pop_front();
  }
}

credentials::LockoutState IdentityState::ReadUnknownUserLockout(TenantId tenant,
                                                                const Hash256& username) const {
  std::shared_lock lock(mu_);
  return UnknownUserLockout(tenant, username);
}

credentials::LockoutState IdentityState::UnknownUserLockout(TenantId tenant,
                                                            const Hash256& username) const {
  const std::string key =
      IdBytes(tenant.value) + std::string(reinterpret_cast<const char*>(username.data()), 32);
  auto it = unknown_lockouts_.find(key);
  return it == unknown_lockouts_.end() ? credentials::LockoutState{} : it->second;
}

void IdentityState::ApplySessionStarted(const pb::SessionStarted& e) {
  std::unique_lock lock(mu_);
  Prune(e.at_ns());
  Session s;
  s.id = SessionId(Id(e.id()));
  s.tenant = TenantId(Id(e.tenant_id()));
  s.user = UserId(Id(e.user_id()));
  s.secret_sha256 = HashOf(e.secret_sha256());
  s.device_sha256 = HashOf(e.device_sha256());
  s.acr = static_cast<AuthLevel>(e.acr());
  s.amr = e.amr();
  s.auth_time = e.auth_time_ns();
  s.created = e.at_ns();
  s.expires = e.expires_ns();
  // A successful login clears the failure count (credentials::AfterSuccess).
  users_.at(s.user.value).lockout = credentials::AfterSuccess(users_.at(s.user.value).lockout);
  user_sessions_[s.user.value].push_back(s.id);
  session_expiry_.emplace_back(s.expires, s.id.value);
  sessions_[s.id.value] = std::move(s);
}

void IdentityState::ApplyDeviceFirstSeen(const pb::DeviceFirstSeen& e) {
  std::unique_lock lock(mu_);
  User& u = users_.at(Id(e.user_id()));
  if (u.devices.size() >= kDevicesPerUserMax) u.devices.erase(u.devices.begin());  // oldest
  u.devices.push_back(HashOf(e.device_sha256()));
}

void IdentityState::ApplyTotpEnrolled(const pb::TotpEnrolled& e) {
  std::unique_lock lock(mu_);
  User& u = users_.at(Id(e.user_id()));
  u.totp_ciphertext = e.secret_ciphertext();
  u.totp_enabled = false;
  u.totp_last_step = 0;
}

void IdentityState::ApplyTotpUsed(const pb::TotpUsed& e) {
  std::unique_lock lock(mu_);
  User& u = users_.at(Id(e.user_id()));
  u.totp_last_step = std::max(u.totp_last_step, e.step());
  if (e.enables()) u.totp_enabled = true;
  if (!e.session_id().empty()) {
    auto it = sessions_.find(Id(e.session_id()));
    if (it != sessions_.end()) {
      it->second.acr = AuthLevel::kMfa;
      it->second.amr |= kAmrOtp;
    }
  }
}

void IdentityState::ApplySessionRevoked(const pb::SessionRevoked& e) {
  std::unique_lock lock(mu_);
  auto it = sessions_.find(Id(e.id()));
  if (it != sessions_.end()) it->second.revoked = true;
}

void IdentityState::ApplyAuthRequestCreated(const pb::AuthRequestCreated& e) {
  std::unique_lock lock(mu_);
  Prune(e.at_ns());
  AuthRequest r;
  r.id = RequestId(Id(e.id()));
  r.tenant = TenantId(Id(e.tenant_id()));
  r.client = AppId(Id(e.client_id()));
  r.redirect_uri = e.redirect_uri();
  r.scopes = ScopesOf(e);
  r.state = e.state();
  r.nonce = e.nonce();
  r.code_challenge = e.code_challenge();
  r.acr_min = static_cast<AuthLevel>(e.acr_min());
  r.consent = ConsentId(IdOrZero(e.consent_id()));
  r.pushed = e.pushed();
  r.max_age_s = e.max_age_s();
  r.prompt_login = e.prompt_login();
  r.expires = e.expires_ns();
  r.created = e.at_ns();
  // Kept past its expiry as long as a code issued from it can still be redeemed or replayed.
  request_expiry_.emplace_back(r.expires + kUsedCodeKeptNs, r.id.value);
  requests_by_client_[r.client.value]++;
  // The app's requests in creation order; the finished or pruned ones at the front go first,
  // so the list stays about as long as the app's open requests.
  std::deque<RequestId>& order = open_requests_by_client_[r.client.value];
  while (!order.empty()) {
    auto it = requests_.find(order.front().value);
    if (it != requests_.end() && !it->second.finished) break;
    order.pop_front();
  }
  order.push_back(r.id);
  requests_[r.id.value] = std::move(r);
}

std::optional<RequestId> IdentityState::OldestOpenRequest(AppId client) const {
  auto list = open_requests_by_client_.find(client.value);
  if (list == open_requests_by_client_.end()) return std::nullopt;
  for (RequestId id : list->second) {
    auto it = requests_.find(id.value);
    if (it != requests_.end() && !it->second.finished) return id;
  }
  return std::nullopt;
}

void IdentityState::ApplyCodeIssued(const pb::CodeIssued& e) {
  std::unique_lock lock(mu_);
  Prune(e.at_ns());
  AuthCode c;
  c.code_sha256 = HashOf(e.code_sha256());
  c.tenant = TenantId(Id(e.tenant_id()));
  c.request = RequestId(Id(e.request_id()));
  c.session = SessionId(Id(e.session_id()));
  c.consent = ConsentId(IdOrZero(e.consent_id()));
  c.scopes = ScopesOf(e);
  c.expires = e.expires_ns();
  c.created = e.at_ns();
  // The request may be gone already when a snapshot restores its code.
  if (auto it = requests_.find(c.request.value); it != requests_.end()) Finish(&it->second);
  code_expiry_.emplace_back(c.expires + kUsedCodeKeptNs, c.code_sha256);
  codes_[c.code_sha256] = std::move(c);
}

void IdentityState::ApplyAuthRequestDenied(const pb::AuthRequestDenied& e) {
  std::unique_lock lock(mu_);
  Finish(&requests_.at(Id(e.request_id())));
}

void IdentityState::Finish(AuthRequest* r) {
  if (r->finished) return;
  r->finished = true;
  ReleaseClientSlot(r->client);
}

void IdentityState::ReleaseClientSlot(AppId client) {
  auto count = requests_by_client_.find(client.value);
  CB_CHECK(count != requests_by_client_.end() && count->second > 0);
  if (--count->second == 0) requests_by_client_.erase(count);
}

void IdentityState::ApplyCodeRedeemed(const pb::CodeRedeemed& e) {
  std::unique_lock lock(mu_);
  codes_.at(HashOf(e.code_sha256())).redeemed_grant = GrantId(Id(e.grant_id()));
}

void IdentityState::ApplyGrantCreated(const pb::GrantCreated& e) {
  std::unique_lock lock(mu_);
  Grant g;
  g.id = GrantId(Id(e.id()));
  g.tenant = TenantId(Id(e.tenant_id()));
  g.client = AppId(Id(e.client_id()));
  g.user = UserId(IdOrZero(e.user_id()));
  g.session = SessionId(IdOrZero(e.session_id()));
  g.consent = ConsentId(IdOrZero(e.consent_id()));
  g.scopes = ScopesOf(e);
  g.acr = static_cast<AuthLevel>(e.acr());
  g.amr = e.amr();
  g.auth_time = e.auth_time_ns();
  g.nonce = e.nonce();
  g.created = e.at_ns();
  if (!g.session.zero()) session_grants_[g.session.value].push_back(g.id);
  grants_[g.id.value] = std::move(g);
}

void IdentityState::ApplyGrantRevoked(const pb::GrantRevoked& e) {
  std::unique_lock lock(mu_);
  Grant& g = grants_.at(Id(e.id()));
  g.revoked = true;
  g.revoked_reason = e.reason();
}

void IdentityState::ApplyRefreshTokenIssued(const pb::RefreshTokenIssued& e) {
  std::unique_lock lock(mu_);
  Prune(e.at_ns());
  if (!e.replaces_sha256().empty()) {
    auto it = refresh_.find(HashOf(e.replaces_sha256()));
    if (it != refresh_.end()) it->second.retired = true;
  }
  RefreshToken t;
  t.retired = e.retired();
  t.token_sha256 = HashOf(e.token_sha256());
  t.tenant = TenantId(Id(e.tenant_id()));
  t.grant = GrantId(Id(e.grant_id()));
  t.scopes = ScopesOf(e);
  t.expires = e.expires_ns();
  refresh_expiry_.emplace_back(t.expires, t.token_sha256);
  refresh_[t.token_sha256] = std::move(t);
}

void IdentityState::ApplyAccessTokenRevoked(const pb::AccessTokenRevoked& e) {
  std::unique_lock lock(mu_);
  Prune(e.at_ns());
  if (revoked_jti_.emplace(e.jti(), e.expires_ns()).second) {
    jti_expiry_.emplace_back(e.expires_ns(), e.jti());
  }
}

void IdentityState::ApplyConsentCreated(const pb::ConsentCreated& e) {
  std::unique_lock lock(mu_);
  Consent c;
  c.id = ConsentId(Id(e.id()));
  c.tenant = TenantId(Id(e.tenant_id()));
  c.client = AppId(Id(e.client_id()));
  c.customer = CustomerId(IdOrZero(e.customer_id()));
  c.permissions = kernel::ScopeSet::FromWire(e.permissions());
  c.expires = e.expires_ns();
  c.created = e.at_ns();
  c.updated = e.at_ns();
  auto& list = lists_[c.tenant.value].consents;
  c.order = static_cast<uint32_t>(list.size());
  list.push_back(c.id);
  IndexConsentCustomer(c, CustomerId());
  consents_[c.id.value] = std::move(c);
}

void IdentityState::ApplyConsentAuthorised(const pb::ConsentAuthorised& e) {
  std::unique_lock lock(mu_);
  Consent& c = consents_.at(Id(e.id()));
  c.status = ConsentStatus::kAuthorised;
  const CustomerId before = c.customer;
  c.customer = CustomerId(Id(e.customer_id()));
  IndexConsentCustomer(c, before);
  c.accounts.clear();
  for (const std::string& a : e.account_ids()) c.accounts.push_back(AccountId(Id(a)));
  c.updated = e.at_ns();
}

void IdentityState::ApplyConsentRejected(const pb::ConsentRejected& e) {
  std::unique_lock lock(mu_);
  Consent& c = consents_.at(Id(e.id()));
  c.status = ConsentStatus::kRejected;
  c.updated = e.at_ns();
}

void IdentityState::ApplyConsentRevoked(const pb::ConsentRevoked& e) {
  std::unique_lock lock(mu_);
  Consent& c = consents_.at(Id(e.id()));
  c.status = ConsentStatus::kRevoked;
  c.updated = e.at_ns();
}

void IdentityState::ApplySigningKeyAdded(const pb::SigningKeyAdded& e) {
  std::unique_lock lock(mu_);
  SigningKeyInfo k;
  k.kid = e.kid();
  k.public_jwk = e.public_jwk();
  k.added = e.at_ns();
  signing_keys_.push_back(std::move(k));
}

void IdentityState::ApplySigningKeyRetired(const pb::SigningKeyRetired& e) {
  std::unique_lock lock(mu_);
  for (SigningKeyInfo& k : signing_keys_) {
    if (k.kid == e.kid()) {
      k.retired = e.at_ns();
      k.unpublish = e.unpublish_ns();
    }
  }
}

void IdentityState::ApplyUsageRecorded(const pb::UsageRecorded& e) {
  std::unique_lock lock(mu_);
  usage_[{Id(e.client_id()), e.day(), e.route()}] += e.count();
  if (restoring_) return;
  // Keep a bounded window of days.
  const auto today = static_cast<uint32_t>(e.at_ns() / (86400ull * kNsPerSecond));
  for (auto it = usage_.begin(); it != usage_.end();) {
    it = std::get<1>(it->first) + kUsageDaysKept < today ? usage_.erase(it) : std::next(it);
  }
}

void IdentityState::Prune(TimestampNs now) {
  if (restoring_) return;
  size_t steps = 0;
  while (!request_expiry_.empty() && request_expiry_.front().first < now &&
         steps++ < kPruneStepsMax) {
    if (auto it = requests_.find(request_expiry_.front().second); it != requests_.end()) {
      if (!it->second.finished) ReleaseClientSlot(it->second.client);
      requests_.erase(it);
    }
    request_expiry_.pop_front();
  }
  while (!code_expiry_.empty() && code_expiry_.front().first < now && steps++ < kPruneStepsMax) {
    codes_.erase(code_expiry_.front().second);
    code_expiry_.pop_front();
  }
  while (!refresh_expiry_.empty() && refresh_expiry_.front().first < now &&
         steps++ < kPruneStepsMax) {
    refresh_.erase(refresh_expiry_.front().second);
    refresh_expiry_.pop_front();
  }
  while (!jti_expiry_.empty() && jti_expiry_.front().first < now && steps++ < kPruneStepsMax) {
    revoked_jti_.erase(jti_expiry_.front().second);
    jti_expiry_.pop_front();
  }
  while (!session_expiry_.empty() && session_expiry_.front().first < now &&
         steps++ < kPruneStepsMax) {
    const u128 id = session_expiry_.front().second;
    auto it = sessions_.find(id);
    if (it != sessions_.end()) {
      auto& list = user_sessions_[it->second.user.value];
      list.erase(std::remove(list.begin(), list.end(), SessionId(id)), list.end());
      sessions_.erase(it);
    }
    session_expiry_.pop_front();
  }
}

void IdentityState::Clear() {
  std::unique_lock lock(mu_);
  apps_.clear();
  users_.clear();
  usernames_.clear();
  sessions_.clear();
  user_sessions_.clear();
  requests_.clear();
  requests_by_client_.clear();
  open_requests_by_client_.clear();
  unknown_lockouts_.clear();
  unknown_lockout_order_.clear();
  codes_.clear();
  grants_.clear();
  session_grants_.clear();
  refresh_.clear();
  revoked_jti_.clear();
  consents_.clear();
  customer_consents_.clear();
  lists_.clear();
  signing_keys_.clear();
  usage_.clear();
  request_expiry_.clear();
  code_expiry_.clear();
  refresh_expiry_.clear();
  jti_expiry_.clear();
  session_expiry_.clear();
}

}  // namespace cb::identity
