#include "journal/format.h"

#include <cstring>

#include "base/check.h"
#include "base/crc32c.h"
#include "base/uint128.h"

namespace cb::journal {

void RecordBuilder::Reset() {
  buffer_.assign(kRecordHeaderSize, 0);
  event_count_ = 0;
}

uint8_t* RecordBuilder::AddEvent(uint16_t type, uint16_t version, uint32_t payload_size) {
  const size_t at = buffer_.size();
  buffer_.resize(at + kEventHeaderSize + PaddedSize(payload_size), 0);
  uint8_t* p = buffer_.data() + at;
  StoreLe<uint16_t>(p, type);
  StoreLe<uint16_t>(p + 2, version);
  StoreLe<uint32_t>(p + 4, payload_size);
  event_count_++;
  return p + kEventHeaderSize;
}

void RecordBuilder::RollbackTo(Mark m) {
  CB_CHECK(m.size_bytes <= buffer_.size());
  CB_CHECK(m.event_count <= event_count_);
  buffer_.resize(m.size_bytes);
  event_count_ = m.event_count;
}

Hash256 ComputeRecordHash(const Hash256& prev_hash, std::span<const uint8_t> record) {
  Sha256 h;
  h.Update(prev_hash.data(), prev_hash.size());
  h.Update(record.data() + 12, 40 - 12);
  h.Update(record.data() + kRecordHeaderSize, record.size() - kRecordHeaderSize);
  return h.Finish();
}

Hash256 RecordBuilder::Seal(uint16_t shard, uint64_t seq_first, TimestampNs timestamp_ns,
                            const Hash256& prev_hash, uint64_t group_offset) {
  CB_CHECK(buffer_.size() <= kRecordSizeMax);
  uint8_t* p = buffer_.data();
  StoreLe<uint32_t>(p + 4, kRecordMagic);
  StoreLe<uint32_t>(p + 8, static_cast<uint32_t>(buffer_.size()));
  StoreLe<uint16_t>(p + 12, kRecordVersion);
  StoreLe<uint16_t>(p + 14, shard);
  StoreLe<uint64_t>(p + 16, seq_first);
  StoreLe<uint32_t>(p + 24, event_count_);
  StoreLe<uint32_t>(p + 28, 0);
  StoreLe<uint64_t>(p + 32, timestamp_ns);
  StoreLe<uint64_t>(p + 40, group_offset);
  std::memcpy(p + 48, prev_hash.data(), 32);
  const Hash256 hash = ComputeRecordHash(prev_hash, buffer_);
  std::memcpy(p + 80, hash.data(), 32);
  // Events are padded already; the record itself is a multiple of 8 by construction.
  CB_CHECK(buffer_.size() % 8 == 0);
  StoreLe<uint32_t>(p, Crc32c(p + 4, buffer_.size() - 4));
  return hash;
}

void RestampGroupOffset(std::span<uint8_t> record, uint64_t group_offset) {
  uint8_t* p = record.data();
  StoreLe<uint64_t>(p + 40, group_offset);
  StoreLe<uint32_t>(p, Crc32c(p + 4, record.size() - 4));
}

const char* DecodeErrorName(DecodeError e) {
  switch (e) {
    case DecodeError::kNone:
      return "ok";
    case DecodeError::kZero:
      return "zero header (end of data)";
    case DecodeError::kBadMagic:
      return "bad magic";
    case DecodeError::kBadSize:
      return "bad record size";
    case DecodeError::kBadCrc:
      return "crc32c mismatch";
    case DecodeError::kBadHash:
      return "record hash mismatch";
    case DecodeError::kBadEvents:
      return "bad event framing";
  }
  return "unknown";
}

DecodeError DecodeRecord(std::span<const uint8_t> bytes, RecordHeader* header,
                         std::span<const uint8_t>* events) {
  if (bytes.size() < kRecordHeaderSize) {
    for (uint8_t b : bytes) {
      if (b != 0) return DecodeError::kBadSize;
    }
    return DecodeError::kZero;
  }
  const uint8_t* p = bytes.data();
  const uint32_t crc = LoadLe<uint32_t>(p);
  const uint32_t magic = LoadLe<uint32_t>(p + 4);
  const uint32_t size = LoadLe<uint32_t>(p + 8);
  if (crc == 0 && magic == 0 && size == 0) return DecodeError::kZero;
  if (magic != kRecordMagic) return DecodeError::kBadMagic;
  if (size < kRecordHeaderSize || size > kRecordSizeMax || size > bytes.size() || size % 8 != 0) {
    return DecodeError::kBadSize;
  }
  if (Crc32c(p + 4, size - 4) != crc) return DecodeError::kBadCrc;
  header->record_size = size;
  header->version = LoadLe<uint16_t>(p + 12);
  header->shard = LoadLe<uint16_t>(p + 14);
  header->seq_first = LoadLe<uint64_t>(p + 16);
  header->event_count = LoadLe<uint32_t>(p + 24);
  header->timestamp_ns = LoadLe<uint64_t>(p + 32);
  header->group_offset = LoadLe<uint64_t>(p + 40);
  std::memcpy(header->prev_hash.data(), p + 48, 32);
  std::memcpy(header->hash.data(), p + 80, 32);
  if (header->event_count > kEventCountMax) return DecodeError::kBadEvents;
  // Validate event framing once so consumers can iterate without bounds surprises.
  std::span<const uint8_t> ev = bytes.subspan(kRecordHeaderSize, size - kRecordHeaderSize);
  EventIterator it(ev);
  EventView view;
  uint32_t n = 0;
  size_t consumed = 0;
  while (it.Next(&view)) {
    n++;
    consumed += kEventHeaderSize + PaddedSize(view.payload.size());
  }
  if (n != header->event_count || consumed != ev.size()) return DecodeError::kBadEvents;
  if (ComputeRecordHash(header->prev_hash, bytes.subspan(0, size)) != header->hash) {
    return DecodeError::kBadHash;
  }
  *events = ev;
  return DecodeError::kNone;
}

bool EventIterator::Next(EventView* out) {
  if (rest_.size() < kEventHeaderSize) return false;
  const uint8_t* p = rest_.data();
  const uint32_t payload_size = LoadLe<uint32_t>(p + 4);
  const size_t total = kEventHeaderSize + PaddedSize(payload_size);
  if (total > rest_.size()) return false;
  out->type = LoadLe<uint16_t>(p);
  out->version = LoadLe<uint16_t>(p + 2);
  out->payload = rest_.subspan(kEventHeaderSize, payload_size);
  rest_ = rest_.subspan(total);
  return true;
}

}  // namespace cb::journal
