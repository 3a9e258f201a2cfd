#pragma once
// Large, long-lived tables (id indexes, transfer chunks) live on transparent huge pages:
// random lookups into gigabytes of state miss the TLB on every access with 4 KiB pages.
#include <cstddef>

namespace cb {

constexpr size_t kHugePageBytes = size_t{2} << 20;

// Zeroed memory of at least `bytes`, 2 MiB aligned, advised MADV_HUGEPAGE. Never null.
void* AllocHuge(size_t bytes);
void FreeHuge(void* p);

}  // namespace cb
