#include "identity/event_render.h"

#include "identity/events.h"
#include "identity/model.h"
#include "identity/state.h"
#include "platform/ids.h"
#include "platform/json_out.h"
#include "platform/render.h"
#include "platform/state.h"

namespace cb::identity {

namespace {

namespace ipb = ::corebank::identity::v1;
using identity::EventType;

// The event's tenant, for the edge to filter on.
bool Tenant(const std::string& bytes, u128* tenant) { return kernel::IdFromBytes(bytes, tenant); }
void Id(std::string* out, std::string_view name, std::string_view prefix,
        const std::string& bytes) {
  u128 id = 0;
  out->append(out->size() > 1 ? ",\"" : "\"");
  out->append(name);
  out->append("\":");
  if (!platform::IdFromBytes(bytes, &id)) {
    out->append("null");
    return;
  }
  out->push_back('"');
  kernel::AppendId(out, prefix, id);
  out->push_back('"');
}

// --- identity's public events, one renderer each ------------------------------------------
// Each names the event's "type" and appends its "data" object, or returns false (nothing
// appended) when this event is not part of the feed.

bool RenderConsentCreated(const ipb::ConsentCreated& m, std::string* type, std::string* data) {
  *type = "consent.created";
  data->push_back('{');
  Id(data, "id", identity::prefix::kConsent, m.id());
  Id(data, "app", identity::prefix::kApp, m.client_id());
  Id(data, "customer", kernel::prefix::kCustomer, m.customer_id());
  data->append(R"(,"permissions":)");
  platform::AppendJsonString(data,
                             kernel::FormatScopes(kernel::ScopeSet::FromWire(m.permissions())));
  data->append(R"(,"expires_at":)");
  if (m.expires_ns() == 0) {
    data->append("null");
  } else {
    platform::AppendTimestamp(data, m.expires_ns());
  }
  data->push_back('}');
  return true;
}

bool RenderConsentAuthorised(const ipb::ConsentAuthorised& m, std::string* type,
                             std::string* data) {
  *type = "consent.authorised";
  data->push_back('{');
  Id(data, "id", identity::prefix::kConsent, m.id());
  Id(data, "customer", kernel::prefix::kCustomer, m.customer_id());
  data->append(R"(,"accounts":[)");
  for (int i = 0; i < m.account_ids_size(); i++) {
    u128 a = 0;
    if (!platform::IdFromBytes(m.account_ids(i), &a)) continue;
    if (i > 0) data->push_back(',');
    data->push_back('"');
    kernel::AppendId(data, platform::prefix::kAccount, a);
    data->push_back('"');
  }
  data->append("]}");
  return true;
}

bool RenderConsentRejected(const ipb::ConsentRejected& m, std::string* type, std::string* data) {
  *type = "consent.rejected";
  data->push_back('{');
  Id(data, "id", identity::prefix::kConsent, m.id());
  data->push_back('}');
  return true;
}

bool RenderConsentRevoked(const ipb::ConsentRevoked& m, std::string* type, std::string* data) {
  *type = "consent.revoked";
  data->push_back('{');
  Id(data, "id", identity::prefix::kConsent, m.id());
  data->append(R"(,"by":)");
  platform::AppendJsonString(data, m.by());
  data->push_back('}');
  return true;
}

bool RenderDeviceFirstSeen(const ipb::DeviceFirstSeen& m, std::string* type, std::string* data) {
  *type = "user.new_device";
  data->push_back('{');
  Id(data, "user", identity::prefix::kUser, m.user_id());
  data->push_back('}');
  return true;
}

bool RenderLoginFailed(const ipb::LoginFailed& m, std::string* type, std::string* data) {
  // Only the failure that locks the user (the count restarts at each lockout); a
  // username that names no user is nobody's event.
  if (m.user_id().empty()) return false;
  if (m.failures_in_row() != 0 || m.locked_until_ns() <= m.at_ns()) return false;
  *type = "user.locked";
  data->push_back('{');
  Id(data, "user", identity::prefix::kUser, m.user_id());
  data->append(R"(,"locked_until":)");
  platform::AppendTimestamp(data, m.locked_until_ns());
  data->push_back('}');
  return true;
}

// Parses `ev`'s payload as M and takes its tenant (even for an event `render` then leaves
// out), then renders it; false when the payload does not parse or names no tenant.
template <typename M>
bool ParseAndRender(const journal::EventView& ev, u128* tenant, std::string* type,
                    std::string* data, bool (*render)(const M&, std::string*, std::string*)) {
  M m;
  if (!m.ParseFromArray(ev.payload.data(), static_cast<int>(ev.payload.size())) ||
      !Tenant(m.tenant_id(), tenant)) {
    return false;
  }
  return render(m, type, data);
}

}  // namespace

bool RenderIdentityEvent(const journal::EventView& ev, u128* tenant, std::string* type,
                         std::string* data) {
  switch (static_cast<EventType>(ev.type)) {
    case EventType::kConsentCreated:
      return ParseAndRender(ev, tenant, type, data, RenderConsentCreated);
    case EventType::kConsentAuthorised:
      return ParseAndRender(ev, tenant, type, data, RenderConsentAuthorised);
    case EventType::kConsentRejected:
      return ParseAndRender(ev, tenant, type, data, RenderConsentRejected);
    case EventType::kConsentRevoked:
      return ParseAndRender(ev, tenant, type, data, RenderConsentRevoked);
    case EventType::kDeviceFirstSeen:
      return ParseAndRender(ev, tenant, type, data, RenderDeviceFirstSeen);
    case EventType::kLoginFailed:
      return ParseAndRender(ev, tenant, type, data, RenderLoginFailed);
    // The rest is the identity service's own business. Listed, not defaulted: a new
    // identity event must be placed here or above.
    case EventType::kAppCreated:
    case EventType::kAppSecretRotated:
    case EventType::kAppRevoked:
    case EventType::kUserCreated:
    case EventType::kSessionStarted:
    case EventType::kTotpEnrolled:
    case EventType::kTotpUsed:
    case EventType::kSessionRevoked:
    case EventType::kAuthRequestCreated:
    case EventType::kCodeIssued:
    case EventType::kAuthRequestDenied:
    case EventType::kCodeRedeemed:
    case EventType::kGrantCreated:
    case EventType::kGrantRevoked:
    case EventType::kRefreshTokenIssued:
    case EventType::kAccessTokenRevoked:
    case EventType::kSigningKeyAdded:
    case EventType::kSigningKeyRetired:
    case EventType::kUsageRecorded:
      return false;
  }
  return false;  // a type no identity version wrote
}

}  // namespace cb::identity
