// The edge's replay cache (bounded by bytes, least recently used out) and its read pool
// (bounded queue: a full one refuses instead of growing).
#include "api/replay_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "api/read_pool.h"

namespace cb::api {
namespace {

TEST(ReplayCacheTest, KeepsRecentBodiesWithinItsByteBoundAndDropsTheLeastRecentlyUsed) {
  const std::string body(1000, 'x');
  ReplayCache cache(/*bytes_max=*/3 * (1000 + 96), /*entry_bytes_max=*/4096);
  cache.Put(1, body);
  cache.Put(2, body);
  cache.Put(3, body);
  EXPECT_EQ(cache.size(), 3u);
  ASSERT_TRUE(cache.Get(1).has_value());  // 1 is now the most recent; 2 the least
  cache.Put(4, body);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.Get(2).has_value());
  EXPECT_EQ(*cache.Get(1), body);
  EXPECT_TRUE(cache.Get(4).has_value());
  EXPECT_LE(cache.bytes(), 3u * (1000 + 96));
}

TEST(ReplayCacheTest, BodiesOverTheEntryBoundAreNotKept) {
  ReplayCache cache(1 << 20, /*entry_bytes_max=*/100);
  cache.Put(1, std::string(101, 'x'));
  EXPECT_FALSE(cache.Get(1).has_value());
  cache.Put(2, std::string(100, 'y'));
  EXPECT_EQ(*cache.Get(2), std::string(100, 'y'));
}

TEST(ReadPoolTest, FullQueueRefusesAndStopRunsWhatWasQueued) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> ran{0};
  ReadPool pool(/*threads=*/1, /*queue_max=*/2);
  auto blocker = [&] {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
    ran++;
  };
  ASSERT_TRUE(pool.Post(blocker));
  ASSERT_TRUE(pool.Post([&] { ran++; }));
  // Once the thread holds the blocker, one more fits; then two wait behind it: full.
  while (!pool.Post([&] { ran++; })) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_FALSE(pool.Post([&] { ran++; }));
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  pool.Stop();
  EXPECT_EQ(ran.load(), 3);
  EXPECT_FALSE(pool.Post([&] { ran++; }));  // stopped
}

TEST(ReadPoolTest, OneOwnerHoldsAtMostItsShareOfThePool) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> ran{0};
  ReadPool pool(/*threads=*/1, /*queue_max=*/100, /*owner_max=*/2);
  auto blocker = [&] {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
    ran++;
  };
  EXPECT_TRUE(pool.Post(blocker, "tenant-a"));
  EXPECT_TRUE(pool.Post([&] { ran++; }, "tenant-a"));
  EXPECT_FALSE(pool.Post([&] { ran++; }, "tenant-a"));  // its share is taken
  EXPECT_TRUE(pool.Post([&] { ran++; }, "tenant-b"));   // others still get in
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  pool.Stop();
  EXPECT_EQ(ran.load(), 3);
}

}  // namespace
}  // namespace cb::api
