#pragma once
// The platform's objects: tenants, API keys, customers and the metadata of customer
// accounts (the balances live in the ledger, under the same 128-bit account id).
#include <string>
#include <string_view>
#include <vector>

#include "base/sha256.h"
#include "base/time.h"
#include "ledger/types.h"

namespace cb::platform {

struct TenantIdTag {};
struct ApiKeyIdTag {};
struct CustomerIdTag {};
using TenantId = ledger::Id128<TenantIdTag>;
using ApiKeyId = ledger::Id128<ApiKeyIdTag>;
using CustomerId = ledger::Id128<CustomerIdTag>;
using ledger::AccountId;
using ledger::TransferId;

// Values are stored in events: append only.
enum class Role : uint8_t { kAdmin = 1, kOperator = 2, kReadOnly = 3 };
enum class CustomerType : uint8_t { kIndividual = 1, kBusiness = 2 };
enum class CustomerStatus : uint8_t { kActive = 1, kSuspended = 2, kClosed = 3 };
enum class AccountType : uint8_t { kCurrent = 1, kSavings = 2, kSettlement = 3 };
enum class AccountStatus : uint8_t { kOpen = 1, kFrozen = 2, kClosed = 3 };

const char* RoleName(Role r);
const char* CustomerTypeName(CustomerType t);
const char* CustomerStatusName(CustomerStatus s);
const char* AccountTypeName(AccountType t);
const char* AccountStatusName(AccountStatus s);
bool ParseRole(std::string_view s, Role* out);
bool ParseCustomerType(std::string_view s, CustomerType* out);
bool ParseCustomerStatus(std::string_view s, CustomerStatus* out);
bool ParseAccountType(std::string_view s, AccountType* out);  // current | savings only

// Chart of accounts used for platform accounts (ledger `code`).
constexpr uint16_t kGlSettlement = 1000;  // asset: the tenant's settlement (suspense) account
constexpr uint16_t kGlCurrent = 2000;     // liability: customer current accounts
constexpr uint16_t kGlSavings = 2100;     // liability: customer savings accounts
constexpr uint16_t kTransferCodeTransfer = 1;
constexpr uint16_t kTransferCodeDeposit = 2;

// Ledgers are per tenant and currency: seq * 1000 + ISO 4217 numeric code.
constexpr uint32_t kTenantSeqMax = 4'000'000;
inline ledger::LedgerCode TenantLedger(uint32_t tenant_seq, uint16_t iso_numeric) {
  return tenant_seq * 1000 + iso_numeric;
}
inline uint32_t LedgerTenantSeq(ledger::LedgerCode ledger) { return ledger / 1000; }
// The tenant's settlement account for a currency: a reserved id range (top byte 0xCB) that
// random ids practically never hit; creation fails cleanly if one ever does.
inline AccountId SettlementAccountId(uint32_t tenant_seq, uint16_t iso_numeric) {
  return AccountId(MakeU128(0xCB00'0000'0000'0000ull | tenant_seq, iso_numeric));
}

struct Tenant {
  TenantId id;
  uint32_t seq = 0;
  std::string name;
  bool sandbox = false;
  bool root = false;
  TimestampNs created = 0;
};

struct ApiKey {
  ApiKeyId id;
  TenantId tenant;
  Hash256 secret_sha256{};
  Role role = Role::kReadOnly;
  std::string name;
  bool revoked = false;
  TimestampNs created = 0;
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
  CustomerId customer;  // zero for settlement accounts
  AccountType type = AccountType::kCurrent;
  AccountStatus status = AccountStatus::kOpen;
  std::vector<std::string> aliases;
  TimestampNs created = 0;
  uint32_t order = 0;
};

// The answer's bytes stay in the journal (the IdempotencyRecorded event at `seq`); memory
// holds only what decides between replay and 409.
struct IdempotencyEntry {
  Hash256 request_sha256{};
  uint16_t http_status = 0;
  uint64_t seq = 0;
  TimestampNs created = 0;
};

}  // namespace cb::platform
