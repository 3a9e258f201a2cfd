#pragma once
// JSON for platform objects and errors, appended by hand (json_out.h). The writer thread
// renders answers once; idempotent replays send the same bytes again.
#include <optional>
#include <string>
#include <string_view>

#include "kernel/errors.h"
#include "kernel/json_out.h"
#include "ledger/state.h"
#include "platform/model.h"

namespace cb::platform {

using kernel::Answer;
using kernel::ErrorAnswer;
using kernel::ErrorBody;
using kernel::ErrorKind;

using kernel::AppendTimestamp;  // quoted RFC 3339
void RenderTenant(std::string* out, const Tenant& t);
void RenderApiKey(std::string* out, const ApiKey& k, std::string_view token);
void RenderCustomer(std::string* out, const Customer& c);
// Balances object of a ledger account: current, available, pending; `as_of` quoted or null.
void RenderBalances(std::string* out, AccountId id, const ledger::Balances& b,
                    const ledger::LedgerInfo& info, std::optional<TimestampNs> as_of);
void RenderAccount(std::string* out, const AccountMeta& meta, const ledger::Account& account,
                   const ledger::LedgerInfo& info);

struct TransferView {
  const ledger::Transfer* record = nullptr;
  ledger::PendingStatus status = ledger::PendingStatus::kNone;
  std::optional<u128> posted_amount;
  const std::string* description = nullptr;
  const ledger::LedgerInfo* info = nullptr;
  uint64_t journal_seq = 0;  // 0 renders null (reads)
  bool held = false;         // a pending reservation an open risk case holds: "held"
  u128 decision = 0;         // the risk decision on it; 0 renders null
};
void RenderTransfer(std::string* out, const TransferView& v);
// {"type":"api_key"|"user"|"app","id":"key_..."}
void RenderActor(std::string* out, const Actor& a);
void RenderAdjustment(std::string* out, const Adjustment& a, const ledger::LedgerInfo& info);

}  // namespace cb::platform
