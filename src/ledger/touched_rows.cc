#include "ledger/touched_rows.h"

#include <algorithm>

#include "base/check.h"

namespace cb::ledger {

namespace {
// Reserved up front so a steady load never grows the list; a bigger batch grows it once.
constexpr size_t kRowsReserved = 1 << 16;
}  // namespace

TouchedRows::TouchedRows(size_t rows_max) : rows_max_(rows_max), marked_((rows_max + 63) / 64, 0) {
  CB_CHECK(rows_max <= UINT32_MAX);
  rows_.reserve(std::min(rows_max, kRowsReserved));
}

void TouchedRows::Clear() {
  for (uint32_t row : rows_) marked_[row / 64] = 0;  // whole words: cheaper than a bit each
  rows_.clear();
}

}  // namespace cb::ledger
