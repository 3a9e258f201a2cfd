#include "ledger/history.h"

#include <algorithm>

#include "base/prefetch.h"
#include "ledger/state.h"

namespace cb::ledger {

void HistoryIndex::CatchUpTo(const LedgerState& state, uint64_t end, uint64_t account_count) {
  std::lock_guard<std::mutex> lock(mu_);
  if (accounts_.size() < account_count) accounts_.resize(account_count);
  // Random accounts: every entry misses the cache twice (the PerAccount, then the end of
  // its rows). Prefetch in two stages, far ahead the PerAccount, nearer the rows' end.
  constexpr uint64_t kAhead = 8;
  auto prefetch_account = [&](uint64_t r) {
    const RecordAccounts& ra = state.record_accounts(static_cast<uint32_t>(r));
    if (ra.debit_row < accounts_.size()) PrefetchRead(&accounts_[ra.debit_row]);
    if (ra.credit_row < accounts_.size()) PrefetchRead(&accounts_[ra.credit_row]);
  };
  auto prefetch_rows = [&](uint64_t r) {
    const RecordAccounts& ra = state.record_accounts(static_cast<uint32_t>(r));
    for (uint32_t arow : {ra.debit_row, ra.credit_row}) {
      if (arow >= accounts_.size()) continue;
      const std::vector<uint32_t>& rows = accounts_[arow].rows;
      if (!rows.empty()) PrefetchRead(rows.data() + rows.size() - 1);
    }
  };
  for (uint64_t r = records_indexed_; r < std::min(end, records_indexed_ + 2 * kAhead); r++) {
    prefetch_account(r);
  }
  for (uint64_t row = records_indexed_; row < end; row++) {
    if (row + 2 * kAhead < end) prefetch_account(row + 2 * kAhead);
    if (row + kAhead < end) prefetch_rows(row + kAhead);
    const RecordAccounts& ra = state.record_accounts(static_cast<uint32_t>(row));
    for (uint32_t arow : {ra.debit_row, ra.credit_row}) {
      CB_CHECK(arow < accounts_.size());
      PerAccount& pa = accounts_[arow];
      // Skip the 1-2-4 growth steps: most accounts get several entries.
      if (pa.rows.empty()) pa.rows.reserve(8);
      state.ApplyRecordEffect(static_cast<uint32_t>(row), arow, &pa.running);
      pa.rows.push_back(static_cast<uint32_t>(row));
      if (pa.rows.size() % kCheckpointEvery == 0) pa.checkpoints.push_back(pa.running);
    }
  }
  records_indexed_ = std::max(records_indexed_, end);
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
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<HistoryEntry> out;
  if (account_row >= accounts_.size()) return out;
  const PerAccount& pa = accounts_[account_row];
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
  std::lock_guard<std::mutex> lock(mu_);
  if (account_row >= accounts_.size()) return {};
  const PerAccount& pa = accounts_[account_row];
  auto hi = std::upper_bound(
      pa.rows.begin(), pa.rows.end(), timestamp,
      [&](TimestampNs ts, uint32_t row) { return ts < state.record(row).timestamp; });
  const size_t n = static_cast<size_t>(hi - pa.rows.begin());
  if (n == 0) return {};
  return BalanceAfter(state, account_row, pa, n - 1);
}

}  // namespace cb::ledger
