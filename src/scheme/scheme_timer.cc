// The timer thread (scheme_timer.h).
#include "scheme/scheme_timer.h"

#include <chrono>

#include "base/check.h"
#include "base/time.h"

namespace cb::scheme {

void Timer::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  CB_CHECK(!thread_.joinable());
  CB_CHECK(!stop_);
  thread_ = std::thread([this] { Loop(); });
}

void Timer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Timer::Schedule(uint64_t due_steady_ns, std::function<void()> task) {
  bool earliest = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    CB_CHECK(tasks_.size() < kTasksMax);
    earliest = tasks_.empty() || due_steady_ns < tasks_.top().due_steady_ns;
    tasks_.push(Task{due_steady_ns, order_next_++, std::move(task)});
  }
  // Only a new earliest task changes how long the thread sleeps.
  if (earliest) cv_.notify_all();
}

void Timer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (tasks_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const uint64_t now = MonotonicNowNs();
    const uint64_t due = tasks_.top().due_steady_ns;
    if (due > now) {
      cv_.wait_for(lock, std::chrono::nanoseconds(due - now));
      continue;
    }
    // top() is const, but pop() compares only due and order: moving `run` out first is safe.
    std::function<void()> run = std::move(const_cast<Task&>(tasks_.top()).run);
    tasks_.pop();
    lock.unlock();
    run();
    lock.lock();
  }
}

}  // namespace cb::scheme
