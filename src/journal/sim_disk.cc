#include "journal/sim_disk.h"

#include <algorithm>
#include <cstring>

namespace cb {

class SimFile final : public File {
 public:
  SimFile(SimDisk* disk, std::shared_ptr<SimDisk::Node> node, uint64_t generation)
      : disk_(disk), node_(std::move(node)), generation_(generation) {}

  Status WriteAt(uint64_t offset, std::span<const uint8_t> data) override {
    CB_RETURN_IF_ERROR(CheckLive());
    auto& cur = node_->current;
    if (cur.size() < offset + data.size()) cur.resize(offset + data.size(), 0);
    std::memcpy(cur.data() + offset, data.data(), data.size());
    node_->unsynced.push_back({offset, std::vector<uint8_t>(data.begin(), data.end())});
    return Status::Ok();
  }

  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out) override {
    CB_RETURN_IF_ERROR(CheckLive());
    const auto& cur = node_->current;
    if (offset >= cur.size()) return static_cast<size_t>(0);
    size_t n = std::min<size_t>(out.size(), cur.size() - offset);
    std::memcpy(out.data(), cur.data() + offset, n);
    return n;
  }

  Status Sync() override {
    CB_RETURN_IF_ERROR(CheckLive());
    return disk_->SyncNode(node_.get());
  }

  Status Truncate(uint64_t size_bytes) override {
    CB_RETURN_IF_ERROR(CheckLive());
    // Truncation is metadata: durable at once in this model (see header).
    node_->current.resize(size_bytes, 0);
    if (node_->durable.size() > size_bytes) node_->durable.resize(size_bytes);
    for (auto& w : node_->unsynced) {
      if (w.offset >= size_bytes) {
        w.data.clear();
      } else if (w.offset + w.data.size() > size_bytes) {
        w.data.resize(size_bytes - w.offset);
      }
    }
    return Status::Ok();
  }

  Status Preallocate(uint64_t size_bytes) override {
    CB_RETURN_IF_ERROR(CheckLive());
    if (node_->current.size() < size_bytes) node_->current.resize(size_bytes, 0);
    if (node_->durable.size() < size_bytes) node_->durable.resize(size_bytes, 0);
    return Status::Ok();
  }

  Result<uint64_t> Size() override {
    CB_RETURN_IF_ERROR(CheckLive());
    return static_cast<uint64_t>(node_->current.size());
  }

 private:
  Status CheckLive() const {
    if (generation_ != disk_->generation_)
      return Status::Unavailable("file handle from before a crash");
    return Status::Ok();
  }
  SimDisk* disk_;
  std::shared_ptr<SimDisk::Node> node_;
  uint64_t generation_;
};

Result<std::unique_ptr<File>> SimDisk::Open(const std::string& path, bool create) {
  auto it = files_.find(path);
  if (it == files_.end()) {
    if (!create) return Status::NotFound("no such file: " + path);
    it = files_.emplace(path, std::make_shared<Node>()).first;
  }
  return std::unique_ptr<File>(new SimFile(this, it->second, generation_));
}

Status SimDisk::CreateDir(const std::string& path) {
  dirs_[path] = true;
  return Status::Ok();
}

Result<std::vector<std::string>> SimDisk::List(const std::string& dir) {
  if (!dirs_.contains(dir)) return Status::NotFound("no such directory: " + dir);
  std::vector<std::string> names;
  const std::string prefix = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  for (const auto& [path, node] : files_) {
    if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
        path.find('/', prefix.size()) == std::string::npos) {
      names.push_back(path.substr(prefix.size()));
    }
  }
  for (const auto& [path, unused] : dirs_) {
    if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
        path.find('/', prefix.size()) == std::string::npos) {
      names.push_back(path.substr(prefix.size()));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status SimDisk::Remove(const std::string& path) {
  files_.erase(path);
  return Status::Ok();
}

Status SimDisk::Rename(const std::string& from, const std::string& to) {
  auto it = files_.find(from);
  if (it == files_.end()) return Status::NotFound("no such file: " + from);
  auto node = it->second;
  files_.erase(it);
  files_[to] = std::move(node);
  return Status::Ok();
}

Status SimDisk::SyncDir(const std::string&) { return Status::Ok(); }

bool SimDisk::Exists(const std::string& path) {
  return files_.contains(path) || dirs_.contains(path);
}

void SimDisk::ApplySomeUnsynced(Node* node) {
  for (const auto& w : node->unsynced) {
    if (w.data.empty()) continue;
    const uint64_t choice = rng_.Below(3);
    size_t keep = 0;
    if (choice == 0) {
      keep = w.data.size();
    } else if (choice == 1) {
      // Torn at a sector boundary: a prefix survives.
      const size_t sectors = (w.data.size() + faults_.sector_bytes - 1) / faults_.sector_bytes;
      keep = std::min(w.data.size(), rng_.Below(sectors) * faults_.sector_bytes);
    }
    if (keep == 0) continue;
    auto& dur = node->durable;
    if (dur.size() < w.offset + keep) dur.resize(w.offset + keep, 0);
    std::memcpy(dur.data() + w.offset, w.data.data(), keep);
  }
}

Status SimDisk::SyncNode(Node* node) {
  if (faults_.sync_fail_per_million > 0 && rng_.Below(1'000'000) < faults_.sync_fail_per_million) {
    // Linux may have written back some pages before the error; they stay durable.
    ApplySomeUnsynced(node);
    node->unsynced.clear();
    return Status::Unavailable("simulated fdatasync failure (EIO)");
  }
  node->durable = node->current;
  node->unsynced.clear();
  return Status::Ok();
}

void SimDisk::Crash() {
  for (auto& [path, node] : files_) {
    ApplySomeUnsynced(node.get());
    node->unsynced.clear();
    node->current = node->durable;
  }
  generation_++;
}

void SimDisk::FlipBit(const std::string& path, uint64_t offset, int bit) {
  auto it = files_.find(path);
  CB_CHECK(it != files_.end());
  auto& node = *it->second;
  CB_CHECK(offset < node.current.size());
  node.current[offset] ^= static_cast<uint8_t>(1u << bit);
  if (offset < node.durable.size()) node.durable[offset] ^= static_cast<uint8_t>(1u << bit);
}

uint64_t SimDisk::FileSize(const std::string& path) const {
  auto it = files_.find(path);
  return it == files_.end() ? 0 : it->second->current.size();
}

}  // namespace cb
