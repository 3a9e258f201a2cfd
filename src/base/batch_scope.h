#pragma once
// Lets code that runs many callbacks in a row (the executor releasing a batch's replies) tell
// the consumers of those callbacks to hold per-item hand-offs until the batch ends: a consumer
// registers one flush per batch instead of waking another thread per item.
//
//   { BatchScope scope; for (auto& done : dones) done(...); }  // flushes run here
//
// Scopes are per thread; an inner scope inside an open one is a no-op.
#include <cstddef>

namespace cb {

class BatchScope {
 public:
  BatchScope();
  ~BatchScope();  // The outermost scope runs the registered flushes, in registration order.
  BatchScope(const BatchScope&) = delete;
  BatchScope& operator=(const BatchScope&) = delete;

  // True when a scope is open on this thread.
  static bool Active();
  // Only while Active(): runs fn(key) when the outermost scope closes. Registering the same
  // key again in one scope is a no-op.
  static void AtEnd(void* key, void (*fn)(void* key));
  // Only while Active(): whether `key` has a flush registered in the open scope.
  static bool Registered(const void* key);

 private:
  bool outermost_;
};

}  // namespace cb
