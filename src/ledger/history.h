#pragma once
// Immutable per-account history, for every account (no opt-in flag): each account's
// records in order, and every kCheckpointEvery entries the balances after that entry, so
// "balances after each transfer" and "balance as of any instant" cost at most
// kCheckpointEvery record folds. Memory: 4 bytes per entry + one checkpoint per 64 entries.
// Updated per batch by CatchUp (not on the hot path of executing a transfer).
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "ledger/types.h"

namespace cb::ledger {

class LedgerState;

struct HistoryEntry {
  Transfer transfer;        // the record (an expiry record has flag kTransferExpiryRecord)
  Balances balances_after;  // this account's balances after it
};

struct HistoryQuery {
  AccountId account_id;
  TimestampNs timestamp_min = 0;           // inclusive
  TimestampNs timestamp_max = UINT64_MAX;  // inclusive
  uint32_t limit = 100;
  bool reversed = false;  // newest first
};

class HistoryIndex {
 public:
  static constexpr uint32_t kCheckpointEvery = 64;
  static constexpr uint32_t kLimitMax = 8190;

  // Indexes records [records_indexed, record_end) of accounts [0, account_count). Reads
  // only immutable rows (records and their RecordAccounts), so the executor's journal
  // thread may run it for committed batches while the writer executes the next one. The
  // index is internally locked: queries may come from the writer thread meanwhile.
  void CatchUpTo(const LedgerState& state, uint64_t record_end, uint64_t account_count);
  void Reset() {
    std::lock_guard<std::mutex> lock(mu_);
    accounts_.clear();
    records_indexed_ = 0;
  }
  uint64_t records_indexed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return records_indexed_;
  }

  // Entries of an account within the query's time range, oldest first (or newest first).
  // The account must exist (the caller answers account_not_found).
  std::vector<HistoryEntry> Get(const LedgerState& state, uint32_t account_row,
                                const HistoryQuery& query) const;
  // Balances of an account as of `timestamp` (inclusive). Zero if it had no records then.
  Balances BalanceAsOf(const LedgerState& state, uint32_t account_row, TimestampNs timestamp) const;

 private:
  struct PerAccount {
    std::vector<uint32_t> rows;         // record rows touching this account, in order
    std::vector<Balances> checkpoints;  // balances after rows[k*64 + 63]
    Balances running;
  };
  Balances BalanceAfter(const LedgerState& state, uint32_t account_row, const PerAccount& pa,
                        size_t entry) const;

  mutable std::mutex mu_;
  std::vector<PerAccount> accounts_;
  uint64_t records_indexed_ = 0;
};

}  // namespace cb::ledger
