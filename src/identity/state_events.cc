// Identity events from the journal (replay) and snapshots: decode, validate, apply.
#include <algorithm>
#include <cstring>

#include "identity/events.h"
#include "identity/scope_wire.h"
#include "identity/state.h"
#include "platform/state.h"
#include "runtime/snapshot_events.h"

namespace cb::identity {

using kernel::IdFromBytesOrZero;
using platform::IdBytes;
using platform::IdFromBytes;

namespace {

constexpr size_t kJtiCharsMax = 128;

template <typename M>
bool Parse(const journal::EventView& ev, M* m) {
  return m->ParseFromArray(ev.payload.data(), static_cast<int>(ev.payload.size()));
}

bool IsId(const std::string& bytes) {
  u128 v = 0;
  return IdFromBytes(bytes, &v) && v != 0;
}
bool IsIdOrEmpty(const std::string& bytes) { return bytes.empty() || IsId(bytes); }
bool IsHash(const std::string& bytes) { return bytes.size() == 32; }
Hash256 HashFrom(const std::string& bytes) {
  Hash256 h{};
  std::memcpy(h.data(), bytes.data(), h.size());
  return h;
}
std::string HashBytes(const Hash256& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

}  // namespace

pb::AuthRequestCreated AuthRequestEvent(const AuthRequest& r) {
  pb::AuthRequestCreated m;
  m.set_id(IdBytes(r.id.value));
  m.set_tenant_id(IdBytes(r.tenant.value));
  m.set_client_id(IdBytes(r.client.value));
  m.set_redirect_uri(r.redirect_uri);
  SetScopes(&m, r.scopes);
  m.set_state(r.state);
  m.set_nonce(r.nonce);
  m.set_code_challenge(r.code_challenge);
  m.set_acr_min(static_cast<uint32_t>(r.acr_min));
  if (!r.consent.zero()) m.set_consent_id(IdBytes(r.consent.value));
  m.set_pushed(r.pushed);
  m.set_max_age_s(r.max_age_s);
  m.set_prompt_login(r.prompt_login);
  m.set_expires_ns(r.expires);
  m.set_at_ns(r.created);
  return m;
}

Status IdentityState::Apply(const journal::EventView& ev, uint64_t /*seq*/) {
  return ApplyChecked(ev);
}

// Each case checks what a damaged or foreign journal could get wrong before the typed
// Apply* (which asserts) runs.
Status IdentityState::ApplyChecked(const journal::EventView& ev) {
  auto bad = [&ev](const char* why) {
    return Status::DataLoss("identity event type " + std::to_string(ev.type) + ": " + why);
  };
#define CB_PARSE(Type)                                  \
  pb::Type m;                                           \
  if (!Parse(ev, &m)) return bad("undecodable " #Type); \
  static_assert(true)
  switch (static_cast<EventType>(ev.type)) {
    case EventType::kAppCreated: {
      CB_PARSE(AppCreated);
      if (!IsId(m.id()) || !IsId(m.tenant_id()) || apps_.contains(IdFromBytesOrZero(m.id())) ||
          !(m.secret_sha256().empty() || IsHash(m.secret_sha256())) || m.auth_method() < 1 ||
          m.auth_method() > 3) {
        return bad("bad app");
      }
      ApplyAppCreated(m);
      return Status::Ok();
    }
    case EventType::kAppSecretRotated: {
      CB_PARSE(AppSecretRotated);
      if (!apps_.contains(IdFromBytesOrZero(m.id())) || !IsHash(m.secret_sha256()))
        return bad("bad app");
      ApplyAppSecretRotated(m);
      return Status::Ok();
    }
    case EventType::kAppRevoked: {
      CB_PARSE(AppRevoked);
      if (!apps_.contains(IdFromBytesOrZero(m.id()))) return bad("unknown app");
      ApplyAppRevoked(m);
      return Status::Ok();
    }
    case EventType::kUserCreated: {
      CB_PARSE(UserCreated);
      if (!IsId(m.id()) || !IsId(m.tenant_id()) || users_.contains(IdFromBytesOrZero(m.id())) ||
          m.kind() < 1 || m.kind() > 2 || !IsIdOrEmpty(m.customer_id()) || m.username().empty() ||
          FindUserByName(TenantId(IdFromBytesOrZero(m.tenant_id())), m.username()) != nullptr) {
        return bad("bad user");
      }
      ApplyUserCreated(m);
      return Status::Ok();
    }
    case EventType::kLoginFailed: {
      CB_PARSE(LoginFailed);
      if (m.user_id().empty() ? !IsId(m.tenant_id()) || !IsHash(m.username_sha256())
                              : !users_.contains(IdFromBytesOrZero(m.user_id()))) {
        return bad("unknown user");
      }
      ApplyLoginFailed(m);
      return Status::Ok();
    }
    case EventType::kSessionStarted: {
      CB_PARSE(SessionStarted);
      if (!IsId(m.id()) || sessions_.contains(IdFromBytesOrZero(m.id())) ||
          !users_.contains(IdFromBytesOrZero(m.user_id())) || !IsHash(m.secret_sha256()) ||
          !IsHash(m.device_sha256()) || m.acr() < 1 || m.acr() > 2) {
        return bad("bad session");
      }
      ApplySessionStarted(m);
      return Status::Ok();
    }
    case EventType::kDeviceFirstSeen: {
      CB_PARSE(DeviceFirstSeen);
      if (!users_.contains(IdFromBytesOrZero(m.user_id())) || !IsHash(m.device_sha256()))
        return bad("bad device");
      ApplyDeviceFirstSeen(m);
      return Status::Ok();
    }
    case EventType::kTotpEnrolled: {
      CB_PARSE(TotpEnrolled);
      if (!users_.contains(IdFromBytesOrZero(m.user_id())) || m.secret_ciphertext().empty()) {
        return bad("bad enrolment");
      }
      ApplyTotpEnrolled(m);
      return Status::Ok();
    }
    case EventType::kTotpUsed: {
      CB_PARSE(TotpUsed);
      if (!users_.contains(IdFromBytesOrZero(m.user_id())) || !IsIdOrEmpty(m.session_id())) {
        return bad("bad totp use");
      }
      ApplyTotpUsed(m);
      return Status::Ok();
    }
    case EventType::kSessionRevoked: {
      CB_PARSE(SessionRevoked);
      if (!IsId(m.id())) return bad("bad session");
      ApplySessionRevoked(m);
      return Status::Ok();
    }
    case EventType::kAuthRequestCreated: {
      CB_PARSE(AuthRequestCreated);
      if (!IsId(m.id()) || requests_.contains(IdFromBytesOrZero(m.id())) ||
          !apps_.contains(IdFromBytesOrZero(m.client_id())) || !IsIdOrEmpty(m.consent_id()) ||
          m.acr_min() < 1 || m.acr_min() > 2) {
        return bad("bad request");
      }
      ApplyAuthRequestCreated(m);
      return Status::Ok();
    }
    case EventType::kCodeIssued: {
      CB_PARSE(CodeIssued);
      if (!IsHash(m.code_sha256()) || codes_.contains(HashFrom(m.code_sha256())) ||
          !IsId(m.request_id()) || !IsId(m.session_id()) || !IsIdOrEmpty(m.consent_id())) {
        return bad("bad code");
      }
      ApplyCodeIssued(m);
      return Status::Ok();
    }
    case EventType::kAuthRequestDenied: {
      CB_PARSE(AuthRequestDenied);
      if (!requests_.contains(IdFromBytesOrZero(m.request_id()))) return bad("unknown request");
      ApplyAuthRequestDenied(m);
      return Status::Ok();
    }
    case EventType::kCodeRedeemed: {
      CB_PARSE(CodeRedeemed);
      if (!IsHash(m.code_sha256()) || !codes_.contains(HashFrom(m.code_sha256())) ||
          !IsId(m.grant_id())) {
        return bad("bad redemption");
      }
      ApplyCodeRedeemed(m);
      return Status::Ok();
    }
    case EventType::kGrantCreated: {
      CB_PARSE(GrantCreated);
      if (!IsId(m.id()) || grants_.contains(IdFromBytesOrZero(m.id())) ||
          !apps_.contains(IdFromBytesOrZero(m.client_id())) || !IsIdOrEmpty(m.user_id()) ||
          !IsIdOrEmpty(m.session_id()) || !IsIdOrEmpty(m.consent_id())) {
        return bad("bad grant");
      }
      ApplyGrantCreated(m);
      return Status::Ok();
    }
    case EventType::kGrantRevoked: {
      CB_PARSE(GrantRevoked);
      if (!grants_.contains(IdFromBytesOrZero(m.id()))) return bad("unknown grant");
      ApplyGrantRevoked(m);
      return Status::Ok();
    }
    case EventType::kRefreshTokenIssued: {
      CB_PARSE(RefreshTokenIssued);
      if (!IsHash(m.token_sha256()) || refresh_.contains(HashFrom(m.token_sha256())) ||
          !grants_.contains(IdFromBytesOrZero(m.grant_id())) ||
          !(m.replaces_sha256().empty() || IsHash(m.replaces_sha256()))) {
        return bad("bad refresh token");
      }
      ApplyRefreshTokenIssued(m);
      return Status::Ok();
    }
    case EventType::kAccessTokenRevoked: {
      CB_PARSE(AccessTokenRevoked);
      if (m.jti().empty() || m.jti().size() > kJtiCharsMax) return bad("bad jti");
      ApplyAccessTokenRevoked(m);
      return Status::Ok();
    }
    case EventType::kConsentCreated: {
      CB_PARSE(ConsentCreated);
      if (!IsId(m.id()) || !IsId(m.tenant_id()) || consents_.contains(IdFromBytesOrZero(m.id())) ||
          !apps_.contains(IdFromBytesOrZero(m.client_id())) || !IsIdOrEmpty(m.customer_id())) {
        return bad("bad consent");
      }
      ApplyConsentCreated(m);
      return Status::Ok();
    }
    case EventType::kConsentAuthorised: {
      CB_PARSE(ConsentAuthorised);
      if (!consents_.contains(IdFromBytesOrZero(m.id())) || !IsId(m.customer_id()))
        return bad("bad consent");
      for (const std::string& a : m.account_ids()) {
        if (!IsId(a)) return bad("bad consent account");
      }
      ApplyConsentAuthorised(m);
      return Status::Ok();
    }
    case EventType::kConsentRejected: {
      CB_PARSE(ConsentRejected);
      if (!consents_.contains(IdFromBytesOrZero(m.id()))) return bad("unknown consent");
      ApplyConsentRejected(m);
      return Status::Ok();
    }
    case EventType::kConsentRevoked: {
      CB_PARSE(ConsentRevoked);
      if (!consents_.contains(IdFromBytesOrZero(m.id()))) return bad("unknown consent");
      ApplyConsentRevoked(m);
      return Status::Ok();
    }
    case EventType::kSigningKeyAdded: {
      CB_PARSE(SigningKeyAdded);
      if (m.kid().empty() || m.public_jwk().empty()) return bad("bad signing key");
      for (const SigningKeyInfo& k : signing_keys_) {
        if (k.kid == m.kid()) return bad("duplicate signing key");
      }
      ApplySigningKeyAdded(m);
      return Status::Ok();
    }
    case EventType::kSigningKeyRetired: {
      CB_PARSE(SigningKeyRetired);
      ApplySigningKeyRetired(m);
      return Status::Ok();
    }
    case EventType::kUsageRecorded: {
      CB_PARSE(UsageRecorded);
      if (!apps_.contains(IdFromBytesOrZero(m.client_id())) || m.route().empty())
        return bad("bad usage");
      ApplyUsageRecorded(m);
      return Status::Ok();
    }
  }
#undef CB_PARSE
  // Listed, not defaulted: a new event type must be handled above (the compiler says so);
  // a number no identity version wrote lands here.
  return bad("unknown type");
}

// --- snapshots: the state as the events that rebuild it ------------------------------------

namespace {
// Keys of an unordered map, sorted: snapshot bytes must not depend on hash order.
template <typename Map>
std::vector<typename Map::key_type> SortedKeys(const Map& m) {
  std::vector<typename Map::key_type> keys;
  keys.reserve(m.size());
  for (const auto& [k, v] : m) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  return keys;
}

template <typename M>
void Put(std::string* out, EventType type, const M& m) {
  runtime::AppendSnapshotEvent(out, static_cast<uint16_t>(type), m);
}
}  // namespace

std::string IdentityState::EncodeSnapshot() const {
  std::string out;
  const auto tenants = SortedKeys(lists_);
  for (const u128 tenant : tenants) {
    const TenantLists& lists = lists_.at(tenant);
    for (AppId id : lists.apps) {
      const App& a = apps_.at(id.value);
      pb::AppCreated m;
      m.set_id(IdBytes(a.id.value));
      m.set_tenant_id(IdBytes(a.tenant.value));
      m.set_name(a.name);
      if (a.secret_sha256 != Hash256{}) m.set_secret_sha256(HashBytes(a.secret_sha256));
      for (const std::string& uri : a.redirect_uris) m.add_redirect_uris(uri);
      m.set_grant_types(a.grant_types);
      SetScopes(&m, a.scopes);
      m.set_auth_method(static_cast<uint32_t>(a.auth_method));
      m.set_jwks(a.jwks);
      m.set_rate_limit_per_s(a.rate_limit_per_s);
      m.set_refresh_rotation(a.refresh_rotation);
      m.set_dynamic(a.dynamic);
      m.set_created_ns(a.created);
      Put(&out, EventType::kAppCreated, m);
      if (a.revoked) {
        pb::AppRevoked r;
        r.set_id(m.id());
        r.set_tenant_id(m.tenant_id());
        Put(&out, EventType::kAppRevoked, r);
      }
    }
    for (UserId id : lists.users) {
      const User& u = users_.at(id.value);
      pb::UserCreated m;
      m.set_id(IdBytes(u.id.value));
      m.set_tenant_id(IdBytes(u.tenant.value));
      m.set_kind(static_cast<uint32_t>(u.kind));
      m.set_username(u.username);
      m.set_password_hash(u.password_hash);
      if (!u.customer.zero()) m.set_customer_id(IdBytes(u.customer.value));
      m.set_staff_roles(u.staff_roles);
      m.set_created_ns(u.created);
      Put(&out, EventType::kUserCreated, m);
      if (!u.totp_ciphertext.empty()) {
        pb::TotpEnrolled t;
        t.set_user_id(m.id());
        t.set_tenant_id(m.tenant_id());
        t.set_secret_ciphertext(u.totp_ciphertext);
        Put(&out, EventType::kTotpEnrolled, t);
      }
      if (u.totp_enabled || u.totp_last_step != 0) {
        pb::TotpUsed t;
        t.set_user_id(m.id());
        t.set_tenant_id(m.tenant_id());
        t.set_step(u.totp_last_step);
        t.set_enables(u.totp_enabled);
        Put(&out, EventType::kTotpUsed, t);
      }
      for (const Hash256& d : u.devices) {
        pb::DeviceFirstSeen t;
        t.set_user_id(m.id());
        t.set_tenant_id(m.tenant_id());
        t.set_device_sha256(HashBytes(d));
        Put(&out, EventType::kDeviceFirstSeen, t);
      }
    }
  }
  // Sessions in creation order (a session reset its user's failure count when it started,
  // so the lockout state is restored after all of them).
  for (const auto& [expires, id] : session_expiry_) {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) continue;
    const Session& s = it->second;
    pb::SessionStarted m;
    m.set_id(IdBytes(s.id.value));
    m.set_tenant_id(IdBytes(s.tenant.value));
    m.set_user_id(IdBytes(s.user.value));
    m.set_secret_sha256(HashBytes(s.secret_sha256));
    m.set_device_sha256(HashBytes(s.device_sha256));
    m.set_acr(static_cast<uint32_t>(s.acr));
    m.set_amr(s.amr);
    m.set_auth_time_ns(s.auth_time);
    m.set_expires_ns(s.expires);
    m.set_at_ns(s.created);
    Put(&out, EventType::kSessionStarted, m);
    if (s.revoked) {
      pb::SessionRevoked r;
      r.set_id(m.id());
      r.set_tenant_id(m.tenant_id());
      Put(&out, EventType::kSessionRevoked, r);
    }
  }
  for (const u128 tenant : tenants) {
    for (UserId id : lists_.at(tenant).users) {
      const User& u = users_.at(id.value);
      if (u.lockout.failures_in_row == 0 && u.lockout.lockouts == 0 &&
          u.lockout.locked_until_ns == 0) {
        continue;
      }
      pb::LoginFailed m;
      m.set_user_id(IdBytes(u.id.value));
      m.set_tenant_id(IdBytes(u.tenant.value));
      m.set_failures_in_row(u.lockout.failures_in_row);
      m.set_lockouts(u.lockout.lockouts);
      m.set_locked_until_ns(u.lockout.locked_until_ns);
      Put(&out, EventType::kLoginFailed, m);
    }
  }
  for (const std::string& key : unknown_lockout_order_) {  // oldest first, as they evict
    const credentials::LockoutState& l = unknown_lockouts_.at(key);
    pb::LoginFailed m;
    m.set_tenant_id(key.substr(0, 16));
    m.set_username_sha256(key.substr(16));
    m.set_failures_in_row(l.failures_in_row);
    m.set_lockouts(l.lockouts);
    m.set_locked_until_ns(l.locked_until_ns);
    Put(&out, EventType::kLoginFailed, m);
  }
  for (const auto& [expires, id] : request_expiry_) {
    auto it = requests_.find(id);
    if (it == requests_.end()) continue;
    const AuthRequest& r = it->second;
    const pb::AuthRequestCreated m = AuthRequestEvent(r);
    Put(&out, EventType::kAuthRequestCreated, m);
    if (r.finished) {
      pb::AuthRequestDenied d;  // "finished": the snapshot keeps only that it is
      d.set_request_id(m.id());
      d.set_tenant_id(m.tenant_id());
      Put(&out, EventType::kAuthRequestDenied, d);
    }
  }
  // Consents and apps come before grants and codes that name them.
  for (const u128 tenant : tenants) {
    for (ConsentId id : lists_.at(tenant).consents) {
      const Consent& c = consents_.at(id.value);
      pb::ConsentCreated m;
      m.set_id(IdBytes(c.id.value));
      m.set_tenant_id(IdBytes(c.tenant.value));
      m.set_client_id(IdBytes(c.client.value));
      m.set_permissions(c.permissions.wire_bits());
      m.set_expires_ns(c.expires);
      m.set_at_ns(c.created);
      if (!c.customer.zero()) m.set_customer_id(IdBytes(c.customer.value));
      Put(&out, EventType::kConsentCreated, m);
      if (c.status == ConsentStatus::kAuthorised || !c.accounts.empty()) {
        pb::ConsentAuthorised a;
        a.set_id(m.id());
        a.set_tenant_id(m.tenant_id());
        a.set_customer_id(IdBytes(c.customer.value));
        for (AccountId acct : c.accounts) a.add_account_ids(IdBytes(acct.value));
        a.set_at_ns(c.updated);
        Put(&out, EventType::kConsentAuthorised, a);
      }
      if (c.status == ConsentStatus::kRejected) {
        pb::ConsentRejected r;
        r.set_id(m.id());
        r.set_tenant_id(m.tenant_id());
        r.set_at_ns(c.updated);
        Put(&out, EventType::kConsentRejected, r);
      } else if (c.status == ConsentStatus::kRevoked) {
        pb::ConsentRevoked r;
        r.set_id(m.id());
        r.set_tenant_id(m.tenant_id());
        r.set_at_ns(c.updated);
        Put(&out, EventType::kConsentRevoked, r);
      }
    }
  }
  for (const u128 id : SortedKeys(grants_)) {
    const Grant& g = grants_.at(id);
    pb::GrantCreated m;
    m.set_id(IdBytes(g.id.value));
    m.set_tenant_id(IdBytes(g.tenant.value));
    m.set_client_id(IdBytes(g.client.value));
    if (!g.user.zero()) m.set_user_id(IdBytes(g.user.value));
    if (!g.session.zero()) m.set_session_id(IdBytes(g.session.value));
    if (!g.consent.zero()) m.set_consent_id(IdBytes(g.consent.value));
    SetScopes(&m, g.scopes);
    m.set_acr(static_cast<uint32_t>(g.acr));
    m.set_amr(g.amr);
    m.set_auth_time_ns(g.auth_time);
    m.set_nonce(g.nonce);
    m.set_at_ns(g.created);
    Put(&out, EventType::kGrantCreated, m);
    if (g.revoked) {
      pb::GrantRevoked r;
      r.set_id(m.id());
      r.set_tenant_id(m.tenant_id());
      r.set_reason(g.revoked_reason);
      Put(&out, EventType::kGrantRevoked, r);
    }
  }
  for (const auto& [expires, hash] : code_expiry_) {
    auto it = codes_.find(hash);
    if (it == codes_.end()) continue;
    const AuthCode& c = it->second;
    pb::CodeIssued m;
    m.set_code_sha256(HashBytes(c.code_sha256));
    m.set_tenant_id(IdBytes(c.tenant.value));
    m.set_request_id(IdBytes(c.request.value));
    m.set_session_id(IdBytes(c.session.value));
    if (!c.consent.zero()) m.set_consent_id(IdBytes(c.consent.value));
    SetScopes(&m, c.scopes);
    m.set_expires_ns(c.expires);
    m.set_at_ns(c.created);
    Put(&out, EventType::kCodeIssued, m);
    if (!c.redeemed_grant.zero()) {
      pb::CodeRedeemed r;
      r.set_code_sha256(m.code_sha256());
      r.set_tenant_id(m.tenant_id());
      r.set_grant_id(IdBytes(c.redeemed_grant.value));
      Put(&out, EventType::kCodeRedeemed, r);
    }
  }
  for (const auto& [expires, hash] : refresh_expiry_) {
    auto it = refresh_.find(hash);
    if (it == refresh_.end()) continue;
    const RefreshToken& t = it->second;
    pb::RefreshTokenIssued m;
    m.set_token_sha256(HashBytes(t.token_sha256));
    m.set_tenant_id(IdBytes(t.tenant.value));
    m.set_grant_id(IdBytes(t.grant.value));
    SetScopes(&m, t.scopes);
    m.set_expires_ns(t.expires);
    m.set_retired(t.retired);
    Put(&out, EventType::kRefreshTokenIssued, m);
  }
  for (const auto& [expires, jti] : jti_expiry_) {
    if (!revoked_jti_.contains(jti)) continue;
    pb::AccessTokenRevoked m;
    m.set_jti(jti);
    m.set_expires_ns(expires);
    Put(&out, EventType::kAccessTokenRevoked, m);
  }
  for (const SigningKeyInfo& k : signing_keys_) {
    pb::SigningKeyAdded m;
    m.set_kid(k.kid);
    m.set_public_jwk(k.public_jwk);
    m.set_at_ns(k.added);
    Put(&out, EventType::kSigningKeyAdded, m);
    if (k.retired != 0) {
      pb::SigningKeyRetired r;
      r.set_kid(k.kid);
      r.set_unpublish_ns(k.unpublish);
      r.set_at_ns(k.retired);
      Put(&out, EventType::kSigningKeyRetired, r);
    }
  }
  for (const auto& [key, count] : usage_) {
    pb::UsageRecorded m;
    m.set_client_id(IdBytes(std::get<0>(key)));
    m.set_day(std::get<1>(key));
    m.set_route(std::get<2>(key));
    m.set_count(count);
    Put(&out, EventType::kUsageRecorded, m);
  }
  return out;
}

Status IdentityState::DecodeSnapshot(std::string_view bytes) {
  Clear();
  restoring_ = true;
  Status status = Status::Ok();
  while (!bytes.empty() && status.ok()) {
    Result<journal::EventView> ev = runtime::NextSnapshotEvent(&bytes, kEventVersion, "identity");
    status = ev.ok() ? ApplyChecked(*ev) : ev.status();
  }
  restoring_ = false;
  if (!status.ok()) Clear();
  return status;
}

}  // namespace cb::identity
