#pragma once
// Large, long-lived tables (id indexes, transfer chunks) live on transparent huge pages:
// random lookups into gigabytes of state miss the TLB on every access with 4 KiB pages.
#include <cstddef>

namespace cb {

constexpr size_t kHugePageBytes = size_t{2} << 20;

// Zeroed memory of at least `bytes`, 2 MiB aligned, advised MADV_HUGEPAGE. Never null.
void* AllocHuge(size_t bytes);
void FreeHuge(void* p);

// Uninitialised memory for `bytes`: on the ordinary heap when small, else 2 MiB aligned and
// advised MADV_HUGEPAGE (pages fault in huge as they are first touched).
void* AllocMaybeHuge(size_t bytes);
void FreeMaybeHuge(void* p, size_t bytes);

// For std::vector of large tables that grow (the account table): every reallocation lands
// on huge pages before the vector copies into it.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  explicit HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(AllocMaybeHuge(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { FreeMaybeHuge(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

}  // namespace cb
