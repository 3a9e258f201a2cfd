#pragma once
// A shard: the ledger state, its journal and its snapshots, driven single-threaded.
// Executor (executor.h) runs it on a writer thread and a journal thread; the simulator
// drives it directly, step by step, so both exercise the same code.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "journal/journal.h"
#include "journal/snapshot_file.h"
#include "ledger/snapshot_codec.h"
#include "ledger/state.h"
#include "runtime/command.h"

namespace cb::runtime {

struct ShardOptions {
  std::string data_dir;  // journal in DIR/journal, snapshots in DIR/snapshots
  uint16_t shard_id = 0;
  uint64_t segment_bytes = 64ull << 20;
  journal::Durability durability = journal::Durability::kFdatasync;
  size_t transfers_expected = 0;  // pre-sizes indexes (avoids rehash stalls)
  size_t accounts_expected = 0;
  size_t snapshots_kept = 2;
  size_t expiries_per_batch_max = 8190;
  Service* service = nullptr;      // not owned; nullptr: ledger only (service events = DataLoss)
  bool journal_zero_fill = false;  // see journal::JournalOptions::zero_fill
  bool pipelined_recovery = true;  // see journal::JournalOptions::pipelined_scan
  journal::PositionIndex* journal_positions = nullptr;  // see journal::JournalOptions::positions
};

struct RecoveryInfo {
  std::string snapshot_used;                    // empty: full replay
  std::vector<std::string> snapshots_rejected;  // with the reason
  uint64_t events_replayed = 0;
  uint64_t seq_next = 1;
  bool torn_tail = false;
  std::string torn_detail;
};

// A batch being built by ExecuteBatch and made durable by Commit.
struct PreparedBatch {
  journal::RecordBuilder record;
  uint64_t seq_first = 0;
  TimestampNs timestamp_ns = 0;
  bool has_events() const { return record.event_count() > 0; }
};

struct SnapshotJob {
  std::unique_ptr<ledger::SnapshotCapture> capture;
  std::string service_state;  // Service::CaptureSnapshot(), written before the ledger body
  journal::SnapshotMeta meta;
};

class Shard {
 public:
  // Recovers: newest valid snapshot + replay of the journal tail; a corrupt snapshot
  // falls back to an older one, then to a full replay. A corrupt journal middle fails.
  static Result<std::unique_ptr<Shard>> Open(Disk* disk, const ShardOptions& options,
                                             RecoveryInfo* info);

  // Runs `commands` as one batch at batch time max(now, last + 1): expires due pending
  // transfers first, then executes each command in order. `replies[i]` answers
  // `commands[i]`; replies must not be released before Commit() of this batch succeeds.
  void ExecuteBatch(std::span<const Command* const> commands, TimestampNs now, PreparedBatch* batch,
                    std::vector<Reply>* replies);

  // The earliest instant a batch would have work without any command: a pending-transfer
  // expiry or a service's durable timer (the executor's idle writer wakes for it).
  std::optional<TimestampNs> NextDue() const;

  // Group commit of executed batches, in order. After an error the shard is failed.
  Status Commit(std::span<PreparedBatch* const> batches);

  // Snapshot of the state as of every executed batch; call only when all executed batches
  // are committed. WriteSnapshot may then run on another thread while execution goes on.
  SnapshotJob CaptureSnapshot() const;
  Status WriteSnapshot(const SnapshotJob& job) const;

  ledger::LedgerState& state() { return *state_; }
  const ledger::LedgerState& state() const { return *state_; }
  uint64_t seq_next() const { return seq_next_; }
  uint64_t seq_durable_next() const { return journal_->seq_next(); }
  bool failed() const { return journal_->failed(); }
  TimestampNs last_timestamp() const { return last_ts_; }
  const ShardOptions& options() const { return options_; }

 private:
  Shard(Disk* disk, ShardOptions options) : disk_(disk), options_(std::move(options)) {}
  void ExecuteOne(const Command& command, TimestampNs* ts_next, PreparedBatch* batch, Reply* reply);

  Disk* disk_;
  ShardOptions options_;
  std::unique_ptr<ledger::LedgerState> state_;
  std::unique_ptr<journal::FileJournal> journal_;
  uint64_t seq_next_ = 1;    // next event sequence to execute
  TimestampNs last_ts_ = 0;  // last timestamp handed to an event
};

std::string JournalDir(const std::string& data_dir);
std::string SnapshotDir(const std::string& data_dir);

}  // namespace cb::runtime
