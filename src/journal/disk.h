#pragma once
// The narrow file-system seam under the journal and snapshots (STYLE.md "I/O behind a
// seam"). PosixDisk is production; SimDisk (sim_disk.h) tears writes, loses unsynced bytes
// and fails fsyncs from a seed. Paths are plain strings relative to nothing: callers join.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace cb {

class File {
 public:
  virtual ~File() = default;
  // Writes all of `data` at `offset` (not durable until Sync()).
  virtual Status WriteAt(uint64_t offset, std::span<const uint8_t> data) = 0;
  // Gathers several buffers into one write at `offset`.
  virtual Status WriteVAt(uint64_t offset, std::span<const std::span<const uint8_t>> parts);
  // Reads up to out.size() bytes; returns bytes read (short only at end of file).
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out) = 0;
  // fdatasync: after OK, every byte written before is durable.
  virtual Status Sync() = 0;
  virtual Status Truncate(uint64_t size_bytes) = 0;
  // Reserves space up to size_bytes (fallocate) so appends need no metadata growth.
  virtual Status Preallocate(uint64_t size_bytes) = 0;
  virtual Result<uint64_t> Size() = 0;
};

class Disk {
 public:
  virtual ~Disk() = default;
  virtual Result<std::unique_ptr<File>> Open(const std::string& path, bool create) = 0;
  virtual Status CreateDir(const std::string& path) = 0;  // OK if it exists
  // Sorted names (not paths) of the entries in `dir`.
  virtual Result<std::vector<std::string>> List(const std::string& dir) = 0;
  virtual Status Remove(const std::string& path) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Makes creations, renames and removals in `dir` durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual bool Exists(const std::string& path) = 0;
};

// The real file system.
std::unique_ptr<Disk> NewPosixDisk();

inline std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

}  // namespace cb
