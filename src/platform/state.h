#pragma once
// The platform's state: a projection of its events, like the ledger's. Handlers (service.cc)
// validate, emit an event and apply it through the same Apply* functions that replay uses.
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "corebank/platform/v1/events.pb.h"
#include "journal/format.h"
#include "platform/ids.h"
#include "platform/key_directory.h"
#include "platform/model.h"

namespace cb::platform {

namespace pb = ::corebank::platform::v1;

struct TenantLists {
  std::vector<ApiKeyId> keys;
  std::vector<CustomerId> customers;
  std::vector<AccountId> accounts;
  std::vector<AdjustmentId> adjustments;
};

class PlatformState {
 public:
  // `keys` (not owned) mirrors tenants and API keys for the edge.
  PlatformState(KeyDirectory* keys, uint64_t idempotency_ttl_ns);

  const Tenant* FindTenant(TenantId id) const;
  const std::vector<TenantId>& tenant_order() const { return tenant_order_; }
  uint32_t tenant_seq_next() const { return static_cast<uint32_t>(tenant_order_.size()) + 1; }
  const ApiKey* FindKey(ApiKeyId id) const;
  const Customer* FindCustomer(CustomerId id) const;
  const AccountMeta* FindAccount(AccountId id) const;
  const TenantLists* Lists(TenantId tenant) const;
  // A customer's accounts in opening order (AccountMeta::customer_order); empty if none.
  const std::vector<AccountId>& CustomerAccounts(CustomerId customer) const;
  std::optional<AccountId> FindAlias(TenantId tenant, std::string_view alias) const;
  // The account with a bank-wide account number (any tenant's), and the next number to give.
  std::optional<AccountId> FindAccountNumber(uint64_t number) const;
  uint64_t next_account_number() const { return next_account_number_; }
  const std::string* TransferDescription(TransferId id) const;
  // Whether a payment rail made the transfer (TransferAnnotated.rail).
  bool IsRailTransfer(TransferId id) const { return rail_transfers_.contains(id.value); }
  const Adjustment* FindAdjustment(AdjustmentId id) const;
  // The tenant's settlement account of a ledger (tenant and currency), if one is open.
  std::optional<AccountId> SettlementAccount(ledger::LedgerCode ledger) const;
  // `caller` is CallerScope() of the principal: keys are the caller's own, never shared.
  // The Idempotency-Key records (kernel/idempotency_store.h), applied from the platform's
  // IdempotencyRecorded / IdempotencyExpired events.
  const IdempotencyEntry* FindIdempotency(TenantId tenant, std::string_view caller,
                                          std::string_view key) const {
    return idempotency_.Find(tenant, caller, key);
  }
  uint64_t idempotency_bytes() const { return idempotency_.bytes(); }
  uint64_t idempotency_bytes(TenantId tenant) const { return idempotency_.bytes(tenant); }
  uint64_t idempotency_bytes(TenantId tenant, std::string_view caller) const {
    return idempotency_.bytes(tenant, caller);
  }
  bool has_legacy_idempotency() const { return idempotency_.has_legacy(); }
  size_t idempotency_count() const { return idempotency_.count(); }

  // --- events (the only mutators); each validates what replay could get wrong ------------
  // `seq` is the event's journal sequence (0 when rebuilding from a snapshot).
  Status Apply(const journal::EventView& event, uint64_t seq);
  void ApplyTenantCreated(const pb::TenantCreated& e);
  void ApplyApiKeyCreated(const pb::ApiKeyCreated& e);
  void ApplyApiKeyRevoked(const pb::ApiKeyRevoked& e);
  void ApplyCustomerCreated(const pb::CustomerCreated& e);
  void ApplyCustomerUpdated(const pb::CustomerUpdated& e);
  void ApplyAccountOpened(const pb::AccountOpened& e);
  void ApplyAccountStatusChanged(const pb::AccountStatusChanged& e);
  void ApplyTransferAnnotated(const pb::TransferAnnotated& e);
  void ApplyAdjustmentRequested(const pb::AdjustmentRequested& e);
  void ApplyAdjustmentDecided(const pb::AdjustmentDecided& e);
  void ApplyIdempotencyRecorded(const pb::IdempotencyRecorded& e, uint64_t seq);
  void ApplyIdempotencyExpired(const pb::IdempotencyExpired& e);
  // Some entry is past the TTL at `now` (an IdempotencyExpired event would free it).
  bool IdempotencyExpirable(TimestampNs now) const { return idempotency_.Expirable(now); }
  uint64_t idempotency_ttl_ns() const { return idempotency_.ttl_ns(); }

  // Ids of accounts whose metadata an event opens or changes from now on are appended to
  // `out` (not owned; null, the default and during recovery, records nothing): the durable
  // read view copies them after each batch and empties it (platform/balance_view_feed.h).
  void set_accounts_touched(std::vector<AccountId>* out) { accounts_touched_ = out; }

  void Clear();
  // The state as a sequence of events that rebuild it: u16 type | u32 size | payload.
  std::string EncodeSnapshot() const;
  Status DecodeSnapshot(std::string_view bytes);

 private:
  static std::string AliasKey(TenantId tenant, std::string_view alias);

  KeyDirectory* keys_dir_;
  std::unordered_map<u128, Tenant, U128Hash> tenants_;
  std::vector<TenantId> tenant_order_;
  std::unordered_map<u128, TenantLists, U128Hash> lists_;
  std::unordered_map<u128, ApiKey, U128Hash> keys_;
  std::unordered_map<u128, Customer, U128Hash> customers_;
  std::unordered_map<u128, AccountMeta, U128Hash> accounts_;
  std::unordered_map<u128, std::vector<AccountId>, U128Hash> customer_accounts_;
  std::unordered_map<std::string, AccountId> aliases_;
  std::unordered_map<uint64_t, AccountId> by_number_;  // bank-wide account numbers
  uint64_t next_account_number_ = 1;
  std::unordered_map<u128, std::string, U128Hash> descriptions_;
  std::unordered_set<u128, U128Hash> rail_transfers_;  // annotated `rail` (money audit)
  std::unordered_map<u128, Adjustment, U128Hash> adjustments_;
  std::unordered_map<ledger::LedgerCode, AccountId> settlement_;  // ledger -> its settlement
  kernel::IdempotencyStore idempotency_;
  std::vector<AccountId>* accounts_touched_ = nullptr;
};

// The customer an event creates (shared by the state and the event feed).
Customer CustomerFromEvent(const pb::CustomerCreated& e);

using kernel::IdBytes;
using kernel::IdFromBytes;

using kernel::CallerScope;
using kernel::CallerScopeV1;
using kernel::kCallerScopeBytes;
using kernel::LegacyCallerScope;

void ActorToProto(const Actor& a, pb::Actor* out);
bool ActorFromProto(const pb::Actor& in, Actor* out);  // false on an unknown kind or bad id

}  // namespace cb::platform
