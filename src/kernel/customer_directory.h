#pragma once
// What a module may know of the platform's customers (issue 14, ADR 0018): look one up in a
// tenant, and set its KYC tier. The platform owns customers; a module never writes them
// itself, it asks here and the platform journals its own CustomerUpdated in the caller's
// batch, so the tier and the module's event commit (or fail) together.
#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "kernel/ids.h"
#include "runtime/service.h"

namespace cb::kernel {

// Values match platform::CustomerType / CustomerStatus.
enum class CustomerKind : uint8_t { kIndividual = 1, kBusiness = 2 };
enum class CustomerState : uint8_t { kActive = 1, kSuspended = 2, kClosed = 3 };

struct CustomerInfo {
  CustomerKind kind = CustomerKind::kIndividual;
  CustomerState state = CustomerState::kActive;
  std::string name;
  uint8_t kyc_tier = 0;
};

class CustomerDirectory {
 public:
  virtual ~CustomerDirectory() = default;
  // The customer `id` of `tenant`; nullopt when missing or another tenant's. Writer thread.
  virtual std::optional<CustomerInfo> LookUpCustomer(TenantId tenant, CustomerId id) const = 0;
  // Emits the platform's CustomerUpdated{kyc_tier} into ctx.out and applies it. NotFound as
  // above; FailedPrecondition for a closed customer; InvalidArgument for a tier above 3.
  virtual Status SetKycTier(TenantId tenant, CustomerId id, uint8_t tier,
                            runtime::ServiceContext& ctx) = 0;
};

}  // namespace cb::kernel
