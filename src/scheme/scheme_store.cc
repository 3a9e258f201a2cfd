// The scheme's log file: recovery and group appends (scheme_store.h).
#include "scheme/scheme_store.h"

#include <algorithm>
#include <vector>

#include "base/check.h"
#include "base/uint128.h"

namespace cb::scheme {
namespace {

// Recovery reads the file through a window this large (a record is at most ~2 MiB), so a log
// of any size costs a bounded buffer.
constexpr size_t kWindowBytes = size_t{4} << 20;

// Bytes of a file by offset, read a window at a time.
class WindowReader {
 public:
  WindowReader(File* file, uint64_t file_bytes) : file_(file), file_bytes_(file_bytes) {}

  // Bytes [offset, offset + n), fewer only where the file ends.
  Result<std::span<const uint8_t>> Get(uint64_t offset, size_t n) {
    CB_CHECK(n <= kWindowBytes);
    if (offset >= file_bytes_) return std::span<const uint8_t>();
    const uint64_t end = std::min<uint64_t>(offset + n, file_bytes_);
    if (offset < start_ || end > start_ + window_.size()) {
      const size_t want =
          static_cast<size_t>(std::min<uint64_t>(kWindowBytes, file_bytes_ - offset));
      window_.resize(want);
      CB_ASSIGN_OR_RETURN(size_t got, file_->ReadAt(offset, window_));
      window_.resize(got);
      start_ = offset;
      if (end > start_ + window_.size()) {
        return Status::DataLoss("scheme log: short read at offset " + std::to_string(offset));
      }
    }
    return std::span<const uint8_t>(window_.data() + (offset - start_), end - offset);
  }

  // The record at `offset`, or why there is none.
  Result<FrameError> FrameAt(uint64_t offset, Frame* frame) {
    CB_ASSIGN_OR_RETURN(std::span<const uint8_t> head, Get(offset, kRecordHeaderBytes));
    if (head.size() < kRecordHeaderBytes) return FrameError::kShort;
    const FrameError head_error = DecodeFrame(head, frame);
    if (head_error != FrameError::kShort) return head_error;  // bad magic or length
    const size_t length = LoadLe<uint32_t>(head.data() + 8);
    CB_ASSIGN_OR_RETURN(std::span<const uint8_t> whole, Get(offset, kRecordHeaderBytes + length));
    return DecodeFrame(whole, frame);
  }

 private:
  File* file_;
  uint64_t file_bytes_;
  uint64_t start_ = 0;
  std::vector<uint8_t> window_;
};

// After damage at `bad_offset`: is there a valid record whose group began after it? Such a
// group was written only once the damaged one was synced, so the damage is corruption.
Result<bool> ValidRecordOfLaterGroup(WindowReader* reader, uint64_t bad_offset,
                                     uint64_t file_bytes) {
  Frame frame;
  for (uint64_t off = bad_offset + 1; off + kRecordHeaderBytes <= file_bytes; off++) {
    CB_ASSIGN_OR_RETURN(std::span<const uint8_t> head, reader->Get(off, kRecordHeaderBytes));
    if (LoadLe<uint32_t>(head.data() + 4) != kRecordMagic) continue;
    CB_ASSIGN_OR_RETURN(FrameError error, reader->FrameAt(off, &frame));
    if (error == FrameError::kNone && frame.group_offset > bad_offset) return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<SchemeLog>> SchemeLog::Open(
    Disk* disk, const std::string& dir,
    const std::function<Status(const RecoveredRecord&)>& on_record, RecoveryReport* report) {
  *report = RecoveryReport{};
  CB_RETURN_IF_ERROR(disk->CreateDir(dir));
  const std::string path = JoinPath(dir, kLogFileName);
  const bool existed = disk->Exists(path);
  CB_ASSIGN_OR_RETURN(std::unique_ptr<File> file, disk->Open(path, /*create=*/true));
  // A new file's directory entry must be durable before any record in it counts.
  if (!existed) CB_RETURN_IF_ERROR(disk->SyncDir(dir));
  CB_ASSIGN_OR_RETURN(const uint64_t file_bytes, file->Size());

  WindowReader reader(file.get(), file_bytes);
  uint64_t off = 0;
  while (off < file_bytes) {
    Frame frame;
    CB_ASSIGN_OR_RETURN(FrameError error, reader.FrameAt(off, &frame));
    if (error != FrameError::kNone) {
      CB_ASSIGN_OR_RETURN(bool later, ValidRecordOfLaterGroup(&reader, off, file_bytes));
      if (later) {
        return Status::DataLoss("scheme log " + path + ": " + FrameErrorName(error) +
                                " at offset " + std::to_string(off) +
                                ", and records written after it follow (not a torn tail)");
      }
      report->torn_bytes = file_bytes - off;
      report->torn_detail = "offset " + std::to_string(off) + ": " + FrameErrorName(error);
      break;
    }
    CB_RETURN_IF_ERROR(on_record(RecoveredRecord{frame, off}));
    report->records++;
    off += frame.frame_bytes;
  }
  if (report->torn_bytes > 0) {
    // Cut the torn group away (durably) so the next group follows the last good record and
    // its stale bytes can never be read as records.
    CB_RETURN_IF_ERROR(file->Truncate(off));
    CB_RETURN_IF_ERROR(file->Sync());
  }
  report->end_offset = off;
  return std::unique_ptr<SchemeLog>(new SchemeLog(std::move(file), off));
}

Status SchemeLog::AppendGroup(std::span<const uint8_t> group) {
  CB_CHECK(!group.empty());
  const uint64_t offset = end_offset();
  CB_RETURN_IF_ERROR(file_->WriteAt(offset, group));
  // fdatasync before anyone hears of these records: an answer must survive a crash.
  CB_RETURN_IF_ERROR(file_->Sync());
  end_offset_.store(offset + group.size(), std::memory_order_release);
  return Status::Ok();
}

Status SchemeLog::ReadAt(uint64_t offset, std::span<uint8_t> out) {
  CB_CHECK(offset + out.size() <= end_offset());
  CB_ASSIGN_OR_RETURN(size_t got, file_->ReadAt(offset, out));
  if (got != out.size()) {
    return Status::DataLoss("scheme log: short read at offset " + std::to_string(offset));
  }
  return Status::Ok();
}

}  // namespace cb::scheme
