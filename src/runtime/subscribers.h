#pragma once
// After-commit subscribers (ADR 0012): the outbox every side effect uses. A subscriber gets
// committed (durable) events of the types it wants, in journal order, on its own thread, and
// answers with ordinary service commands. Those commands and the move of its durable cursor
// past the events run in ONE batch (SubscriberCommitOp), so after a crash it resumes exactly
// after the last events whose results committed: nothing is skipped, nothing applied twice.
// The cursor is state of the shard (a kernel journal event), not a file beside it.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "journal/format.h"
#include "runtime/service.h"

namespace cb::journal {
class JournalReader;
}

namespace cb::runtime {

class Executor;

// The durable cursors: subscriber name -> the first seq it has not yet consumed.
class CursorTable {
 public:
  static constexpr size_t kNameBytesMax = 64;
  static constexpr size_t kCursorsMax = 4096;

  std::optional<uint64_t> Get(std::string_view name) const;
  // Emits CursorAdvanced (u16 name_bytes | u16 0 | u32 0 | u64 seq_next | name) and applies it.
  void Advance(std::string_view name, uint64_t seq_next, journal::RecordBuilder* out);
  // Emits CursorDeleted (the same layout; seq_next = where the cursor was) and applies it.
  // The cursor must exist.
  void Delete(std::string_view name, journal::RecordBuilder* out);
  Status Apply(const journal::EventView& event);
  void Clear() { cursors_.clear(); }
  // u32 count | count × (u16 name_bytes | u64 seq_next | name), in name order.
  void EncodeTo(std::string* out) const;
  Status DecodeFrom(std::string_view* bytes);
  size_t size() const { return cursors_.size(); }

 private:
  std::map<std::string, uint64_t, std::less<>> cursors_;
};

// The id kernel ops carry (ServiceOp::service_id()); no service may use it.
constexpr uint32_t kKernelServiceId = 0xFFFF'FFFFu;

// Reads a subscriber's durable cursor. Reply: service_result = uint64_t (0: none yet).
struct CursorReadOp final : ServiceOp {
  std::string name;
  uint32_t service_id() const override { return kKernelServiceId; }
};

// Forgets a subscriber's cursor (a subscriber retired for good, or one to start again from
// the journal's start): journaled, so replay forgets it too; its slot of kCursorsMax is free.
// Reply: service_result = uint64_t, where the cursor was; NotFound if there was none.
struct CursorDeleteOp final : ServiceOp {
  std::string name;
  uint32_t service_id() const override { return kKernelServiceId; }
};

// Runs `ops` (each by its own service, in order) and moves cursor `name` from `from` (0: none
// yet) to `to`, in one batch. If the cursor is not at `from` (a duplicate or stale commit)
// nothing runs: status Aborted, service_result = the current cursor (uint64_t).
struct SubscriberCommitOp final : ServiceOp {
  std::string name;
  uint64_t from = 0;
  uint64_t to = 0;
  std::vector<std::shared_ptr<const ServiceOp>> ops;
  uint32_t service_id() const override { return kKernelServiceId; }
  size_t item_count() const override;
};
struct SubscriberCommitResult {
  uint64_t cursor = 0;                  // where the cursor is now
  std::vector<uint16_t> http_statuses;  // per op, what its service answered
};

struct CommittedEvent {
  uint64_t seq = 0;
  uint16_t type = 0;
  uint16_t version = 0;
  TimestampNs record_timestamp_ns = 0;  // the batch clock of its record
  std::span<const uint8_t> payload;     // valid during Handle only
};

struct SubscriberOptions {
  bool from_beginning = false;  // a new cursor starts at seq 1, not at the durable end
  // A run of unwanted events this long moves the durable cursor anyway (one commit with no
  // ops), so a restart does not rescan it; the commit's own event is far below it.
  uint64_t skipped_events_commit_min = 100'000;
  size_t events_per_handle_max = 256;  // wanted events per Handle call
  size_t events_scanned_max = 16384;   // per journal read, wanted or not
  uint64_t retry_ms = 50;              // after a refused or failed commit
  // False: a Handle that answers no ops moves the cursor in memory only, like a range of
  // unwanted events (journaled after skipped_events_commit_min, or with the next ops). For
  // subscribers whose Handle has no side effects (the risk monitor: most movements raise
  // no alert): a crash hands them those events again, which changes nothing, and the
  // writer is spared a commit per Handle. A subscriber with side effects (a webhook POST)
  // keeps true: its repeats after a crash stay within one Handle.
  bool commit_without_ops = true;
  // Once caught up with the durable end, wait this long before reading again, so the next
  // read covers many group commits instead of each one (a wake-up and a journal read per
  // group commit cost more than the work for a subscriber that does little per event).
  // Its events reach it this much later; 0: as soon as they are durable.
  uint64_t caught_up_delay_ms = 0;
  // True: the next Handle runs while the last one's commit is in flight (the commit is
  // waited for before the next is submitted, so commits stay in order, one at a time). For a
  // subscriber whose Handle waits on a slow side effect (the payments outbox POSTs to a
  // scheme that answers after its own fdatasync): its events wait for one Handle, not for a
  // Handle and a commit. A refused commit drops the Handle that ran behind it; its events
  // are handed over again (a side effect may repeat, as after a crash). Committed() for a
  // commit may come after the next Handle started.
  bool overlap_commit = false;
};

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // Names its durable cursor: 1..64 bytes, stable across releases.
  virtual std::string_view name() const = 0;
  // How it wants to be run (module subscribers have no other way to say it).
  virtual SubscriberOptions Options() const { return {}; }
  // Kernel events (timers, cursors) are never delivered.
  virtual bool Wants(uint16_t event_type) const = 0;
  // On the subscriber's thread: wanted events, committed, in journal order, never seen by a
  // commit that succeeded. Returns the commands they cause (maybe none).
  virtual std::vector<std::shared_ptr<const ServiceOp>> Handle(
      std::span<const CommittedEvent> events) = 0;
  // After the commands of the last Handle committed with the cursor (their answers).
  virtual void Committed(const SubscriberCommitResult& /*result*/) {}
  // From another thread when the runner stops: a Handle waiting on a side effect (a POST it
  // retries until it is accepted) gives up promptly. Whatever a Handle returns after Stop is
  // not committed: its events are handed over again after the next start.
  virtual void Stop() {}
};

