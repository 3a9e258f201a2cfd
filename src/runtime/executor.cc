#include "runtime/executor.h"

#include <bit>
#include <cstdio>

#include "base/batch_scope.h"
#include "ledger/ledger.h"

namespace cb::runtime {

void LatencyHistogram::Record(uint64_t ns) {
  const uint64_t us = ns / 1000;
  const size_t b = std::min<size_t>(kBuckets - 1, us == 0 ? 0 : std::bit_width(us));
  buckets_[b].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(ns, std::memory_order_relaxed);
}

uint64_t LatencyHistogram::Count() const {
  uint64_t n = 0;
  for (const auto& b : buckets_) n += b.load(std::memory_order_relaxed);
  return n;
}

uint64_t LatencyHistogram::QuantileUs(double q) const {
  const uint64_t total = Count();
  if (total == 0) return 0;
  const auto rank = static_cast<uint64_t>(q * static_cast<double>(total));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; i++) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen > rank) return uint64_t{1} << i;
  }
  return uint64_t{1} << (kBuckets - 1);
}

Executor::Executor(Shard* shard, ExecutorOptions options)
    : shard_(shard), options_(options), clock_(options.clock ? options.clock : &system_clock_) {
  CB_CHECK(options_.in_flight_batches_max >= 1);
  CB_CHECK(options_.batch_items_max >= ledger::kItemsPerCommandMax);
  for (size_t i = 0; i < options_.in_flight_batches_max; i++) {
    slots_.push_back(std::make_unique<InFlight>());
    slots_.back()->batch.record.Reserve((options_.batch_items_max + 16) * 136 + 4096);
    if (options_.view != nullptr) slots_.back()->staged = options_.view->NewStaged();
    free_slots_.push_back(slots_.back().get());
  }
}

Executor::~Executor() { Stop(); }

void Executor::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  CB_CHECK(!started_);
  started_ = true;
  last_snapshot_ms_ = MonotonicNowNs() / 1'000'000;
  last_snapshot_seq_ = shard_->seq_next();
  stats_.durable_seq_next.store(shard_->seq_durable_next());
  journal_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "cb-journal");
    JournalLoop();
  });
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "cb-writer");
    WriterLoop();
  });
}

void Executor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) return;
    stopping_ = true;
  }
  writer_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard<std::mutex> lock(journal_mu_);
    journal_stopping_ = true;
  }
  journal_cv_.notify_all();
  if (journal_.joinable()) journal_.join();
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
}

Status Executor::Submit(Command command, ReplyFn done) {
  if (CommandItemCount(command) > ledger::kItemsPerCommandMax) {
    return Status::ResourceExhausted("too many items in one command");
  }
  if (failed_.load()) return Status::Unavailable("shard unhealthy: journal write failed");
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || !started_) return Status::Unavailable("executor is not running");
    if (queue_.size() >= options_.queue_depth_max) {
      stats_.commands_rejected_full.fetch_add(1);
      return Status::ResourceExhausted("shard queue is full");
    }
    queue_.push_back({std::move(command), std::move(done)});
    stats_.queue_depth.store(queue_.size(), std::memory_order_relaxed);
  }
  writer_cv_.notify_one();
  return Status::Ok();
}

void Executor::FailAll(std::vector<Pending>* pending, const Status& status) {
  for (Pending& p : *pending) {
    Reply reply;
    reply.status = status;
    p.done(std::move(reply));
  }
  pending->clear();
}

Executor::InFlight* Executor::AcquireSlot() {
  std::unique_lock<std::mutex> lock(journal_mu_);
  slot_cv_.wait(lock, [&] { return !free_slots_.empty(); });
  InFlight* slot = free_slots_.back();
  free_slots_.pop_back();
  return slot;
}

void Executor::WriterLoop() {
  std::vector<Pending> taken;
  std::vector<const Command*> commands;
  while (true) {
    bool idle = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (queue_.empty() && !stopping_) {
        // Wake for due pending-transfer expiries and durable timers even when no command
        // arrives.
        const auto next = shard_->NextDue();
        const TimestampNs now = clock_->NowNs();
        const bool due = next && *next <= now && !failed_.load();
        if (!due) {
          const uint64_t wait_ns =
              next ? std::min<uint64_t>(*next - now, kNsPerSecond) : kNsPerSecond / 4;
          writer_cv_.wait_for(lock, std::chrono::nanoseconds(wait_ns),
                              [&] { return !queue_.empty() || stopping_; });
          idle = queue_.empty() && !stopping_;
        }
      }
      if (queue_.empty() && stopping_) break;
      size_t items = 0;
      while (!idle && !queue_.empty()) {
        const size_t n = CommandItemCount(queue_.front().command);
        if (!taken.empty() && items + n > options_.batch_items_max) break;
        items += n;
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stats_.queue_depth.store(queue_.size(), std::memory_order_relaxed);
    }
    if (idle) {
      // Never under mu_: draining waits for the journal thread, whose reply callbacks
      // may Submit.
      MaybeSnapshot();
      continue;
    }
    if (failed_.load()) {
      FailAll(&taken, Status::Unavailable("shard unhealthy: journal write failed"));
      continue;
    }
    InFlight* slot = AcquireSlot();
    commands.clear();
    for (const Pending& p : taken) commands.push_back(&p.command);
    shard_->ExecuteBatch(commands, clock_->NowNs(), &slot->batch, &slot->replies);
    // Now, before the next batch runs: the state is exactly "after this batch" only here.
    if (options_.view != nullptr) options_.view->Stage(slot->staged.get());
    stats_
        .batch_commands[std::min<size_t>(std::size(stats_.batch_commands) - 1,
                                         std::bit_width(commands.size()))]
        .fetch_add(1, std::memory_order_relaxed);
    stats_.batch_commands_sum.fetch_add(commands.size(), std::memory_order_relaxed);
    slot->dones.clear();
    for (Pending& p : taken) slot->dones.push_back(std::move(p.done));
    taken.clear();
    bool direct = false;
    {
      std::lock_guard<std::mutex> lock(journal_mu_);
      // A batch without events (only queries, or commands that all failed) changes nothing
      // durable; when no earlier batch is still in flight, everything it saw is durable and
      // it can answer right here instead of a trip through the journal thread.
      direct = !slot->batch.has_events() && journal_busy_ == 0 && !failed_.load();
      if (!direct) {
        journal_queue_.push_back(slot);
        journal_busy_++;
      }
    }
    if (direct) {
      ReplyDirect(slot);
    } else {
      journal_cv_.notify_one();
    }
    MaybeSnapshot();
  }
}

