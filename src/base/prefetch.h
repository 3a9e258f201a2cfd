#pragma once
// A prefetch the optimiser cannot drop. GCC 12's dead-code elimination removes
// __builtin_prefetch / _mm_prefetch in our inlined index code (found by reading the
// disassembly: the binary had no prefetch instructions); inline asm keeps it.

namespace cb {

inline void PrefetchRead(const void* p) {
#if defined(__x86_64__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
#endif
}

}  // namespace cb
