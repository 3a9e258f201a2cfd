#pragma once
// Random reads of committed journal records by sequence number, for readers beside the
// writer (the event feed, idempotent replays). It starts at the nearest entry of a
// PositionIndex at or before the wanted seq (shared with the journal, which notes every
// segment's first record and about one record per MiB as it recovers and appends) and walks
// record headers from there, reading and verifying only the records it returns. Never reads
// at or past `durable_seq_next` (what the writer has made durable), so it sees only
// complete, acknowledged records. Blocking I/O: call it off the writer, journal and io
// threads. Thread-safe.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "journal/disk.h"
#include "journal/format.h"
#include "journal/position_index.h"
#include "journal/scan.h"

namespace cb::journal {

class JournalReader {
 public:
  // `positions` is shared with the journal and not owned; null: the reader keeps its own
  // (offline tools), filled as it walks.
  JournalReader(Disk* disk, std::string journal_dir, PositionIndex* positions = nullptr);

  // Calls `visit` for each record holding events with seq >= from_seq, in order, until it
  // returns false or the durable end is reached. The spans are valid during the call only.
  using Visit = std::function<bool(const RecordHeader& header, std::span<const uint8_t> events)>;
  Status Read(uint64_t from_seq, uint64_t durable_seq_next, const Visit& visit);

  // The payload of the single event `seq` (copied), with its type.
  struct Event {
    uint16_t type = 0;
    std::vector<uint8_t> payload;
    TimestampNs record_timestamp_ns = 0;
  };
  Result<Event> ReadEvent(uint64_t seq, uint64_t durable_seq_next);

  // Record headers read so far (tests check reads stay near their target).
  uint64_t headers_read() const { return headers_read_.load(std::memory_order_relaxed); }

 private:
  Disk* disk_;
  std::string dir_;
  std::unique_ptr<PositionIndex> own_positions_;
  PositionIndex* positions_;
  std::atomic<uint64_t> headers_read_{0};
};

}  // namespace cb::journal
