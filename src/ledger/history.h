#pragma once
// Immutable per-account history, for every account (no opt-in flag): each account's
// records in order, and every kCheckpointEvery entries the balances after that entry, so
// "balances after each transfer" and "balance as of any instant" cost at most
// kCheckpointEvery record folds. Memory: 4 bytes per entry + one checkpoint per 64 entries.
// Updated per batch by CatchUp (not on the hot path of executing a transfer).
#include <cstdint>
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

  void CatchUp(const LedgerState& state);
  void Reset() {
    accounts_.clear();
    records_indexed_ = 0;
  }
  uint64_t records_indexed() const { return records_indexed_; }

  // Entries of an account within the query's time range, oldest first (or newest first).
  // The account must exist (the caller answers account_not_found).
  std::vector<HistoryEntry> Get(const LedgerState& state, uint32_t account_row,
                                const HistoryQuery& query) const;
  // Balances of an account as of `timestamp` (inclusive). Zero if it had no records then.
  Balances BalanceAsOf(const LedgerState& state, uint32_t account_row, TimestampNs timestamp) const;
  size_t memory_bytes() const;

 private:
  struct PerAccount {
    std::vector<uint32_t> rows;        // record rows touching this account, in order
    std::vector<Balances> checkpoints; // balances after rows[k*64 + 63]
    Balances running;
  };
  Balances BalanceAfter(const LedgerState& state, uint32_t account_row, const PerAccount& pa,
                        size_t entry) const;

  std::vector<PerAccount> accounts_;
  uint64_t records_indexed_ = 0;
};

}  // namespace cb::ledger
