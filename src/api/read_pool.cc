#include "api/read_pool.h"

#include <pthread.h>

#include "base/check.h"

namespace cb::api {

ReadPool::ReadPool(size_t threads, size_t queue_max, size_t owner_max)
    : queue_max_(queue_max), owner_max_(owner_max) {
  CB_CHECK(threads >= 1);
  CB_CHECK(queue_max >= 1);
  for (size_t i = 0; i < threads; i++) threads_.emplace_back([this] { Loop(); });
}

ReadPool::~ReadPool() { Stop(); }

bool ReadPool::Post(std::function<void()> task, const std::string& owner) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= queue_max_) return false;
    size_t& mine = by_owner_[owner];
    if (mine >= owner_max_) return false;
    mine++;
    queue_.push_back(Task{std::move(task), owner});
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
    Task task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task.run();
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_owner_.find(task.owner);
    if (--it->second == 0) by_owner_.erase(it);
  }
}

}  // namespace cb::api
