#pragma once
// Shared by the two halves of journal_record_fuzzer: single records (journal_record_fuzzer.cc)
// and whole damaged journals (journal_fuzz_segments.cc).
#include <cstddef>
#include <cstdint>
#include <span>

#include "journal/format.h"

namespace cb::fuzz {

// Consumes fuzz input front to back; past the end every read is zero, so any input is a
// complete description and short inputs mean "small journal, no damage".
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> in) : in_(in) {}
  uint8_t U8() {
    if (in_.empty()) return 0;
    const uint8_t b = in_[0];
    in_ = in_.subspan(1);
    return b;
  }
  uint16_t U16() { return static_cast<uint16_t>(U8() | (U8() << 8)); }
  std::span<const uint8_t> Bytes(size_t n) {
    const std::span<const uint8_t> out = in_.first(n < in_.size() ? n : in_.size());
    in_ = in_.subspan(out.size());
    return out;
  }
  bool empty() const { return in_.empty(); }

 private:
  std::span<const uint8_t> in_;
};

// Everything a record DecodeRecord accepted must satisfy: framing within the bytes, CRC and
// hash recomputed, events covering the event area exactly, and RecordBuilder writing the
// same logical record back (byte for byte when the record is canonical).
void CheckDecodedRecord(std::span<const uint8_t> bytes, const journal::RecordHeader& header,
                        std::span<const uint8_t> events);

// Builds a chained journal of a few segments from `in` (events, segment and group-commit
// boundaries, preallocation), damages it as `in` says, then checks recovery (ScanJournal,
// ScanJournalPipelined) and JournalReader against what was written.
void FuzzSegments(std::span<const uint8_t> in);

}  // namespace cb::fuzz
