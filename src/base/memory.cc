#include "base/memory.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>

#include "base/check.h"

namespace cb {

void* AllocHuge(size_t bytes) {
  const size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  void* p = std::aligned_alloc(kHugePageBytes, rounded);
  CB_CHECK(p != nullptr);
  // Advice only: without THP the memory works the same, just with more TLB misses.
  (void)madvise(p, rounded, MADV_HUGEPAGE);
  std::memset(p, 0, rounded);
  return p;
}

void FreeHuge(void* p) { std::free(p); }

void* AllocMaybeHuge(size_t bytes) {
  if (bytes < kHugePageBytes) {
    void* p = std::malloc(bytes == 0 ? 1 : bytes);
    CB_CHECK(p != nullptr);
    return p;
  }
  const size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  void* p = std::aligned_alloc(kHugePageBytes, rounded);
  CB_CHECK(p != nullptr);
  (void)madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}

void FreeMaybeHuge(void* p, size_t /*bytes*/) { std::free(p); }

}  // namespace cb
