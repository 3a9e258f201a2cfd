#pragma once
// Typed requests the edge decodes from HTTP and the writer executes. Everything here is
// already validated for shape (types, sizes, formats, amount scale); the handlers check
// everything that depends on state (existence, tenant, status, funds).
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "platform/key_directory.h"
#include "platform/model.h"
#include "runtime/service.h"

namespace cb::platform {

struct CreateTenantOp {
  TenantId id;
  std::string name;
  bool sandbox = true;
  ApiKeyId admin_key_id;
  Hash256 admin_secret_sha256{};
  std::string admin_token;  // echoed once in the answer, never stored
};
struct GetTenantOp {
  TenantId id;
};
struct ListTenantsOp {
  uint32_t limit = 10;
  std::optional<TenantId> after;
};
struct CreateApiKeyOp {
  ApiKeyId id;
  Role role = Role::kReadOnly;
  std::string name;
  Hash256 secret_sha256{};
  std::string token;  // echoed once
};
struct ListApiKeysOp {
  uint32_t limit = 10;
  std::optional<ApiKeyId> after;
};
struct RevokeApiKeyOp {
  ApiKeyId id;
};
struct CreateCustomerOp {
  CustomerId id;
  CustomerType type = CustomerType::kIndividual;
  std::string name, email, phone;
  uint8_t kyc_tier = 0;
};
struct UpdateCustomerOp {
  CustomerId id;
  std::optional<std::string> email, phone;
  std::optional<uint8_t> kyc_tier;
  std::optional<CustomerStatus> status;
};
struct GetCustomerOp {
  CustomerId id;
};
struct ListCustomersOp {
  uint32_t limit = 10;
  std::optional<CustomerId> after;
};
struct OpenAccountOp {
  AccountId id;
  // The tenant's settlement account for the currency, if this is its first account in it:
  // random like every id (the handler must stay deterministic, so the edge draws it).
  AccountId settlement_id;
  CustomerId customer;
  std::string currency;  // validated ISO 4217
  AccountType type = AccountType::kCurrent;
  std::vector<std::string> aliases;
};
struct GetAccountOp {
  AccountId id;
};
struct ListAccountsOp {
  uint32_t limit = 10;
  std::optional<AccountId> after;
  std::optional<CustomerId> customer;
};
struct GetBalancesOp {
  AccountId id;
  std::optional<TimestampNs> as_of;
};
struct ListTransactionsOp {
  AccountId id;
  TimestampNs from = 0;
  TimestampNs to = UINT64_MAX;
  uint32_t limit = 10;
};
enum class AccountAction : uint8_t { kFreeze, kUnfreeze, kClose };
struct AccountActionOp {
  AccountId id;
  AccountAction action = AccountAction::kFreeze;
};
struct GetAliasOp {
  std::string alias;
};

// An account named by id or by alias (transfers may be sent to a phone number or email).
struct AccountRef {
  AccountId id;  // zero when `alias` is set
  std::string alias;
};
struct TransferSpec {
  TransferId id;
  AccountRef from, to;
  u128 amount_minor = 0;
  std::string currency;
  std::string description;
  bool pending = false;
  uint32_t timeout_s = 0;
  bool linked = false;  // batch only: chained with the next item
};
struct CreateTransferOp {
  TransferSpec spec;
};
struct SandboxDepositOp {
  TransferId id;
  AccountId account;
  u128 amount_minor = 0;
  std::string currency;
};
struct PostVoidOp {
  TransferId pending_id;
  bool void_it = false;
  std::optional<u128> amount_minor;  // post: partial amount
  std::string currency;              // with amount_minor: the scale it was read at
};
struct GetTransferOp {
  TransferId id;
};
struct ListTransfersOp {
  AccountId account;
  TimestampNs from = 0;
  TimestampNs to = UINT64_MAX;
  uint32_t limit = 10;
};
struct BatchTransfersOp {
  std::vector<TransferSpec> items;
};
struct CreateAdjustmentOp {
  AdjustmentId id;
  TransferId transfer_id;  // the ledger transfer it becomes when approved
  AccountId account;
  AdjustmentDirection direction = AdjustmentDirection::kCredit;
  u128 amount_minor = 0;
  std::string currency;
  std::string reason;
};
struct GetAdjustmentOp {
  AdjustmentId id;
};
struct ListAdjustmentsOp {
  uint32_t limit = 10;
  std::optional<AdjustmentId> after;
  std::optional<AdjustmentStatus> status;
};
struct DecideAdjustmentOp {
  AdjustmentId id;
  bool approve = false;
  std::string note;
};

using OpBody =
    std::variant<CreateTenantOp, GetTenantOp, ListTenantsOp, CreateApiKeyOp, ListApiKeysOp,
                 RevokeApiKeyOp, CreateCustomerOp, UpdateCustomerOp, GetCustomerOp, ListCustomersOp,
                 OpenAccountOp, GetAccountOp, ListAccountsOp, GetBalancesOp, ListTransactionsOp,
                 AccountActionOp, GetAliasOp, CreateTransferOp, SandboxDepositOp, PostVoidOp,
                 GetTransferOp, ListTransfersOp, BatchTransfersOp, CreateAdjustmentOp,
                 GetAdjustmentOp, ListAdjustmentsOp, DecideAdjustmentOp>;

class PlatformOp final : public runtime::ServiceOp {
 public:
  Principal caller;
  std::string trace_id;         // embedded in error answers
  std::string idempotency_key;  // empty for reads
  Hash256 request_sha256{};
  OpBody body;

  size_t item_count() const override {
    if (const auto* b = std::get_if<BatchTransfersOp>(&body)) return b->items.size();
    return 1;
  }
};

}  // namespace cb::platform
