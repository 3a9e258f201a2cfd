#pragma once
// The scheme's durable state: one append-only log, DIR/scheme.log, of the records in
// scheme_record.h. Every write is one group of records followed by fdatasync, and a group is
// only written once the previous one is durable, so a crash can damage the last group only.
// Recovery hands every valid record to the caller in order, then cuts off a torn tail; damage
// that a record of a later group follows was synced, and is refused as DataLoss instead of
// being cut (an acknowledged message must never vanish quietly).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "base/status.h"
#include "journal/disk.h"
#include "scheme/scheme_record.h"

namespace cb::scheme {

inline constexpr char kLogFileName[] = "scheme.log";

struct RecoveredRecord {
  const Frame& frame;
  uint64_t offset;  // of the record's first byte in the file
  uint64_t payload_offset() const { return offset + kRecordHeaderBytes; }
};

struct RecoveryReport {
  uint64_t records = 0;
  uint64_t end_offset = 0;  // where the next group is written
  uint64_t torn_bytes = 0;  // cut off the end; 0 when the log ended cleanly
  std::string torn_detail;  // "offset N: bad CRC" when torn_bytes > 0
};

class SchemeLog {
 public:
  // Opens DIR/scheme.log (creating DIR and the file), hands every valid record to
  // `on_record` in order (an error from it stops recovery and is returned), then cuts off and
  // syncs away a torn tail. DataLoss when damage is followed by a record of a later group.
  // Reads and writes go through `disk`, which must outlive the log.
  static Result<std::unique_ptr<SchemeLog>> Open(
      Disk* disk, const std::string& dir,
      const std::function<Status(const RecoveredRecord&)>& on_record, RecoveryReport* report);

  SchemeLog(const SchemeLog&) = delete;
  SchemeLog& operator=(const SchemeLog&) = delete;

  // Where the next group begins: the group_offset of each record framed into it.
  uint64_t end_offset() const { return end_offset_.load(std::memory_order_acquire); }

  // Writes one group (records framed with group_offset == end_offset()) and fdatasyncs it.
  // On an error the log must not be used again: what reached the disk is unknown.
  Status AppendGroup(std::span<const uint8_t> group);

  // Reads bytes a group already made durable (the feed's XML). Thread-safe against
  // AppendGroup on the posix disk (pread/pwrite); not on SimDisk.
  Status ReadAt(uint64_t offset, std::span<uint8_t> out);

 private:
  SchemeLog(std::unique_ptr<File> file, uint64_t end_offset)
      : file_(std::move(file)), end_offset_(end_offset) {}

  std::unique_ptr<File> file_;
  // Written by the one appending thread, read by feed readers (ReadAt's bound check).
  std::atomic<uint64_t> end_offset_;
};

}  // namespace cb::scheme
