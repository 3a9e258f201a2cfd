// REST resources of the identity service: apps, users, TOTP enrolment, sessions, consents
// and signing keys. Each runs inside the platform envelope (tenant, scope, idempotency).
#include <algorithm>

#include "identity/handlers.h"
#include "identity/scope_wire.h"
#include "platform/handler_context.h"
#include "platform/ids.h"
#include "platform/json_out.h"
#include "platform/state.h"

namespace cb::identity {

using platform::IdBytes;

namespace {

// Pages over a tenant's list in creation order; `after` is the last id of the previous page.
template <typename Id, typename Find, typename Render>
Answer ListPage(IdentityContext& c, const std::vector<Id>& ids, std::optional<Id> after,
                uint32_t limit, std::string_view prefix, Find find, Render render) {
  size_t start = 0;
  if (after) {
    const auto* obj = find(*after);
    if (obj == nullptr || !(obj->tenant == c.tenant())) {
      return c.Error(kernel::ErrorKind::kInvalidRequest, "cursor_invalid", "Unknown cursor.",
                     "cursor");
    }
    start = obj->order + 1;
  }
  Answer a;
  platform::BeginList(&a.body);
  size_t i = start, shown = 0;
  for (; i < ids.size() && shown < limit; i++) {
    if (render(&a.body, ids[i], shown > 0)) shown++;
  }
  bool has_more = false;
  for (size_t j = i; j < ids.size() && !has_more; j++) {
    std::string probe;
    has_more = render(&probe, ids[j], false);
  }
  platform::EndList(&a.body, has_more, has_more ? kernel::FormatId(prefix, ids[i - 1].value) : "");
  return a;
}

const App* TenantApp(IdentityContext& c, AppId id) {
  const App* a = c.st.FindApp(id);
  return a != nullptr && a->tenant == c.tenant() ? a : nullptr;
}
const User* TenantUser(IdentityContext& c, UserId id) {
  const User* u = c.st.FindUser(id);
  return u != nullptr && u->tenant == c.tenant() ? u : nullptr;
}
// An app's client-credentials token sees only its own consents; staff and API keys see all
// of the tenant's.
const Consent* VisibleConsent(IdentityContext& c, ConsentId id) {
  const Consent* k = c.st.FindConsent(id);
  if (k == nullptr || !(k->tenant == c.tenant())) return nullptr;
  const kernel::Principal& p = c.op.caller;
  const bool app_itself = p.kind == kernel::PrincipalKind::kAccessToken && p.user.zero();
  if (app_itself && !(k->client == p.client)) return nullptr;
  return k;
}

Answer CreateApp(IdentityContext& c, const CreateAppOp& op) {
  if (c.st.FindApp(op.id) != nullptr) {
    return c.Error(kernel::ErrorKind::kConflict, "resource_exists", "Id collision; retry.");
  }
  pb::AppCreated m;
  m.set_id(IdBytes(op.id.value));
  m.set_tenant_id(IdBytes(c.tenant().value));
  m.set_name(op.spec.name);
  if (op.secret_sha256 != Hash256{}) {
    m.set_secret_sha256(op.secret_sha256.data(), op.secret_sha256.size());
  }
  for (const std::string& uri : op.spec.redirect_uris) m.add_redirect_uris(uri);
  m.set_grant_types(op.spec.grant_types);
  SetScopes(&m, op.spec.scopes);
  m.set_auth_method(static_cast<uint32_t>(op.spec.auth_method));
  m.set_jwks(op.spec.jwks);
  m.set_rate_limit_per_s(op.spec.rate_limit_per_s);
  m.set_refresh_rotation(op.spec.refresh_rotation);
  m.set_dynamic(op.dynamic);
  m.set_created_ns(c.now());
  c.Emit(EventType::kAppCreated, m);
  c.st.ApplyAppCreated(m);
  Answer a{201, {}};
  if (op.dynamic) {
    RenderRegistration(&a.body, *c.st.FindApp(op.id), op.secret);
  } else {
    RenderApp(&a.body, *c.st.FindApp(op.id), op.secret);
  }
  return a;
}

Answer AppAnswer(IdentityContext& c, AppId id, std::string_view secret = {}) {
  Answer a;
  RenderApp(&a.body, *c.st.FindApp(id), secret);
  return a;
}

Answer HandleApps(IdentityContext& c) {
  if (const auto* op = std::get_if<CreateAppOp>(&c.op.body)) return CreateApp(c, *op);
  if (const auto* op = std::get_if<ListAppsOp>(&c.op.body)) {
    return ListPage(
        c, c.st.AppsOf(c.tenant()), op->after, op->limit, prefix::kApp,
        [&c](AppId id) { return c.st.FindApp(id); },
        [&c](std::string* out, AppId id, bool comma) {
          if (comma) out->push_back(',');
          RenderApp(out, *c.st.FindApp(id), "");
          return true;
        });
  }
  AppId id;
  std::visit(
      [&id](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, GetAppOp> || std::is_same_v<T, RotateAppSecretOp> ||
                      std::is_same_v<T, RevokeAppOp> || std::is_same_v<T, GetAppUsageOp>) {
          id = b.id;
        }
      },
      c.op.body);
  const App* app = TenantApp(c, id);
  if (app == nullptr) return c.NotFound("app_not_found", "app", "id");
  if (std::holds_alternative<GetAppOp>(c.op.body)) return AppAnswer(c, id);
  if (const auto* op = std::get_if<GetAppUsageOp>(&c.op.body)) {
    Answer a;
    a.body.append(R"({"object":"app_usage","app":")");
    kernel::AppendId(&a.body, prefix::kApp, op->id.value);
    a.body.append(R"(","data":[)");
    bool first = true;
    for (const auto& [day, route, count] : c.st.UsageOf(op->id)) {
      if (!first) a.body.push_back(',');
      first = false;
      a.body.append(R"({"day":")");
      a.body.append(FormatRfc3339(static_cast<TimestampNs>(day) * 86400 * kNsPerSecond), 0, 10);
      a.body.append(R"(","route":)");
      platform::AppendJsonString(&a.body, route);
      a.body.append(R"(,"requests":)");
      a.body.append(std::to_string(count));
      a.body.push_back('}');
    }
    a.body.append("]}");
    return a;
  }
  if (app->revoked) {
    // Revoking again changes nothing (like API keys and sessions); a revoked app's secret
    // cannot be rotated.
    if (std::holds_alternative<RevokeAppOp>(c.op.body)) return AppAnswer(c, id);
    return c.Error(kernel::ErrorKind::kUnprocessable, "app_revoked", "The app is revoked.", "id");
  }
  if (const auto* op = std::get_if<RotateAppSecretOp>(&c.op.body)) {
    if (app->auth_method == ClientAuthMethod::kPrivateKeyJwt) {
      return c.Error(kernel::ErrorKind::kUnprocessable, "app_has_no_secret",
                     "This app authenticates with private_key_jwt; it has no secret.", "id");
    }
    pb::AppSecretRotated m;
    m.set_id(IdBytes(id.value));
    m.set_tenant_id(IdBytes(c.tenant().value));
    m.set_secret_sha256(op->secret_sha256.data(), op->secret_sha256.size());
    m.set_rotated_ns(c.now());
    c.Emit(EventType::kAppSecretRotated, m);
    c.st.ApplyAppSecretRotated(m);
    return AppAnswer(c, id, op->secret);
  }
  pb::AppRevoked m;
  m.set_id(IdBytes(id.value));
  m.set_tenant_id(IdBytes(c.tenant().value));
  m.set_revoked_ns(c.now());
  c.Emit(EventType::kAppRevoked, m);
  c.st.ApplyAppRevoked(m);
  return AppAnswer(c, id);
}

Answer CreateUser(IdentityContext& c, const CreateUserOp& op) {
  if (c.st.FindUser(op.id) != nullptr) {
    return c.Error(kernel::ErrorKind::kConflict, "resource_exists", "Id collision; retry.");
  }
  if (c.st.FindUserByName(c.tenant(), op.username) != nullptr) {
    return c.Error(kernel::ErrorKind::kConflict, "username_taken",
                   "Another user of this tenant has this username.", "username");
  }
  if (op.kind == UserKind::kCustomer) {
    const platform::Customer* cus = c.platform.FindCustomer(op.customer);
    if (cus == nullptr || !(cus->tenant == c.tenant())) {
      return c.NotFound("customer_not_found", "customer", "customer");
    }
  }
  pb::UserCreated m;
  m.set_id(IdBytes(op.id.value));
  m.set_tenant_id(IdBytes(c.tenant().value));
  m.set_kind(static_cast<uint32_t>(op.kind));
  m.set_username(op.username);
  m.set_password_hash(op.password_hash);
  if (!op.customer.zero()) m.set_customer_id(IdBytes(op.customer.value));
  m.set_staff_roles(op.staff_roles);
  m.set_created_ns(c.now());
  c.Emit(EventType::kUserCreated, m);
  c.st.ApplyUserCreated(m);
  Answer a{201, {}};
  RenderUser(&a.body, *c.st.FindUser(op.id));
  return a;
}

Answer HandleUsers(IdentityContext& c) {
  if (const auto* op = std::get_if<CreateUserOp>(&c.op.body)) return CreateUser(c, *op);
  if (const auto* op = std::get_if<ListUsersOp>(&c.op.body)) {
    return ListPage(
        c, c.st.UsersOf(c.tenant()), op->after, op->limit, prefix::kUser,
        [&c](UserId id) { return c.st.FindUser(id); },
        [&c](std::string* out, UserId id, bool comma) {
          if (comma) out->push_back(',');
          RenderUser(out, *c.st.FindUser(id));
          return true;
        });
  }
  if (const auto* op = std::get_if<GetUserOp>(&c.op.body)) {
    const User* u = TenantUser(c, op->id);
    if (u == nullptr) return c.NotFound("user_not_found", "user", "id");
    Answer a;
    RenderUser(&a.body, *u);
    return a;
  }
  if (const auto* op = std::get_if<EnrollTotpOp>(&c.op.body)) {
    const User* u = TenantUser(c, op->user);
    if (u == nullptr) return c.NotFound("user_not_found", "user", "id");
    if (u->totp_enabled) {
      return c.Error(kernel::ErrorKind::kConflict, "totp_already_enabled",
                     "TOTP is already enabled for this user.", "id");
    }
    pb::TotpEnrolled m;
    m.set_user_id(IdBytes(u->id.value));
    m.set_tenant_id(IdBytes(c.tenant().value));
    m.set_secret_ciphertext(op->secret_ciphertext);
    m.set_at_ns(c.now());
    c.Emit(EventType::kTotpEnrolled, m);
    c.st.ApplyTotpEnrolled(m);
    Answer a{201, {}};
    a.body.append(R"({"object":"totp_enrolment","user":")");
    kernel::AppendId(&a.body, prefix::kUser, u->id.value);
    a.body.append(R"(","status":"pending","secret":)");
    platform::AppendJsonString(&a.body, op->secret_base32);
    a.body.append(R"(,"otpauth_uri":)");
    platform::AppendJsonString(&a.body, op->otpauth_uri);
    a.body.push_back('}');
    return a;
  }
  const auto& op = std::get<ConfirmTotpOp>(c.op.body);
  const User* u = TenantUser(c, op.user);
  if (u == nullptr) return c.NotFound("user_not_found", "user", "id");
  if (u->totp_ciphertext.empty()) {
    return c.Error(kernel::ErrorKind::kUnprocessable, "totp_not_enrolled",
                   "Enrol TOTP before confirming it.", "id");
  }
  if (op.step <= u->totp_last_step) {
    return c.Error(kernel::ErrorKind::kUnprocessable, "totp_code_invalid",
                   "The code is wrong or was used already.", "code");
  }
  pb::TotpUsed m;
  m.set_user_id(IdBytes(u->id.value));
  m.set_tenant_id(IdBytes(c.tenant().value));
  m.set_step(op.step);
  m.set_enables(true);
  m.set_at_ns(c.now());
  c.Emit(EventType::kTotpUsed, m);
  c.st.ApplyTotpUsed(m);
  Answer a;
  RenderUser(&a.body, *u);
  return a;
}

Answer HandleSessions(IdentityContext& c) {
  if (const auto* op = std::get_if<ListSessionsOp>(&c.op.body)) {
    const User* u = TenantUser(c, op->user);
    if (u == nullptr) return c.NotFound("user_not_found", "user", "id");
    Answer a;
    platform::BeginList(&a.body);
    bool first = true;
    for (SessionId id : c.st.SessionsOf(op->user)) {
      const Session* s = c.st.FindSession(id);
      if (s == nullptr || s->expires <= c.now()) continue;
      if (!first) a.body.push_back(',');
      first = false;
      RenderSession(&a.body, *s);
    }
    platform::EndList(&a.body, false, "");
    return a;
  }
  const auto& op = std::get<RevokeSessionOp>(c.op.body);
  const Session* s = c.st.FindSession(op.id);
  if (s == nullptr || !(s->tenant == c.tenant())) {
    return c.NotFound("session_not_found", "session", "id");
  }
  if (!s->revoked) {
    pb::SessionRevoked m;
    m.set_id(IdBytes(op.id.value));
    m.set_tenant_id(IdBytes(c.tenant().value));
    m.set_at_ns(c.now());
    c.Emit(EventType::kSessionRevoked, m);
    c.st.ApplySessionRevoked(m);
    // Tokens from the session's grants stop working with it.
    for (GrantId g : c.st.GrantsOfSession(op.id)) RevokeGrant(c, g, "session_revoked");
  }
  Answer a;
  RenderSession(&a.body, *s);
  return a;
}

Answer HandleConsents(IdentityContext& c) {
  const kernel::Principal& p = c.op.caller;
  if (const auto* op = std::get_if<CreateConsentOp>(&c.op.body)) {
    const App* app = !p.client.zero() ? c.st.FindApp(p.client) : nullptr;
    if (app == nullptr || !p.user.zero()) {
      return c.Error(kernel::ErrorKind::kPermissionDenied, "app_token_required",
                     "Consents are created by an app with its client-credentials token.");
    }
    // The edge checked the shape; checked again here (consents store the consentable,
    // built-in scopes as bits: nothing else may reach the event).
    if (op->permissions.empty() || !kernel::kScopesConsentable.Covers(op->permissions)) {
      return c.Error(kernel::ErrorKind::kInvalidRequest, "permissions_invalid",
                     "Consent permissions are among accounts.read, balances.read, "
                     "transactions.read and payments.write.",
                     "permissions");
    }
    if (!app->scopes.Covers(op->permissions)) {
      return c.Error(
          kernel::ErrorKind::kInvalidRequest, "permissions_invalid",
          "The app may not ask for " + kernel::FormatScopes(op->permissions & ~app->scopes) + ".",
          "permissions");
    }
    if (op->expires != 0 && op->expires <= c.now()) {
      return c.Error(kernel::ErrorKind::kInvalidRequest, "parameter_invalid",
                     "expires_at must be in the future.", "expires_at");
    }
    pb::ConsentCreated m;
    m.set_id(IdBytes(op->id.value));
    m.set_tenant_id(IdBytes(c.tenant().value));
    m.set_client_id(IdBytes(app->id.value));
    m.set_permissions(op->permissions.wire_bits());
    m.set_expires_ns(op->expires);
    m.set_at_ns(c.now());
    c.Emit(EventType::kConsentCreated, m);
    c.st.ApplyConsentCreated(m);
    Answer a{201, {}};
    RenderConsent(&a.body, *c.st.FindConsent(op->id), c.now());
    return a;
  }
  if (const auto* op = std::get_if<ListConsentsOp>(&c.op.body)) {
    return ListPage(
        c, c.st.ConsentsOf(c.tenant()), op->after, op->limit, prefix::kConsent,
        [&c](ConsentId id) { return c.st.FindConsent(id); },
        [&c, op](std::string* out, ConsentId id, bool comma) {
          const Consent* k = VisibleConsent(c, id);
          if (k == nullptr || (op->customer && !(k->customer == *op->customer))) return false;
          if (comma) out->push_back(',');
          RenderConsent(out, *k, c.now());
          return true;
        });
  }
  ConsentId id = std::holds_alternative<GetConsentOp>(c.op.body)
                     ? std::get<GetConsentOp>(c.op.body).id
                     : std::get<RevokeConsentOp>(c.op.body).id;
  const Consent* k = VisibleConsent(c, id);
  if (k == nullptr) return c.NotFound("consent_not_found", "consent", "id");
  if (std::holds_alternative<RevokeConsentOp>(c.op.body)) {
    const bool by_app = p.kind == kernel::PrincipalKind::kAccessToken && p.user.zero();
    std::string why;
    if (!RevokeConsent(c, *k, by_app ? "app" : "staff", &why)) {
      return c.Error(kernel::ErrorKind::kUnprocessable, "consent_not_active", why, "id");
    }
  }
  Answer a;
  RenderConsent(&a.body, *k, c.now());
  return a;
}

Answer RotateSigningKey(IdentityContext& c, const RotateSigningKeyOp& op) {
  if (!c.op.caller.root) {
    return c.Error(kernel::ErrorKind::kPermissionDenied, "root_admin_required",
                   "Signing keys are rotated by an admin of the root tenant.");
  }
  for (const SigningKeyInfo& k : c.st.signing_keys()) {
    if (k.kid == op.kid) {
      return c.Error(kernel::ErrorKind::kConflict, "resource_exists", "Key id collision; retry.");
    }
  }
  InstallSigningKey(c, op.kid, op.public_jwk);
  Answer a{201, {}};
  a.body.append(R"({"object":"signing_key","kid":)");
  platform::AppendJsonString(&a.body, op.kid);
  a.body.append(R"(,"status":"current","created_at":)");
  platform::AppendTimestamp(&a.body, c.now());
  a.body.push_back('}');
  return a;
}

}  // namespace

ScopeSet RestScope(const IdentityOpBody& body) {
  return std::visit(
      [](const auto& b) -> ScopeSet {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, CreateConsentOp> || std::is_same_v<T, RevokeConsentOp>) {
          return kernel::kScopeConsentsWrite;
        } else if constexpr (std::is_same_v<T, GetConsentOp> || std::is_same_v<T, ListConsentsOp>) {
          return kernel::kScopeConsentsRead;
        } else {
          return kernel::kScopeAdmin;
        }
      },
      body);
}

