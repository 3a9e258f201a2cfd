#pragma once
// Open-addressing hash index from a 128-bit id to a 32-bit row number. A slot is 8 bytes:
// the row, and 32 bits of the id's hash as a fingerprint. The key itself is read back from
// the row through `key_of` only when the fingerprint matches, so a probe past another id's
// slot costs no cache miss into the rows (for a new transfer id that probe was the most
// expensive load of validation), and 10M transfers cost ~128 MiB of index, not 320.
// Linear probing with backward-shift deletion (deletion is only used to roll back a failed
// linked chain).
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
    const uint64_t h = HashId(id);
    const uint32_t fp = Fingerprint(h);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const uint64_t slot = slots_[i];
      if (slot == kEmptySlot) return kEmpty;
      if (SlotFingerprint(slot) == fp && key_of_(SlotRow(slot)) == id) return SlotRow(slot);
    }
  }

  void Prefetch(u128 id) const { PrefetchRead(&slots_[HashId(id) & mask_]); }
  // The row in `id`'s home slot if its fingerprint matches (maybe still another id's), or
  // kEmpty: a prefetch hint only.
  uint32_t PeekHome(u128 id) const {
    const uint64_t h = HashId(id);
    const uint64_t slot = slots_[h & mask_];
    return slot != kEmptySlot && SlotFingerprint(slot) == Fingerprint(h) ? SlotRow(slot) : kEmpty;
  }

  // `id` must not be present.
  void Insert(u128 id, uint32_t row) {
    CB_CHECK(row != kEmpty);
    if ((count_ + 1) * 10 > capacity_ * 7) Grow();
    const uint64_t h = HashId(id);
    size_t i = h & mask_;
    while (slots_[i] != kEmptySlot) {
      CB_DCHECK(key_of_(SlotRow(slots_[i])) != id);
      i = (i + 1) & mask_;
    }
    slots_[i] = MakeSlot(h, row);
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
      CB_CHECK(slots_[i] != kEmptySlot);
      if (key_of_(SlotRow(slots_[i])) == id) break;
      i = (i + 1) & mask_;
    }
    size_t hole = i;
    for (size_t j = (hole + 1) & mask_;; j = (j + 1) & mask_) {
      const uint64_t slot = slots_[j];
      if (slot == kEmptySlot) break;
      const size_t home = HashId(key_of_(SlotRow(slot))) & mask_;
      // Move the slot into the hole if its home is not in (hole, j] cyclically.
      const bool in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!in_range) {
        slots_[hole] = slot;
        hole = j;
      }
    }
    slots_[hole] = kEmptySlot;
    count_--;
  }

  size_t count() const { return count_; }
  size_t capacity() const { return capacity_; }
  size_t memory_bytes() const { return capacity_ * sizeof(uint64_t); }

 private:
  // slot = fingerprint(32) << 32 | row(32); all ones is empty (row kEmpty is never stored).
  static constexpr uint64_t kEmptySlot = UINT64_MAX;
  static uint32_t Fingerprint(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }
  static uint32_t SlotFingerprint(uint64_t slot) { return static_cast<uint32_t>(slot >> 32); }
  static uint32_t SlotRow(uint64_t slot) { return static_cast<uint32_t>(slot); }
  static uint64_t MakeSlot(uint64_t hash, uint32_t row) {
    return (uint64_t{Fingerprint(hash)} << 32) | row;
  }

  void Allocate(size_t cap) {
    // Small tables (tests, the simulator) stay on the ordinary heap.
    const size_t bytes = cap * sizeof(uint64_t);
    huge_ = bytes >= kHugePageBytes;
    slots_ = static_cast<uint64_t*>(huge_ ? AllocHuge(bytes) : std::malloc(bytes));
    CB_CHECK(slots_ != nullptr);
    std::memset(slots_, 0xFF, bytes);  // kEmptySlot everywhere
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
    uint64_t* old = slots_;
    const bool old_huge = huge_;
    const size_t old_cap = capacity_;
    Allocate(old_cap * 2);
    for (size_t k = 0; k < old_cap; k++) {
      const uint64_t slot = old[k];
      if (slot == kEmptySlot) continue;
      size_t i = HashId(key_of_(SlotRow(slot))) & mask_;
      while (slots_[i] != kEmptySlot) i = (i + 1) & mask_;
      slots_[i] = slot;
    }
    if (old_huge) {
      FreeHuge(old);
    } else {
      std::free(old);
    }
  }

  KeyOf key_of_;
  uint64_t* slots_ = nullptr;
  size_t capacity_ = 0;
  bool huge_ = false;
  size_t mask_ = 0;
  size_t count_ = 0;
};

}  // namespace cb::ledger
