#pragma once
// Reading the journal: recovery, replay and `audit verify` all go through ScanJournal,
// so the rules for a torn tail versus a corrupt middle live in one place.
#include <functional>
#include <string>

#include "journal/disk.h"
#include "journal/format.h"

namespace cb::journal {

// Segment files are `seg-<index, 8 digits>.cbj` inside the journal directory.
std::string SegmentName(uint64_t index);
bool ParseSegmentName(const std::string& name, uint64_t* index);

struct Position {
  uint64_t segment = 0;
  uint64_t offset = 0;
};

struct RecordRef {
  Position position;
  const RecordHeader* header;
  std::span<const uint8_t> events;
};

struct ScanStart {
  Position position;      // where to begin reading
  uint64_t seq_next = 1;  // expected seq_first of the first record read
  Hash256 prev_hash{};    // expected prev_hash of the first record read
};

struct ScanEnd {
  Position end;  // where the next record goes
  uint64_t seq_next = 1;
  Hash256 last_hash{};
  TimestampNs timestamp_last_ns = 0;
  uint64_t records = 0;
  bool torn_tail = false;   // a damaged or partial last group was found (and dropped)
  std::string torn_detail;  // segment and offset of the torn tail, for logs
  uint64_t segment_count = 0;
};

// Reads records from `start` in order, checking CRC, hash chain and sequence continuity,
// and calls `on_record` for each. A damaged record is a torn tail only if nothing valid
// that was written after its group-commit write follows it; otherwise it is corruption:
// DataLoss naming the segment and offset. `on_record` may stop the scan early by
// returning a non-OK status, which is passed through.
Result<ScanEnd> ScanJournal(Disk* disk, const std::string& dir, const ScanStart& start,
                            const std::function<Status(const RecordRef&)>& on_record);

// ScanJournal with reading and verification (CRC, SHA-256 chain) on a helper thread while
// `on_record` runs on the caller's, so replay applies one record while the next ones are
// read and checked. Same records, order, errors and end as ScanJournal; at most about
// `buffer_bytes_max` of copied records wait between the two.
Result<ScanEnd> ScanJournalPipelined(Disk* disk, const std::string& dir, const ScanStart& start,
                                     const std::function<Status(const RecordRef&)>& on_record,
                                     size_t buffer_bytes_max = size_t{64} << 20);

}  // namespace cb::journal
