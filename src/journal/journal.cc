#include "journal/journal.h"

#include <algorithm>
#include <iterator>
#include <vector>

#include "base/uint128.h"

namespace cb::journal {

constexpr size_t kZeroFillChunkBytes = 256 * 1024;

Result<std::unique_ptr<FileJournal>> FileJournal::Open(
    Disk* disk, const JournalOptions& options, const ScanStart& start,
    const std::function<Status(const RecordRef&)>& on_record, ScanEnd* scan_end) {
  CB_CHECK(options.segment_bytes >= 4096);
  CB_RETURN_IF_ERROR(disk->CreateDir(options.dir));
  PositionIndex* positions = options.positions;
  Position last_noted{UINT64_MAX, 0};
  const auto noting = [&](const RecordRef& r) -> Status {
    if (positions != nullptr && PositionIndex::Due(last_noted, r.position)) {
      positions->Note(r.header->seq_first, r.position);
      last_noted = r.position;
    }
    return on_record(r);
  };
  CB_ASSIGN_OR_RETURN(ScanEnd end, options.pipelined_scan
                                       ? ScanJournalPipelined(disk, options.dir, start, noting)
                                       : ScanJournal(disk, options.dir, start, noting));
  std::unique_ptr<FileJournal> j(new FileJournal(disk, options));
  j->last_noted_ = last_noted;
  if (positions != nullptr) CB_RETURN_IF_ERROR(j->IndexOlderSegments(start.position.segment));
  j->seq_next_ = end.seq_next;
  j->last_hash_ = end.last_hash;
  const bool exists = disk->Exists(JoinPath(options.dir, SegmentName(end.end.segment)));
  CB_RETURN_IF_ERROR(j->OpenSegment(end.end.segment, !exists));
  j->offset_ = end.end.offset;
  if (end.torn_tail) {
    // Drop the torn group: zero from the tail to the end of the segment so a later scan
    // cannot mistake stale bytes for records, then drop any later (empty) segments.
    CB_RETURN_IF_ERROR(j->file_->Truncate(end.end.offset));
    CB_RETURN_IF_ERROR(j->file_->Preallocate(options.segment_bytes));
    if (options.zero_fill) CB_RETURN_IF_ERROR(j->ZeroFill(j->file_.get(), end.end.offset));
    CB_RETURN_IF_ERROR(j->file_->Sync());
    auto names = disk->List(options.dir);
    CB_RETURN_IF_ERROR(names.status());
    for (const auto& name : *names) {
      uint64_t index;
      if (ParseSegmentName(name, &index) && index > end.end.segment) {
        CB_RETURN_IF_ERROR(disk->Remove(JoinPath(options.dir, name)));
      }
    }
    CB_RETURN_IF_ERROR(disk->SyncDir(options.dir));
  }
  if (scan_end != nullptr) *scan_end = end;
  return j;
}

Status FileJournal::IndexOlderSegments(uint64_t segment) {
  CB_ASSIGN_OR_RETURN(const std::vector<std::string> names, disk_->List(options_.dir));
  for (const std::string& name : names) {
    uint64_t index = 0;
    if (!ParseSegmentName(name, &index) || index >= segment) continue;
    CB_ASSIGN_OR_RETURN(auto file, disk_->Open(JoinPath(options_.dir, name), false));
    uint8_t head[kRecordHeaderSize];
    CB_ASSIGN_OR_RETURN(const size_t n, file->ReadAt(0, head));
    // An old segment was verified when it was written and by audits; a damaged one is found
    // (and reported) by the reader that needs it, not here.
    if (n < sizeof(head) || LoadLe<uint32_t>(head + 4) != kRecordMagic) continue;
    options_.positions->Note(LoadLe<uint64_t>(head + 16), Position{index, 0});
  }
  return Status::Ok();
}

FileJournal::~FileJournal() {
  if (prepared_.valid()) prepared_.wait();
}

// Each chunk is synced before the next is written: a whole segment's zeros written back at
// once would queue tens of megabytes ahead of the live segment's fdatasync (measured: transfer
// p99 25-39 ms). One chunk at a time delays a concurrent commit by at most one chunk's write.
Status FileJournal::ZeroFill(File* file, uint64_t from) {
  static const std::vector<uint8_t> kZeros(kZeroFillChunkBytes, 0);
  for (uint64_t off = from; off < options_.segment_bytes;) {
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(kZeros.size(), options_.segment_bytes - off));
    CB_RETURN_IF_ERROR(file->WriteAt(off, std::span<const uint8_t>(kZeros.data(), n)));
    CB_RETURN_IF_ERROR(file->Sync());
    off += n;
  }
  return Status::Ok();
}

