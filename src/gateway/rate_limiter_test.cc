#include "gateway/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "base/time.h"

namespace cb::gateway {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kT0 = 1'700'000'000ull * 1'000'000'000ull;

TEST(RateLimiterTest, WouldAllowPeeksWithoutTaking) {
  RateLimiter limiter(100);
  const RateLimit limit{.rate_per_s = 1, .burst = 2};
  const uint64_t t0 = 1'000'000'000;
  EXPECT_TRUE(limiter.WouldAllow("k", limit, t0));  // unknown: a new bucket starts full
  EXPECT_EQ(limiter.key_count(), 0u);               // and peeking creates none
  EXPECT_TRUE(limiter.Take("k", limit, t0).allowed);
  EXPECT_TRUE(limiter.WouldAllow("k", limit, t0));
  EXPECT_TRUE(limiter.WouldAllow("k", limit, t0));  // peeking twice takes nothing
  EXPECT_TRUE(limiter.Take("k", limit, t0).allowed);
  EXPECT_FALSE(limiter.WouldAllow("k", limit, t0));
  EXPECT_TRUE(limiter.WouldAllow("k", limit, t0 + 1'000'000'000));  // refilled after a second
}

TEST(RateLimiterTest, BurstIsAllowedThenRefused) {
  RateLimiter limiter(100);
  const RateLimit limit{.rate_per_s = 1, .burst = 5};
  for (uint32_t i = 0; i < 5; i++) {
    Decision d = limiter.Take("key", limit, kT0);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 4 - i);
    EXPECT_EQ(d.retry_after_ms, 0u);
  }
  Decision d = limiter.Take("key", limit, kT0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 0u);
  EXPECT_EQ(d.retry_after_ms, 1000u);
}

TEST(RateLimiterTest, TokensRefillAtTheRate) {
  RateLimiter limiter(100);
  const RateLimit limit{.rate_per_s = 10, .burst = 1};
  EXPECT_TRUE(limiter.Take("k", limit, kT0).allowed);
  EXPECT_FALSE(limiter.Take("k", limit, kT0 + 100 * kMs - 1).allowed);
  EXPECT_TRUE(limiter.Take("k", limit, kT0 + 100 * kMs).allowed);
  // A long idle refills only up to burst.
  EXPECT_TRUE(limiter.Take("k", limit, kT0 + 3600'000 * kMs).allowed);
  EXPECT_FALSE(limiter.Take("k", limit, kT0 + 3600'000 * kMs).allowed);
}

TEST(RateLimiterTest, RefillIsExactOverManySmallSteps) {
  // 3 tokens/s does not divide a second into whole nanoseconds; fixed point must not drift.
  RateLimiter limiter(100);
  const RateLimit limit{.rate_per_s = 3, .burst = 3};
  for (int i = 0; i < 3; i++) ASSERT_TRUE(limiter.Take("k", limit, kT0).allowed);
  int allowed = 0;
  for (uint64_t t = kT0 + kMs; t <= kT0 + 10'000 * kMs; t += kMs) {
    allowed += limiter.Take("k", limit, t).allowed ? 1 : 0;
  }
  EXPECT_EQ(allowed, 30);
}

TEST(RateLimiterTest, RetryAfterIsTheTimeUntilOneToken) {
  RateLimiter limiter(100);
  const RateLimit limit{.rate_per_s = 3, .burst = 1};
  ASSERT_TRUE(limiter.Take("k", limit, kT0).allowed);
  Decision d = limiter.Take("k", limit, kT0);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 334u);  // 333.33.. ms rounded up.
  d = limiter.Take("k", limit, kT0 + 100 * kMs);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 234u);
  EXPECT_FALSE(limiter.Take("k", limit, kT0 + 333 * kMs).allowed);
  EXPECT_TRUE(limiter.Take("k", limit, kT0 + 334 * kMs).allowed);
  // A fast rate still reports at least 1 ms.
  const RateLimit fast{.rate_per_s = 1'000'000, .burst = 1};
  ASSERT_TRUE(limiter.Take("f", fast, kT0).allowed);
  d = limiter.Take("f", fast, kT0);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 1u);
}

TEST(RateLimiterTest, KeysHaveIndependentBuckets) {
  RateLimiter limiter(100);
  const RateLimit limit{.rate_per_s = 1, .burst = 2};
  EXPECT_TRUE(limiter.Take("a", limit, kT0).allowed);
  EXPECT_TRUE(limiter.Take("a", limit, kT0).allowed);
  EXPECT_FALSE(limiter.Take("a", limit, kT0).allowed);
  Decision b = limiter.Take("b", limit, kT0);
  EXPECT_TRUE(b.allowed);
  EXPECT_EQ(b.remaining, 1u);
  EXPECT_EQ(limiter.key_count(), 2u);
}

TEST(RateLimiterTest, ZeroRateIsUnlimitedAndNotTracked) {
  RateLimiter limiter(100);
  for (int i = 0; i < 1000; i++) {
    Decision d = limiter.Take("k", RateLimit{.rate_per_s = 0, .burst = 0}, kT0);
    ASSERT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, std::numeric_limits<uint32_t>::max());
  }
  EXPECT_EQ(limiter.key_count(), 0u);
}

TEST(RateLimiterTest, LoweredBurstCapsTheTokensKept) {
  RateLimiter limiter(100);
  EXPECT_EQ(limiter.Take("k", RateLimit{.rate_per_s = 1, .burst = 10}, kT0).remaining, 9u);
  Decision d = limiter.Take("k", RateLimit{.rate_per_s = 1, .burst = 3}, kT0);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 2u);
}

TEST(RateLimiterTest, ClockGoingBackwardsRefillsNothing) {
  RateLimiter limiter(100);
  const RateLimit limit{.rate_per_s = 1, .burst = 1};
  EXPECT_TRUE(limiter.Take("k", limit, kT0 + 5000 * kMs).allowed);
  EXPECT_FALSE(limiter.Take("k", limit, kT0).allowed);
  EXPECT_FALSE(limiter.Take("k", limit, kT0 + 5999 * kMs).allowed);
  EXPECT_TRUE(limiter.Take("k", limit, kT0 + 6000 * kMs).allowed);
}

TEST(RateLimiterTest, KeyCountNeverExceedsKeysMax) {
  RateLimiter limiter(100);
  const RateLimit limit{.rate_per_s = 1, .burst = 5};
  for (int i = 0; i < 10'000; i++) {
    ASSERT_TRUE(limiter.Take("ip-" + std::to_string(i), limit, kT0 + i).allowed);
    ASSERT_LE(limiter.key_count(), 100u);
  }
  EXPECT_GT(limiter.key_count(), 50u);  // Shards fill up, not just one of them.
  EXPECT_EQ(limiter.evicted_active_count(), 10'000u - limiter.key_count());
}

TEST(RateLimiterTest, EvictionPrefersAFullBucketOverTheLeastRecentlyUsed) {
  RateLimiter limiter(3, /*shard_count_max=*/1);
  const RateLimit slow{.rate_per_s = 1, .burst = 1};
  const RateLimit fast{.rate_per_s = 1000, .burst = 1};
  ASSERT_TRUE(limiter.Take("a", slow, kT0).allowed);  // LRU, still empty at +10ms.
  ASSERT_TRUE(limiter.Take("b", fast, kT0).allowed);  // Full again at +1ms.
  ASSERT_TRUE(limiter.Take("c", slow, kT0).allowed);
  ASSERT_TRUE(limiter.Take("d", slow, kT0 + 10 * kMs).allowed);  // Evicts b.
  EXPECT_EQ(limiter.key_count(), 3u);
  EXPECT_EQ(limiter.evicted_active_count(), 0u);
  // a was kept: still refused. Its use makes c the LRU.
  EXPECT_FALSE(limiter.Take("a", slow, kT0 + 10 * kMs).allowed);
  // No bucket is full now, so e evicts the LRU one, c, which then starts over.
  ASSERT_TRUE(limiter.Take("e", slow, kT0 + 10 * kMs).allowed);
  EXPECT_EQ(limiter.evicted_active_count(), 1u);
  EXPECT_FALSE(limiter.Take("d", slow, kT0 + 10 * kMs).allowed);
  EXPECT_TRUE(limiter.Take("c", slow, kT0 + 10 * kMs).allowed);
  EXPECT_EQ(limiter.key_count(), 3u);
}

TEST(RateLimiterTest, ConcurrentCallersNeverGetMoreThanBurstPlusRefill) {
  constexpr int kThreads = 4;
  constexpr uint64_t kRunNs = 200 * kMs;
  const RateLimit hot{.rate_per_s = 1000, .burst = 50};
  const RateLimit cold{.rate_per_s = 10, .burst = 2};
  // Room for every key: an evicted "hot" bucket would come back full and break the bound.
  RateLimiter limiter(4096);
  RateLimiter small(64);  // Churns: eviction under contention.
  std::atomic<uint64_t> hot_allowed{0};
  std::atomic<uint64_t> calls{0};
  const uint64_t start_ns = MonotonicNowNs();
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      uint64_t allowed = 0;
      uint64_t n = 0;
      for (;;) {
        const uint64_t now_ns = MonotonicNowNs();
        if (now_ns - start_ns >= kRunNs) break;
        allowed += limiter.Take("hot", hot, now_ns).allowed ? 1 : 0;
        // Many other keys churn through a small table at the same time.
        const std::string key = "cold-" + std::to_string(t) + "-" + std::to_string(n % 500);
        (void)limiter.Take(key, cold, now_ns);
        (void)small.Take(key, cold, now_ns);
        n++;
      }
      hot_allowed += allowed;
      calls += 3 * n;
    });
  }
  for (auto& th : threads) th.join();
  const uint64_t elapsed_ns = MonotonicNowNs() - start_ns;
  const uint64_t bound = hot.burst + hot.rate_per_s * elapsed_ns / 1'000'000'000ull;
  EXPECT_LE(hot_allowed.load(), bound) << "calls=" << calls.load();
  EXPECT_GE(hot_allowed.load(), uint64_t{hot.burst});
  EXPECT_EQ(limiter.evicted_active_count(), 0u);
  EXPECT_EQ(limiter.key_count(), 1u + kThreads * 500);
  EXPECT_LE(small.key_count(), 64u);
  EXPECT_GT(small.evicted_active_count(), 0u);
}

}  // namespace
}  // namespace cb::gateway
