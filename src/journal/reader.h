#pragma once
// Random reads of committed journal records by sequence number, for readers beside the
// writer (the event feed, idempotent replays). A sparse index (record seq_first -> segment,
// offset) grows as reads walk forward, so repeated reads near the end cost a few small
// preads, not a scan. Never reads at or past `durable_seq_next` (what the writer has made
// durable), so it sees only complete, acknowledged records. Thread-safe.
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "journal/disk.h"
#include "journal/format.h"
#include "journal/scan.h"

namespace cb::journal {

class JournalReader {
 public:
  JournalReader(Disk* disk, std::string journal_dir);

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

 private:
  struct Indexed {
    uint64_t seq_first;
    Position position;
  };
  Disk* disk_;
  std::string dir_;
  std::mutex mu_;
  std::vector<Indexed> index_;  // ascending seq_first
};

}  // namespace cb::journal
