#pragma once
// Typed commands and queries a shard executes, and their replies. The HTTP edge decodes
// JSON into these; nothing below this line sees JSON.
#include <any>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "base/status.h"
#include "ledger/history.h"
#include "ledger/results.h"
#include "ledger/state.h"
#include "runtime/service.h"

namespace cb::runtime {

struct DefineLedgerCmd {
  ledger::LedgerInfo info;
};
struct DefineGlCodeCmd {
  ledger::GlCode gl;
};
struct CreateAccountsCmd {
  std::vector<ledger::Account> accounts;
};
struct CreateTransfersCmd {
  std::vector<ledger::Transfer> transfers;
};
struct SetAccountLimitCmd {
  ledger::AccountId account_id;
  uint64_t limit = 0;
};
struct CloseAccountCmd {
  ledger::AccountId account_id;
  bool reopen = false;
};

// Queries run on the writer thread like commands (linearizable) and are released only
// after every batch before them is durable.
struct LookupAccountsQuery {
  std::vector<ledger::AccountId> ids;
};
struct LookupTransfersQuery {
  std::vector<ledger::TransferId> ids;
};
struct HistoryQueryCmd {
  ledger::HistoryQuery query;
};
struct BalanceAsOfQuery {
  ledger::AccountId account_id;
  TimestampNs timestamp = 0;
};
struct TrialBalanceQuery {};

// A command for the shard's service (service.h); the runtime never looks inside.
struct ServiceCmd {
  std::shared_ptr<const ServiceOp> op;
};

using Command =
    std::variant<DefineLedgerCmd, DefineGlCodeCmd, CreateAccountsCmd, CreateTransfersCmd,
                 SetAccountLimitCmd, CloseAccountCmd, LookupAccountsQuery, LookupTransfersQuery,
                 HistoryQueryCmd, BalanceAsOfQuery, TrialBalanceQuery, ServiceCmd>;

// Number of items a command carries (bounded by ledger::kItemsPerCommandMax).
size_t CommandItemCount(const Command& command);

struct Reply {
  Status status;           // not OK: the command was not executed (or not durable)
  uint64_t seq_first = 0;  // journal sequence of the command's first event, 0 if none
  uint64_t seq_last = 0;
  TimestampNs timestamp = 0;      // the batch clock it ran at
  std::vector<uint32_t> results;  // per item: AccountResult or TransferResult values
  std::vector<ledger::Account> accounts;
  std::vector<ledger::Transfer> transfers;
  std::vector<ledger::HistoryEntry> history;
  ledger::Balances balances;
  bool found = false;
  std::vector<ledger::LedgerTotals> trial_balance;
  // ServiceCmd answers: an HTTP status and a rendered body (the service owns the format).
  uint16_t http_status = 0;
  std::string body;
  bool replayed = false;    // an idempotent replay of an earlier answer:
  uint64_t replay_seq = 0;  // its body is in the journal event at this sequence
  // A service's typed result for the edge (what an OAuth op decided), when a rendered body
  // is not what the edge needs.
  std::any service_result;
};

}  // namespace cb::runtime
