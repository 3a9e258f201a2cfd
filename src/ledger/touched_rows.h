#pragma once
// The account rows changed since the last Clear(), each listed once: what one batch touched,
// so a durable read view (platform/balance_view.h) copies those rows and no others. Rows at
// or past rows_max are not tracked: the view does not hold them either (they fall back to the
// writer). Writer thread only.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cb::ledger {

class TouchedRows {
 public:
  explicit TouchedRows(size_t rows_max);
  TouchedRows(const TouchedRows&) = delete;
  TouchedRows& operator=(const TouchedRows&) = delete;

  // On the ledger's hot path (two per transfer): a bit test, and a push the first time.
  void Mark(uint32_t row) {
    if (row >= rows_max_) return;
    uint64_t& word = marked_[row / 64];
    const uint64_t bit = uint64_t{1} << (row % 64);
    if ((word & bit) != 0) return;
    word |= bit;
    rows_.push_back(row);
  }
  std::span<const uint32_t> rows() const { return rows_; }
  size_t rows_max() const { return rows_max_; }
  // O(rows marked), not O(rows_max): batches are small next to the account table.
  void Clear();

 private:
  size_t rows_max_;
  std::vector<uint64_t> marked_;  // one bit a row
  std::vector<uint32_t> rows_;    // at most rows_max_ (the bits dedupe); keeps its capacity
};

}  // namespace cb::ledger
