#include "api/identity_routes.h"

#include <boost/json/serialize.hpp>

#include "api/decode_util.h"
#include "api/route_table.h"
#include "api/router.h"
#include "base/sha256.h"
#include "credentials/password.h"
#include "credentials/totp.h"
#include "identity/tokens.h"

namespace cb::api {

using namespace detail;

namespace {

// The key service's own words (paths, key ids) are for the operator's log, not the client.
bool KmsUnavailable(const Status& st, DecodeError* err) {
  std::fprintf(stderr, "corebank: key service: %s\n", st.ToString().c_str());
  return Fail(err, "kms_unavailable", "The key service is unavailable; retry.", "",
              kernel::ErrorKind::kUnavailable);
}

constexpr size_t kUsernameCharsMax = 128;
constexpr size_t kPasswordCharsMax = credentials::kPasswordBytesMax;
constexpr size_t kScopeCharsMax = 512;
constexpr size_t kRedirectUriCharsMax = 512;
constexpr size_t kJwksCharsMax = 16 * 1024;

bool ScopeField(Reader& r, std::string_view key, bool required, kernel::ScopeSet* out,
                DecodeError* err) {
  std::string text;
  if (!r.String(key, required, kScopeCharsMax, &text)) return false;
  if (text.empty()) return true;
  std::string unknown;
  if (!kernel::ParseScopes(text, out, &unknown)) {
    return Fail(err, "parameter_invalid", "Unknown scope: " + unknown + ".", r.Param(key));
  }
  return true;
}

bool StringArray(Reader& r, std::string_view key, size_t count_max, size_t chars_max,
                 std::vector<std::string>* out, DecodeError* err) {
  const json::value* v = r.Get(key);
  if (v == nullptr) return true;
  if (!v->is_array() || v->get_array().size() > count_max) {
    return Fail(err, "parameter_invalid",
                "Must be an array of at most " + std::to_string(count_max) + " strings.",
                r.Param(key));
  }
  for (const json::value& e : v->get_array()) {
    if (!e.is_string() || e.get_string().size() > chars_max || e.get_string().empty() ||
        !IsValidUtf8({e.get_string().data(), e.get_string().size()})) {
      return Fail(err, "parameter_invalid",
                  "Each entry must be a non-empty string of at most " + std::to_string(chars_max) +
                      " bytes.",
                  r.Param(key));
    }
    out->emplace_back(e.get_string());
  }
  return true;
}

std::string NewSecret() { return identity::NewOpaqueToken(""); }

bool ListQuery(const RouteInput& in, std::string_view prefix, uint32_t* limit,
               std::optional<u128>* after, DecodeError* err) {
  if (!KnownQuery(in, {"limit", "cursor"}, err) || !Limit(in, limit, err)) return false;
  auto it = in.query.find("cursor");
  if (it != in.query.end()) {
    u128 id = 0;
    if (!ParseId(it->second, prefix, &id)) {
      return Fail(err, "cursor_invalid", "Unknown cursor.", "cursor");
    }
    *after = id;
  }
  return true;
}

template <typename Id>
std::optional<Id> AsId(const std::optional<u128>& v) {
  if (!v) return std::nullopt;
  return Id(*v);
}

// The app a path names, as the op that reads or changes it.
// A path op takes no query parameters and no body.
bool Bare(const RouteInput& in, DecodeError* err) {
  return KnownQuery(in, {}, err) && NoBody(in, err);
}

template <typename Op>
bool AppPathOp(const RouteInput& in, IdentityDecoded* out, DecodeError* err) {
  Op op;
  if (!PathId(in, 0, identity::prefix::kApp, &op.id, err) || !Bare(in, err)) return false;
  out->body = std::move(op);
  return true;
}

}  // namespace

bool DecodeCreateApp(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                     IdentityDecoded* out, DecodeError* err) {
  json::value body;
  if (!ParseBody(in.body, &body, err)) return false;
  Reader r(body.get_object(), "", err);
  identity::CreateAppOp op;
  identity::AppSpec& spec = op.spec;
  std::vector<std::string> grants;
  std::string method = "client_secret_basic";
  bool has_rate = false;
  uint64_t rate = 0;
  if (!r.String("name", true, 100, &spec.name) ||
      !StringArray(r, "redirect_uris", 10, kRedirectUriCharsMax, &spec.redirect_uris, err) ||
      !StringArray(r, "grant_types", 3, 32, &grants, err) ||
      !ScopeField(r, "scope", true, &spec.scopes, err) ||
      !r.String("token_endpoint_auth_method", false, 32, &method) ||
      !r.Uint("rate_limit_per_s", &has_rate, 100'000, &rate) ||
      !r.Bool("refresh_token_rotation", &spec.refresh_rotation)) {
    return false;
  }
  if (const json::value* jwks = r.Get("jwks")) {
    if (!jwks->is_object()) return Fail(err, "parameter_invalid", "Must be a JWKS object.", "jwks");
    spec.jwks = json::serialize(*jwks);
    if (spec.jwks.size() > kJwksCharsMax) {
      return Fail(err, "string_too_long", "The JWKS is too large.", "jwks");
    }
  }
  if (!r.Finish()) return false;
  for (const std::string& g : grants) {
    uint32_t bit = 0;
    if (!identity::ParseGrantType(g, &bit)) {
      return Fail(err, "parameter_invalid", "Unknown grant type: " + g + ".", "grant_types");
    }
    spec.grant_types |= bit;
  }
  if (!identity::ParseClientAuthMethod(method, &spec.auth_method)) {
    return Fail(err, "parameter_invalid", "Unknown method.", "token_endpoint_auth_method");
  }
  spec.rate_limit_per_s = static_cast<uint32_t>(rate);
  std::string param, message;
  if (!identity::ValidateAppSpec(&spec, &param, &message)) {
    return Fail(err, "parameter_invalid", message, param);
  }
  op.id = identity::AppId(kernel::RandomU128());
  if (spec.auth_method != identity::ClientAuthMethod::kPrivateKeyJwt) {
    op.secret = NewSecret();
    op.secret_sha256 = Sha256Of(op.secret.data(), op.secret.size());
  }
  out->body = std::move(op);
  return true;
}

bool DecodeListApps(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                    IdentityDecoded* out, DecodeError* err) {
  identity::ListAppsOp op;
  std::optional<u128> after;
  if (!ListQuery(in, identity::prefix::kApp, &op.limit, &after, err)) return false;
  op.after = AsId<identity::AppId>(after);
  out->body = op;
  return true;
}

bool DecodeGetApp(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                  IdentityDecoded* out, DecodeError* err) {
  return AppPathOp<identity::GetAppOp>(in, out, err);
}
bool DecodeRevokeApp(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                     IdentityDecoded* out, DecodeError* err) {
  return AppPathOp<identity::RevokeAppOp>(in, out, err);
}
bool DecodeAppUsage(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                    IdentityDecoded* out, DecodeError* err) {
  return AppPathOp<identity::GetAppUsageOp>(in, out, err);
}
bool DecodeRotateAppSecret(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                           IdentityDecoded* out, DecodeError* err) {
  identity::RotateAppSecretOp op;
  if (!PathId(in, 0, identity::prefix::kApp, &op.id, err) || !Bare(in, err)) return false;
  op.secret = NewSecret();
  op.secret_sha256 = Sha256Of(op.secret.data(), op.secret.size());
  out->body = std::move(op);
  return true;
}

bool DecodeCreateUser(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                      IdentityDecoded* out, DecodeError* err) {
  json::value body;
  if (!ParseBody(in.body, &body, err)) return false;
  Reader r(body.get_object(), "", err);
  identity::CreateUserOp op;
  std::string kind = "customer";
  std::vector<std::string> roles;
  if (!r.String("username", true, kUsernameCharsMax, &op.username) ||
      !r.String("password", true, kPasswordCharsMax, &out->password) ||
      !r.String("kind", false, 16, &kind) ||
      !r.IdField("customer", kernel::prefix::kCustomer, false, &op.customer) ||
      !StringArray(r, "roles", 5, 16, &roles, err) || !r.Finish()) {
    return false;
  }
  for (char c : op.username) {
    if (c == ' ' || static_cast<unsigned char>(c) < 0x21) {
      return Fail(err, "parameter_invalid", "Usernames have no spaces.", "username");
    }
  }
  if (Status st = credentials::CheckPasswordRules(out->password); !st.ok()) {
    return Fail(err, "password_too_weak", st.message(), "password");
  }
  if (kind == "customer") {
    op.kind = identity::UserKind::kCustomer;
    if (op.customer.zero()) {
      return Fail(err, "parameter_missing", "A customer user names its customer.", "customer");
    }
    if (!roles.empty()) return Fail(err, "parameter_invalid", "Roles are for staff.", "roles");
  } else if (kind == "staff") {
    op.kind = identity::UserKind::kStaff;
    if (!op.customer.zero()) {
      return Fail(err, "parameter_invalid", "Staff users have no customer.", "customer");
    }
    for (const std::string& role : roles) {
      uint32_t bit = 0;
      if (!identity::ParseStaffRole(role, &bit)) {
        return Fail(err, "parameter_invalid", "Unknown role: " + role + ".", "roles");
      }
      op.staff_roles |= bit;
    }
    if (op.staff_roles == 0) {
      return Fail(err, "parameter_missing", "A staff user has at least one role.", "roles");
    }
  } else {
    return Fail(err, "parameter_invalid", "kind is customer or staff.", "kind");
  }
  // Fields are length-prefixed so that no two requests share a digest input.
  const std::string customer = kernel::FormatId(kernel::prefix::kCustomer, op.customer.value);
  for (const std::string_view field :
       {std::string_view(op.username), std::string_view(kind), std::string_view(customer)}) {
    out->request_digest_input += std::to_string(field.size()) + ":" + std::string(field);
  }
  out->request_digest_input += "roles=" + std::to_string(op.staff_roles);
  op.id = identity::UserId(kernel::RandomU128());
  out->body = std::move(op);
  return true;
}

bool DecodeListUsers(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                     IdentityDecoded* out, DecodeError* err) {
  identity::ListUsersOp op;
  std::optional<u128> after;
  if (!ListQuery(in, identity::prefix::kUser, &op.limit, &after, err)) return false;
  op.after = AsId<identity::UserId>(after);
  out->body = op;
  return true;
}

bool DecodeGetUser(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                   IdentityDecoded* out, DecodeError* err) {
  identity::GetUserOp op;
  if (!PathId(in, 0, identity::prefix::kUser, &op.id, err) || !Bare(in, err)) return false;
  out->body = op;
  return true;
}

bool DecodeEnrollTotp(const RouteInput& in, const IdentityEdge& edge, const kernel::Principal& p,
                      IdentityDecoded* out, DecodeError* err) {
  identity::EnrollTotpOp op;
  if (!PathId(in, 0, identity::prefix::kUser, &op.user, err) || !Bare(in, err)) return false;
  const auto user = edge.state->ReadUser(op.user);
  if (!user || !(user->tenant == p.tenant)) {
    return Fail(err, "user_not_found", "user not found", "id", kernel::ErrorKind::kNotFound);
  }
  const std::string secret = credentials::NewTotpSecret();
  const std::string aad = "totp|" + kernel::FormatId(identity::prefix::kUser, op.user.value);
  auto sealed = edge.kms->Encrypt(secret, aad);
  if (!sealed.ok()) return KmsUnavailable(sealed.status(), err);
  op.secret_ciphertext = *sealed;
  op.secret_base32 = credentials::Base32Encode(secret);
  op.otpauth_uri = credentials::OtpauthUri(edge.issuer_name, user->username, secret);
  out->body = std::move(op);
  return true;
}

bool DecodeConfirmTotp(const RouteInput& in, const IdentityEdge& edge, const kernel::Principal& p,
                       IdentityDecoded* out, DecodeError* err) {
  identity::ConfirmTotpOp op;
  if (!PathId(in, 0, identity::prefix::kUser, &op.user, err) || !KnownQuery(in, {}, err)) {
    return false;
  }
  json::value body;
  if (!ParseBody(in.body, &body, err)) return false;
  Reader r(body.get_object(), "", err);
  std::string code;
  if (!r.String("code", true, 8, &code) || !r.Finish()) return false;
  const auto user = edge.state->ReadUser(op.user);
  if (!user || !(user->tenant == p.tenant)) {
    return Fail(err, "user_not_found", "user not found", "id", kernel::ErrorKind::kNotFound);
  }
  if (user->totp_ciphertext.empty()) {
    return Fail(err, "totp_not_enrolled", "Enrol TOTP before confirming it.", "id",
                kernel::ErrorKind::kUnprocessable);
  }
  const std::string aad = "totp|" + kernel::FormatId(identity::prefix::kUser, op.user.value);
  auto secret = edge.kms->Decrypt(user->totp_ciphertext, aad);
  if (!secret.ok()) return KmsUnavailable(secret.status(), err);
  // A wrong code becomes step 0, which the writer refuses (never above the last used step).
  op.step = credentials::VerifyTotp(*secret, code, SystemClock().NowNs() / kNsPerSecond,
                                    user->totp_last_step)
                .value_or(0);
  out->body = op;
  return true;
}

bool DecodeListSessions(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                        IdentityDecoded* out, DecodeError* err) {
  identity::ListSessionsOp op;
  if (!PathId(in, 0, identity::prefix::kUser, &op.user, err) || !Bare(in, err)) return false;
  out->body = op;
  return true;
}

bool DecodeRevokeSession(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                         IdentityDecoded* out, DecodeError* err) {
  identity::RevokeSessionOp op;
  if (!PathId(in, 0, identity::prefix::kSession, &op.id, err) || !Bare(in, err)) return false;
  out->body = op;
  return true;
}

bool DecodeCreateConsent(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                         IdentityDecoded* out, DecodeError* err) {
  json::value body;
  if (!ParseBody(in.body, &body, err)) return false;
  Reader r(body.get_object(), "", err);
  identity::CreateConsentOp op;
  std::string expires;
  if (!ScopeField(r, "permissions", true, &op.permissions, err) ||
      !r.String("expires_at", false, 64, &expires) || !r.Finish()) {
    return false;
  }
  if (!kernel::kScopesConsentable.Covers(op.permissions) || op.permissions.empty()) {
    return Fail(err, "parameter_invalid",
                "Consent permissions are among accounts.read, balances.read, "
                "transactions.read and payments.write.",
                "permissions");
  }
  if (!expires.empty()) {
    const auto ts = ParseRfc3339(expires);
    if (!ts) return Fail(err, "parameter_invalid", "Must be an RFC 3339 timestamp.", "expires_at");
    op.expires = *ts;
  }
  op.id = identity::ConsentId(kernel::RandomU128());
  out->body = op;
  return true;
}

bool DecodeListConsents(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                        IdentityDecoded* out, DecodeError* err) {
  identity::ListConsentsOp op;
  if (!KnownQuery(in, {"limit", "cursor", "customer"}, err) || !Limit(in, &op.limit, err)) {
    return false;
  }
  if (auto it = in.query.find("cursor"); it != in.query.end()) {
    identity::ConsentId id;
    if (!ParseId(it->second, identity::prefix::kConsent, &id.value)) {
      return Fail(err, "cursor_invalid", "Unknown cursor.", "cursor");
    }
    op.after = id;
  }
  if (auto it = in.query.find("customer"); it != in.query.end()) {
    kernel::CustomerId c;
    if (!ParseId(it->second, kernel::prefix::kCustomer, &c.value)) {
      return Fail(err, "parameter_invalid", "Must be a customer id.", "customer");
    }
    op.customer = c;
  }
  out->body = op;
  return true;
}

bool DecodeGetConsent(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                      IdentityDecoded* out, DecodeError* err) {
  identity::GetConsentOp op;
  if (!PathId(in, 0, identity::prefix::kConsent, &op.id, err) || !Bare(in, err)) return false;
  out->body = op;
  return true;
}

bool DecodeRevokeConsent(const RouteInput& in, const IdentityEdge&, const kernel::Principal&,
                         IdentityDecoded* out, DecodeError* err) {
  identity::RevokeConsentOp op;
  if (!PathId(in, 0, identity::prefix::kConsent, &op.id, err) || !Bare(in, err)) return false;
  out->body = op;
  return true;
}

bool DecodeRotateSigningKey(const RouteInput& in, const IdentityEdge& edge,
                            const kernel::Principal& p, IdentityDecoded* out, DecodeError* err) {
  if (!Bare(in, err)) return false;
  // Checked here too, before a key is made in the KMS for a request the writer would refuse.
  if (!p.root) {
    return Fail(err, "root_admin_required",
                "Signing keys are rotated by an admin of the root tenant.", "",
                kernel::ErrorKind::kPermissionDenied);
  }
  identity::RotateSigningKeyOp op;
  auto kid = edge.kms->CreateSigningKey(&op.public_jwk);
  if (!kid.ok()) return KmsUnavailable(kid.status(), err);
  op.kid = *kid;
  out->body = std::move(op);
  return true;
}

// --- the identity service's route table (route_table.h) -----------------------------------

namespace {

namespace ps = platform;

void SetPasswordHash(runtime::ServiceOp* op, std::string hash) {
  auto* iop = static_cast<identity::IdentityOp*>(op);
  std::get<identity::CreateUserOp>(iop->body).password_hash = std::move(hash);
}

// Every identity route: `F` decodes with the identity edge (KMS, state) at hand.
template <IdentityDecodeFn F>
bool Identity(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  if (c.identity == nullptr || c.identity->edge.state == nullptr ||
      c.identity->edge.kms == nullptr) {
    *err = {kernel::ErrorKind::kUnavailable, "unavailable", "Identity is not configured.", ""};
    return false;
  }
  auto op = std::make_shared<identity::IdentityOp>();
  op->caller = c.principal;
  op->trace_id = c.trace_id;
  op->idempotency_key = c.idempotency_key;
  op->request_sha256 = c.request_sha256;
  IdentityDecoded decoded;
  if (!F(c.in, c.identity->edge, c.principal, &decoded, err)) return false;
  op->body = std::move(decoded.body);
  if (!decoded.password.empty()) {
    // The body holds a password: the request hash covers every other field instead.
    op->request_sha256 = RequestSha256(c.method, c.path, decoded.request_digest_input);
    out->password = std::move(decoded.password);
    out->set_password_hash = SetPasswordHash;
  }
  out->op = std::move(op);
  return true;
}

constexpr RouteSpec kRoutes[] = {
    {.method = "POST",
     .pattern = "/v1/apps",
     .service = "identity",
     .scope = kernel::kScopeAdmin,
     .build = Identity<DecodeCreateApp>},
    {.method = "GET",
     .pattern = "/v1/apps",
     .service = "identity",
     .scope = kernel::kScopeAdmin,
     .build = Identity<DecodeListApps>},
    {.method = "GET",
     .pattern = "/v1/apps/{id}",
     .service = "identity",
     .scope = kernel::kScopeAdmin,
     .build = Identity<DecodeGetApp>},
    {.method = "POST",
     .pattern = "/v1/apps/{id}/rotate_secret",
     .service = "identity",
     .scope = kernel::kScopeAdmin,
     .build = Identity<DecodeRotateAppSecret>},
    {.method = "POST",
     .pattern = "/v1/apps/{id}/revoke",
     .service = "identity",
     .scope = kernel::kScopeAdmin,
     .build = Identity<DecodeRevokeApp>},
    {.method = "GET",
     .pattern = "/v1/apps/{id}/usage",
     .service = "identity",
     .scope = kernel::kScopeAdmin,
     .build = Identity<DecodeAppUsage>},
    {.method = "POST",
     .pattern = "/v1/users",
     .service = "identity",
     .scope = kernel::kScopeAdmin,
     .build = Identity<DecodeCreateUser>},
    {.method = "GET",
     .pattern = "/v1/users",
     .service = "identity",
     .scope = kernel::kScopeAdmin,
     .build = Identity<DecodeListUsers>},
    {.method = "GET",
     .pattern = "/v1/users/{id}",
     .service = "identity",
     .scope = kernel::kScopeAdmin,
     .build = Identity<DecodeGetUser>},
    {.method = "POST",
     .pattern = "/v1/users/{id}/totp",
     .service = "identity",
     .scope = kernel::kScopeAdmin,
     .build = Identity<DecodeEnrollTotp>},
    {.method = "POST",
     .pattern = "/v1/users/{id}/totp/confirm",
     .service = "identity",
     .scope = kernel::kScopeAdmin,
     .build = Identity<DecodeConfirmTotp>},
    {.method = "GET",
     .pattern = "/v1/users/{id}/sessions",
     .service = "identity",
     .scope = kernel::kScopeAdmin,
     .build = Identity<DecodeListSessions>},
    {.method = "POST",
     .pattern = "/v1/sessions/{id}/revoke",
     .service = "identity",
     .scope = kernel::kScopeAdmin,
     .build = Identity<DecodeRevokeSession>},
    {.method = "POST",
     .pattern = "/v1/consents",
     .service = "identity",
     .scope = kernel::kScopeConsentsWrite,
     .build = Identity<DecodeCreateConsent>},
    {.method = "GET",
     .pattern = "/v1/consents",
     .service = "identity",
     .scope = kernel::kScopeConsentsRead,
     .build = Identity<DecodeListConsents>},
    {.method = "GET",
     .pattern = "/v1/consents/{id}",
     .service = "identity",
     .scope = kernel::kScopeConsentsRead,
     .build = Identity<DecodeGetConsent>},
    {.method = "POST",
     .pattern = "/v1/consents/{id}/revoke",
     .service = "identity",
     .scope = kernel::kScopeConsentsWrite,
     .build = Identity<DecodeRevokeConsent>},
    {.method = "POST",
     .pattern = "/v1/signing_keys/rotate",
     .service = "identity",
     .scope = kernel::kScopeAdmin,
     .build = Identity<DecodeRotateSigningKey>},
};

}  // namespace

std::span<const RouteSpec> IdentityRoutes() { return kRoutes; }

}  // namespace cb::api
