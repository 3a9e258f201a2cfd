#pragma once
// The shard executor: one writer thread runs batches of commands against the shard while a
// journal thread makes earlier batches durable (pipelining: batch N+1 executes while batch
// N is being fsynced). Replies are released only after their batch is durable; queries go
// through the same queue, so they see only durable state. If the journal cannot be
// written the executor fails every pending and later command and reports unhealthy: it
// never acknowledges what is not durable.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/time.h"
#include "runtime/durable_view.h"
#include "runtime/shard.h"

namespace cb::runtime {

using ReplyFn = std::function<void(Reply&&)>;

struct ExecutorOptions {
  size_t queue_depth_max = 4096;      // commands waiting; beyond: ResourceExhausted
  size_t batch_items_max = 16380;     // items (transfers, accounts, ...) per batch
  size_t in_flight_batches_max = 3;   // executed, not yet durable
  uint64_t snapshot_interval_ms = 0;  // 0: no background snapshots
  uint64_t snapshot_min_events = 1;   // skip a snapshot if fewer new events
  Clock* clock = nullptr;             // default: SystemClock
  // Published after each durable batch, before its replies (durable_view.h); not owned.
  DurableView* view = nullptr;
};

// Fixed-bucket latency histogram (power-of-two microseconds), lock-free.
class LatencyHistogram {
 public:
  static constexpr size_t kBuckets = 32;
  void Record(uint64_t ns);
  uint64_t Count() const;
  // Upper bound of the bucket holding quantile q (0..1), in microseconds.
  uint64_t QuantileUs(double q) const;
  uint64_t bucket(size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
  uint64_t sum_ns() const { return sum_ns_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> buckets_[kBuckets] = {};
  std::atomic<uint64_t> sum_ns_{0};
};

struct ExecutorStats {
  std::atomic<uint64_t> batches_committed{0};
  std::atomic<uint64_t> events_committed{0};
  std::atomic<uint64_t> commands_rejected_full{0};
  std::atomic<uint64_t> snapshots_written{0};
  std::atomic<uint64_t> snapshots_failed{0};
  std::atomic<uint64_t> queue_depth{0};
  // Every event below this sequence is durable (readers of the journal stop here).
  std::atomic<uint64_t> durable_seq_next{1};
  LatencyHistogram fsync_latency;
  // Commands per executed batch, in power-of-two buckets: bucket i counts batches of
  // [2^(i-1), 2^i) commands (bucket 0: empty batches, which never happen).
  std::atomic<uint64_t> batch_commands[24] = {};
  std::atomic<uint64_t> batch_commands_sum{0};
};

class Executor {
 public:
  Executor(Shard* shard, ExecutorOptions options);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  void Start();
  // Finishes queued work, makes it durable, replies, then stops the threads.
  void Stop();

  // Queues a command; `done` runs later on the journal thread with the reply. Errors
  // (not queued, `done` not called): ResourceExhausted when the queue is full or the
  // command is too large, Unavailable when stopped or failed.
  Status Submit(Command command, ReplyFn done);

  // Blocks until an event at or after `seq` is durable (durable_seq_next > seq), or for
  // `timeout_ms`, whichever comes first (after-commit subscribers wait here).
  void WaitDurable(uint64_t seq, uint64_t timeout_ms);
  bool healthy() const { return !failed_.load(); }
  const ExecutorStats& stats() const { return stats_; }

 private:
  struct Pending {
    Command command;
    ReplyFn done;
  };
  struct InFlight {
    PreparedBatch batch;
    std::vector<Reply> replies;
    std::vector<ReplyFn> dones;
    std::unique_ptr<DurableView::Staged> staged;  // null without a view
  };

  void WriterLoop();
  void JournalLoop();
  void FailAll(std::vector<Pending>* pending, const Status& status);
  void MaybeSnapshot();
  InFlight* AcquireSlot();
  void ReplyDirect(InFlight* slot);

  Shard* shard_;
  ExecutorOptions options_;
  SystemClock system_clock_;
  Clock* clock_;

  std::mutex mu_;
  std::condition_variable writer_cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  bool started_ = false;

  std::mutex journal_mu_;
  std::condition_variable journal_cv_;
  std::condition_variable slot_cv_;
  std::deque<InFlight*> journal_queue_;
  std::vector<std::unique_ptr<InFlight>> slots_;
  std::vector<InFlight*> free_slots_;
  bool journal_stopping_ = false;
  size_t journal_busy_ = 0;  // slots handed to the journal and not yet returned

  std::atomic<bool> failed_{false};
  std::mutex durable_mu_;
  std::condition_variable durable_cv_;
  std::atomic<int> durable_waiters_{0};  // the journal thread notifies only when some wait
  std::thread writer_;
  std::thread journal_;
  std::thread snapshot_thread_;
  std::atomic<bool> snapshot_running_{false};
  uint64_t last_snapshot_ms_ = 0;
  uint64_t last_snapshot_seq_ = 0;
  ExecutorStats stats_;
};

}  // namespace cb::runtime
