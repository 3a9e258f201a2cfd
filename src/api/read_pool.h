#pragma once
// A few threads for the edge's blocking reads of the journal (idempotent replays that missed
// the cache, the event feed), so that neither the writer, the journal thread nor an io loop
// ever waits on the disk. A bounded queue: when it is full, Post refuses and the caller
// answers 503 overloaded instead of queueing without limit.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace cb::api {

class ReadPool {
 public:
  // At most `owner_max` tasks of one owner (a tenant) queued or running at once, so one tenant
  // flooding the feed or old replays cannot take the whole queue.
  ReadPool(size_t threads, size_t queue_max, size_t owner_max = SIZE_MAX);
  ~ReadPool();  // Stop()
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // Runs `task` on a pool thread; false (and `task` dropped) if the queue is full, `owner`
  // has owner_max tasks in the pool, or the pool is stopping.
  bool Post(std::function<void()> task, const std::string& owner = "");
  // Refuses new tasks, runs those already queued, joins the threads. Idempotent.
  void Stop();

 private:
  void Loop();

  struct Task {
    std::function<void()> run;
    std::string owner;
  };
  const size_t queue_max_;
  const size_t owner_max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  std::unordered_map<std::string, size_t> by_owner_;  // queued + running
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cb::api
