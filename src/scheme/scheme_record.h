#pragma once
// The records of the scheme's log (scheme_store.h): their framing, shared by the writer and
// recovery, and their payloads. Little-endian.
//
//   off size field
//     0    4 crc32c        over bytes [4, 21 + length): a torn or flipped byte fails it
//     4    4 magic         kRecordMagic: recovery finds records past damage by it
//     8    4 length        payload bytes, at most kRecordPayloadBytesMax
//    12    1 type          RecordType
//    13    8 group_offset  where the group-commit write holding this record began: a valid
//                          record of a later group after damage proves the damage was synced
//    21    . payload       fields in the order of the structs below: u8, u32 and u64 fixed,
//                          strings as u32 length + bytes
//
// The XML of a record is its last field, so its bytes end where the record ends: the feed
// keeps (offset, length) and reads them back from the file instead of holding them.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"
#include "base/time.h"
#include "payments/iso20022.h"

namespace cb::scheme {

inline constexpr uint32_t kRecordMagic = 0x31534243;  // "CBS1"
inline constexpr size_t kRecordHeaderBytes = 21;
// A received pacs.008 is at most 1 MiB (kBodyBytesMax); the rest of a record is small.
inline constexpr uint32_t kRecordPayloadBytesMax = 2u << 20;
inline constexpr uint32_t kFormatVersion = 1;
// Feed messages one record publishes (an inbound credit's `copies`).
inline constexpr uint32_t kCopiesMax = 10;

enum class RecordType : uint8_t { kOpened = 1, kReceived = 2, kPublished = 3 };

// The first record of a log: what makes this data directory's ids its own.
struct OpenedRecord {
  uint32_t format_version = kFormatVersion;
  std::string instance_id;  // kInstanceIdChars of [0-9A-Z], the prefix of the ids we make
  TimestampNs created_ns = 0;
  friend bool operator==(const OpenedRecord&, const OpenedRecord&) = default;
};

// What the scheme does with a received credit transfer (scheme_rules.h), decided once, when
// it is received, so a restart or a changed flag never changes an answer already owed.
enum class OutcomeKind : uint8_t { kAccept = 1, kReject = 2, kNoAnswer = 3, kReturn = 4 };
struct Outcome {
  OutcomeKind kind = OutcomeKind::kAccept;
  std::string reason_code;  // kReject, kReturn: an ISO reason code (4 characters)
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

// A pacs.008 from the participant, durable before it is acknowledged.
struct ReceivedRecord {
  TimestampNs received_ns = 0;
  std::string message_id;  // GrpHdr/MsgId: the duplicate key
  std::string end_to_end_id;
  std::string tx_id;
  Hash256 body_sha256{};  // the same MsgId with other bytes is refused (409)
  payments::iso::Amount amount;
  std::string remittance;
  Outcome outcome;
  std::string xml;  // the bytes as received
  friend bool operator==(const ReceivedRecord&, const ReceivedRecord&) = default;
};

// Why a message is on the feed.
enum class PublishCause : uint8_t {
  kStatusReport = 1,   // the pacs.002 answering a received transfer
  kReturn = 2,         // a pacs.004 returning a settled transfer (RETURN, or sandbox/returns)
  kInboundCredit = 3,  // a pacs.008 to one of our customers (sandbox/inbound_credits)
};

// Which bank transaction code a camt entry gets.
enum class EntryKind : uint8_t {
  kTransferOut = 1,  // DBIT: a credit transfer we sent, settled
  kReturnIn = 2,     // CRDT: one of ours returned
  kCreditIn = 3,     // CRDT: a credit transfer to one of our customers
};

// One entry on our settlement account (camt.053/054).
struct BookedEntry {
  TimestampNs booked_ns = 0;
  EntryKind kind = EntryKind::kTransferOut;
  bool credit = false;
  int64_t amount_minor = 0;   // > 0, in the scheme's currency
  std::string entry_ref;      // the MsgId of the message that booked it
  std::string end_to_end_id;  // reconciliation matches by this and the amount
  std::string remittance;
  friend bool operator==(const BookedEntry&, const BookedEntry&) = default;
};

// One message on the feed (published `copies` times at seq_first...), and what it books.
struct PublishedRecord {
  TimestampNs published_ns = 0;
  uint64_t seq_first = 0;
  uint32_t copies = 1;  // 1..kCopiesMax
  payments::iso::MessageType message_type = payments::iso::MessageType::kPacs002;
  PublishCause cause = PublishCause::kStatusReport;
  // kStatusReport, kReturn: the received transfer's MsgId; kInboundCredit: the pacs.008's.
  std::string subject_message_id;
  std::string message_id;  // this message's MsgId
  bool settled = false;    // kStatusReport: ACSC (else RJCT)
  std::optional<BookedEntry> entry;
  std::string xml;
  friend bool operator==(const PublishedRecord&, const PublishedRecord&) = default;
};

std::vector<uint8_t> EncodeOpened(const OpenedRecord& record);
std::vector<uint8_t> EncodeReceived(const ReceivedRecord& record);
std::vector<uint8_t> EncodePublished(const PublishedRecord& record);
// DataLoss when the payload does not hold exactly one such record (a CRC-valid record that
// does not decode is a bug or another format, never a torn write).
Result<OpenedRecord> DecodeOpened(std::span<const uint8_t> payload);
Result<ReceivedRecord> DecodeReceived(std::span<const uint8_t> payload);
Result<PublishedRecord> DecodePublished(std::span<const uint8_t> payload);

// ---- Framing ---------------------------------------------------------------------------

// Appends one framed record to *out.
void AppendFrame(std::vector<uint8_t>* out, RecordType type, uint64_t group_offset,
                 std::span<const uint8_t> payload);

enum class FrameError : uint8_t {
  kNone,
  kShort,      // fewer bytes than the header or its length says: a torn tail, or damage
  kBadMagic,   // not a record start
  kBadLength,  // length over kRecordPayloadBytesMax
  kBadCrc,
  kBadType,  // CRC-valid but of no known type
};
const char* FrameErrorName(FrameError error);

struct Frame {
  RecordType type = RecordType::kOpened;
  uint64_t group_offset = 0;
  std::span<const uint8_t> payload;
  size_t frame_bytes = 0;  // header + payload
};
// Decodes the record at the start of `bytes` (which may hold more after it).
FrameError DecodeFrame(std::span<const uint8_t> bytes, Frame* frame);

}  // namespace cb::scheme
