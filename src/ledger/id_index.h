#pragma once
// Open-addressing hash index from a 128-bit id to a 32-bit row number. It stores only the
// row (4 bytes a slot); the key is read back from the row through `key_of`, so 10M
// transfers cost ~64 MiB of index, not 320. Linear probing with backward-shift deletion
// (deletion is only used to roll back a failed linked chain).
#include <cstdint>
#include <vector>

#include "base/check.h"
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
    slots_.assign(cap, kEmpty);
    mask_ = cap - 1;
  }

  // Returns the row for `id` or kEmpty.
  uint32_t Find(u128 id) const {
    for (size_t i = HashId(id) & mask_;; i = (i + 1) & mask_) {
      const uint32_t row = slots_[i];
      if (row == kEmpty) return kEmpty;
      if (key_of_(row) == id) return row;
    }
  }

  void Prefetch(u128 id) const { __builtin_prefetch(&slots_[HashId(id) & mask_]); }

  // `id` must not be present.
  void Insert(u128 id, uint32_t row) {
    CB_CHECK(row != kEmpty);
    if ((count_ + 1) * 10 > slots_.size() * 7) Grow();
    size_t i = HashId(id) & mask_;
    while (slots_[i] != kEmpty) {
      CB_DCHECK(key_of_(slots_[i]) != id);
      i = (i + 1) & mask_;
    }
    slots_[i] = row;
    count_++;
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
  size_t memory_bytes() const { return slots_.size() * sizeof(uint32_t); }
  void Clear() {
    std::fill(slots_.begin(), slots_.end(), kEmpty);
    count_ = 0;
  }

 private:
  void Grow() {
    std::vector<uint32_t> old;
    old.swap(slots_);
    slots_.assign(old.size() * 2, kEmpty);
    mask_ = slots_.size() - 1;
    for (uint32_t row : old) {
      if (row == kEmpty) continue;
      size_t i = HashId(key_of_(row)) & mask_;
      while (slots_[i] != kEmpty) i = (i + 1) & mask_;
      slots_[i] = row;
    }
  }

  KeyOf key_of_;
  std::vector<uint32_t> slots_;
  size_t mask_ = 0;
  size_t count_ = 0;
};

}  // namespace cb::ledger
