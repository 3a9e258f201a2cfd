#pragma once
// Replayed idempotent answers in memory, so that the retries after a key's first replay are
// answered without touching the journal: the bodies the platform recorded
// (IdempotencyRecorded), keyed by the event's journal seq, put here when a replay first
// reads one. Bounded by bytes; least recently used first out. A miss is read from the
// journal on the read pool, never on the writer or journal thread. Thread-safe.
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace cb::api {

class ReplayCache {
 public:
  // Bodies larger than `entry_bytes_max` are not kept (their replays read the journal).
  ReplayCache(uint64_t bytes_max, uint64_t entry_bytes_max)
      : bytes_max_(bytes_max), entry_bytes_max_(entry_bytes_max) {}

  void Put(uint64_t seq, const std::string& body);
  std::optional<std::string> Get(uint64_t seq);
  uint64_t bytes() const;
  size_t size() const;

 private:
  struct Entry {
    uint64_t seq;
    std::string body;
  };
  static constexpr uint64_t kEntryOverheadBytes = 96;  // list node, map slot, hash

  const uint64_t bytes_max_;
  const uint64_t entry_bytes_max_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<uint64_t, std::list<Entry>::iterator> by_seq_;
  uint64_t bytes_ = 0;
};

}  // namespace cb::api
