#pragma once
// Immutable per-account history, for every account (no opt-in flag). The writer links each
// record to the previous record of its debit and of its credit account as it appends it
// (LedgerState::AppendRecord: two words into a row it writes anyway, no extra cache miss),
// so the whole history is always there. This index turns an account's chain into a sorted
// array on first query and extends it on later ones (amortised O(1) per entry), with the
// balances after every kCheckpointEvery-th entry, so "balances after each transfer" and
// "balance as of any instant" cost a binary search plus at most kCheckpointEvery record
// folds. Memory: 4 bytes per entry of queried accounts + one checkpoint per 64 entries.
// Not thread-safe: used on the shard's writer thread (queries go through its queue).
#include <cstdint>
#include <optional>
#include <unordered_map>
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

  // Entries of an account within the query's time range, oldest first (or newest first).
  // The account must exist (the caller answers account_not_found).
  std::vector<HistoryEntry> Get(const LedgerState& state, uint32_t account_row,
                                const HistoryQuery& query) const;
  // Balances of an account as of `timestamp` (inclusive). Zero if it had no records then.
  Balances BalanceAsOf(const LedgerState& state, uint32_t account_row, TimestampNs timestamp) const;

  // Forgets everything (state cleared or reloaded).
  void Clear() {
    accounts_.clear();
    row_end_max_ = 0;
  }
  // One past the newest record row any materialised history holds: never beyond the state's
  // records (a rolled-back linked chain must not be in anybody's history).
  uint64_t row_end_max() const { return row_end_max_; }
  size_t accounts_materialized() const { return accounts_.size(); }

 private:
  struct PerAccount {
    std::vector<uint32_t> rows;         // record rows touching this account, in order
    std::vector<Balances> checkpoints;  // balances after rows[k*64 + 63]
    Balances running;
    uint64_t row_end = 0;  // rows below this are all in `rows`
  };
  // The account's entries, brought up to date with the state's records.
  const PerAccount& Materialize(const LedgerState& state, uint32_t account_row) const;
  Balances BalanceAfter(const LedgerState& state, uint32_t account_row, const PerAccount& pa,
                        size_t entry) const;

  // A cache of what the state's record chains already say: logically const.
  mutable std::unordered_map<uint32_t, PerAccount> accounts_;
  mutable uint64_t row_end_max_ = 0;
  mutable std::vector<uint32_t> scratch_;
};

}  // namespace cb::ledger
