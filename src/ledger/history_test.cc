#include "ledger/history.h"

#include <gtest/gtest.h>

#include <ostream>
#include <vector>

#include "ledger/currency.h"
#include "ledger/ledger.h"
#include "ledger/state.h"

namespace cb::ledger {

inline void PrintTo(const Balances& b, std::ostream* os) {
  *os << "{debits_pending=" << U128ToString(b.debits_pending)
      << " debits_posted=" << U128ToString(b.debits_posted)
      << " credits_pending=" << U128ToString(b.credits_pending)
      << " credits_posted=" << U128ToString(b.credits_posted) << "}";
}

namespace {

constexpr TimestampNs kT0 = 1'700'000'000 * kNsPerSecond;
constexpr uint16_t kCode = 10;

Balances Bal(u128 debits_pending, u128 debits_posted, u128 credits_pending, u128 credits_posted) {
  return Balances{debits_pending, debits_posted, credits_pending, credits_posted};
}

Transfer MakeTransfer(u128 id, u128 debit, u128 credit, u128 amount, uint16_t flags = 0) {
  Transfer t;
  t.id = TransferId{id};
  t.debit_account_id = AccountId{debit};
  t.credit_account_id = AccountId{credit};
  t.amount = amount;
  t.ledger = 1;
  t.code = kCode;
  t.flags = flags;
  return t;
}

Transfer MakePending(u128 id, u128 debit, u128 credit, u128 amount, uint32_t timeout_s = 0) {
  Transfer t = MakeTransfer(id, debit, credit, amount, kTransferPending);
  t.timeout_s = timeout_s;
  return t;
}

Transfer MakePostOrVoid(u128 id, u128 pending_id, uint16_t flags, u128 amount = 0) {
  Transfer t;
  t.id = TransferId{id};
  t.pending_id = TransferId{pending_id};
  t.amount = amount;
  t.flags = flags;
  return t;
}

// A balance reading taken from the live state right after a record: the ground truth the
// history index must reproduce.
struct Snapshot {
  TimestampNs timestamp;
  Balances balances;
};

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(DefineLedger(&state_, *CurrencyLedger(1, "EUR"), &out_), AccountResult::kOk);
    for (u128 id : {1, 2, 3}) {
      Account a;
      a.id = AccountId{id};
      a.ledger = 1;
      a.code = kCode;
      std::vector<AccountResult> results;
      CreateAccounts(&state_, std::span<const Account>(&a, 1), &ts_, &out_, &results);
      ASSERT_EQ(results[0], AccountResult::kOk);
    }
  }

  void Tr(const Transfer& t) {
    std::vector<TransferResult> results;
    CreateTransfers(&state_, std::span<const Transfer>(&t, 1), &ts_, &out_, &results);
    ASSERT_EQ(results[0], TransferResult::kOk) << TransferResultName(results[0]);
  }
  void ExpireOne() { ASSERT_EQ(ExpireDue(&state_, ts_, 1000, &ts_, &out_), 1u); }
  uint32_t Row(u128 id) const { return state_.AccountRow(AccountId{id}); }
  Balances Live(u128 id) const { return state_.account(Row(id)).balances; }
  // Reads account 1 after the newest record.
  void Snap() {
    const Transfer& last = state_.record(static_cast<uint32_t>(state_.record_count() - 1));
    truth_.push_back({last.timestamp, Live(1)});
  }
  std::vector<HistoryEntry> Get(const HistoryQuery& q) const {
    return state_.history().Get(state_, state_.AccountRow(q.account_id), q);
  }
  Balances AsOf(u128 id, TimestampNs ts) const {
    return state_.history().BalanceAsOf(state_, Row(id), ts);
  }

  // Account 1's seven records: single out, single in, pending/partial post, pending/void,
  // pending/expiry. Account 2 takes the other side of each but one.
  void RunScenario() {
    Tr(MakeTransfer(10, 1, 2, 100));
    Snap();
    Tr(MakeTransfer(11, 3, 1, 40));
    Snap();
    Tr(MakePending(12, 1, 2, 50));
    Snap();
    Tr(MakePostOrVoid(13, 12, kTransferPostPending, 30));
    Snap();
    Tr(MakePending(14, 1, 2, 20));
    Snap();
    Tr(MakePostOrVoid(15, 14, kTransferVoidPending));
    Snap();
    Tr(MakeTransfer(16, 2, 3, 5));  // does not touch account 1
    Tr(MakePending(17, 1, 3, 10, 1));
    Snap();
    ts_ += kNsPerSecond;
    ExpireOne();
    Snap();
  }

