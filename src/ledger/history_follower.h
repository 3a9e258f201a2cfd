#pragma once
// Indexes history on a helper thread that follows a single-threaded loader (replay,
// recovery, snapshot load): the loader publishes how many rows are final, the follower
// catches up to it. Finish() (or the destructor) waits for it and completes the index.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "ledger/state.h"

namespace cb::ledger {

class HistoryFollower {
 public:
  explicit HistoryFollower(LedgerState* state)
      : state_(state), thread_([this] {
          pthread_setname_np(pthread_self(), "cb-history");
          Loop();
        }) {}
  ~HistoryFollower() { Finish(); }
  HistoryFollower(const HistoryFollower&) = delete;
  HistoryFollower& operator=(const HistoryFollower&) = delete;

  // Rows [0, records) and accounts [0, accounts) will not change any more.
  void Publish(uint64_t records, uint64_t accounts) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      records_ = records;
      accounts_ = accounts;
    }
    cv_.notify_one();
  }

  void Finish() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Loop() {
    uint64_t indexed = 0;
    while (true) {
      uint64_t records, accounts;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return records_ > indexed || done_; });
        if (records_ == indexed && done_) return;
        records = records_;
        accounts = accounts_;
      }
      state_->history().CatchUpTo(*state_, records, accounts);
      indexed = records;
    }
  }

  LedgerState* state_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t records_ = 0;
  uint64_t accounts_ = 0;
  bool done_ = false;
  std::thread thread_;  // last: starts after the fields above exist
};

}  // namespace cb::ledger