Answer HandleRest(IdentityContext& c) {
  return std::visit(
      [&c](const auto& b) -> Answer {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, CreateAppOp> || std::is_same_v<T, GetAppOp> ||
                      std::is_same_v<T, ListAppsOp> || std::is_same_v<T, RotateAppSecretOp> ||
                      std::is_same_v<T, RevokeAppOp> || std::is_same_v<T, GetAppUsageOp>) {
          return HandleApps(c);
        } else if constexpr (std::is_same_v<T, CreateUserOp> || std::is_same_v<T, GetUserOp> ||
                             std::is_same_v<T, ListUsersOp> || std::is_same_v<T, EnrollTotpOp> ||
                             std::is_same_v<T, ConfirmTotpOp>) {
          return HandleUsers(c);
        } else if constexpr (std::is_same_v<T, ListSessionsOp> ||
                             std::is_same_v<T, RevokeSessionOp>) {
          return HandleSessions(c);
        } else if constexpr (std::is_same_v<T, CreateConsentOp> ||
                             std::is_same_v<T, GetConsentOp> || std::is_same_v<T, ListConsentsOp> ||
                             std::is_same_v<T, RevokeConsentOp>) {
          return HandleConsents(c);
        } else if constexpr (std::is_same_v<T, RotateSigningKeyOp>) {
          return RotateSigningKey(c, b);
        } else {
          CB_CHECK(false);  // OAuth ops never come here (IsRestOp)
          return {};
        }
      },
      c.op.body);
}

}  // namespace cb::identity