  LedgerState state_;
  journal::RecordBuilder out_;
  TimestampNs ts_ = kT0;
  std::vector<Snapshot> truth_;
};

TEST_F(HistoryTest, EntriesListTheAccountsRecordsInOrderWithBalancesAfterEach) {
  RunScenario();
  const std::vector<HistoryEntry> h = Get({.account_id = AccountId{1}});
  ASSERT_EQ(h.size(), 8u);
  const u128 ids[] = {10, 11, 12, 13, 14, 15, 17, 0};
  const Balances after[] = {
      Bal(0, 100, 0, 0),   Bal(0, 100, 0, 40), Bal(50, 100, 0, 40), Bal(0, 130, 0, 40),
      Bal(20, 130, 0, 40), Bal(0, 130, 0, 40), Bal(10, 130, 0, 40), Bal(0, 130, 0, 40),
  };
  for (size_t k = 0; k < h.size(); k++) {
    SCOPED_TRACE(k);
    EXPECT_EQ(h[k].transfer.id, TransferId{ids[k]});
    EXPECT_EQ(h[k].balances_after, after[k]);
    EXPECT_EQ(h[k].transfer.timestamp, truth_[k].timestamp);
  }
  EXPECT_EQ(h[3].transfer.flags, kTransferPostPending);
  EXPECT_EQ(h[5].transfer.flags, kTransferVoidPending);
  EXPECT_EQ(h[7].transfer.flags, kTransferExpiryRecord);
  EXPECT_EQ(h[7].transfer.pending_id, TransferId{17});
  EXPECT_EQ(h[7].transfer.amount, 10u);
  EXPECT_EQ(h[7].balances_after, Live(1));
}

TEST_F(HistoryTest, EveryAccountsLastEntryMatchesItsLiveBalances) {
  RunScenario();
  for (u128 id : {1, 2, 3}) {
    SCOPED_TRACE(static_cast<uint64_t>(id));
    const std::vector<HistoryEntry> h = Get({.account_id = AccountId{id}});
    ASSERT_FALSE(h.empty());
    EXPECT_EQ(h.back().balances_after, Live(id));
    for (const HistoryEntry& e : h) {
      EXPECT_TRUE(e.transfer.debit_account_id == AccountId{id} ||
                  e.transfer.credit_account_id == AccountId{id});
    }
  }
  EXPECT_EQ(Get({.account_id = AccountId{2}}).size(), 6u);
  EXPECT_EQ(Get({.account_id = AccountId{3}}).size(), 4u);  // 11, 16, 17 and its expiry
}

TEST_F(HistoryTest, TimeRangeIsInclusiveAndStartsFromTheBalancesBeforeIt) {
  RunScenario();
  const std::vector<HistoryEntry> h = Get({.account_id = AccountId{1},
                                           .timestamp_min = truth_[2].timestamp,
                                           .timestamp_max = truth_[4].timestamp});
  ASSERT_EQ(h.size(), 3u);
  for (size_t k = 0; k < h.size(); k++) {
    EXPECT_EQ(h[k].transfer.timestamp, truth_[k + 2].timestamp);
    EXPECT_EQ(h[k].balances_after, truth_[k + 2].balances);
  }
  // Bounds between records select nothing extra.
  EXPECT_EQ(Get({.account_id = AccountId{1},
                 .timestamp_min = truth_[2].timestamp + 1,
                 .timestamp_max = truth_[4].timestamp - 1})
                .size(),
            1u);
  EXPECT_TRUE(Get({.account_id = AccountId{1}, .timestamp_max = truth_[0].timestamp - 1}).empty());
  EXPECT_TRUE(
      Get({.account_id = AccountId{1}, .timestamp_min = truth_.back().timestamp + 1}).empty());
  EXPECT_TRUE(Get({.account_id = AccountId{1},
                   .timestamp_min = truth_[4].timestamp,
                   .timestamp_max = truth_[2].timestamp})
                  .empty());
}

