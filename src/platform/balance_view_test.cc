#include "platform/balance_view.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace cb::platform {
namespace {

BalanceRow Row(u128 id, u128 tenant) {
  BalanceRow r;
  r.id = AccountId(id);
  r.tenant = TenantId(tenant);
  r.customer = CustomerId(id + 1);
  r.info.ledger = 1978;
  r.info.currency[0] = 'E';
  r.info.currency[1] = 'U';
  r.info.currency[2] = 'R';
  r.info.scale = 2;
  r.timestamp = 1234;
  return r;
}

TEST(BalanceViewTest, ReadGivesWhatWasPublished) {
  BalanceView view(16);
  BalanceRow a = Row(100, 7);
  a.balances.credits_posted = 500;
  view.Publish(3, a);
  BalanceRow out;
  ASSERT_TRUE(view.Read(AccountId(100), &out));
  EXPECT_EQ(out, a);
  ASSERT_TRUE(view.ReadRow(3, &out));
  EXPECT_EQ(out, a);
  EXPECT_EQ(view.rows_published(), 1u);
}

TEST(BalanceViewTest, UnknownAndUnpublishedAreNotFound) {
  BalanceView view(16);
  view.Publish(0, Row(100, 7));
  BalanceRow out;
  EXPECT_FALSE(view.Read(AccountId(101), &out));
  EXPECT_FALSE(view.Read(AccountId(0), &out));
  EXPECT_FALSE(view.ReadRow(1, &out));
  EXPECT_FALSE(view.ReadRow(16, &out));  // past rows_max
}

TEST(BalanceViewTest, RepublishingARowReplacesItsValues) {
  BalanceView view(4);
  BalanceRow a = Row(100, 7);
  view.Publish(1, a);
  a.balances.debits_pending = 42;
  a.status = AccountStatus::kFrozen;
  view.Publish(1, a);
  BalanceRow out;
  ASSERT_TRUE(view.Read(AccountId(100), &out));
  EXPECT_EQ(out.balances.debits_pending, 42u);
  EXPECT_EQ(out.status, AccountStatus::kFrozen);
  EXPECT_EQ(view.rows_published(), 1u);
}

TEST(BalanceViewTest, EveryRowOfAFullViewIsFound) {
  constexpr uint32_t kRows = 1000;
  BalanceView view(kRows);
  // Ids that share low bits: probing, not luck, finds them.
  for (uint32_t row = 0; row < kRows; row++) {
    view.Publish(row, Row(u128{row + 1} << 64, 7));
  }
  for (uint32_t row = 0; row < kRows; row++) {
    BalanceRow out;
    ASSERT_TRUE(view.Read(AccountId(u128{row + 1} << 64), &out)) << row;
    EXPECT_EQ(out.customer.value, (u128{row + 1} << 64) + 1);
  }
  EXPECT_EQ(view.rows_published(), kRows);
}

TEST(BalanceViewDeathTest, ARowNeverChangesAccount) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // TSAN runs a thread of its own
  BalanceView view(4);
  view.Publish(1, Row(100, 7));
  EXPECT_DEATH(view.Publish(1, Row(200, 7)), "");
}

// One publisher rewrites a few hot rows as fast as it can; every version it writes has
// debits_posted == credits_posted (each an amount near 2^64, so both words of each u128
// change) and a pending count that only grows. Readers must never see a mix of two versions.
TEST(BalanceViewTest, ConcurrentReadersNeverSeeATornRow) {
  constexpr uint32_t kRows = 4;
  constexpr uint64_t kVersions = 2'000'000;
  constexpr u128 kAmount = (u128{1} << 64) - 3;
  BalanceView view(kRows);
  for (uint32_t row = 0; row < kRows; row++) view.Publish(row, Row(1000 + row, 7));
  std::atomic<bool> done{false};
  std::atomic<int> started{0};
  std::atomic<uint64_t> reads{0}, torn{0}, backwards{0};
  auto reader = [&] {
    std::vector<u128> last(kRows, 0);
    started.fetch_add(1);
    uint64_t n = 0;
    while (!done.load(std::memory_order_relaxed)) {
      for (uint32_t row = 0; row < kRows; row++) {
        BalanceRow out;
        if (!view.Read(AccountId(1000 + row), &out)) continue;  // starved: the writer answers
        n++;
        const ledger::Balances& b = out.balances;
        if (b.debits_posted != b.credits_posted || b.debits_posted != b.debits_pending * kAmount ||
            out.id.value != 1000 + row || out.tenant.value != 7) {
          torn.fetch_add(1);
        }
        if (b.debits_pending < last[row]) backwards.fetch_add(1);
        last[row] = b.debits_pending;
      }
    }
    reads.fetch_add(n);
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; i++) readers.emplace_back(reader);
  while (started.load() < 3) std::this_thread::yield();  // race them, not their start-up
  for (uint64_t v = 1; v <= kVersions; v++) {
    const uint32_t row = static_cast<uint32_t>(v % kRows);
    BalanceRow r = Row(1000 + row, 7);
    r.balances.debits_pending = v;
    r.balances.debits_posted = v * kAmount;
    r.balances.credits_posted = v * kAmount;
    view.Publish(row, r);
  }
  done.store(true);
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_EQ(backwards.load(), 0u);
  EXPECT_GT(reads.load(), 0u);
}

}  // namespace
}  // namespace cb::platform
