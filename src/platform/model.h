#pragma once
// The platform's objects: tenants, API keys, customers and the metadata of customer
// accounts (the balances live in the ledger, under the same 128-bit account id).
#include <string>
#include <string_view>
#include <vector>

#include "base/sha256.h"
#include "base/time.h"
#include "kernel/idempotency_store.h"
#include "kernel/ids.h"
#include "kernel/principal.h"
#include "ledger/types.h"

namespace cb::platform {

// The caller and its ids are the kernel's (kernel/principal.h); the rest is the platform's.
using kernel::ApiKeyId;
using kernel::AuthLevel;
using kernel::CustomerId;
using kernel::ParseRole;
using kernel::Principal;
using kernel::PrincipalKind;
using kernel::Role;
using kernel::RoleName;
using kernel::ScopeSet;
using kernel::TenantId;
struct AdjustmentIdTag {};
using AdjustmentId = Id128<AdjustmentIdTag>;
using ledger::AccountId;
using ledger::TransferId;

// Values are stored in events: append only.
enum class CustomerType : uint8_t { kIndividual = 1, kBusiness = 2 };
enum class CustomerStatus : uint8_t { kActive = 1, kSuspended = 2, kClosed = 3 };
enum class AccountType : uint8_t { kCurrent = 1, kSavings = 2, kSettlement = 3 };
enum class AccountStatus : uint8_t { kOpen = 1, kFrozen = 2, kClosed = 3 };
enum class AdjustmentDirection : uint8_t { kCredit = 1, kDebit = 2 };  // of the customer account
enum class AdjustmentStatus : uint8_t { kPendingApproval = 1, kApplied = 2, kRejected = 3 };
// Who did something, as recorded in events: an API key, or a token's user (or, for client
// credentials, its app).
enum class ActorKind : uint8_t { kApiKey = 1, kUser = 2, kApp = 3 };

// The bank's own books (settlement now; clearing, fees, suspense and the rails' GL accounts
// later): never an end of a public transfer, never visible to a customer's token.
inline bool IsInternalAccount(AccountType t) { return t == AccountType::kSettlement; }

const char* CustomerTypeName(CustomerType t);
const char* CustomerStatusName(CustomerStatus s);
const char* AccountTypeName(AccountType t);
const char* AccountStatusName(AccountStatus s);
const char* AdjustmentStatusName(AdjustmentStatus s);
const char* AdjustmentDirectionName(AdjustmentDirection d);
bool ParseAdjustmentDirection(std::string_view s, AdjustmentDirection* out);
bool ParseCustomerType(std::string_view s, CustomerType* out);
bool ParseCustomerStatus(std::string_view s, CustomerStatus* out);
bool ParseAccountType(std::string_view s, AccountType* out);  // current | savings only

// Chart of accounts used for platform accounts (ledger `code`).
constexpr uint16_t kGlSettlement = 1000;  // asset: the tenant's settlement (suspense) account
constexpr uint16_t kGlCurrent = 2000;     // liability: customer current accounts
constexpr uint16_t kGlSavings = 2100;     // liability: customer savings accounts
constexpr uint16_t kTransferCodeTransfer = 1;
constexpr uint16_t kTransferCodeDeposit = 2;     // sandbox deposit: settlement -> customer
constexpr uint16_t kTransferCodeAdjustment = 3;  // four-eyes manual adjustment
constexpr uint16_t kTransferCodeRail = 4;  // a payment rail: customer <-> clearing (settlement)

// Ledgers are per tenant and currency: seq * 1000 + ISO 4217 numeric code.
constexpr uint32_t kTenantSeqMax = 4'000'000;
inline ledger::LedgerCode TenantLedger(uint32_t tenant_seq, uint16_t iso_numeric) {
  return tenant_seq * 1000 + iso_numeric;
}
inline uint32_t LedgerTenantSeq(ledger::LedgerCode ledger) { return ledger / 1000; }
// Settlement accounts opened before issue 12 had structured ids (top byte 0xCB, then the
// tenant seq, then the ISO numeric code); those journals still name them so. New ones get
// random ids like every other account. Used only to read old AccountOpened events.
inline ledger::LedgerCode LegacySettlementLedger(AccountId id) {
  const uint64_t hi = U128Hi(id.value);
  if ((hi >> 56) != 0xCB) return 0;
  const uint64_t lo = U128Lo(id.value);
  const uint64_t seq = hi & 0x00FF'FFFF'FFFF'FFFFull;
  if (seq == 0 || seq > kTenantSeqMax || lo == 0 || lo >= 1000) return 0;
  return static_cast<ledger::LedgerCode>(seq * 1000 + lo);
}

struct Tenant {
  TenantId id;
  uint32_t seq = 0;
  std::string name;
  bool sandbox = false;
  bool root = false;
  TimestampNs created = 0;
};

struct Actor {
  ActorKind kind = ActorKind::kApiKey;
  u128 id = 0;  // 0: nobody recorded
  bool operator==(const Actor&) const = default;
};

struct ApiKey {
  ApiKeyId id;
  TenantId tenant;
  Hash256 secret_sha256{};
  Role role = Role::kReadOnly;
  std::string name;
  bool revoked = false;
  TimestampNs created = 0;
  Actor created_by;  // id 0 for a tenant's first key (and keys from before issue 12)
};

struct Customer {
  CustomerId id;
  TenantId tenant;
  CustomerType type = CustomerType::kIndividual;
  std::string name, email, phone;
  uint8_t kyc_tier = 0;
  CustomerStatus status = CustomerStatus::kActive;
  TimestampNs created = 0;
  uint32_t order = 0;  // position in the tenant's list (cursor pagination)
};

struct AccountMeta {
  AccountId id;
  TenantId tenant;
  CustomerId customer;            // zero for internal accounts
  ledger::LedgerCode ledger = 0;  // 0 in events before issue 12 (then known for settlement only)
  AccountType type = AccountType::kCurrent;
  AccountStatus status = AccountStatus::kOpen;
  std::vector<std::string> aliases;
  TimestampNs created = 0;
  uint32_t order = 0;           // position in the tenant's list
  uint32_t customer_order = 0;  // position in its customer's list
  uint64_t number = 0;          // bank-wide account number, 0 for none (account_iban.h)
};

// A manual adjustment: money moved between a customer account and the tenant's settlement
// account outside any transfer route, requested by one actor and applied only when a
// different one approves (four-eyes).
struct Adjustment {
  AdjustmentId id;
  TenantId tenant;
  AccountId account;
  TransferId transfer;  // the ledger transfer it becomes when applied
  AdjustmentDirection direction = AdjustmentDirection::kCredit;
  u128 amount_minor = 0;
  ledger::LedgerCode ledger = 0;
  std::string reason;
  AdjustmentStatus status = AdjustmentStatus::kPendingApproval;
  Actor requested_by;
  TimestampNs requested = 0;
  Actor decided_by;  // approver or rejecter
  std::string decision_note;
  TimestampNs decided = 0;
  uint32_t order = 0;
};

using kernel::IdempotencyEntry;  // kernel/idempotency_store.h

}  // namespace cb::platform
