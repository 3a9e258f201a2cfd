// libFuzzer target: the journal record format (journal/format.h) and, through
// journal_fuzz_segments.cc, the recovery scan and JournalReader over a damaged journal.
// Byte 0 picks the mode, the rest is its input:
//   0 raw      the bytes DecodeRecord sees at a record position (anything a disk may hold);
//   1 sealed   a record template whose magic, size, hash and CRC are fixed up, so mutations
//              reach the event framing instead of dying at the CRC;
//   2 counted  as sealed, with event_count set to what the framing holds, so most inputs
//              decode and the re-encoding checks run;
//   3 journal  a few chained records in segments, damaged, then recovered and read.
// Seeds: fuzz/corpus/journal_record_fuzzer/ (records from the real RecordBuilder, written by
// make_journal_seeds.cc).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "base/check.h"
#include "base/crc32c.h"
#include "base/uint128.h"
#include "fuzz/journal_fuzz.h"

namespace cb::fuzz {

using namespace cb::journal;

void CheckDecodedRecord(std::span<const uint8_t> bytes, const RecordHeader& header,
                        std::span<const uint8_t> events) {
  const size_t size = header.record_size;
  CB_CHECK(size >= kRecordHeaderSize);
  CB_CHECK(size <= bytes.size());
  CB_CHECK(size <= kRecordSizeMax);
  CB_CHECK(size % 8 == 0);
  const uint8_t* p = bytes.data();
  CB_CHECK(LoadLe<uint32_t>(p + 4) == kRecordMagic);
  CB_CHECK(LoadLe<uint32_t>(p + 8) == size);
  CB_CHECK(Crc32c(p + 4, size - 4) == LoadLe<uint32_t>(p));
  const std::span<const uint8_t> record = bytes.first(size);
  CB_CHECK(ComputeRecordHash(header.prev_hash, record) == header.hash);
  CB_CHECK(events.data() == p + kRecordHeaderSize);
  CB_CHECK(events.size() == size - kRecordHeaderSize);

  // Re-encode the events the iterator yields; they must tile the event area exactly.
  RecordBuilder builder;
  EventIterator it(events);
  EventView ev;
  uint32_t count = 0;
  bool padding_zero = true;
  while (it.Next(&ev)) {
    count++;
    CB_CHECK(ev.payload.data() >= events.data());
    CB_CHECK(ev.payload.data() + PaddedSize(ev.payload.size()) <= events.data() + events.size());
    uint8_t* dst = builder.AddEvent(ev.type, ev.version, static_cast<uint32_t>(ev.payload.size()));
    if (!ev.payload.empty()) std::memcpy(dst, ev.payload.data(), ev.payload.size());
    for (size_t i = ev.payload.size(); i < PaddedSize(ev.payload.size()); i++) {
      padding_zero = padding_zero && ev.payload.data()[i] == 0;
    }
  }
  CB_CHECK(count == header.event_count);
  CB_CHECK(builder.size_bytes() == size);
  builder.Seal(header.shard, header.seq_first, header.timestamp_ns, header.prev_hash,
               header.group_offset);
  RecordHeader again;
  std::span<const uint8_t> events_again;
  CB_CHECK(DecodeRecord(builder.bytes(), &again, &events_again) == DecodeError::kNone);
  CB_CHECK(again.record_size == header.record_size);
  CB_CHECK(again.shard == header.shard);
  CB_CHECK(again.seq_first == header.seq_first);
  CB_CHECK(again.event_count == header.event_count);
  CB_CHECK(again.timestamp_ns == header.timestamp_ns);
  CB_CHECK(again.group_offset == header.group_offset);
  CB_CHECK(again.prev_hash == header.prev_hash);
  // DecodeRecord does not insist on the fields the writer always zeroes or fixes (version,
  // reserved, event padding: see docs/fuzzing.md), so only a record as the writer makes it
  // must come back byte for byte.
  const bool canonical =
      header.version == kRecordVersion && LoadLe<uint32_t>(p + 28) == 0 && padding_zero;
  if (canonical) {
    CB_CHECK(again.hash == header.hash);
    CB_CHECK(std::memcmp(builder.bytes().data(), record.data(), size) == 0);
  }

  // group_offset is framing, outside the hash: restamping it keeps the record valid.
  std::vector<uint8_t> restamped(record.begin(), record.end());
  RestampGroupOffset(restamped, header.group_offset ^ 0x5a5a);
  RecordHeader moved;
  std::span<const uint8_t> events_moved;
  CB_CHECK(DecodeRecord(restamped, &moved, &events_moved) == DecodeError::kNone);
  CB_CHECK(moved.group_offset == (header.group_offset ^ 0x5a5a));
  CB_CHECK(moved.hash == header.hash);
}

namespace {

void FuzzRaw(std::span<const uint8_t> bytes) {
  RecordHeader header;
  std::span<const uint8_t> events;
  const DecodeError err = DecodeRecord(bytes, &header, &events);
  if (err == DecodeError::kNone) return CheckDecodedRecord(bytes, header, events);
  if (err == DecodeError::kZero) {
    // "End of data" only for zeros: anything else must count as damage in a scan.
    const size_t zeros_min = bytes.size() < kRecordHeaderSize ? bytes.size() : 12;
    for (size_t i = 0; i < zeros_min; i++) CB_CHECK(bytes[i] == 0);
  }
}

void FuzzSealed(std::span<const uint8_t> in, bool count_events) {
  std::vector<uint8_t> rec(in.begin(), in.end());
  if (rec.size() < kRecordHeaderSize) rec.resize(kRecordHeaderSize, 0);
  const size_t size = rec.size() & ~static_cast<size_t>(7);  // a tail < 8 bytes stays after it
  uint8_t* p = rec.data();
  StoreLe<uint32_t>(p + 4, kRecordMagic);
  StoreLe<uint32_t>(p + 8, static_cast<uint32_t>(size));
  if (count_events) {
    EventIterator it(std::span<const uint8_t>(p + kRecordHeaderSize, size - kRecordHeaderSize));
    EventView ev;
    uint32_t count = 0;
    while (it.Next(&ev)) count++;
    StoreLe<uint32_t>(p + 24, count);
  }
  Hash256 prev_hash;
  std::memcpy(prev_hash.data(), p + 48, prev_hash.size());
  const Hash256 hash = ComputeRecordHash(prev_hash, std::span<const uint8_t>(p, size));
  std::memcpy(p + 80, hash.data(), hash.size());
  StoreLe<uint32_t>(p, Crc32c(p + 4, size - 4));

  RecordHeader header;
  std::span<const uint8_t> events;
  const DecodeError err = DecodeRecord(rec, &header, &events);
  // Magic, size, CRC and hash are right by construction: only the events can be wrong.
  CB_CHECK(err == DecodeError::kNone || err == DecodeError::kBadEvents);
  if (err == DecodeError::kNone) CheckDecodedRecord(rec, header, events);
}

}  // namespace
}  // namespace cb::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> in(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      cb::fuzz::FuzzRaw(in);
      break;
    case 1:
      cb::fuzz::FuzzSealed(in, false);
      break;
    case 2:
      cb::fuzz::FuzzSealed(in, true);
      break;
    case 3:
      cb::fuzz::FuzzSegments(in);
      break;
  }
  return 0;
}
