// kernel::CustomerDirectory on the platform service (ADR 0018): modules read a customer of
// a tenant and set its KYC tier through the platform's own CustomerUpdated event, in the
// module's batch. Writer thread only, like every handler.
#include "base/check.h"
#include "platform/events.h"
#include "platform/service.h"

namespace cb::platform {

namespace {

const Customer* CustomerOfTenant(const PlatformState& st, kernel::TenantId tenant,
                                 kernel::CustomerId id) {
  const Customer* c = st.FindCustomer(id);
  if (c == nullptr || c->tenant != tenant) return nullptr;  // another tenant's: not there
  return c;
}

}  // namespace

std::optional<kernel::CustomerInfo> PlatformService::LookUpCustomer(kernel::TenantId tenant,
                                                                    kernel::CustomerId id) const {
  const Customer* c = CustomerOfTenant(state_, tenant, id);
  if (c == nullptr) return std::nullopt;
  return kernel::CustomerInfo{.kind = static_cast<kernel::CustomerKind>(c->type),
                              .state = static_cast<kernel::CustomerState>(c->status),
                              .name = c->name,
                              .kyc_tier = c->kyc_tier};
}

Status PlatformService::SetKycTier(kernel::TenantId tenant, kernel::CustomerId id, uint8_t tier,
                                   runtime::ServiceContext& ctx) {
  if (tier > 3) return Status::InvalidArgument("KYC tiers are 0 to 3");
  const Customer* c = CustomerOfTenant(state_, tenant, id);
  if (c == nullptr) return Status::NotFound("no such customer");
  if (c->status == CustomerStatus::kClosed) {
    return Status::FailedPrecondition("a closed customer cannot be changed");
  }
  pb::CustomerUpdated m;
  m.set_id(IdBytes(id.value));
  m.set_kyc_tier(tier);
  m.set_updated_ns(ctx.batch_timestamp);
  m.set_tenant_id(IdBytes(tenant.value));
  EmitProto(ctx.out, EventType::kCustomerUpdated, m);
  state_.ApplyCustomerUpdated(m);
  CB_CHECK(state_.FindCustomer(id)->kyc_tier == tier);
  return Status::Ok();
}

}  // namespace cb::platform
