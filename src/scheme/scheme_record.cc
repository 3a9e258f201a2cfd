// Record payloads and framing (scheme_record.h).
#include "scheme/scheme_record.h"

#include <cstring>

#include "base/check.h"
#include "base/crc32c.h"
#include "base/uint128.h"

namespace cb::scheme {
namespace {

using payments::iso::MessageType;

// Field strings are bounded by what they hold (ids 35, names 140, XML 1 MiB); the payload
// bound caps them all.
class PayloadWriter {
 public:
  void U8(uint8_t v) { bytes_.push_back(v); }
  void U32(uint32_t v) { Fixed(v); }
  void U64(uint64_t v) { Fixed(v); }
  void I64(int64_t v) { Fixed(v); }
  void Str(std::string_view s) {
    CB_CHECK(s.size() <= kRecordPayloadBytesMax);
    U32(static_cast<uint32_t>(s.size()));
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  void Bytes(std::span<const uint8_t> b) { bytes_.insert(bytes_.end(), b.begin(), b.end()); }
  std::vector<uint8_t> Take() {
    CB_CHECK(bytes_.size() <= kRecordPayloadBytesMax);
    return std::move(bytes_);
  }

 private:
  template <typename T>
  void Fixed(T v) {
    uint8_t b[sizeof(T)];
    StoreLe(b, v);
    bytes_.insert(bytes_.end(), b, b + sizeof(T));
  }
  std::vector<uint8_t> bytes_;
};

// Reads fields in order; the first overrun makes ok() false and every later read a no-op,
// so a decoder checks once at the end.
class PayloadReader {
 public:
  explicit PayloadReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint8_t U8() { return Fixed<uint8_t>(); }
  uint32_t U32() { return Fixed<uint32_t>(); }
  uint64_t U64() { return Fixed<uint64_t>(); }
  int64_t I64() { return Fixed<int64_t>(); }
  std::string Str() {
    const uint32_t n = U32();
    if (!ok_ || n > bytes_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  void Bytes(std::span<uint8_t> out) {
    if (!ok_ || out.size() > bytes_.size() - pos_) {
      ok_ = false;
      return;
    }
    std::memcpy(out.data(), bytes_.data() + pos_, out.size());
    pos_ += out.size();
  }
  // Every byte read, none left over.
  bool done() const { return ok_ && pos_ == bytes_.size(); }

 private:
  template <typename T>
  T Fixed() {
    if (!ok_ || sizeof(T) > bytes_.size() - pos_) {
      ok_ = false;
      return T{};
    }
    T v = LoadLe<T>(bytes_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

Status Undecodable(const char* what) {
  return Status::DataLoss(std::string("scheme log: a ") + what + " record does not decode");
}

bool ValidMessageType(uint8_t v) { return v <= static_cast<uint8_t>(MessageType::kCamt054); }

void WriteAmount(PayloadWriter* w, const payments::iso::Amount& a) {
  w->I64(a.amount_minor);
  w->Str(a.currency);
  w->U8(a.exponent);
}

payments::iso::Amount ReadAmount(PayloadReader* r) {
  payments::iso::Amount a;
  a.amount_minor = r->I64();
  a.currency = r->Str();
  a.exponent = r->U8();
  return a;
}

}  // namespace

std::vector<uint8_t> EncodeOpened(const OpenedRecord& record) {
  PayloadWriter w;
  w.U32(record.format_version);
  w.Str(record.instance_id);
  w.U64(record.created_ns);
  return w.Take();
}

Result<OpenedRecord> DecodeOpened(std::span<const uint8_t> payload) {
  PayloadReader r(payload);
  OpenedRecord rec;
  rec.format_version = r.U32();
  rec.instance_id = r.Str();
  rec.created_ns = r.U64();
  if (!r.done()) return Undecodable("opened");
  return rec;
}

std::vector<uint8_t> EncodeReceived(const ReceivedRecord& record) {
  PayloadWriter w;
  w.U64(record.received_ns);
  w.Str(record.message_id);
  w.Str(record.end_to_end_id);
  w.Str(record.tx_id);
  w.Bytes(record.body_sha256);
  WriteAmount(&w, record.amount);
  w.Str(record.remittance);
  w.U8(static_cast<uint8_t>(record.outcome.kind));
  w.Str(record.outcome.reason_code);
  w.Str(record.xml);
  return w.Take();
}

Result<ReceivedRecord> DecodeReceived(std::span<const uint8_t> payload) {
  PayloadReader r(payload);
  ReceivedRecord rec;
  rec.received_ns = r.U64();
  rec.message_id = r.Str();
  rec.end_to_end_id = r.Str();
  rec.tx_id = r.Str();
  r.Bytes(rec.body_sha256);
  rec.amount = ReadAmount(&r);
  rec.remittance = r.Str();
  const uint8_t kind = r.U8();
  rec.outcome.reason_code = r.Str();
  rec.xml = r.Str();
  if (!r.done() || kind < static_cast<uint8_t>(OutcomeKind::kAccept) ||
      kind > static_cast<uint8_t>(OutcomeKind::kReturn)) {
    return Undecodable("received");
  }
  rec.outcome.kind = static_cast<OutcomeKind>(kind);
  return rec;
}

std::vector<uint8_t> EncodePublished(const PublishedRecord& record) {
  CB_CHECK(record.copies >= 1);
  CB_CHECK(record.copies <= kCopiesMax);
  PayloadWriter w;
  w.U64(record.published_ns);
  w.U64(record.seq_first);
  w.U32(record.copies);
  w.U8(static_cast<uint8_t>(record.message_type));
  w.U8(static_cast<uint8_t>(record.cause));
  w.Str(record.subject_message_id);
  w.Str(record.message_id);
  w.U8(record.settled ? 1 : 0);
  w.U8(record.entry.has_value() ? 1 : 0);
  if (record.entry) {
    const BookedEntry& e = *record.entry;
    w.U64(e.booked_ns);
    w.U8(static_cast<uint8_t>(e.kind));
    w.U8(e.credit ? 1 : 0);
    w.I64(e.amount_minor);
    w.Str(e.entry_ref);
    w.Str(e.end_to_end_id);
    w.Str(e.remittance);
  }
  w.Str(record.xml);
  return w.Take();
}

Result<PublishedRecord> DecodePublished(std::span<const uint8_t> payload) {
  PayloadReader r(payload);
  PublishedRecord rec;
  rec.published_ns = r.U64();
  rec.seq_first = r.U64();
  rec.copies = r.U32();
  const uint8_t type = r.U8();
  const uint8_t cause = r.U8();
  rec.subject_message_id = r.Str();
  rec.message_id = r.Str();
  const uint8_t settled = r.U8();
  const uint8_t has_entry = r.U8();
  uint8_t entry_kind = static_cast<uint8_t>(EntryKind::kTransferOut);
  uint8_t credit = 0;
  if (has_entry == 1) {
    BookedEntry e;
    e.booked_ns = r.U64();
    entry_kind = r.U8();
    credit = r.U8();
    e.amount_minor = r.I64();
    e.entry_ref = r.Str();
    e.end_to_end_id = r.Str();
    e.remittance = r.Str();
    e.credit = credit == 1;
    rec.entry = std::move(e);
  }
  rec.xml = r.Str();
  if (!r.done() || rec.copies < 1 || rec.copies > kCopiesMax || !ValidMessageType(type) ||
      cause < static_cast<uint8_t>(PublishCause::kStatusReport) ||
      cause > static_cast<uint8_t>(PublishCause::kInboundCredit) || settled > 1 || has_entry > 1 ||
      credit > 1 || entry_kind < static_cast<uint8_t>(EntryKind::kTransferOut) ||
      entry_kind > static_cast<uint8_t>(EntryKind::kCreditIn)) {
    return Undecodable("published");
  }
  rec.message_type = static_cast<MessageType>(type);
  rec.cause = static_cast<PublishCause>(cause);
  rec.settled = settled == 1;
  if (rec.entry) rec.entry->kind = static_cast<EntryKind>(entry_kind);
  return rec;
}

void AppendFrame(std::vector<uint8_t>* out, RecordType type, uint64_t group_offset,
                 std::span<const uint8_t> payload) {
  CB_CHECK(payload.size() <= kRecordPayloadBytesMax);
  const size_t start = out->size();
  out->resize(start + kRecordHeaderBytes);
  uint8_t* h = out->data() + start;
  StoreLe<uint32_t>(h + 4, kRecordMagic);
  StoreLe<uint32_t>(h + 8, static_cast<uint32_t>(payload.size()));
  h[12] = static_cast<uint8_t>(type);
  StoreLe<uint64_t>(h + 13, group_offset);
  out->insert(out->end(), payload.begin(), payload.end());
  const uint32_t crc = Crc32c(out->data() + start + 4, kRecordHeaderBytes - 4 + payload.size());
  StoreLe<uint32_t>(out->data() + start, crc);
}

const char* FrameErrorName(FrameError error) {
  switch (error) {
    case FrameError::kNone:
      return "ok";
    case FrameError::kShort:
      return "short record";
    case FrameError::kBadMagic:
      return "bad magic";
    case FrameError::kBadLength:
      return "bad length";
    case FrameError::kBadCrc:
      return "bad CRC";
    case FrameError::kBadType:
      return "unknown record type";
  }
  return "?";
}

FrameError DecodeFrame(std::span<const uint8_t> bytes, Frame* frame) {
  if (bytes.size() < kRecordHeaderBytes) return FrameError::kShort;
  const uint8_t* h = bytes.data();
  if (LoadLe<uint32_t>(h + 4) != kRecordMagic) return FrameError::kBadMagic;
  const uint32_t length = LoadLe<uint32_t>(h + 8);
  if (length > kRecordPayloadBytesMax) return FrameError::kBadLength;
  if (bytes.size() - kRecordHeaderBytes < length) return FrameError::kShort;
  const uint32_t crc = Crc32c(h + 4, kRecordHeaderBytes - 4 + length);
  if (crc != LoadLe<uint32_t>(h)) return FrameError::kBadCrc;
  const uint8_t type = h[12];
  if (type < static_cast<uint8_t>(RecordType::kOpened) ||
      type > static_cast<uint8_t>(RecordType::kPublished)) {
    return FrameError::kBadType;
  }
  frame->type = static_cast<RecordType>(type);
  frame->group_offset = LoadLe<uint64_t>(h + 13);
  frame->payload = bytes.subspan(kRecordHeaderBytes, length);
  frame->frame_bytes = kRecordHeaderBytes + length;
  return FrameError::kNone;
}

}  // namespace cb::scheme
