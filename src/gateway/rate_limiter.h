#pragma once
// Token-bucket rate limiting keyed by a string (API key id or client IP), for the io threads
// in front of the executor. Time is passed in (now_ns) so tests replay exactly.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace cb::gateway {

struct RateLimit {
  uint32_t rate_per_s = 0;  // 0 = unlimited (the key is not even tracked).
  uint32_t burst = 0;       // Bucket capacity in tokens; must be >= 1 when rate_per_s > 0.
};

struct Decision {
  bool allowed = false;
  // When refused: time until one whole token is back (>= 1); 0 when allowed.
  uint64_t retry_after_ms = 0;
  // Whole tokens left after this call; UINT32_MAX for an unlimited key.
  uint32_t remaining = 0;
};

// Thread-safe. Keys hash over up to 64 mutex-protected shards, so io threads rarely meet on
// one lock. Memory is bounded: at most keys_max buckets in all (each shard owns a fixed part
// of keys_max). A new key in a full shard evicts a bucket that is full again (forgetting it
// loses nothing, a new bucket starts full) or else the least recently used one (that client
// gets a fresh burst: the price of a bound; counted in evicted_active_count()).
class RateLimiter {
 public:
  // shard_count_max only exists so tests can put every key in one shard.
  explicit RateLimiter(size_t keys_max, size_t shard_count_max = 64);
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes one token from key's bucket at time now_ns. A bucket is created full. If the limit
  // for a key changes between calls, the bucket keeps its tokens, capped at the new burst.
  // A now_ns older than the bucket's last refill refills nothing (threads race on clocks).
  Decision Take(std::string_view key, RateLimit limit, uint64_t now_ns);
  // Whether a Take now would be allowed, without taking (an unknown key: yes). Lets a caller
  // refuse cheap before doing the expensive thing it charges only when that thing fails.
  bool WouldAllow(std::string_view key, RateLimit limit, uint64_t now_ns);

  size_t key_count() const;
  // Buckets evicted while not full: those clients' limits were reset early.
  uint64_t evicted_active_count() const;

 private:
  struct Shard;
  Shard& ShardFor(std::string_view key) const;

  size_t shard_count_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace cb::gateway