void FileJournal::StartPreparing(uint64_t index) {
  prepared_index_ = index;
  prepared_ = std::async(std::launch::async, [this, index]() -> Status {
    const std::string prep = JoinPath(options_.dir, SegmentName(index) + ".prep");
    CB_ASSIGN_OR_RETURN(auto file, disk_->Open(prep, true));
    CB_RETURN_IF_ERROR(file->Truncate(0));
    CB_RETURN_IF_ERROR(file->Preallocate(options_.segment_bytes));
    return ZeroFill(file.get(), 0);
  });
}

Status FileJournal::OpenSegment(uint64_t index, bool fresh) {
  const std::string path = JoinPath(options_.dir, SegmentName(index));
  bool renamed = false;
  if (fresh && prepared_.valid()) {
    // Usually done long ago: it started when the previous segment was opened.
    const Status prepared = prepared_.get();
    if (prepared.ok() && prepared_index_ == index) {
      CB_RETURN_IF_ERROR(disk_->Rename(path + ".prep", path));
      renamed = true;
    }
  }
  CB_ASSIGN_OR_RETURN(file_, disk_->Open(path, true));
  if (fresh) {
    if (!renamed) {
      // Preallocate so appends only write data blocks; zero-fill for cheaper syncs.
      CB_RETURN_IF_ERROR(file_->Preallocate(options_.segment_bytes));
      if (options_.zero_fill) CB_RETURN_IF_ERROR(ZeroFill(file_.get(), 0));
      CB_RETURN_IF_ERROR(file_->Sync());
    }
    // Make the new name durable before any record in it is acknowledged.
    CB_RETURN_IF_ERROR(disk_->SyncDir(options_.dir));
  }
  segment_ = index;
  offset_ = 0;
  if (options_.zero_fill) StartPreparing(index + 1);
  return Status::Ok();
}

Status FileJournal::Flush(uint64_t group_offset, std::vector<std::span<const uint8_t>>* parts) {
  if (parts->empty()) return Status::Ok();
  CB_RETURN_IF_ERROR(file_->WriteVAt(group_offset, *parts));
  parts->clear();
  // fdatasync before any reply: an ack must survive a crash.
  if (options_.durability == Durability::kFdatasync) CB_RETURN_IF_ERROR(file_->Sync());
  return Status::Ok();
}

Status FileJournal::AppendGroup(std::span<const BatchToWrite> batches) {
  if (failed_) return Status::Unavailable("journal failed earlier; restart to recover");
  std::vector<std::span<const uint8_t>> parts;
  parts.reserve(batches.size());
  uint64_t group_offset = offset_;
  uint64_t offset = offset_;
  uint64_t seq_next = seq_next_;
  Hash256 last_hash = last_hash_;
  Status status;
  // Record starts to note once the group is durable (a failed group is never read). A group
  // crossing more strides than this just leaves a sparser index for that stretch.
  constexpr size_t kStartsNotedPerGroupMax = 8;
  Position starts[kStartsNotedPerGroupMax];
  uint64_t start_seqs[kStartsNotedPerGroupMax];
  size_t start_count = 0;
  for (const BatchToWrite& b : batches) {
    CB_CHECK(b.seq_first == seq_next);
    const uint64_t size = b.record->size_bytes();
    CB_CHECK(size <= options_.segment_bytes);
    if (offset + size > options_.segment_bytes) {
      status = Flush(group_offset, &parts);
      if (!status.ok()) break;
      status = OpenSegment(segment_ + 1, true);
      if (!status.ok()) break;
      group_offset = 0;
      offset = 0;
    }
    const Position at{segment_, offset};
    if (options_.positions != nullptr && start_count < std::size(starts) &&
        PositionIndex::Due(start_count > 0 ? starts[start_count - 1] : last_noted_, at)) {
      starts[start_count] = at;
      start_seqs[start_count++] = b.seq_first;
    }
    last_hash =
        b.record->Seal(options_.shard, b.seq_first, b.timestamp_ns, last_hash, group_offset);
    seq_next += b.record->event_count();
    parts.push_back(b.record->bytes());
    offset += size;
  }
  if (status.ok()) status = Flush(group_offset, &parts);
  if (!status.ok()) {
    failed_ = true;
    return status;
  }
  offset_ = offset;
  seq_next_ = seq_next;
  last_hash_ = last_hash;
  for (size_t i = 0; i < start_count; i++) {
    options_.positions->Note(start_seqs[i], starts[i]);
    last_noted_ = starts[i];
  }
  return Status::Ok();
}

}  // namespace cb::journal
