#include "api/replay_cache.h"

namespace cb::api {

void ReplayCache::Put(uint64_t seq, const std::string& body) {
  const uint64_t cost = body.size() + kEntryOverheadBytes;
  if (body.size() > entry_bytes_max_ || cost > bytes_max_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (by_seq_.contains(seq)) return;  // recorded once; a second Put is the same bytes
  lru_.push_front(Entry{seq, body});
  by_seq_.emplace(seq, lru_.begin());
  bytes_ += cost;
  while (bytes_ > bytes_max_) {
    const Entry& old = lru_.back();
    bytes_ -= old.body.size() + kEntryOverheadBytes;
    by_seq_.erase(old.seq);
    lru_.pop_back();
  }
}

std::optional<std::string> ReplayCache::Get(uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_seq_.find(seq);
  if (it == by_seq_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->body;
}

uint64_t ReplayCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

size_t ReplayCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_seq_.size();
}

}  // namespace cb::api
