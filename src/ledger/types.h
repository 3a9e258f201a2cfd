#pragma once
// Ledger value types. Account and Transfer have fixed little-endian layouts: the journal
// stores them byte for byte as event payloads (see events.h), like TigerBeetle's 128-byte
// transfer, because protobuf would cost the hot path (docs/adr/0002-event-encoding.md).
// Amounts and balances are unsigned 128-bit integers in minor units; never floating point.
#include <cstdint>
#include <cstring>

#include "base/id128.h"
#include "base/time.h"
#include "base/uint128.h"

namespace cb::ledger {

// Strong id types (base/id128.h): swapping an account id and a transfer id does not compile.
using ::cb::Id128;
struct AccountIdTag {};
struct TransferIdTag {};
using AccountId = Id128<AccountIdTag>;
using TransferId = Id128<TransferIdTag>;

using LedgerCode = uint32_t;  // a ledger = one currency or asset

enum AccountFlags : uint16_t {
  kAccountLinked = 1 << 0,
  kAccountDebitsMustNotExceedCredits = 1 << 1,
  kAccountCreditsMustNotExceedDebits = 1 << 2,
  kAccountClosed = 1 << 3,  // set by CloseAccount, never at creation
  // The bank's own books (settlement, clearing, fees, suspense): only a transfer flagged
  // kTransferInternal may touch it, so no route that forgets to check can move it.
  kAccountInternal = 1 << 4,
};
constexpr uint16_t kAccountFlagsKnown = 0x001F;

enum TransferFlags : uint16_t {
  kTransferLinked = 1 << 0,
  kTransferPending = 1 << 1,
  kTransferPostPending = 1 << 2,
  kTransferVoidPending = 1 << 3,
  kTransferBalancingDebit = 1 << 4,
  kTransferBalancingCredit = 1 << 5,
  // Set only by the routes made to move money in or out of the bank (a sandbox deposit, an
  // approved adjustment, a payment rail): required to touch a kAccountInternal account.
  kTransferInternal = 1 << 6,
  // Internal: a record written when a pending transfer timed out. Clients cannot set it.
  kTransferExpiryRecord = 1 << 15,
};
constexpr uint16_t kTransferFlagsClient = 0x007F;

struct Balances {
  u128 debits_pending = 0;
  u128 debits_posted = 0;
  u128 credits_pending = 0;
  u128 credits_posted = 0;
  bool operator==(const Balances&) const = default;
};

// Account: 144 bytes, no implicit padding (hashed and stored raw).
//   0 id | 16 debits_pending | 32 debits_posted | 48 credits_pending | 64 credits_posted
//  80 user_data_128 | 96 user_data_64 | 104 limit | 112 user_data_32 | 116 ledger
// 120 code | 122 flags | 124 history_head | 128 timestamp | 136 reserved2
struct Account {
  AccountId id;
  Balances balances;
  u128 user_data_128 = 0;
  uint64_t user_data_64 = 0;
  // Overdraft (debits_must_not_exceed_credits) or credit (credits_must_not_exceed_debits)
  // limit in minor units: debits may exceed credits by at most this much, or vice versa.
  uint64_t limit = 0;
  uint32_t user_data_32 = 0;
  LedgerCode ledger = 0;
  uint16_t code = 0;  // chart-of-accounts (GL) code
  uint16_t flags = 0;
  // State-internal, zero in events and lookups (clients cannot set it): the newest record
  // touching this account as row + 1 (0: none), the head of its history chain (history.h).
  // It lives in the row rather than beside it because appending a record then costs no
  // cache miss: this line is already loaded for `flags` and `ledger` (+45% transfers/s).
  uint32_t history_head = 0;
  TimestampNs timestamp = 0;
  uint64_t reserved2 = 0;
};
static_assert(sizeof(Account) == 144);

// Transfer: 128 bytes, no implicit padding.
//   0 id | 16 debit_account_id | 32 credit_account_id | 48 amount | 64 pending_id
//  80 user_data_128 | 96 user_data_64 | 104 user_data_32 | 108 timeout_s | 112 ledger
// 116 code | 118 flags | 120 timestamp
struct Transfer {
  TransferId id;
  AccountId debit_account_id;
  AccountId credit_account_id;
  u128 amount = 0;
  TransferId pending_id;
  u128 user_data_128 = 0;
  uint64_t user_data_64 = 0;
  uint32_t user_data_32 = 0;
  uint32_t timeout_s = 0;  // pending only: expires this many seconds after creation
  LedgerCode ledger = 0;
  uint16_t code = 0;
  uint16_t flags = 0;
  TimestampNs timestamp = 0;
};
static_assert(sizeof(Transfer) == 128);

enum class PendingStatus : uint8_t {
  kNone = 0,
  kPending = 1,
  kPosted = 2,
  kVoided = 3,
  kExpired = 4
};

// A ledger (currency or asset): ISO 4217 code and minor-unit scale for currencies.
struct LedgerInfo {
  LedgerCode ledger = 0;
  char currency[8] = {};  // NUL-padded: "EUR", or an asset code up to 7 chars
  uint8_t scale = 0;      // minor-unit digits (EUR 2, JPY 0, BHD 3)
  uint8_t reserved[3] = {};
};
static_assert(sizeof(LedgerInfo) == 16);

enum class GlKind : uint8_t { kAsset = 1, kLiability = 2, kEquity = 3, kIncome = 4, kExpense = 5 };

// Chart of accounts entry: an account's `code` is its GL code.
struct GlCode {
  uint16_t code = 0;
  GlKind kind = GlKind::kAsset;
  uint8_t reserved = 0;
  char name[28] = {};
};
static_assert(sizeof(GlCode) == 32);

}  // namespace cb::ledger
