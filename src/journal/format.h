#pragma once
// On-disk journal record: one batch of events. Little-endian, 8-byte aligned.
//
//   off size field
//     0    4 crc32c        over bytes [4, record_size): a torn or flipped byte fails it
//     4    4 magic         kRecordMagic, lets recovery resynchronise after damage
//     8    4 record_size   header + events, excluding the zero padding to 8 bytes
//    12    2 version       kRecordVersion
//    14    2 shard
//    16    8 seq_first     sequence number of the first event (events are numbered 1..)
//    24    4 event_count
//    28    4 reserved      zero
//    32    8 timestamp_ns  the batch clock (UTC ns); events carry their own stamps
//    40    8 group_offset  where the group-commit write holding this record began in its
//                          segment (physical; lets recovery tell a torn tail from a
//                          corrupt middle, see scan.cc)
//    48   32 prev_hash     hash of the previous record (zeros for the first)
//    80   32 hash          SHA-256(prev_hash || bytes [12, 40) || events)
//   112    . events        each: u16 type | u16 version | u32 payload_size | payload,
//                          payload zero-padded to 8 bytes
//
// crc, magic, size and group_offset are framing; the hash covers only logical content,
// so the same batch has the same hash in any backend (file or JetStream).
#include <cstdint>
#include <span>
#include <vector>

#include "base/sha256.h"
#include "base/time.h"

namespace cb::journal {

constexpr uint32_t kRecordMagic = 0x314A4243;  // "CBJ1"
constexpr uint16_t kRecordVersion = 1;
constexpr size_t kRecordHeaderSize = 112;
constexpr size_t kEventHeaderSize = 8;
constexpr uint32_t kRecordSizeMax = 64u << 20;
constexpr uint32_t kEventCountMax = 1u << 20;

inline size_t PaddedSize(size_t n) { return (n + 7) & ~static_cast<size_t>(7); }

struct RecordHeader {
  uint32_t record_size = 0;
  uint16_t version = kRecordVersion;
  uint16_t shard = 0;
  uint64_t seq_first = 0;
  uint32_t event_count = 0;
  TimestampNs timestamp_ns = 0;
  uint64_t group_offset = 0;
  Hash256 prev_hash{};
  Hash256 hash{};
};

// A view of one event inside a record.
struct EventView {
  uint16_t type;
  uint16_t version;
  std::span<const uint8_t> payload;
};

// Builds the bytes of one record: header space first, then events appended in place, so
// the journal writes the buffer as is (no copy on the hot path).
class RecordBuilder {
 public:
  RecordBuilder() { Reset(); }
  void Reset();
  // Reserves an event and returns its payload bytes to fill (zeroed, padded).
  uint8_t* AddEvent(uint16_t type, uint16_t version, uint32_t payload_size);
  uint32_t event_count() const { return event_count_; }
  size_t size_bytes() const { return buffer_.size(); }
  // For rolling back a failed linked chain.
  struct Mark {
    size_t size_bytes;
    uint32_t event_count;
  };
  Mark mark() const { return {buffer_.size(), event_count_}; }
  void RollbackTo(Mark m);
  void Reserve(size_t bytes) { buffer_.reserve(bytes); }

  // Fills in the header: chain hash and CRC. Returns the record hash.
  Hash256 Seal(uint16_t shard, uint64_t seq_first, TimestampNs timestamp_ns,
               const Hash256& prev_hash, uint64_t group_offset);
  std::span<const uint8_t> bytes() const { return buffer_; }
  std::span<uint8_t> mutable_bytes() { return buffer_; }

 private:
  std::vector<uint8_t> buffer_;
  uint32_t event_count_ = 0;
};

// Serialises a protobuf message (anything with ByteSizeLong and
// SerializeWithCachedSizesToArray; no protobuf header needed here) as one event, in place.
template <typename Message>
void AddMessageEvent(RecordBuilder* out, uint16_t type, uint16_t version, const Message& m) {
  const size_t size = m.ByteSizeLong();
  uint8_t* p = out->AddEvent(type, version, static_cast<uint32_t>(size));
  m.SerializeWithCachedSizesToArray(p);
}

// Sets group_offset and recomputes the CRC of an already sealed record (the hash does not
// cover group_offset, so it stays valid).
void RestampGroupOffset(std::span<uint8_t> record, uint64_t group_offset);

enum class DecodeError { kNone, kZero, kBadMagic, kBadSize, kBadCrc, kBadHash, kBadEvents };
const char* DecodeErrorName(DecodeError e);

// Decodes and validates the record at the start of `bytes` (CRC, sizes, events framing,
// hash). On success fills `header` and `events` (the event area).
DecodeError DecodeRecord(std::span<const uint8_t> bytes, RecordHeader* header,
                         std::span<const uint8_t>* events);

// Iterates the events of a validated record. Returns false at the end.
class EventIterator {
 public:
  explicit EventIterator(std::span<const uint8_t> events) : rest_(events) {}
  bool Next(EventView* out);

 private:
  std::span<const uint8_t> rest_;
};

Hash256 ComputeRecordHash(const Hash256& prev_hash, std::span<const uint8_t> record);

}  // namespace cb::journal
