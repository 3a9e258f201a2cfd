#include "base/batch_scope.h"

#include <utility>
#include <vector>

#include "base/check.h"

namespace cb {
namespace {

struct Flush {
  void* key;
  void (*fn)(void*);
};

// A handful of consumers at most (one per io loop), so a linear scan de-duplicates.
constexpr size_t kFlushesMax = 64;

thread_local bool scope_open = false;
thread_local std::vector<Flush> flushes;

}  // namespace

BatchScope::BatchScope() : outermost_(!scope_open) { scope_open = true; }

BatchScope::~BatchScope() {
  if (!outermost_) return;
  // Close ours before running: a flush may open (and close) a scope of its own.
  scope_open = false;
  std::vector<Flush> run;
  run.swap(flushes);
  for (const Flush& f : run) f.fn(f.key);
  run.clear();
  if (flushes.empty()) flushes.swap(run);  // keep the capacity for the next batch
}

bool BatchScope::Active() { return scope_open; }

bool BatchScope::Registered(const void* key) {
  CB_CHECK(scope_open);
  for (const Flush& f : flushes) {
    if (f.key == key) return true;
  }
  return false;
}

void BatchScope::AtEnd(void* key, void (*fn)(void*)) {
  if (Registered(key)) return;
  CB_CHECK(flushes.size() < kFlushesMax);
  flushes.push_back({key, fn});
}

}  // namespace cb
