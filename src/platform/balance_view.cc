#include "platform/balance_view.h"

#include <sys/mman.h>

#include <atomic>
#include <bit>
#include <cstring>

#include "base/check.h"
#include "ledger/id_index.h"

namespace cb::platform {

namespace {

// Enough for a row written between two reads a few times over; a reader that loses more
// often than this is starved by a hot row and lets the writer answer instead.
constexpr int kReadAttemptsMax = 64;

using WordRef = std::atomic_ref<uint64_t>;
using SlotRef = std::atomic_ref<uint32_t>;

// Anonymous pages, zero until first written: a view sized for millions of accounts costs
// only the rows in use.
void* MapZeroed(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  CB_CHECK(p != MAP_FAILED);
  return p;
}

}  // namespace

BalanceView::BalanceView(size_t rows_max) : rows_max_(rows_max) {
  CB_CHECK(rows_max >= 1);
  CB_CHECK(rows_max < UINT32_MAX / 2);
  const size_t slots = std::bit_ceil(rows_max * 2);
  index_mask_ = slots - 1;
  rows_bytes_ = rows_max * kRowWords * sizeof(uint64_t);
  index_bytes_ = slots * sizeof(uint32_t);
  rows_ = static_cast<uint64_t*>(MapZeroed(rows_bytes_));
  index_ = static_cast<uint32_t*>(MapZeroed(index_bytes_));
}

BalanceView::~BalanceView() {
  munmap(rows_, rows_bytes_);
  munmap(index_, index_bytes_);
}

AccountId BalanceView::StoredId(uint32_t row) const {
  // The id words never change once a row is first published, and readers reach a row only
  // through an index slot stored (release) after that: relaxed loads see them whole.
  uint64_t* w = RowWords(row) + 1;
  const uint64_t id_words[2] = {WordRef(w[0]).load(std::memory_order_relaxed),
                                WordRef(w[1]).load(std::memory_order_relaxed)};
  AccountId id;
  std::memcpy(&id, id_words, sizeof(id));
  return id;
}

void BalanceView::Publish(uint32_t row, const BalanceRow& data) {
  CB_CHECK(row < rows_max_);
  CB_CHECK(!data.id.zero());
  uint64_t* w = RowWords(row);
  const uint64_t version = WordRef(w[0]).load(std::memory_order_relaxed);
  CB_CHECK(version % 2 == 0);  // one publisher: nobody else is mid-write
  const bool fresh = version == 0;
  // A ledger row never changes account: rows are appended, and only a rolled-back chain
  // (inside one batch, before anything is staged) removes one.
  if (!fresh) CB_CHECK(StoredId(row) == data.id);
  uint64_t words[kDataWords];
  std::memcpy(words, &data, sizeof(words));
  WordRef(w[0]).store(version + 1, std::memory_order_relaxed);
  // Readers that see a data word of this write also see the odd version (and retry).
  std::atomic_thread_fence(std::memory_order_release);
  for (size_t i = 0; i < kDataWords; i++) {
    WordRef(w[1 + i]).store(words[i], std::memory_order_relaxed);
  }
  WordRef(w[0]).store(version + 2, std::memory_order_release);
  if (fresh) {
    IndexInsert(data.id, row);
    published_.fetch_add(1, std::memory_order_relaxed);
  }
}

void BalanceView::IndexInsert(AccountId id, uint32_t row) {
  size_t slot = ledger::HashId(id.value) & index_mask_;
  // Bounded: at most rows_max of at least 2 * rows_max slots are ever used.
  for (size_t probe = 0; probe <= index_mask_; probe++) {
    SlotRef ref(index_[slot]);
    const uint32_t held = ref.load(std::memory_order_relaxed);
    if (held == 0) {
      ref.store(row + 1, std::memory_order_release);  // after the row's first version
      return;
    }
    CB_CHECK(held != row + 1);
    slot = (slot + 1) & index_mask_;
  }
  CB_CHECK(false && "balance view index full");
}

bool BalanceView::ReadRow(uint32_t row, BalanceRow* out) const {
  if (row >= rows_max_) return false;
  uint64_t* w = RowWords(row);
  uint64_t words[kDataWords];
  for (int attempt = 0; attempt < kReadAttemptsMax; attempt++) {
    const uint64_t before = WordRef(w[0]).load(std::memory_order_acquire);
    if (before == 0) return false;  // never published
    if (before % 2 != 0) continue;  // being written: look again
    for (size_t i = 0; i < kDataWords; i++) {
      words[i] = WordRef(w[1 + i]).load(std::memory_order_relaxed);
    }
    // The data loads above stay above the version check below.
    std::atomic_thread_fence(std::memory_order_acquire);
    if (WordRef(w[0]).load(std::memory_order_relaxed) == before) {
      std::memcpy(out, words, sizeof(words));
      return true;
    }
  }
  return false;
}

bool BalanceView::Read(AccountId id, BalanceRow* out) const {
  if (id.zero()) return false;
  size_t slot = ledger::HashId(id.value) & index_mask_;
  for (size_t probe = 0; probe <= index_mask_; probe++) {
    const uint32_t held = SlotRef(index_[slot]).load(std::memory_order_acquire);
    if (held == 0) return false;
    if (StoredId(held - 1) == id) return ReadRow(held - 1, out) && out->id == id;
    slot = (slot + 1) & index_mask_;
  }
  return false;
}

uint64_t BalanceView::rows_published() const { return published_.load(std::memory_order_relaxed); }

}  // namespace cb::platform
