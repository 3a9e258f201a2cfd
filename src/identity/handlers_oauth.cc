// The OAuth protocol's state changes: authorization requests, logins and step-up, the
// user's decision (code and consent), code redemption, refresh with rotation and reuse
// detection, revocation, usage and signing keys. Everything that must happen once (a code,
// a refresh token, a lockout count) is decided here, on the writer thread.
#include <algorithm>

#include "base/sha256.h"
#include "identity/handlers.h"
#include "identity/scope_wire.h"
#include "jose/jose.h"
#include "platform/ids.h"
#include "platform/json_out.h"
#include "platform/state.h"

namespace cb::identity {

using platform::IdBytes;

namespace {

OAuthResult Fail(std::string_view error, std::string_view description) {
  OAuthResult r;
  r.error = std::string(error);
  r.error_description = std::string(description);
  return r;
}

std::string HashBytes(const Hash256& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

// The scopes a user can hold, whatever an app asks for.
ScopeSet UserGrantable(const User& u) {
  if (u.kind == UserKind::kStaff) return ScopesOfStaffRoles(u.staff_roles) | kernel::kScopesOidc;
  return kernel::kScopesConsentable | kernel::kScopeCustomersRead | kernel::kScopesOidc;
}

OAuthResult CreateRequest(IdentityContext& c, const CreateAuthRequestOp& op) {
  const AuthRequest& r = op.request;
  if (c.st.request_count() >= c.options.auth_requests_max) {
    return Fail("temporarily_unavailable", "Too many authorization requests are pending.");
  }
  const App* app = c.st.FindApp(r.client);
  if (app == nullptr || app->revoked || !(app->tenant == r.tenant)) {
    return Fail("invalid_client", "Unknown or revoked client.");
  }
  if (c.st.request_count(r.client) >= c.options.auth_requests_per_client_max) {
    // Push out the app's oldest unfinished request rather than refuse: a flood of abandoned
    // requests against one client_id then delays nobody's sign-in by more than the time the
    // flood takes to cycle the app's whole share (and the per-address limit slows that).
    const std::optional<RequestId> oldest = c.st.OldestOpenRequest(r.client);
    CB_CHECK(oldest.has_value());  // the count says there are unfinished ones
    pb::AuthRequestDenied d;
    d.set_request_id(IdBytes(oldest->value));
    d.set_tenant_id(IdBytes(r.tenant.value));
    d.set_at_ns(c.now());
    c.Emit(EventType::kAuthRequestDenied, d);
    c.st.ApplyAuthRequestDenied(d);
  }
  if (c.st.FindRequest(r.id) != nullptr) return Fail("server_error", "Id collision; retry.");
  if (!r.consent.zero()) {
    const Consent* k = c.st.FindConsent(r.consent);
    if (k == nullptr || !(k->client == r.client) ||
        k->StatusAt(c.now()) != ConsentStatus::kAwaitingAuthorisation) {
      return Fail("invalid_request",
                  "The consent is unknown, another app's, or not awaiting "
                  "authorisation.");
    }
  }
  AuthRequest stamped = r;
  stamped.created = c.now();
  const pb::AuthRequestCreated m = AuthRequestEvent(stamped);
  c.Emit(EventType::kAuthRequestCreated, m);
  c.st.ApplyAuthRequestCreated(m);
  return {};
}

// The live request a login or decision belongs to, or why not.
const AuthRequest* LiveRequest(IdentityContext& c, RequestId id, OAuthResult* error) {
  const AuthRequest* r = c.st.FindRequest(id);
  if (r == nullptr || r->expires <= c.now()) {
    *error = Fail("invalid_request", "The authorization request expired; start again.");
    return nullptr;
  }
  if (r->finished) {
    *error = Fail("invalid_request", "The authorization request was completed already.");
    return nullptr;
  }
  return r;
}

// `u` null: a username that names no user, locked out exactly like one that does.
void RecordFailure(IdentityContext& c, const User* u, TenantId tenant, const Hash256& username,
                   const credentials::LockoutState& before, OAuthResult* result) {
  const credentials::LockoutState next = credentials::AfterFailure(before, c.now());
  pb::LoginFailed m;
  if (u != nullptr) {
    m.set_user_id(IdBytes(u->id.value));
  } else {
    m.set_username_sha256(HashBytes(username));
  }
  m.set_tenant_id(IdBytes(tenant.value));
  m.set_failures_in_row(next.failures_in_row);
  m.set_lockouts(next.lockouts);
  m.set_locked_until_ns(next.locked_until_ns);
  m.set_at_ns(c.now());
  c.Emit(EventType::kLoginFailed, m);
  c.st.ApplyLoginFailed(m);
  result->locked = credentials::IsLocked(next, c.now());
  result->locked_until = next.locked_until_ns;
}

OAuthResult Login(IdentityContext& c, const LoginOp& op) {
  OAuthResult result;
  const AuthRequest* r = LiveRequest(c, op.request, &result);
  if (r == nullptr) return result;
  const User* u = c.st.FindUser(op.user);
  if (u != nullptr && !(u->tenant == r->tenant)) u = nullptr;
  // An unknown username goes through the same steps, with its own lockout: the answer, the
  // journaled round trip and so the timing are the same as for a wrong password.
  const credentials::LockoutState lockout =
      u != nullptr ? u->lockout : c.st.UnknownUserLockout(r->tenant, op.username_sha256);
  if (credentials::IsLocked(lockout, c.now())) {
    result = Fail("access_denied", "Too many failed attempts; try again later.");
    result.locked = true;
    result.locked_until = lockout.locked_until_ns;
    return result;
  }
  if (u == nullptr || !op.password_ok) {
    result = Fail("access_denied", "Wrong username or password.");
    RecordFailure(c, u, r->tenant, op.username_sha256, lockout, &result);
    return result;
  }
  if (c.st.session_count() >= c.options.sessions_max) {
    return Fail("temporarily_unavailable", "Too many sessions are open.");
  }
  if (c.st.FindSession(op.session_id) != nullptr) return Fail("server_error", "Id collision.");
  pb::SessionStarted m;
  m.set_id(IdBytes(op.session_id.value));
  m.set_tenant_id(IdBytes(u->tenant.value));
  m.set_user_id(IdBytes(u->id.value));
  m.set_secret_sha256(HashBytes(op.session_secret_sha256));
  m.set_device_sha256(HashBytes(op.device_sha256));
  m.set_acr(static_cast<uint32_t>(AuthLevel::kPassword));
  m.set_amr(kAmrPassword);
  m.set_auth_time_ns(c.now());
  m.set_expires_ns(c.now() + op.session_ttl_ns);
  m.set_at_ns(c.now());
  c.Emit(EventType::kSessionStarted, m);
  c.st.ApplySessionStarted(m);
  if (std::find(u->devices.begin(), u->devices.end(), op.device_sha256) == u->devices.end()) {
    // A login from a device this user has not used before: an event others can react to
    // (a notification, a risk signal).
    pb::DeviceFirstSeen d;
    d.set_user_id(m.user_id());
    d.set_tenant_id(m.tenant_id());
    d.set_device_sha256(m.device_sha256());
    d.set_at_ns(c.now());
    c.Emit(EventType::kDeviceFirstSeen, d);
    c.st.ApplyDeviceFirstSeen(d);
    result.new_device = true;
  }
  return result;
}

OAuthResult StepUp(IdentityContext& c, const StepUpOp& op) {
  OAuthResult result;
  const Session* s = c.st.FindSession(op.session);
  if (s == nullptr || s->revoked || s->expires <= c.now() || !(s->user == op.user)) {
    return Fail("login_required", "The session ended; sign in again.");
  }
  const User* u = c.st.FindUser(op.user);
  CB_CHECK(u != nullptr);
  if (credentials::IsLocked(u->lockout, c.now())) {
    result = Fail("access_denied", "Too many failed attempts; try again later.");
    result.locked = true;
    result.locked_until = u->lockout.locked_until_ns;
    return result;
  }
  if (!u->totp_enabled) return Fail("access_denied", "No second factor is enrolled.");
  if (!op.code_ok || op.step <= u->totp_last_step) {
    result = Fail("access_denied", "The code is wrong or was used already.");
    RecordFailure(c, u, u->tenant, Hash256{}, u->lockout, &result);
    return result;
  }
  pb::TotpUsed m;
  m.set_user_id(IdBytes(u->id.value));
  m.set_tenant_id(IdBytes(u->tenant.value));
  m.set_step(op.step);
  m.set_session_id(IdBytes(s->id.value));
  m.set_at_ns(c.now());
  c.Emit(EventType::kTotpUsed, m);
  c.st.ApplyTotpUsed(m);
  return result;
}

// The customer's accounts among `chosen`, or an error naming the first that is not.
bool OwnAccounts(IdentityContext& c, CustomerId customer, const std::vector<AccountId>& chosen) {
  for (AccountId id : chosen) {
    const platform::AccountMeta* a = c.platform.FindAccount(id);
    if (a == nullptr || !(a->customer == customer)) return false;
  }
  return true;
}

OAuthResult Decide(IdentityContext& c, const DecideOp& op) {
  OAuthResult result;
  const AuthRequest* r = LiveRequest(c, op.request, &result);
  if (r == nullptr) return result;
  const Session* s = c.st.FindSession(op.session);
  if (s == nullptr || s->revoked || s->expires <= c.now() || !(s->tenant == r->tenant)) {
    return Fail("login_required", "The session ended; sign in again.");
  }
  if (static_cast<uint8_t>(s->acr) < static_cast<uint8_t>(r->acr_min)) {
    return Fail("login_required", "This request needs a second factor.");
  }
  result.redirect_uri = r->redirect_uri;
  result.state = r->state;
  const std::string request_bytes = IdBytes(r->id.value);
  const std::string tenant_bytes = IdBytes(r->tenant.value);
  if (!op.approve) {
    if (!r->consent.zero()) {
      pb::ConsentRejected k;
      k.set_id(IdBytes(r->consent.value));
      k.set_tenant_id(tenant_bytes);
      k.set_at_ns(c.now());
      c.Emit(EventType::kConsentRejected, k);
      c.st.ApplyConsentRejected(k);
    }
    pb::AuthRequestDenied d;
    d.set_request_id(request_bytes);
    d.set_tenant_id(tenant_bytes);
    d.set_at_ns(c.now());
    c.Emit(EventType::kAuthRequestDenied, d);
    c.st.ApplyAuthRequestDenied(d);
    result.error = "access_denied";
    result.error_description = "The user denied the request.";
    return result;
  }
  const User* u = c.st.FindUser(s->user);
  CB_CHECK(u != nullptr);
  ScopeSet scopes = r->scopes & UserGrantable(*u);
  ConsentId consent;
  const ScopeSet delegated = scopes & kernel::kScopesConsentable;
  if (u->kind == UserKind::kCustomer && !delegated.empty()) {
    if (op.accounts.empty()) {
      return Fail("invalid_request", "Choose at least one account to share.");
    }
    if (!OwnAccounts(c, u->customer, op.accounts)) {
      return Fail("invalid_request", "Only your own accounts can be shared.");
    }
    consent = r->consent;
    if (consent.zero()) {
      consent = op.new_consent;
      if (c.st.FindConsent(consent) != nullptr) return Fail("server_error", "Id collision.");
      pb::ConsentCreated k;
      k.set_id(IdBytes(consent.value));
      k.set_tenant_id(tenant_bytes);
      k.set_client_id(IdBytes(r->client.value));
      CB_CHECK(!delegated.has_named());  // a subset of kScopesConsentable, all built-in
      k.set_permissions(delegated.wire_bits());
      k.set_expires_ns(c.now() + op.consent_ttl_ns);
      k.set_customer_id(IdBytes(u->customer.value));
      k.set_at_ns(c.now());
      c.Emit(EventType::kConsentCreated, k);
      c.st.ApplyConsentCreated(k);
    } else {
      // An app-created consent bounds what the token may do.
      const Consent* k = c.st.FindConsent(consent);
      if (k == nullptr || k->StatusAt(c.now()) != ConsentStatus::kAwaitingAuthorisation) {
        return Fail("invalid_request", "The consent is no longer awaiting authorisation.");
      }
      scopes = (scopes & ~kernel::kScopesConsentable) | (delegated & k->permissions);
    }
    pb::ConsentAuthorised k;
    k.set_id(IdBytes(consent.value));
    k.set_tenant_id(tenant_bytes);
    k.set_customer_id(IdBytes(u->customer.value));
    for (AccountId a : op.accounts) k.add_account_ids(IdBytes(a.value));
    k.set_at_ns(c.now());
    c.Emit(EventType::kConsentAuthorised, k);
    c.st.ApplyConsentAuthorised(k);
  }
  if (c.st.FindCode(op.code_sha256) != nullptr) return Fail("server_error", "Code collision.");
  pb::CodeIssued m;
  m.set_code_sha256(HashBytes(op.code_sha256));
  m.set_tenant_id(tenant_bytes);
  m.set_request_id(request_bytes);
  m.set_session_id(IdBytes(s->id.value));
  if (!consent.zero()) m.set_consent_id(IdBytes(consent.value));
  SetScopes(&m, scopes);
  m.set_expires_ns(c.now() + op.code_ttl_ns);
  m.set_at_ns(c.now());
  c.Emit(EventType::kCodeIssued, m);
  c.st.ApplyCodeIssued(m);
  return result;
}

TokenGrant GrantView(IdentityContext& c, const Grant& g, ScopeSet scopes) {
  TokenGrant t;
  t.tenant = g.tenant;
  t.client = g.client;
  t.user = g.user;
  if (const User* u = c.st.FindUser(g.user); u != nullptr) t.customer = u->customer;
  t.consent = g.consent;
  t.grant = g.id;
  t.session = g.session;
  t.scopes = scopes;
  t.acr = g.acr;
  t.amr = g.amr;
  t.auth_time = g.auth_time;
  t.nonce = g.nonce;
  return t;
}

bool ConsentLive(IdentityContext& c, ConsentId id) {
  if (id.zero()) return true;
  const Consent* k = c.st.FindConsent(id);
  return k != nullptr && k->StatusAt(c.now()) == ConsentStatus::kAuthorised;
}

void IssueRefresh(IdentityContext& c, const Grant& g, const Hash256& token, ScopeSet scopes,
                  TimestampNs expires, const Hash256* replaces) {
  pb::RefreshTokenIssued m;
  m.set_token_sha256(HashBytes(token));
  m.set_tenant_id(IdBytes(g.tenant.value));
  m.set_grant_id(IdBytes(g.id.value));
  SetScopes(&m, scopes);
  m.set_expires_ns(expires);
  if (replaces != nullptr) m.set_replaces_sha256(HashBytes(*replaces));
  m.set_at_ns(c.now());
  c.Emit(EventType::kRefreshTokenIssued, m);
  c.st.ApplyRefreshTokenIssued(m);
}

OAuthResult Redeem(IdentityContext& c, const RedeemCodeOp& op) {
  const AuthCode* code = c.st.FindCode(op.code_sha256);
  if (code == nullptr || code->expires <= c.now()) {
    return Fail("invalid_grant", "The code is invalid or expired.");
  }
  if (!code->redeemed_grant.zero()) {
    // A second redemption: someone else may hold the code. Everything issued from the first
    // one stops working (RFC 6749 §4.1.2).
    RevokeGrant(c, code->redeemed_grant, "code_replay");
    return Fail("invalid_grant", "The code was used already; its tokens are revoked.");
  }
  const AuthRequest* r = c.st.FindRequest(code->request);
  if (r == nullptr || !(r->client == op.client)) {
    return Fail("invalid_grant", "The code was issued to another client.");
  }
  if (r->redirect_uri != op.redirect_uri) {
    return Fail("invalid_grant", "redirect_uri does not match the authorization request.");
  }
  const Hash256 verifier_hash = Sha256Of(op.code_verifier.data(), op.code_verifier.size());
  const std::string challenge = jose::Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(verifier_hash.data()), verifier_hash.size()));
  if (challenge != r->code_challenge) {
    return Fail("invalid_grant", "code_verifier does not match the code_challenge (PKCE).");
  }
  const Session* s = c.st.FindSession(code->session);
  if (s == nullptr || s->revoked) return Fail("invalid_grant", "The session ended.");
  if (!ConsentLive(c, code->consent)) return Fail("invalid_grant", "The consent is not active.");
  if (c.st.FindGrant(op.grant_id) != nullptr) return Fail("server_error", "Id collision.");
  pb::GrantCreated g;
  g.set_id(IdBytes(op.grant_id.value));
  g.set_tenant_id(IdBytes(r->tenant.value));
  g.set_client_id(IdBytes(r->client.value));
  g.set_user_id(IdBytes(s->user.value));
  g.set_session_id(IdBytes(s->id.value));
  if (!code->consent.zero()) g.set_consent_id(IdBytes(code->consent.value));
  SetScopes(&g, code->scopes);
  g.set_acr(static_cast<uint32_t>(s->acr));
  g.set_amr(s->amr);
  g.set_auth_time_ns(s->auth_time);
  g.set_nonce(r->nonce);
  g.set_at_ns(c.now());
  c.Emit(EventType::kGrantCreated, g);
  c.st.ApplyGrantCreated(g);
  pb::CodeRedeemed m;
  m.set_code_sha256(HashBytes(op.code_sha256));
  m.set_tenant_id(IdBytes(r->tenant.value));
  m.set_grant_id(IdBytes(op.grant_id.value));
  m.set_at_ns(c.now());
  c.Emit(EventType::kCodeRedeemed, m);
  c.st.ApplyCodeRedeemed(m);
  const Grant& grant = *c.st.FindGrant(op.grant_id);
  OAuthResult result;
  result.grant = GrantView(c, grant, grant.scopes);
  const App* app = c.st.FindApp(r->client);
  if (app != nullptr && (app->grant_types & kGrantRefreshToken) && op.refresh_sha256 != Hash256{}) {
    IssueRefresh(c, grant, op.refresh_sha256, grant.scopes, c.now() + op.refresh_ttl_ns, nullptr);
    result.refresh_issued = true;
  }
  return result;
}

OAuthResult Refresh(IdentityContext& c, const RefreshOp& op) {
  const RefreshToken* t = c.st.FindRefresh(op.refresh_sha256);
  if (t == nullptr || t->expires <= c.now()) {
    return Fail("invalid_grant", "The refresh token is invalid or expired.");
  }
  const Grant* g = c.st.FindGrant(t->grant);
  CB_CHECK(g != nullptr);
  if (!(g->client == op.client)) return Fail("invalid_grant", "Issued to another client.");
  if (t->retired) {
    // A rotated-out token came back: it was copied. Stop the whole family (RFC 9700 4.14.2).
    RevokeGrant(c, g->id, "refresh_reuse");
    return Fail("invalid_grant", "The refresh token was used already; the grant is revoked.");
  }
  if (g->revoked) return Fail("invalid_grant", "The grant is revoked.");
  if (!ConsentLive(c, g->consent)) return Fail("invalid_grant", "The consent is not active.");
  const Session* s = c.st.FindSession(g->session);
  if (!g->session.zero() && (s == nullptr || s->revoked)) {
    return Fail("invalid_grant", "The session ended.");
  }
  ScopeSet scopes = t->scopes;
  if (op.scopes) {
    if (!t->scopes.Covers(*op.scopes)) {
      return Fail("invalid_scope", "A refresh cannot add scopes: " +
                                       kernel::FormatScopes(*op.scopes & ~t->scopes) + ".");
    }
    scopes = *op.scopes;
  }
  OAuthResult result;
  result.grant = GrantView(c, *g, scopes);
  const App* app = c.st.FindApp(g->client);
  if (app != nullptr && app->refresh_rotation) {
    // The new token keeps the old one's absolute expiry: rotation never extends a grant.
    IssueRefresh(c, *g, op.new_refresh_sha256, scopes, t->expires, &op.refresh_sha256);
    result.refresh_issued = true;
  }
  return result;
}

OAuthResult Revoke(IdentityContext& c, const RevokeTokenOp& op) {
  if (op.refresh_sha256) {
    const RefreshToken* t = c.st.FindRefresh(*op.refresh_sha256);
    if (t != nullptr) {
      const Grant* g = c.st.FindGrant(t->grant);
      // Another client's token: revoking it is refused silently (RFC 7009 §2.1 answers 200).
      if (g != nullptr && g->client == op.client) RevokeGrant(c, g->id, "revoked");
    }
    return {};
  }
  if (!op.jti_grant.zero()) {
    const Grant* g = c.st.FindGrant(op.jti_grant);
    if (g == nullptr || !(g->client == op.client)) return {};
  }
  if (!op.jti.empty() && !c.st.JtiRevoked(op.jti)) {
    pb::AccessTokenRevoked m;
    m.set_jti(op.jti);
    m.set_tenant_id(IdBytes(c.tenant().value));
    m.set_expires_ns(op.jti_expires);
    m.set_at_ns(c.now());
    c.Emit(EventType::kAccessTokenRevoked, m);
    c.st.ApplyAccessTokenRevoked(m);
  }
  return {};
}

OAuthResult RecordUsage(IdentityContext& c, const RecordUsageOp& op) {
  for (const UsageEntry& e : op.entries) {
    const App* app = c.st.FindApp(e.app);
    if (app == nullptr || e.count == 0) continue;
    pb::UsageRecorded m;
    m.set_tenant_id(IdBytes(app->tenant.value));
    m.set_client_id(IdBytes(e.app.value));
    m.set_day(e.day);
    m.set_route(e.route);
    m.set_count(e.count);
    m.set_at_ns(c.now());
    c.Emit(EventType::kUsageRecorded, m);
    c.st.ApplyUsageRecorded(m);
  }
  return {};
}

OAuthResult AddSigningKey(IdentityContext& c, const AddSigningKeyOp& op) {
  for (const SigningKeyInfo& k : c.st.signing_keys()) {
    if (k.kid == op.kid) return Fail("invalid_request", "Key id collision.");
    // One is current already (a concurrent start won): nothing to do.
    if (k.retired == 0 && !op.retire_current) return {};
  }
  InstallSigningKey(c, op.kid, op.public_jwk);
  return {};
}

OAuthResult ViewConsent(IdentityContext& c, const ConsentViewOp& op) {
  OAuthResult result;
  const AuthRequest* r = LiveRequest(c, op.request, &result);
  if (r == nullptr) return result;
  const Session* s = c.st.FindSession(op.session);
  if (s == nullptr || s->revoked || s->expires <= c.now() || !(s->tenant == r->tenant)) {
    return Fail("login_required", "The session ended; sign in again.");
  }
  const User* u = c.st.FindUser(s->user);
  const App* app = c.st.FindApp(r->client);
  CB_CHECK(u != nullptr);
  CB_CHECK(app != nullptr);
  ConsentView& v = result.view;
  v.app_name = app->name;
  v.scopes = r->scopes & UserGrantable(*u);
  if (!r->consent.zero()) {
    if (const Consent* k = c.st.FindConsent(r->consent)) v.consent_permissions = k->permissions;
  }
  v.customer = u->kind == UserKind::kCustomer;
  const platform::TenantLists* lists = c.platform.Lists(r->tenant);
  if (v.customer && lists != nullptr) {
    for (AccountId id : lists->accounts) {
      const platform::AccountMeta* a = c.platform.FindAccount(id);
      if (a == nullptr || !(a->customer == u->customer) ||
          a->status == platform::AccountStatus::kClosed) {
        continue;
      }
      const uint32_t row = c.sc.ledger->AccountRow(id);
      const ledger::LedgerInfo* info =
          row == ledger::kNoRow ? nullptr
                                : c.sc.ledger->FindLedger(c.sc.ledger->account(row).ledger);
      const std::string text = kernel::FormatId(platform::prefix::kAccount, id.value);
      std::string label = info != nullptr ? std::string(info->currency) + " " : "";
      label += platform::AccountTypeName(a->type);
      label += " account …" + text.substr(text.size() - 6);
      if (!a->aliases.empty()) label += " (" + a->aliases.front() + ")";
      v.accounts.push_back({id, std::move(label)});
    }
  }
  return result;
}

OAuthResult CustomerRevokeConsent(IdentityContext& c, const CustomerRevokeConsentOp& op) {
  const Session* s = c.st.FindSession(op.session);
  if (s == nullptr || s->revoked || s->expires <= c.now()) {
    return Fail("login_required", "The session ended; sign in again.");
  }
  const User* u = c.st.FindUser(s->user);
  const Consent* k = c.st.FindConsent(op.consent);
  if (u == nullptr || u->kind != UserKind::kCustomer || k == nullptr ||
      !(k->customer == u->customer) || !(k->tenant == s->tenant)) {
    return Fail("invalid_request", "No such consent of yours.");
  }
  std::string why;
  if (!RevokeConsent(c, *k, "customer", &why)) return Fail("invalid_request", why);
  return {};
}

}  // namespace

