#pragma once
// Open-addressing hash index from a 128-bit id to a 32-bit row number. It stores only the
// row (4 bytes a slot); the key is read back from the row through `key_of`, so 10M
// transfers cost ~64 MiB of index, not 320. Linear probing with backward-shift deletion
// (deletion is only used to roll back a failed linked chain).
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "base/check.h"
#include "base/memory.h"
#include "base/prefetch.h"
#include "base/uint128.h"

namespace cb::ledger {

inline uint64_t HashId(u128 id) {
  uint64_t h = U128Lo(id) ^ (U128Hi(id) * 0x9E3779B97F4A7C15ull);
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return h;
}

template <typename KeyOf>  // KeyOf: u128 (uint32_t row) const
class IdIndex {
 public:
  static constexpr uint32_t kEmpty = UINT32_MAX;

  explicit IdIndex(KeyOf key_of, size_t capacity_min = 1024) : key_of_(key_of) {
    size_t cap = 1024;
    while (cap < capacity_min * 10 / 7) cap *= 2;
    Allocate(cap);
  }
  ~IdIndex() { Release(); }
  IdIndex(const IdIndex&) = delete;
  IdIndex& operator=(const IdIndex&) = delete;

  // Returns the row for `id` or kEmpty.
  uint32_t Find(u128 id) const {
    for (size_t i = HashId(id) & mask_;; i = (i + 1) & mask_) {
      const uint32_t row = slots_[i];
      if (row == kEmpty) return kEmpty;
      if (key_of_(row) == id) return row;
    }
  }

  void Prefetch(u128 id) const { PrefetchRead(&slots_[HashId(id) & mask_]); }
  // The row in `id`'s home slot (maybe another id's, or kEmpty): a prefetch hint only.
  uint32_t PeekHome(u128 id) const { return slots_[HashId(id) & mask_]; }

  // `id` must not be present.
  void Insert(u128 id, uint32_t row) {
    CB_CHECK(row != kEmpty);
    if ((count_ + 1) * 10 > capacity_ * 7) Grow();
    size_t i = HashId(id) & mask_;
    while (slots_[i] != kEmpty) {
      CB_DCHECK(key_of_(slots_[i]) != id);
      i = (i + 1) & mask_;
    }
    slots_[i] = row;
    count_++;
  }

  // Grows the table now so that `count_max` ids fit without a rehash later.
  void Reserve(size_t count_max) {
    while (count_max * 10 > capacity_ * 7) Grow();
  }

  // Removes `id` (must be present). Backward-shift keeps probe chains intact.
  void Erase(u128 id) {
    size_t i = HashId(id) & mask_;
    while (true) {
      CB_CHECK(slots_[i] != kEmpty);
      if (key_of_(slots_[i]) == id) break;
      i = (i + 1) & mask_;
    }
    size_t hole = i;
    for (size_t j = (hole + 1) & mask_;; j = (j + 1) & mask_) {
      const uint32_t row = slots_[j];
      if (row == kEmpty) break;
      const size_t home = HashId(key_of_(row)) & mask_;
      // Move `row` into the hole if its home is not in (hole, j] cyclically.
      const bool in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!in_range) {
        slots_[hole] = row;
        hole = j;
      }
    }
    slots_[hole] = kEmpty;
    count_--;
  }

  size_t count() const { return count_; }
  size_t memory_bytes() const { return capacity_ * sizeof(uint32_t); }

 private:
  void Allocate(size_t cap) {
    // Small tables (tests, the simulator) stay on the ordinary heap.
    const size_t bytes = cap * sizeof(uint32_t);
    huge_ = bytes >= kHugePageBytes;
    slots_ = static_cast<uint32_t*>(huge_ ? AllocHuge(bytes) : std::malloc(bytes));
    CB_CHECK(slots_ != nullptr);
    std::memset(slots_, 0xFF, bytes);  // kEmpty everywhere
    capacity_ = cap;
    mask_ = cap - 1;
  }
  void Release() {
    if (huge_) {
      FreeHuge(slots_);
    } else {
      std::free(slots_);
    }
    slots_ = nullptr;
  }
  void Grow() {
    uint32_t* old = slots_;
    const bool old_huge = huge_;
    const size_t old_cap = capacity_;
    Allocate(old_cap * 2);
    for (size_t k = 0; k < old_cap; k++) {
      const uint32_t row = old[k];
      if (row == kEmpty) continue;
      size_t i = HashId(key_of_(row)) & mask_;
      while (slots_[i] != kEmpty) i = (i + 1) & mask_;
      slots_[i] = row;
    }
    if (old_huge) {
      FreeHuge(old);
    } else {
      std::free(old);
    }
  }

  KeyOf key_of_;
  uint32_t* slots_ = nullptr;
  size_t capacity_ = 0;
  bool huge_ = false;
  size_t mask_ = 0;
  size_t count_ = 0;
};

}  // namespace cb::ledger
