#include "gateway/rate_limiter.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/check.h"

namespace cb::gateway {
namespace {

// Tokens are fixed-point with 1e9 units per token, so refilling at rate_per_s tokens per
// second adds exactly rate_per_s units per nanosecond: integer math with no remainder to lose.
// burst <= 2^32-1 tokens is < 4.3e18 units, which fits in uint64_t.
constexpr uint64_t kUnitsPerToken = 1'000'000'000;
constexpr uint64_t kNsPerMs = 1'000'000;
// Eviction looks this far from the LRU end for a full (idle) bucket before it gives up and
// evicts the LRU one. Bounded so a new key never costs a walk over the whole shard.
constexpr int kEvictScanMax = 8;

uint64_t CeilDiv(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

struct Bucket {
  std::string key;
  uint64_t tokens = 0;     // In units (see kUnitsPerToken), <= capacity.
  uint64_t capacity = 0;   // burst * kUnitsPerToken, from the last call for this key.
  uint64_t refill_ns = 0;  // Time up to which tokens are accounted for.
  uint32_t rate_per_s = 0;
};

void Refill(Bucket* b, uint64_t now_ns) {
  CB_CHECK(b->tokens <= b->capacity);
  CB_CHECK(b->rate_per_s > 0);
  if (now_ns <= b->refill_ns) return;
  const uint64_t elapsed_ns = now_ns - b->refill_ns;
  const uint64_t deficit = b->capacity - b->tokens;
  // elapsed_ns * rate_per_s overflows only when far past full, which this test rules out:
  // below it, the product is < deficit + rate_per_s.
  if (elapsed_ns >= CeilDiv(deficit, b->rate_per_s)) {
    b->tokens = b->capacity;
  } else {
    b->tokens += elapsed_ns * b->rate_per_s;
  }
  b->refill_ns = now_ns;
  CB_CHECK(b->tokens <= b->capacity);
}

uint64_t Mix(uint64_t h) {
  // fmix64 from MurmurHash3: std::hash of a string_view may be weak in the low bits.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

}  // namespace

struct alignas(64) RateLimiter::Shard {
  std::mutex mu;
  size_t keys_max = 0;
  std::list<Bucket> lru;  // Front is the most recently used.
  // Keys view the strings owned by lru nodes, which never move.
  std::unordered_map<std::string_view, std::list<Bucket>::iterator> index;
  uint64_t evicted_active = 0;

  void MakeRoom(uint64_t now_ns) {
    CB_CHECK(index.size() == lru.size());
    if (index.size() < keys_max) return;
    auto victim = std::prev(lru.end());
    auto it = victim;
    for (int i = 0; i < kEvictScanMax; i++) {
      Refill(&*it, now_ns);
      if (it->tokens == it->capacity) {
        victim = it;
        break;
      }
      if (it == lru.begin()) break;
      --it;
    }
    if (victim->tokens != victim->capacity) evicted_active++;
    index.erase(victim->key);
    lru.erase(victim);
    CB_CHECK(index.size() < keys_max);
  }
};

RateLimiter::RateLimiter(size_t keys_max, size_t shard_count_max)
    : shard_count_(std::min(keys_max, shard_count_max)),
      shards_(std::make_unique<Shard[]>(shard_count_)) {
  CB_CHECK(keys_max >= 1);
  CB_CHECK(shard_count_max >= 1);
  // Spread keys_max exactly, so the shards together never hold more than keys_max buckets.
  for (size_t i = 0; i < shard_count_; i++) {
    Shard& s = shards_[i];
    s.keys_max = keys_max / shard_count_ + (i < keys_max % shard_count_ ? 1 : 0);
    CB_CHECK(s.keys_max >= 1);
    s.index.reserve(s.keys_max);
  }
}

RateLimiter::~RateLimiter() = default;

RateLimiter::Shard& RateLimiter::ShardFor(std::string_view key) const {
  return shards_[Mix(std::hash<std::string_view>{}(key)) % shard_count_];
}

Decision RateLimiter::Take(std::string_view key, RateLimit limit, uint64_t now_ns) {
  if (limit.rate_per_s == 0) {
    return Decision{
        .allowed = true, .retry_after_ms = 0, .remaining = std::numeric_limits<uint32_t>::max()};
  }
  CB_CHECK(limit.burst >= 1);
  const uint64_t capacity = uint64_t{limit.burst} * kUnitsPerToken;
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);

  Bucket* b;
  auto found = shard.index.find(key);
  if (found == shard.index.end()) {
    shard.MakeRoom(now_ns);
    shard.lru.push_front(Bucket{.key = std::string(key),
                                .tokens = capacity,
                                .capacity = capacity,
                                .refill_ns = now_ns,
                                .rate_per_s = limit.rate_per_s});
    shard.index.emplace(shard.lru.front().key, shard.lru.begin());
    b = &shard.lru.front();
  } else {
    shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
    b = &*found->second;
    // Refill at the rate in force until now, then switch to the new limit.
    Refill(b, now_ns);
    b->rate_per_s = limit.rate_per_s;
    b->capacity = capacity;
    if (b->tokens > capacity) b->tokens = capacity;
  }

  if (b->tokens >= kUnitsPerToken) {
    b->tokens -= kUnitsPerToken;
    return Decision{.allowed = true,
                    .retry_after_ms = 0,
                    .remaining = static_cast<uint32_t>(b->tokens / kUnitsPerToken)};
  }
  // Round up twice: a client that waits retry_after_ms must find a whole token.
  const uint64_t wait_ns = CeilDiv(kUnitsPerToken - b->tokens, b->rate_per_s);
  const uint64_t retry_after_ms = CeilDiv(wait_ns, kNsPerMs);
  CB_CHECK(retry_after_ms >= 1);
  return Decision{.allowed = false, .retry_after_ms = retry_after_ms, .remaining = 0};
}

bool RateLimiter::WouldAllow(std::string_view key, RateLimit limit, uint64_t now_ns) {
  if (limit.rate_per_s == 0) return true;
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto found = shard.index.find(key);
  if (found == shard.index.end()) return true;  // a new bucket starts full
  Bucket* b = &*found->second;
  Refill(b, now_ns);
  return b->tokens >= kUnitsPerToken;
}

size_t RateLimiter::key_count() const {
  size_t count = 0;
  for (size_t i = 0; i < shard_count_; i++) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    count += shards_[i].index.size();
  }
  return count;
}

uint64_t RateLimiter::evicted_active_count() const {
  uint64_t count = 0;
  for (size_t i = 0; i < shard_count_; i++) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    count += shards_[i].evicted_active;
  }
  return count;
}

}  // namespace cb::gateway