void InstallSigningKey(IdentityContext& c, std::string_view kid, std::string_view public_jwk) {
  for (const SigningKeyInfo& k : c.st.signing_keys()) {
    if (k.retired != 0) continue;
    pb::SigningKeyRetired r;
    r.set_kid(k.kid);
    r.set_unpublish_ns(c.now() + c.options.token_ttl_max_ns);
    r.set_at_ns(c.now());
    c.Emit(EventType::kSigningKeyRetired, r);
    c.st.ApplySigningKeyRetired(r);
  }
  pb::SigningKeyAdded m;
  m.set_kid(std::string(kid));
  m.set_public_jwk(std::string(public_jwk));
  m.set_at_ns(c.now());
  c.Emit(EventType::kSigningKeyAdded, m);
  c.st.ApplySigningKeyAdded(m);
}

bool RevokeConsent(IdentityContext& c, const Consent& k, std::string_view by, std::string* why) {
  const ConsentStatus st = k.StatusAt(c.now());
  if (st != ConsentStatus::kAuthorised && st != ConsentStatus::kAwaitingAuthorisation) {
    *why = std::string("The consent is ") + ConsentStatusName(st) + ".";
    return false;
  }
  pb::ConsentRevoked m;
  m.set_id(IdBytes(k.id.value));
  m.set_tenant_id(IdBytes(k.tenant.value));
  m.set_by(std::string(by));
  m.set_at_ns(c.now());
  c.Emit(EventType::kConsentRevoked, m);
  c.st.ApplyConsentRevoked(m);
  return true;
}