// Runs one subscriber on its own thread. Start after the executor started; Stop before it
// stops (Stop waits for the commit in flight). `Handle` runs on this thread: it must not
// read the shard's state (the writer owns it), only the events it is given. A side effect
// it causes outside the shard happens before the commit and repeats if the process dies in
// between (at-least-once); its results in the shard happen exactly once. An op its service
// refuses (a 4xx) is still consumed with its event.
class SubscriberRunner {
 public:
  SubscriberRunner(Executor* executor, journal::JournalReader* reader, Subscriber* subscriber,
                   SubscriberOptions options = {});
  ~SubscriberRunner();
  SubscriberRunner(const SubscriberRunner&) = delete;
  SubscriberRunner& operator=(const SubscriberRunner&) = delete;

  void Start();
  void Stop();
  // Committed position (every event below it was handled and its results are durable).
  uint64_t cursor() const { return committed_.load(); }
  uint64_t commits() const { return commits_.load(); }
  // Stopped for good on an error no retry can fix (a refused commit, ops too large for one
  // command): logged; the subscriber's cursor stays where it was until it is fixed.
  bool parked() const { return parked_.load(); }

 private:
  void Loop();
  bool Sleep(uint64_t ms);  // false when stopping
  // Submits; the future holds the reply (status Unavailable if it could not be queued).
  std::future<Reply> Submit(std::shared_ptr<const ServiceOp> op);
  Reply SubmitAndWait(std::shared_ptr<const ServiceOp> op);
  // Null (after Park) when the ops cannot be one command.
  std::shared_ptr<const SubscriberCommitOp> MakeCommit(
      uint64_t from, uint64_t to, std::vector<std::shared_ptr<const ServiceOp>> ops);
  // Handles the reply of `op`, resubmitting it while it is not durable; true once it
  // committed, false if refused, parked or stopping.
  bool FinishCommit(const std::shared_ptr<const SubscriberCommitOp>& op, Reply reply);
  bool Commit(uint64_t from, uint64_t to, std::vector<std::shared_ptr<const ServiceOp>> ops);
  // Waits for the commit in flight (overlap_commit), if any; false if it did not commit.
  bool FinishInFlight();
  bool Park(const std::string& why);  // false, always

  Executor* executor_;
  journal::JournalReader* reader_;
  Subscriber* subscriber_;
  SubscriberOptions options_;
  std::string name_;
  std::atomic<uint64_t> committed_{0};
  std::atomic<uint64_t> commits_{0};
  std::atomic<bool> parked_{false};
  uint64_t failures_ = 0;  // retried commit failures (logged now and then)
  // overlap_commit: the commit submitted and not yet answered (its op and reply).
  struct InFlight;
  std::unique_ptr<InFlight> in_flight_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cb::runtime
