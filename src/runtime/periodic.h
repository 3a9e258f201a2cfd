#pragma once
// Background work that is not a command: work that lives outside the shard's state and must
// reach it now and then (the OAuth usage counters flushed as events). One runtime-owned
// thread runs every task at its interval; Stop runs each task once more, so what was
// counted before shutdown is not lost. Work that belongs to the shard's state uses durable
// timers (timers.h) instead: they survive restarts, these do not.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cb::runtime {

class PeriodicTasks {
 public:
  PeriodicTasks() = default;
  ~PeriodicTasks();
  PeriodicTasks(const PeriodicTasks&) = delete;
  PeriodicTasks& operator=(const PeriodicTasks&) = delete;

  // Before Start only. `run` must not block for long: the tasks share one thread.
  void Add(std::string name, uint64_t interval_ms, std::function<void()> run);
  void Start();
  // Stops the thread, then runs every task once more on the caller's thread (if started).
  void Stop();

 private:
  struct Task {
    std::string name;
    uint64_t interval_ms;
    std::function<void()> run;
    uint64_t next_ms = 0;
  };
  void Loop();

  std::vector<Task> tasks_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace cb::runtime
