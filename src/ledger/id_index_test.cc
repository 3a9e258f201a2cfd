#include "ledger/id_index.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "base/rng.h"

namespace cb::ledger {
namespace {

// Rows index into `keys`, as they index into the state's account or record arrays.
struct VectorKey {
  const std::vector<u128>* keys;
  u128 operator()(uint32_t row) const { return (*keys)[row]; }
};

class IdIndexTest : public ::testing::Test {
 protected:
  // Appends a key and inserts it under its new row.
  uint32_t Add(u128 id) {
    const uint32_t row = static_cast<uint32_t>(keys_.size());
    keys_.push_back(id);
    index_.Insert(id, row);
    return row;
  }
  // Ids whose home slot in a table of `slots` is `home`, found by search.
  static std::vector<u128> IdsHomedAt(size_t home, size_t slots, size_t count, u128 from) {
    std::vector<u128> ids;
    for (u128 id = from; ids.size() < count; id++) {
      if ((HashId(id) & (slots - 1)) == home) ids.push_back(id);
    }
    return ids;
  }

  std::vector<u128> keys_;
  IdIndex<VectorKey> index_{VectorKey{&keys_}};
};

TEST_F(IdIndexTest, FindInAnEmptyIndexReturnsEmpty) {
  EXPECT_EQ(index_.Find(1), IdIndex<VectorKey>::kEmpty);
  EXPECT_EQ(index_.Find(0), IdIndex<VectorKey>::kEmpty);
  EXPECT_EQ(index_.count(), 0u);
}

TEST_F(IdIndexTest, InsertedIdIsFoundUnderItsRow) {
  const uint32_t a = Add(42);
  const uint32_t b = Add(MakeU128(7, 42));  // same low word, different high word
  EXPECT_EQ(index_.Find(42), a);
  EXPECT_EQ(index_.Find(MakeU128(7, 42)), b);
  EXPECT_EQ(index_.Find(43), IdIndex<VectorKey>::kEmpty);
  EXPECT_EQ(index_.count(), 2u);
}

TEST_F(IdIndexTest, EraseRemovesOnlyThatId) {
  Add(1);
  const uint32_t two = Add(2);
  Add(3);
  index_.Erase(1);
  index_.Erase(3);
  EXPECT_EQ(index_.Find(1), IdIndex<VectorKey>::kEmpty);
  EXPECT_EQ(index_.Find(3), IdIndex<VectorKey>::kEmpty);
  EXPECT_EQ(index_.Find(2), two);
  EXPECT_EQ(index_.count(), 1u);
  Add(1);  // an erased id can be inserted again
  EXPECT_EQ(index_.Find(1), 3u);
}

TEST_F(IdIndexTest, ConstructorSizesTheTableForTheExpectedCount) {
  std::vector<u128> keys;
  IdIndex<VectorKey> small(VectorKey{&keys}, 0);
  IdIndex<VectorKey> large(VectorKey{&keys}, 10'000);
  EXPECT_EQ(small.capacity(), 1024u);
  // At most 70% full: 10000 ids need more than 14285 slots, the next power of two.
  EXPECT_EQ(large.capacity(), 16384u);
}

TEST_F(IdIndexTest, ManyInsertsGrowTheTableAndStayFindable) {
  const size_t bytes_before = index_.memory_bytes();
  constexpr int kCount = 50'000;
  for (int i = 0; i < kCount; i++) Add(MakeU128(static_cast<uint64_t>(i) * 31, i + 1));
  EXPECT_EQ(index_.count(), static_cast<size_t>(kCount));
  EXPECT_GT(index_.memory_bytes(), bytes_before);
  // Load factor stays at or below 70%.
  EXPECT_LE(index_.count() * 10, index_.capacity() * 7);
  for (uint32_t row = 0; row < keys_.size(); row++) ASSERT_EQ(index_.Find(keys_[row]), row);
  EXPECT_EQ(index_.Find(MakeU128(1, 1)), IdIndex<VectorKey>::kEmpty);
}

// Ids sharing a home slot form one probe run; erasing from its middle must shift the rest
// back so none becomes unreachable, including runs that wrap past the table's last slot.
TEST_F(IdIndexTest, EraseInsideACollidingRunKeepsTheRestReachable) {
  const size_t slots = index_.capacity();
  for (size_t home : {size_t{17}, slots - 2}) {
    SCOPED_TRACE(home);
    const std::vector<u128> run = IdsHomedAt(home, slots, 6, 1);
    const std::vector<u128> next = IdsHomedAt((home + 2) & (slots - 1), slots, 2, run.back() + 1);
    std::map<u128, uint32_t> live;
    for (u128 id : run) live[id] = Add(id);
    for (u128 id : next) live[id] = Add(id);
    for (u128 id : {run[1], next[0], run[4], run[0]}) {
      index_.Erase(id);
      live.erase(id);
      for (const auto& [key, row] : live) ASSERT_EQ(index_.Find(key), row);
      EXPECT_EQ(index_.Find(id), IdIndex<VectorKey>::kEmpty);
    }
    for (const auto& [key, row] : live) index_.Erase(key);
    EXPECT_EQ(index_.count(), 0u);
  }
}

TEST_F(IdIndexTest, RandomInsertsAndErasesMatchAStdMap) {
  constexpr uint64_t kSeed = 0x1D1DE;
  SCOPED_TRACE(testing::Message() << "seed " << kSeed);
  Rng rng(kSeed);
  std::map<u128, uint32_t> model;
  std::vector<u128> live;  // ids in `model`, for picking one to erase
  for (int step = 0; step < 40'000; step++) {
    if (live.empty() || rng.Chance(60)) {
      // Small id space so erased ids come back and runs collide.
      const u128 id = MakeU128(rng.Below(4), rng.Below(30'000) + 1);
      if (model.contains(id)) continue;
      model[id] = Add(id);
      live.push_back(id);
    } else {
      const size_t k = rng.Below(live.size());
      const u128 id = live[k];
      live[k] = live.back();
      live.pop_back();
      index_.Erase(id);
      model.erase(id);
      ASSERT_EQ(index_.Find(id), IdIndex<VectorKey>::kEmpty) << "step " << step;
    }
    ASSERT_EQ(index_.count(), model.size());
    if (step % 4000 == 0) {
      for (const auto& [id, row] : model) ASSERT_EQ(index_.Find(id), row) << "step " << step;
    }
  }
  for (const auto& [id, row] : model) ASSERT_EQ(index_.Find(id), row);
}

// Probing past other ids' slots compares fingerprints, not keys: looking up an absent id
// whose home run is full reads no row (no cache miss into the account or transfer arrays).
TEST(IdIndexFingerprintTest, AbsentIdInAFullRunReadsNoRows) {
  struct CountingKey {
    const std::vector<u128>* keys;
    size_t* reads;
    u128 operator()(uint32_t row) const {
      (*reads)++;
      return (*keys)[row];
    }
  };
  std::vector<u128> keys;
  size_t reads = 0;
  IdIndex<CountingKey> index(CountingKey{&keys, &reads});
  const size_t slots = index.capacity();
  std::vector<u128> homed;
  for (u128 id = 1; homed.size() < 9; id++) {
    if ((HashId(id) & (slots - 1)) == 5) homed.push_back(id);
  }
  for (size_t k = 0; k < 8; k++) {
    keys.push_back(homed[k]);
    index.Insert(homed[k], static_cast<uint32_t>(k));
  }
  reads = 0;
  EXPECT_EQ(index.Find(homed[8]), IdIndex<CountingKey>::kEmpty);
  EXPECT_EQ(reads, 0u);
  EXPECT_EQ(index.Find(homed[7]), 7u);  // the match itself is confirmed against the row
  EXPECT_EQ(reads, 1u);
  EXPECT_EQ(index.PeekHome(homed[0]), 0u);
  EXPECT_EQ(index.PeekHome(homed[3]), IdIndex<CountingKey>::kEmpty);  // home holds homed[0]
}

TEST_F(IdIndexTest, InsertingTheEmptyRowMarkerAborts) {
  EXPECT_DEATH(index_.Insert(5, IdIndex<VectorKey>::kEmpty), "row != kEmpty");
}

}  // namespace
}  // namespace cb::ledger