void RevokeGrant(IdentityContext& c, GrantId id, std::string_view reason) {
  const Grant* g = c.st.FindGrant(id);
  if (g == nullptr || g->revoked) return;
  pb::GrantRevoked m;
  m.set_id(IdBytes(id.value));
  m.set_tenant_id(IdBytes(g->tenant.value));
  m.set_reason(std::string(reason));
  m.set_at_ns(c.now());
  c.Emit(EventType::kGrantRevoked, m);
  c.st.ApplyGrantRevoked(m);
}

OAuthResult HandleOAuth(IdentityContext& c) {
  return std::visit(
      [&c](const auto& b) -> OAuthResult {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, CreateAuthRequestOp>) {
          return CreateRequest(c, b);
        } else if constexpr (std::is_same_v<T, LoginOp>) {
          return Login(c, b);
        } else if constexpr (std::is_same_v<T, StepUpOp>) {
          return StepUp(c, b);
        } else if constexpr (std::is_same_v<T, DecideOp>) {
          return Decide(c, b);
        } else if constexpr (std::is_same_v<T, RedeemCodeOp>) {
          return Redeem(c, b);
        } else if constexpr (std::is_same_v<T, RefreshOp>) {
          return Refresh(c, b);
        } else if constexpr (std::is_same_v<T, RevokeTokenOp>) {
          return Revoke(c, b);
        } else if constexpr (std::is_same_v<T, RecordUsageOp>) {
          return RecordUsage(c, b);
        } else if constexpr (std::is_same_v<T, AddSigningKeyOp>) {
          return AddSigningKey(c, b);
        } else if constexpr (std::is_same_v<T, ConsentViewOp>) {
          return ViewConsent(c, b);
        } else if constexpr (std::is_same_v<T, CustomerRevokeConsentOp>) {
          return CustomerRevokeConsent(c, b);
        } else {
          CB_CHECK(false);  // REST ops and user info never come here
          return {};
        }
      },
      c.op.body);
}

