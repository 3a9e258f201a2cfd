#include "journal/snapshot_file.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "base/crc32c.h"
#include "base/uint128.h"

namespace cb::journal {

namespace {
constexpr uint32_t kSnapshotMagic = 0x31534243;  // "CBS1"
constexpr uint32_t kSnapshotVersion = 1;
constexpr size_t kHeaderSize = 128;
constexpr size_t kBufferSize = 4u << 20;

std::string SnapshotName(uint64_t seq_next) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "snap-%020" PRIu64 ".cbs", seq_next);
  return buf;
}

bool IsSnapshotName(const std::string& name) {
  return name.size() == 29 && name.compare(0, 5, "snap-") == 0 && name.compare(25, 4, ".cbs") == 0;
}
}  // namespace

Result<std::unique_ptr<SnapshotWriter>> SnapshotWriter::Create(Disk* disk, const std::string& dir,
                                                               const SnapshotMeta& meta) {
  CB_RETURN_IF_ERROR(disk->CreateDir(dir));
  std::unique_ptr<SnapshotWriter> w(new SnapshotWriter());
  w->disk_ = disk;
  w->dir_ = dir;
  w->final_path_ = JoinPath(dir, SnapshotName(meta.seq_next));
  w->tmp_path_ = w->final_path_ + ".tmp";
  w->meta_ = meta;
  CB_RETURN_IF_ERROR(disk->Remove(w->tmp_path_));
  CB_ASSIGN_OR_RETURN(w->file_, disk->Open(w->tmp_path_, true));
  CB_RETURN_IF_ERROR(w->file_->Truncate(0));
  w->offset_ = kHeaderSize;
  w->buffer_.reserve(kBufferSize);
  return w;
}

SnapshotWriter::~SnapshotWriter() {
  if (!finished_ && disk_ != nullptr) {
    file_.reset();
    disk_->Remove(tmp_path_).IgnoreError();  // best effort: an abandoned temp is harmless
  }
}

Status SnapshotWriter::FlushBuffer() {
  if (buffer_.empty()) return Status::Ok();
  CB_RETURN_IF_ERROR(file_->WriteAt(offset_, buffer_));
  offset_ += buffer_.size();
  buffer_.clear();
  return Status::Ok();
}

Status SnapshotWriter::Append(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  body_crc_ = Crc32cExtend(body_crc_, p, size);
  body_size_ += size;
  while (size > 0) {
    const size_t n = std::min(size, kBufferSize - buffer_.size());
    buffer_.insert(buffer_.end(), p, p + n);
    p += n;
    size -= n;
    if (buffer_.size() == kBufferSize) CB_RETURN_IF_ERROR(FlushBuffer());
  }
  return Status::Ok();
}

Status SnapshotWriter::Finish(size_t keep_count) {
  CB_RETURN_IF_ERROR(FlushBuffer());
  uint8_t h[kHeaderSize] = {};
  StoreLe<uint32_t>(h + 4, kSnapshotMagic);
  StoreLe<uint32_t>(h + 8, kSnapshotVersion);
  StoreLe<uint32_t>(h + 12, body_crc_);
  StoreLe<uint64_t>(h + 16, body_size_);
  StoreLe<uint64_t>(h + 24, meta_.seq_next);
  StoreLe<uint64_t>(h + 32, meta_.position.segment);
  StoreLe<uint64_t>(h + 40, meta_.position.offset);
  StoreLe<uint64_t>(h + 48, meta_.timestamp_last_ns);
  std::memcpy(h + 56, meta_.last_hash.data(), 32);
  StoreLe<uint32_t>(h, Crc32c(h + 4, kHeaderSize - 4));
  CB_RETURN_IF_ERROR(file_->WriteAt(0, std::span<const uint8_t>(h, kHeaderSize)));
  CB_RETURN_IF_ERROR(file_->Sync());
  file_.reset();
  CB_RETURN_IF_ERROR(disk_->Rename(tmp_path_, final_path_));
  CB_RETURN_IF_ERROR(disk_->SyncDir(dir_));
  finished_ = true;
  CB_ASSIGN_OR_RETURN(auto all, ListSnapshots(disk_, dir_));
  for (size_t i = keep_count; i < all.size(); i++) CB_RETURN_IF_ERROR(disk_->Remove(all[i]));
  return Status::Ok();
}

Result<std::unique_ptr<SnapshotReader>> SnapshotReader::Open(Disk* disk, const std::string& path) {
  std::unique_ptr<SnapshotReader> r(new SnapshotReader());
  r->path_ = path;
  CB_ASSIGN_OR_RETURN(r->file_, disk->Open(path, false));
  uint8_t h[kHeaderSize];
  CB_ASSIGN_OR_RETURN(size_t n, r->file_->ReadAt(0, h));
  if (n != kHeaderSize) return Status::DataLoss(path + ": short snapshot header");
  if (LoadLe<uint32_t>(h + 4) != kSnapshotMagic) return Status::DataLoss(path + ": bad magic");
  if (Crc32c(h + 4, kHeaderSize - 4) != LoadLe<uint32_t>(h)) {
    return Status::DataLoss(path + ": header crc mismatch");
  }
  if (LoadLe<uint32_t>(h + 8) != kSnapshotVersion) {
    return Status::DataLoss(path + ": unknown snapshot version");
  }
  r->body_crc_expected_ = LoadLe<uint32_t>(h + 12);
  r->body_size_ = LoadLe<uint64_t>(h + 16);
  r->meta_.seq_next = LoadLe<uint64_t>(h + 24);
  r->meta_.position.segment = LoadLe<uint64_t>(h + 32);
  r->meta_.position.offset = LoadLe<uint64_t>(h + 40);
  r->meta_.timestamp_last_ns = LoadLe<uint64_t>(h + 48);
  std::memcpy(r->meta_.last_hash.data(), h + 56, 32);
  CB_ASSIGN_OR_RETURN(uint64_t file_size, r->file_->Size());
  if (file_size != kHeaderSize + r->body_size_) {
    return Status::DataLoss(path + ": size does not match header");
  }
  return r;
}

Status SnapshotReader::Read(void* out, size_t size) {
  if (size > body_remaining()) return Status::DataLoss(path_ + ": body shorter than declared");
  auto* p = static_cast<uint8_t*>(out);
  CB_ASSIGN_OR_RETURN(size_t n,
                      file_->ReadAt(kHeaderSize + consumed_, std::span<uint8_t>(p, size)));
  if (n != size) return Status::DataLoss(path_ + ": short read");
  body_crc_ = Crc32cExtend(body_crc_, p, size);
  consumed_ += size;
  return Status::Ok();
}

Status SnapshotReader::Finish() {
  if (consumed_ != body_size_) return Status::DataLoss(path_ + ": trailing bytes in body");
  if (body_crc_ != body_crc_expected_) return Status::DataLoss(path_ + ": body crc mismatch");
  return Status::Ok();
}

Result<std::vector<std::string>> ListSnapshots(Disk* disk, const std::string& dir) {
  std::vector<std::string> out;
  auto names = disk->List(dir);
  if (!names.ok()) {
    if (names.status().code() == StatusCode::kNotFound) return out;
    return names.status();
  }
  for (const auto& name : *names) {
    if (IsSnapshotName(name)) out.push_back(JoinPath(dir, name));
  }
  std::sort(out.rbegin(), out.rend());  // zero-padded seq: lexical order is numeric order
  return out;
}

}  // namespace cb::journal
