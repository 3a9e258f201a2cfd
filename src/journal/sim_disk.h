#pragma once
// An in-memory Disk for tests and the deterministic simulator. It keeps, per file, the
// bytes a reader sees now and the bytes that are durable (synced). Crash() throws away
// what was not synced, except that each unsynced write may survive whole, torn at a
// sector boundary, or not at all, chosen from the seed — as a real disk may. Sync() can be
// told to fail, after which part of the unsynced data may or may not be durable
// (as with Linux fsync errors). Simplification: creations, renames and removals are
// durable at once (documented in docs/adr/0003-simulation.md).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/rng.h"
#include "journal/disk.h"

namespace cb {

struct SimDiskFaults {
  uint32_t sync_fail_per_million = 0;  // chance that a Sync() fails
  uint32_t sector_bytes = 512;         // granularity of torn writes
};

class SimDisk final : public Disk {
 public:
  SimDisk(uint64_t seed, SimDiskFaults faults) : rng_(seed), faults_(faults) {}

  Result<std::unique_ptr<File>> Open(const std::string& path, bool create) override;
  Status CreateDir(const std::string& path) override;
  Result<std::vector<std::string>> List(const std::string& dir) override;
  Status Remove(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status SyncDir(const std::string& dir) override;
  bool Exists(const std::string& path) override;

  // Power loss: every file reverts to its durable bytes plus a random part of its
  // unsynced writes. Open File handles must not be used afterwards.
  void Crash();
  // Flips one bit of a file's durable and current content (bit-rot / tampering).
  void FlipBit(const std::string& path, uint64_t offset, int bit);
  void set_faults(SimDiskFaults faults) { faults_ = faults; }
  uint64_t FileSize(const std::string& path) const;

  struct Write {
    uint64_t offset;
    std::vector<uint8_t> data;
  };
  struct Node {
    std::vector<uint8_t> current;
    std::vector<uint8_t> durable;
    std::vector<Write> unsynced;  // in write order; truncates are recorded as size changes
  };

 private:
  friend class SimFile;
  Status SyncNode(Node* node);
  void ApplySomeUnsynced(Node* node);

  Rng rng_;
  SimDiskFaults faults_;
  std::map<std::string, std::shared_ptr<Node>> files_;
  std::map<std::string, bool> dirs_;
  uint64_t generation_ = 0;  // bumped by Crash(); stale handles fail
};

}  // namespace cb
