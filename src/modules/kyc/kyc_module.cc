// The kyc module's descriptor (api/module.h) and its public event-feed view.
#include "api/module.h"
#include "base/check.h"
#include "kernel/ids.h"
#include "modules/kyc/kyc_internal.h"
#include "risk/kyc/sandbox_provider.h"

namespace cb::modules::kyc {

namespace {

bool RenderEvent(const journal::EventView& ev, u128* tenant, std::string* type, std::string* data) {
  const auto* bytes = ev.payload.data();
  const int size = static_cast<int>(ev.payload.size());
  switch (static_cast<EventType>(ev.type)) {
    case EventType::kVerificationCompleted: {
      pb::VerificationCompleted e;
      Verification v;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &v)) return false;
      *tenant = v.tenant;
      *type = "verification.completed";
      *data = RenderVerification(v);
      return true;
    }
    case EventType::kOwnershipUpdated: {
      pb::OwnershipUpdated e;
      Ownership o;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &o)) return false;
      *tenant = o.tenant;
      *type = "ownership.updated";
      *data = RenderOwnership(o);
      return true;
    }
  }
  return false;
}

std::unique_ptr<runtime::Service> Create(const api::ModuleDeps& deps) {
  CB_CHECK(deps.customers != nullptr && deps.screener != nullptr);
  // The sandbox provider until a real one plugs in behind risk::kyc::KycProvider (ADR 0018).
  return std::make_unique<KycService>(deps.envelope, deps.customers, deps.screener,
                                      std::make_unique<risk::kyc::SandboxKycProvider>());
}

}  // namespace

extern const api::ServiceModule kModule;
constexpr api::ScopeSpec kScopes[] = {{kScopeRead, kernel::ScopeClass::kRead},
                                      {kScopeWrite, kernel::ScopeClass::kWrite}};
const api::ServiceModule kModule{.name = "kyc",
                                 .service_id = kServiceId,
                                 .event_type_first = kEventTypeFirst,
                                 .event_type_last = kEventTypeLast,
                                 .routes = Routes,
                                 .scopes = kScopes,
                                 .render_event = RenderEvent,
                                 .create = Create};

}  // namespace cb::modules::kyc
