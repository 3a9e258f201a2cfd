#include "ledger/history.h"

#include <algorithm>

#include "ledger/state.h"

namespace cb::ledger {

const HistoryIndex::PerAccount& HistoryIndex::Materialize(const LedgerState& state,
                                                          uint32_t account_row) const {
  PerAccount& pa = accounts_[account_row];
  const uint64_t end = state.record_count();
  if (pa.row_end >= end) return pa;
  // Walk the account's chain back from its newest record to the first one not yet here.
  scratch_.clear();
  for (uint32_t row = state.last_record(account_row); row != kNoRow && row >= pa.row_end;
       row = state.PreviousRecord(row, account_row)) {
    CB_CHECK(scratch_.size() < end);  // a chain is strictly decreasing; bound the walk
    scratch_.push_back(row);
  }
  for (auto it = scratch_.rbegin(); it != scratch_.rend(); ++it) {
    state.ApplyRecordEffect(*it, account_row, &pa.running);
    pa.rows.push_back(*it);
    if (pa.rows.size() % kCheckpointEvery == 0) pa.checkpoints.push_back(pa.running);
  }
  pa.row_end = end;
  row_end_max_ = std::max(row_end_max_, end);
  return pa;
}

Balances HistoryIndex::BalanceAfter(const LedgerState& state, uint32_t account_row,
                                    const PerAccount& pa, size_t entry) const {
  // Start from the checkpoint at or before `entry` and fold forward.
  Balances b;
  size_t from = 0;
  const size_t cp = (entry + 1) / kCheckpointEvery;
  if (cp > 0) {
    b = pa.checkpoints[cp - 1];
    from = cp * kCheckpointEvery;
  }
  for (size_t k = from; k <= entry; k++) state.ApplyRecordEffect(pa.rows[k], account_row, &b);
  return b;
}

std::vector<HistoryEntry> HistoryIndex::Get(const LedgerState& state, uint32_t account_row,
                                            const HistoryQuery& q) const {
  std::vector<HistoryEntry> out;
  if (account_row >= state.account_count()) return out;
  const PerAccount& pa = Materialize(state, account_row);
  const uint32_t limit = std::min(q.limit, kLimitMax);
  auto ts_of = [&](uint32_t row) { return state.record(row).timestamp; };
  // Rows are in timestamp order: binary search the range.
  auto lo = std::lower_bound(pa.rows.begin(), pa.rows.end(), q.timestamp_min,
                             [&](uint32_t row, TimestampNs ts) { return ts_of(row) < ts; });
  auto hi = std::upper_bound(pa.rows.begin(), pa.rows.end(), q.timestamp_max,
                             [&](TimestampNs ts, uint32_t row) { return ts < ts_of(row); });
  if (lo >= hi) return out;
  const size_t first = static_cast<size_t>(lo - pa.rows.begin());
  const size_t last = static_cast<size_t>(hi - pa.rows.begin());  // exclusive
  if (!q.reversed) {
    Balances b = first == 0 ? Balances{} : BalanceAfter(state, account_row, pa, first - 1);
    for (size_t k = first; k < last && out.size() < limit; k++) {
      state.ApplyRecordEffect(pa.rows[k], account_row, &b);
      out.push_back({state.record(pa.rows[k]), b});
    }
  } else {
    const size_t take = std::min<size_t>(limit, last - first);
    const size_t start = last - take;
    Balances b = start == 0 ? Balances{} : BalanceAfter(state, account_row, pa, start - 1);
    std::vector<HistoryEntry> fwd;
    for (size_t k = start; k < last; k++) {
      state.ApplyRecordEffect(pa.rows[k], account_row, &b);
      fwd.push_back({state.record(pa.rows[k]), b});
    }
    out.assign(fwd.rbegin(), fwd.rend());
  }
  return out;
}

Balances HistoryIndex::BalanceAsOf(const LedgerState& state, uint32_t account_row,
                                   TimestampNs timestamp) const {
  if (account_row >= state.account_count()) return {};
  const PerAccount& pa = Materialize(state, account_row);
  auto hi = std::upper_bound(
      pa.rows.begin(), pa.rows.end(), timestamp,
      [&](TimestampNs ts, uint32_t row) { return ts < state.record(row).timestamp; });
  const size_t n = static_cast<size_t>(hi - pa.rows.begin());
  if (n == 0) return {};
  return BalanceAfter(state, account_row, pa, n - 1);
}

}  // namespace cb::ledger
