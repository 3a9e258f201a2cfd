#include "base/check.h"

#include <cstdio>
#include <cstdlib>

namespace cb {
namespace {
thread_local char g_context[256];
}

void SetCheckContext(const char* context) {
  std::snprintf(g_context, sizeof(g_context), "%s", context);
}

void CheckFailed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "CB_CHECK failed: %s at %s:%d%s%s\n", expr, file, line,
               g_context[0] ? " | " : "", g_context);
  std::fflush(stderr);
  std::abort();
}
}  // namespace cb