TEST_F(HistoryTest, LimitKeepsTheOldestEntriesOfTheRange) {
  RunScenario();
  const std::vector<HistoryEntry> h = Get({.account_id = AccountId{1}, .limit = 3});
  ASSERT_EQ(h.size(), 3u);
  for (size_t k = 0; k < h.size(); k++) EXPECT_EQ(h[k].balances_after, truth_[k].balances);
  const std::vector<HistoryEntry> mid =
      Get({.account_id = AccountId{1}, .timestamp_min = truth_[3].timestamp, .limit = 2});
  ASSERT_EQ(mid.size(), 2u);
  EXPECT_EQ(mid[0].balances_after, truth_[3].balances);
  EXPECT_EQ(mid[1].balances_after, truth_[4].balances);
}

TEST_F(HistoryTest, ReversedReturnsTheNewestEntriesFirst) {
  RunScenario();
  const std::vector<HistoryEntry> h =
      Get({.account_id = AccountId{1}, .limit = 3, .reversed = true});
  ASSERT_EQ(h.size(), 3u);
  for (size_t k = 0; k < h.size(); k++) {
    const Snapshot& want = truth_[truth_.size() - 1 - k];
    EXPECT_EQ(h[k].transfer.timestamp, want.timestamp);
    EXPECT_EQ(h[k].balances_after, want.balances);
  }
  const std::vector<HistoryEntry> range = Get({.account_id = AccountId{1},
                                               .timestamp_min = truth_[1].timestamp,
                                               .timestamp_max = truth_[3].timestamp,
                                               .reversed = true});
  ASSERT_EQ(range.size(), 3u);
  EXPECT_EQ(range[0].balances_after, truth_[3].balances);
  EXPECT_EQ(range[2].balances_after, truth_[1].balances);
}

TEST_F(HistoryTest, LongHistoryAcrossCheckpointsMatchesTheLiveBalancesAfterEachRecord) {
  u128 id = 100;
  u128 pending_out = 0;
  for (int i = 0; i < 240; i++) {
    switch (i % 6) {
      case 0:
        Tr(MakeTransfer(id++, 1, 2, static_cast<u128>(1 + i % 5)));
        Snap();
        break;
      case 1:
        Tr(MakeTransfer(id++, 2, 1, 3));
        Snap();
        break;
      case 2:
        pending_out = id++;
        Tr(MakePending(pending_out, 1, 2, 7));
        Snap();
        break;
      case 3:
        Tr(MakePostOrVoid(id++, pending_out, kTransferPostPending, 4));
        Snap();
        break;
      case 4: {
        const u128 pending_in = id++;
        Tr(MakePending(pending_in, 2, 1, 5));
        Snap();
        Tr(MakePostOrVoid(id++, pending_in, kTransferVoidPending));
        Snap();
        break;
      }
      case 5:
        Tr(MakePending(id++, 1, 2, 2, 1));
        Snap();
        ts_ += kNsPerSecond;
        ExpireOne();
        Snap();
        break;
    }
    if (i % 37 == 0) (void)Get({.account_id = AccountId{1}, .limit = 1});  // index in steps
  }
  ASSERT_GT(truth_.size(), 4 * HistoryIndex::kCheckpointEvery);

  const std::vector<HistoryEntry> all =
      Get({.account_id = AccountId{1}, .limit = HistoryIndex::kLimitMax});
  ASSERT_EQ(all.size(), truth_.size());
  for (size_t k = 0; k < all.size(); k++) {
    ASSERT_EQ(all[k].transfer.timestamp, truth_[k].timestamp) << k;
    ASSERT_EQ(all[k].balances_after, truth_[k].balances) << k;
  }
  // Windows starting on, before and after checkpoint boundaries fold from the right place.
  for (size_t start : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{65}, size_t{127},
                       size_t{128}, size_t{129}, size_t{200}, truth_.size() - 1}) {
    SCOPED_TRACE(start);
    const std::vector<HistoryEntry> w =
        Get({.account_id = AccountId{1}, .timestamp_min = truth_[start].timestamp, .limit = 3});
    ASSERT_FALSE(w.empty());
    for (size_t k = 0; k < w.size(); k++) {
      EXPECT_EQ(w[k].balances_after, truth_[start + k].balances);
    }
  }
  const std::vector<HistoryEntry> newest =
      Get({.account_id = AccountId{1}, .limit = 70, .reversed = true});
  ASSERT_EQ(newest.size(), 70u);
  for (size_t k = 0; k < newest.size(); k++) {
    EXPECT_EQ(newest[k].balances_after, truth_[truth_.size() - 1 - k].balances) << k;
  }
  for (size_t k = 0; k < truth_.size(); k++) {
    ASSERT_EQ(AsOf(1, truth_[k].timestamp), truth_[k].balances) << k;
  }
}