Answer HandleUserInfo(IdentityContext& c, const UserInfoOp& op) {
  const User* u = c.st.FindUser(op.user);
  if (u == nullptr) {
    return c.Error(kernel::ErrorKind::kUnauthenticated, "invalid_token",
                   "The user no longer exists.");
  }
  Answer a;
  a.body.append(R"({"sub":")");
  kernel::AppendId(&a.body, prefix::kUser, u->id.value);
  a.body.append(R"(","preferred_username":)");
  platform::AppendJsonString(&a.body, u->username);
  if (u->kind == UserKind::kCustomer) {
    const platform::Customer* cus = c.platform.FindCustomer(u->customer);
    if (cus != nullptr && (op.scopes & kernel::kScopeProfile)) {
      a.body.append(R"(,"name":)");
      platform::AppendJsonString(&a.body, cus->name);
    }
    if (cus != nullptr && (op.scopes & kernel::kScopeEmail) && !cus->email.empty()) {
      a.body.append(R"(,"email":)");
      platform::AppendJsonString(&a.body, cus->email);
      a.body.append(R"(,"email_verified":false)");
    }
    a.body.append(R"(,"customer":")");
    kernel::AppendId(&a.body, kernel::prefix::kCustomer, u->customer.value);
    a.body.push_back('"');
  }
  a.body.push_back('}');
  return a;
}

}  // namespace cb::identity
