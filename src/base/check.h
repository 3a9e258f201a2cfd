#pragma once
// Always-on assertions for broken invariants (STYLE.md "Errors"). A failed CB_CHECK aborts:
// a crash that restarts from the journal beats a wrong balance.

namespace cb {
[[noreturn]] void CheckFailed(const char* expr, const char* file, int line);
// Text printed with any failed check on this thread, e.g. a simulation seed so the failure
// reproduces exactly. Empty clears it.
void SetCheckContext(const char* context);
}  // namespace cb

#define CB_CHECK(cond)                              \
  do {                                              \
    if (__builtin_expect(!(cond), 0)) {             \
      ::cb::CheckFailed(#cond, __FILE__, __LINE__); \
    }                                               \
  } while (0)

// Checks too costly for production; on in debug, sanitizer and simulation builds.
#if defined(CB_EXPENSIVE_CHECKS) || !defined(NDEBUG)
#define CB_DCHECK(cond) CB_CHECK(cond)
#define CB_DCHECK_ENABLED 1
#else
#define CB_DCHECK(cond) \
  do {                  \
  } while (0)
#define CB_DCHECK_ENABLED 0
#endif