TEST_F(HistoryTest, BalanceAsOfAnInstantBetweenTransfersIsTheBalanceAfterTheEarlierOne) {
  const TimestampNs first = ts_;
  Tr(MakeTransfer(10, 1, 2, 100));
  ts_ += 1000;
  const TimestampNs second = ts_;
  Tr(MakePending(11, 2, 1, 30));
  EXPECT_EQ(AsOf(1, first - 1), Balances{});
  EXPECT_EQ(AsOf(1, first), Bal(0, 100, 0, 0));
  EXPECT_EQ(AsOf(1, first + 500), Bal(0, 100, 0, 0));
  EXPECT_EQ(AsOf(1, second - 1), Bal(0, 100, 0, 0));
  EXPECT_EQ(AsOf(1, second), Bal(0, 100, 30, 0));
  EXPECT_EQ(AsOf(1, UINT64_MAX), Live(1));
  EXPECT_EQ(AsOf(2, first + 500), Bal(0, 0, 0, 100));
}

TEST_F(HistoryTest, AccountWithoutTransfersHasNoEntriesAndZeroBalances) {
  Tr(MakeTransfer(10, 1, 2, 100));
  EXPECT_TRUE(Get({.account_id = AccountId{3}}).empty());
  EXPECT_EQ(AsOf(3, UINT64_MAX), Balances{});
  EXPECT_EQ(AsOf(3, 0), Balances{});
}

TEST_F(HistoryTest, AQueryAfterMoreTransfersExtendsTheIndexedHistory) {
  Tr(MakeTransfer(10, 1, 2, 100));
  ASSERT_EQ(Get({.account_id = AccountId{1}}).size(), 1u);
  EXPECT_EQ(state_.history().accounts_materialized(), 1u);  // only the account asked for
  Tr(MakeTransfer(11, 1, 2, 5));
  Tr(MakeTransfer(12, 3, 2, 7));  // not account 1's
  const std::vector<HistoryEntry> h = Get({.account_id = AccountId{1}});
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1].balances_after, Bal(0, 105, 0, 0));
  EXPECT_EQ(Get({.account_id = AccountId{1}}).size(), 2u);  // asking again adds nothing
  EXPECT_EQ(state_.history().row_end_max(), state_.record_count());
}

// A failed linked chain is unlinked from its accounts' chains: history never shows it,
// and records appended after the rollback link to the right predecessors.
TEST_F(HistoryTest, RolledBackLinkedChainLeavesNoTraceInHistory) {
  Tr(MakeTransfer(10, 1, 2, 100));
  ASSERT_EQ(Get({.account_id = AccountId{2}}).size(), 1u);
  Transfer chain[2] = {MakeTransfer(11, 1, 2, 5), MakeTransfer(12, 2, 1, 0)};  // 0: invalid
  chain[0].flags |= kTransferLinked;
  std::vector<TransferResult> results;
  CreateTransfers(&state_, chain, &ts_, &out_, &results);
  ASSERT_EQ(results[0], TransferResult::kLinkedEventFailed);
  ASSERT_EQ(results[1], TransferResult::kAmountMustNotBeZero);
  Tr(MakeTransfer(13, 2, 1, 30));
  for (u128 id : {1, 2}) {
    const std::vector<HistoryEntry> h = Get({.account_id = AccountId{id}});
    ASSERT_EQ(h.size(), 2u) << static_cast<uint64_t>(id);
    EXPECT_EQ(h[0].transfer.id, TransferId{10});
    EXPECT_EQ(h[1].transfer.id, TransferId{13});
    EXPECT_EQ(h[1].balances_after, Live(id));
  }
}

}  // namespace
}  // namespace cb::ledger
