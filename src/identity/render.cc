// JSON of identity objects, appended by hand like the platform's (platform/render.h).
#include "identity/handlers.h"
#include "platform/ids.h"
#include "platform/json_out.h"

namespace cb::identity {

using kernel::AppendId;
using platform::AppendJsonString;
using platform::AppendTimestamp;

namespace {
void AppendBits(std::string* out, uint32_t bits, const char* (*name)(uint32_t)) {
  out->push_back('[');
  bool first = true;
  for (uint32_t bit = 1; bit != 0; bit <<= 1) {
    if (!(bits & bit) || name(bit) == nullptr) continue;
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    out->append(name(bit));
    out->push_back('"');
  }
  out->push_back(']');
}
}  // namespace

void RenderApp(std::string* out, const App& a, std::string_view secret) {
  out->append(R"({"object":"app","id":")");
  AppendId(out, prefix::kApp, a.id.value);
  out->append(R"(","client_id":")");
  AppendId(out, prefix::kApp, a.id.value);
  out->append(R"(","name":)");
  AppendJsonString(out, a.name);
  out->append(R"(,"redirect_uris":)");
  AppendJsonStringArray(out, a.redirect_uris);
  out->append(R"(,"grant_types":)");
  AppendBits(out, a.grant_types, GrantTypeName);
  out->append(R"(,"scope":)");
  AppendJsonString(out, kernel::FormatScopes(a.scopes));
  out->append(R"(,"token_endpoint_auth_method":")");
  out->append(ClientAuthMethodName(a.auth_method));
  out->append(R"(","rate_limit_per_s":)");
  out->append(std::to_string(a.rate_limit_per_s));
  out->append(R"(,"refresh_token_rotation":)");
  out->append(a.refresh_rotation ? "true" : "false");
  out->append(R"(,"status":")");
  out->append(a.revoked ? "revoked" : "active");
  out->append(R"(","created_at":)");
  AppendTimestamp(out, a.created);
  if (!secret.empty()) {
    out->append(R"(,"client_secret":")");
    out->append(secret);  // base64url: nothing to escape
    out->push_back('"');
  }
  out->push_back('}');
}

void RenderRegistration(std::string* out, const App& a, std::string_view secret) {
  out->append(R"({"client_id":")");
  AppendId(out, prefix::kApp, a.id.value);
  out->append(R"(","client_id_issued_at":)");
  out->append(std::to_string(a.created / kNsPerSecond));
  if (!secret.empty()) {
    out->append(R"(,"client_secret":")");
    out->append(secret);
    out->append(R"(","client_secret_expires_at":0)");
  }
  out->append(R"(,"client_name":)");
  AppendJsonString(out, a.name);
  out->append(R"(,"redirect_uris":)");
  AppendJsonStringArray(out, a.redirect_uris);
  out->append(R"(,"grant_types":)");
  AppendBits(out, a.grant_types, GrantTypeName);
  out->append(R"(,"response_types":["code"],"token_endpoint_auth_method":")");
  out->append(ClientAuthMethodName(a.auth_method));
  out->append(R"(","scope":)");
  AppendJsonString(out, kernel::FormatScopes(a.scopes));
  out->push_back('}');
}

void RenderUser(std::string* out, const User& u) {
  out->append(R"({"object":"user","id":")");
  AppendId(out, prefix::kUser, u.id.value);
  out->append(R"(","username":)");
  AppendJsonString(out, u.username);
  out->append(R"(,"kind":")");
  out->append(u.kind == UserKind::kCustomer ? "customer" : "staff");
  out->append(R"(","customer":)");
  if (u.customer.zero()) {
    out->append("null");
  } else {
    out->push_back('"');
    AppendId(out, kernel::prefix::kCustomer, u.customer.value);
    out->push_back('"');
  }
  out->append(R"(,"roles":)");
  AppendBits(out, u.staff_roles, StaffRoleName);
  out->append(R"(,"totp":")");
  out->append(u.totp_enabled ? "enabled" : (u.totp_ciphertext.empty() ? "none" : "pending"));
  out->append(R"(","created_at":)");
  AppendTimestamp(out, u.created);
  out->push_back('}');
}

void RenderSession(std::string* out, const Session& s) {
  out->append(R"({"object":"session","id":")");
  AppendId(out, prefix::kSession, s.id.value);
  out->append(R"(","user":")");
  AppendId(out, prefix::kUser, s.user.value);
  out->append(R"(","acr":")");
  out->append(AcrValue(s.acr));
  out->append(R"(","amr":[)");
  out->append(s.amr & kAmrOtp ? R"("pwd","otp")" : R"("pwd")");
  out->append(R"(],"status":")");
  out->append(s.revoked ? "revoked" : "active");
  out->append(R"(","created_at":)");
  AppendTimestamp(out, s.created);
  out->append(R"(,"expires_at":)");
  AppendTimestamp(out, s.expires);
  out->push_back('}');
}

void RenderConsent(std::string* out, const Consent& c, TimestampNs now) {
  out->append(R"({"object":"consent","id":")");
  AppendId(out, prefix::kConsent, c.id.value);
  out->append(R"(","app":")");
  AppendId(out, prefix::kApp, c.client.value);
  out->append(R"(","customer":)");
  if (c.customer.zero()) {
    out->append("null");
  } else {
    out->push_back('"');
    AppendId(out, kernel::prefix::kCustomer, c.customer.value);
    out->push_back('"');
  }
  out->append(R"(,"permissions":)");
  AppendJsonString(out, kernel::FormatScopes(c.permissions));
  out->append(R"(,"accounts":[)");
  for (size_t i = 0; i < c.accounts.size(); i++) {
    if (i > 0) out->push_back(',');
    out->push_back('"');
    AppendId(out, platform::prefix::kAccount, c.accounts[i].value);
    out->push_back('"');
  }
  out->append(R"(],"status":")");
  out->append(ConsentStatusName(c.StatusAt(now)));
  out->append(R"(","expires_at":)");
  if (c.expires == 0) {
    out->append("null");
  } else {
    AppendTimestamp(out, c.expires);
  }
  out->append(R"(,"created_at":)");
  AppendTimestamp(out, c.created);
  out->append(R"(,"updated_at":)");
  AppendTimestamp(out, c.updated);
  out->push_back('}');
}

}  // namespace cb::identity