// A batch without events, answered by the writer while nothing is in flight: what it saw
// is durable. Its view changes (only rolled-back chains: values equal to the published ones)
// are published all the same, so the view equals the state after every released batch.
void Executor::ReplyDirect(InFlight* slot) {
  if (options_.view != nullptr) options_.view->Publish(*slot->staged);
  {
    BatchScope replies;  // consumers hand the replies on once per batch
    for (size_t i = 0; i < slot->replies.size(); i++) {
      slot->dones[i](std::move(slot->replies[i]));
    }
  }
  slot->dones.clear();
  slot->replies.clear();
  {
    std::lock_guard<std::mutex> lock(journal_mu_);
    free_slots_.push_back(slot);
  }
  slot_cv_.notify_all();
}

void Executor::JournalLoop() {
  std::vector<InFlight*> group;
  std::vector<PreparedBatch*> batches;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(journal_mu_);
      journal_cv_.wait(lock, [&] { return !journal_queue_.empty() || journal_stopping_; });
      if (journal_queue_.empty()) break;
      group.assign(journal_queue_.begin(), journal_queue_.end());
      journal_queue_.clear();
    }
    batches.clear();
    uint64_t events = 0;
    for (InFlight* s : group) {
      batches.push_back(&s->batch);
      events += s->batch.record.event_count();
    }
    Status status;
    if (failed_.load()) {
      status = Status::Unavailable("shard unhealthy: journal write failed");
    } else {
      const uint64_t t0 = MonotonicNowNs();
      status = shard_->Commit(batches);
      if (events > 0) stats_.fsync_latency.Record(MonotonicNowNs() - t0);
    }
    if (!status.ok()) {
      if (!failed_.exchange(true)) {
        std::fprintf(stderr, "corebank: journal write failed, shard stops accepting writes: %s\n",
                     status.ToString().c_str());
      }
    } else {
      stats_.batches_committed.fetch_add(group.size());
      stats_.events_committed.fetch_add(events);
      // seq_cst store, then load: with WaitDurable's count-then-check, one of the two sides
      // sees the other (no waiter sleeps through the batch that made its event durable).
      stats_.durable_seq_next.store(shard_->seq_durable_next());
      // Before any reply of the group goes out: a client that got its answer then reads
      // at least this state from the view (read-your-writes); never before durability.
      if (options_.view != nullptr) {
        for (InFlight* s : group) options_.view->Publish(*s->staged);
      }
      if (durable_waiters_.load() > 0) {
        std::lock_guard<std::mutex> lock(durable_mu_);
        durable_cv_.notify_all();
      }
    }
    {
      BatchScope replies;  // consumers hand the replies on once per group, not once each
      for (InFlight* s : group) {
        for (size_t i = 0; i < s->replies.size(); i++) {
          Reply& reply = s->replies[i];
          if (!status.ok()) {
            reply = Reply{};
            reply.status = Status::Unavailable("not durable: journal write failed");
          }
          s->dones[i](std::move(reply));
        }
        s->dones.clear();
        s->replies.clear();
      }
    }
    {
      std::lock_guard<std::mutex> lock(journal_mu_);
      for (InFlight* s : group) free_slots_.push_back(s);
      journal_busy_ -= group.size();
    }
    slot_cv_.notify_all();
  }
}

void Executor::WaitDurable(uint64_t seq, uint64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(durable_mu_);
  durable_waiters_.fetch_add(1);
  durable_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                       [&] { return stats_.durable_seq_next.load() > seq; });
  durable_waiters_.fetch_sub(1);
}

void Executor::MaybeSnapshot() {
  if (options_.snapshot_interval_ms == 0 || failed_.load()) return;
  const uint64_t now_ms = MonotonicNowNs() / 1'000'000;
  if (now_ms - last_snapshot_ms_ < options_.snapshot_interval_ms) return;
  if (snapshot_running_.load()) return;
  if (shard_->seq_next() - last_snapshot_seq_ < options_.snapshot_min_events) return;
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
  // Drain the pipeline: a snapshot must describe only durable state, at a known position.
  {
    std::unique_lock<std::mutex> lock(journal_mu_);
    slot_cv_.wait(lock, [&] { return journal_busy_ == 0; });
  }
  if (failed_.load()) return;
  auto job = std::make_shared<SnapshotJob>(shard_->CaptureSnapshot());
  last_snapshot_ms_ = now_ms;
  last_snapshot_seq_ = shard_->seq_next();
  snapshot_running_.store(true);
  snapshot_thread_ = std::thread([this, job] {
    const Status st = shard_->WriteSnapshot(*job);
    if (st.ok()) {
      stats_.snapshots_written.fetch_add(1);
    } else {
      stats_.snapshots_failed.fetch_add(1);
      std::fprintf(stderr, "corebank: snapshot failed (journal still authoritative): %s\n",
                   st.ToString().c_str());
    }
    snapshot_running_.store(false);
  });
}

}  // namespace cb::runtime
