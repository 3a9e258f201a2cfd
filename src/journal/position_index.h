#pragma once
// Where records are in the journal files, sparsely: one entry per segment start and about one
// per kStrideBytes within a segment. A reader looking for an event starts at the entry at or
// before it and walks at most a stride of record headers, instead of scanning from segment 0.
// Filled by the journal (its recovery scan, its appends, the first record of every older
// segment) and by readers walking old segments. Thread-safe.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

#include "journal/scan.h"

namespace cb::journal {

class PositionIndex {
 public:
  static constexpr uint64_t kStrideBytes = 1u << 20;

  struct Entry {
    uint64_t seq_first = 0;  // of the record at `position`
    Position position;
  };

  // Records that the record holding events from `seq_first` starts at `position`, unless an
  // entry less than a stride before it in the same segment already covers it.
  void Note(uint64_t seq_first, Position position);
  // The entry with the largest seq_first <= seq, if any.
  std::optional<Entry> Floor(uint64_t seq) const;
  size_t size() const;
  // Whether a record at `at` is far enough past `last_noted` to be worth an entry (callers
  // use it to skip the lock between strides).
  static bool Due(Position last_noted, Position at) {
    return at.segment != last_noted.segment || at.offset >= last_noted.offset + kStrideBytes;
  }

 private:
  mutable std::mutex mu_;
  std::map<uint64_t, Position> entries_;  // seq_first -> record start
};

}  // namespace cb::journal
