#pragma once
// Snapshot files: a shard's state at a journal position, so start-up is the newest valid
// snapshot plus a replay of the tail. The body is opaque here (the ledger encodes it);
// this file frames it, checksums it and makes it durable atomically (temp + fdatasync +
// rename + directory fsync). A corrupt snapshot is skipped for an older one.
//
// Header (128 bytes, little-endian):
//   0 u32 header_crc (over [4, 128)) | 4 u32 magic "CBS1" | 8 u32 version | 12 u32 body_crc
//  16 u64 body_size | 24 u64 seq_next | 32 u64 segment | 40 u64 offset | 48 u64 timestamp_last
//  56 u8[32] last_hash | 88 zeros
// Body follows at offset 128. Names: snap-<seq_next, 20 digits>.cbs
#include <memory>
#include <string>
#include <vector>

#include "journal/disk.h"
#include "journal/scan.h"

namespace cb::journal {

struct SnapshotMeta {
  uint64_t seq_next = 1;
  Position position;
  TimestampNs timestamp_last_ns = 0;
  Hash256 last_hash{};
};

class SnapshotWriter {
 public:
  static Result<std::unique_ptr<SnapshotWriter>> Create(Disk* disk, const std::string& dir,
                                                        const SnapshotMeta& meta);
  Status Append(const void* data, size_t size);
  // Flushes, fsyncs, renames into place and fsyncs the directory; keeps the newest
  // `keep_count` snapshots.
  Status Finish(size_t keep_count);
  ~SnapshotWriter();

 private:
  SnapshotWriter() = default;
  Status FlushBuffer();
  Disk* disk_ = nullptr;
  std::string dir_, tmp_path_, final_path_;
  std::unique_ptr<File> file_;
  SnapshotMeta meta_;
  std::vector<uint8_t> buffer_;
  uint64_t offset_ = 0;
  uint64_t body_size_ = 0;
  uint32_t body_crc_ = 0;
  bool finished_ = false;
};

class SnapshotReader {
 public:
  static Result<std::unique_ptr<SnapshotReader>> Open(Disk* disk, const std::string& path);
  const SnapshotMeta& meta() const { return meta_; }
  uint64_t body_size() const { return body_size_; }
  uint64_t body_remaining() const { return body_size_ - consumed_; }
  // Reads exactly `size` bytes of body, or DataLoss if the body is shorter.
  Status Read(void* out, size_t size);
  // Verifies the whole body was read and its CRC matches.
  Status Finish();

 private:
  SnapshotReader() = default;
  std::unique_ptr<File> file_;
  std::string path_;
  SnapshotMeta meta_;
  uint64_t body_size_ = 0;
  uint64_t consumed_ = 0;
  uint32_t body_crc_expected_ = 0;
  uint32_t body_crc_ = 0;
};

// Snapshot file paths in `dir`, newest first.
Result<std::vector<std::string>> ListSnapshots(Disk* disk, const std::string& dir);

}  // namespace cb::journal
