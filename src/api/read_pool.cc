#include "api/read_pool.h"

#include <pthread.h>

#include "base/check.h"

namespace cb::api {

ReadPool::ReadPool(size_t threads, size_t queue_max) : queue_max_(queue_max) {
  CB_CHECK(threads >= 1);
  CB_CHECK(queue_max >= 1);
  for (size_t i = 0; i < threads; i++) threads_.emplace_back([this] { Loop(); });
}

ReadPool::~ReadPool() { Stop(); }

bool ReadPool::Post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= queue_max_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void ReadPool::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void ReadPool::Loop() {
  pthread_setname_np(pthread_self(), "cb-read");
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace cb::api
