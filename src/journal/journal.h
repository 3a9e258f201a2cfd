#pragma once
// The file journal: segmented, preallocated, append-only files of records (format.h),
// written by group commit with one fdatasync per group. Recovery on open truncates only a
// torn tail; a corrupt middle is a hard error (scan.h).
#include <future>
#include <memory>
#include <span>
#include <string>

#include "journal/disk.h"
#include "journal/format.h"
#include "journal/position_index.h"
#include "journal/scan.h"

namespace cb::journal {

enum class Durability { kFdatasync, kNone };

struct JournalOptions {
  std::string dir;
  uint64_t segment_bytes = 64ull << 20;
  uint16_t shard = 0;
  Durability durability = Durability::kFdatasync;
  // Write zeros over new segments (the next one in the background) instead of only
  // fallocating them: overwriting allocated, written blocks makes fdatasync a data-only
  // flush, while fallocated (unwritten) extents cost a metadata journal commit per sync
  // (measured here: 227 vs 363-415 us per 4 KiB write + fdatasync).
  bool zero_fill = false;
  // Open reads and verifies the journal on a helper thread while the caller applies
  // (ScanJournalPipelined). Off in the simulator: a thread per recovery of a few kilobytes
  // costs more there than it saves.
  bool pipelined_scan = true;
  // Not owned; may be null. Learns where records are: the first record of every segment at
  // open, the records of the recovery scan and of every append (sparsely), so that readers
  // (idempotent replays, the event feed) never scan the journal from its start.
  PositionIndex* positions = nullptr;
};

struct BatchToWrite {
  RecordBuilder* record;
  uint64_t seq_first;
  TimestampNs timestamp_ns;
};

class FileJournal {
 public:
  // Opens (creating) the journal, scans it from `start`, passing each record to
  // `on_record` (replay), truncates a torn tail and positions the writer at the end.
  static Result<std::unique_ptr<FileJournal>> Open(
      Disk* disk, const JournalOptions& options, const ScanStart& start,
      const std::function<Status(const RecordRef&)>& on_record, ScanEnd* scan_end);

  // Group commit: seals each record (hash chain, CRC), writes them with one gathered write
  // per segment touched and one fdatasync. After an error the journal is failed for good:
  // nothing more is appended and the caller must not acknowledge these batches.
  Status AppendGroup(std::span<const BatchToWrite> batches);

  uint64_t seq_next() const { return seq_next_; }
  const Hash256& last_hash() const { return last_hash_; }
  Position position() const { return {segment_, offset_}; }
  bool failed() const { return failed_; }

 private:
  FileJournal(Disk* disk, JournalOptions options) : disk_(disk), options_(std::move(options)) {}
  Status OpenSegment(uint64_t index, bool fresh);
  // Zero-filled segment files are prepared under "<name>.prep" one segment ahead.
  void StartPreparing(uint64_t index);
  Status ZeroFill(File* file, uint64_t from);
  Status Flush(uint64_t group_offset, std::vector<std::span<const uint8_t>>* parts);
  // Notes the first record of each segment before `segment` (one header read each).
  Status IndexOlderSegments(uint64_t segment);

  Disk* disk_;
  JournalOptions options_;
  std::unique_ptr<File> file_;
  uint64_t segment_ = 0;
  uint64_t offset_ = 0;
  uint64_t seq_next_ = 1;
  Hash256 last_hash_{};
  bool failed_ = false;
  std::future<Status> prepared_;  // the next segment's .prep file, when zero_fill is on
  uint64_t prepared_index_ = 0;
  Position last_noted_{UINT64_MAX, 0};  // the last position given to options_.positions

 public:
  ~FileJournal();
};

}  // namespace cb::journal
