#pragma once
// A few threads for the edge's blocking reads of the journal (idempotent replays that missed
// the cache, the event feed), so that neither the writer, the journal thread nor an io loop
// ever waits on the disk. A bounded queue: when it is full, Post refuses and the caller
// answers 503 overloaded instead of queueing without limit.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cb::api {

class ReadPool {
 public:
  ReadPool(size_t threads, size_t queue_max);
  ~ReadPool();  // Stop()
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // Runs `task` on a pool thread; false (and `task` dropped) if the queue is full or the pool
  // is stopping.
  bool Post(std::function<void()> task);
  // Refuses new tasks, runs those already queued, joins the threads. Idempotent.
  void Stop();

 private:
  void Loop();

  const size_t queue_max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cb::api
