#include "runtime/periodic.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>

#include "base/check.h"
#include "base/time.h"

namespace cb::runtime {

namespace {
uint64_t NowMs() { return MonotonicNowNs() / 1'000'000; }
}  // namespace

PeriodicTasks::~PeriodicTasks() { Stop(); }

void PeriodicTasks::Add(std::string name, uint64_t interval_ms, std::function<void()> run) {
  CB_CHECK(!thread_.joinable());
  CB_CHECK(interval_ms > 0);
  tasks_.push_back(Task{std::move(name), interval_ms, std::move(run), 0});
}

void PeriodicTasks::Start() {
  CB_CHECK(!thread_.joinable());
  CB_CHECK(!stopped_);  // once: a second Start would leave a thread Stop never joins
  const uint64_t now = NowMs();
  for (Task& t : tasks_) t.next_ms = now + t.interval_ms;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "cb-periodic");
    Loop();
  });
}

void PeriodicTasks::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    uint64_t next_ms = UINT64_MAX;
    for (const Task& t : tasks_) next_ms = std::min(next_ms, t.next_ms);
    const uint64_t now = NowMs();
    if (next_ms > now) {
      const uint64_t wait_ms = next_ms == UINT64_MAX ? 1000 : next_ms - now;
      cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return stopping_; });
      continue;
    }
    for (Task& t : tasks_) {
      if (t.next_ms > now) continue;
      t.next_ms = now + t.interval_ms;
      lock.unlock();  // a task may take a while; Stop must not wait on the lock for it
      t.run();
      lock.lock();
      if (stopping_) break;
    }
  }
}

void PeriodicTasks::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopping_ = true;
    stopped_ = true;
  }
  cv_.notify_all();
  if (!thread_.joinable()) return;  // never started: nothing ran, nothing to finish
  thread_.join();
  for (Task& t : tasks_) t.run();  // the last counts before shutdown
}

}  // namespace cb::runtime
