#include "runtime/shard.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/temp_dir.h"
#include "ledger/currency.h"
#include "runtime/replay.h"
#include "runtime/test_util.h"

namespace cb::runtime {
namespace {

using ledger::Account;
using ledger::AccountId;
using ledger::LedgerState;
using ledger::PendingStatus;
using ledger::Transfer;
using ledger::TransferId;
using ledger::TransferResult;

constexpr TimestampNs kT0 = 1'700'000'000ull * kNsPerSecond;
constexpr TimestampNs kSecond = kNsPerSecond;

using cb::TempDir;

using testing::NewAccount;
using testing::NewTransfer;

void FlipByte(const std::string& path, uint64_t offset) {
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << path;
  uint8_t b = 0;
  ASSERT_EQ(::pread(fd, &b, 1, static_cast<off_t>(offset)), 1);
  b ^= 0x10;
  ASSERT_EQ(::pwrite(fd, &b, 1, static_cast<off_t>(offset)), 1);
  ::close(fd);
}

const ledger::Balances& BalancesOf(const LedgerState& s, u128 id) {
  const uint32_t row = s.AccountRow(AccountId{id});
  CB_CHECK(row != ledger::kNoRow);
  return s.account(row).balances;
}

class ShardTest : public ::testing::Test {
 protected:
  ShardTest() {
    options_.data_dir = JoinPath(tmp_.path(), "data");
    options_.segment_bytes = 1u << 20;
    options_.snapshots_kept = 3;
  }

  std::unique_ptr<Shard> Open(RecoveryInfo* info) {
    auto shard = Shard::Open(disk_.get(), options_, info);
    EXPECT_TRUE(shard.ok()) << shard.status().ToString();
    return shard.ok() ? std::move(*shard) : nullptr;
  }

  // Executes `commands` as one batch at `now` and commits it; returns the replies.
  std::vector<Reply> Run(Shard* shard, std::vector<Command> commands, TimestampNs now,
                         TimestampNs* batch_ts = nullptr) {
    std::vector<const Command*> ptrs;
    for (const Command& c : commands) ptrs.push_back(&c);
    PreparedBatch batch;
    std::vector<Reply> replies;
    shard->ExecuteBatch(ptrs, now, &batch, &replies);
    PreparedBatch* const batches[] = {&batch};
    const Status st = shard->Commit(batches);
    EXPECT_TRUE(st.ok()) << st.ToString();
    if (batch_ts != nullptr) *batch_ts = batch.timestamp_ns;
    return replies;
  }

  // Ledger 1 (EUR) and accounts 1..3.
  void DefineLedgerAndAccounts(Shard* shard) {
    const auto eur = ledger::CurrencyLedger(1, "EUR");
    ASSERT_TRUE(eur.has_value());
    const std::vector<Reply> replies = Run(
        shard,
        {DefineLedgerCmd{*eur}, CreateAccountsCmd{{NewAccount(1), NewAccount(2), NewAccount(3)}}},
        kT0);
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[0].results, std::vector<uint32_t>{0});
    EXPECT_EQ(replies[1].results, (std::vector<uint32_t>{0, 0, 0}));
  }

  // Batch `n` (1-based): two transfers 1 -> 2 and 2 -> 3, ids 100n and 100n + 1.
  void TransferBatch(Shard* shard, uint64_t n, TimestampNs* batch_ts = nullptr) {
    const std::vector<Reply> replies =
        Run(shard,
            {CreateTransfersCmd{
                {NewTransfer(100 * n, 1, 2, 1000 + n), NewTransfer(100 * n + 1, 2, 3, 7)}}},
            kT0 + n * kSecond, batch_ts);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].results, (std::vector<uint32_t>{0, 0}));
  }

  Status Snapshot(Shard* shard) { return shard->WriteSnapshot(shard->CaptureSnapshot()); }

  std::vector<std::string> Snapshots() {
    auto list = journal::ListSnapshots(disk_.get(), SnapshotDir(options_.data_dir));
    CB_CHECK(list.ok());
    return *list;
  }

  std::unique_ptr<Disk> disk_ = NewPosixDisk();
  TempDir tmp_;
  ShardOptions options_;
};

TEST_F(ShardTest, FreshShardRecoversEmptyAtSequenceOne) {
  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  EXPECT_EQ(shard->seq_next(), 1u);
  EXPECT_EQ(info.seq_next, 1u);
  EXPECT_TRUE(info.snapshot_used.empty());
  EXPECT_EQ(info.events_replayed, 0u);
  EXPECT_EQ(shard->state().account_count(), 0u);
}

TEST_F(ShardTest, CommittedBatchesChangeStateAndSequence) {
  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  DefineLedgerAndAccounts(shard.get());
  TransferBatch(shard.get(), 1);
  EXPECT_EQ(shard->seq_next(), 1u + 1 + 3 + 2);
  EXPECT_EQ(shard->seq_durable_next(), shard->seq_next());
  EXPECT_EQ(BalancesOf(shard->state(), 1).debits_posted, static_cast<u128>(1001));
  EXPECT_EQ(BalancesOf(shard->state(), 2).credits_posted, static_cast<u128>(1001));
  EXPECT_EQ(BalancesOf(shard->state(), 2).debits_posted, static_cast<u128>(7));
  EXPECT_EQ(BalancesOf(shard->state(), 3).credits_posted, static_cast<u128>(7));
}

TEST_F(ShardTest, RepliesCarryTheSequenceOfTheirEvents) {
  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  DefineLedgerAndAccounts(shard.get());  // events 1..4
  const std::vector<Reply> replies =
      Run(shard.get(),
          {CreateTransfersCmd{{NewTransfer(1, 1, 2, 5)}}, LookupAccountsQuery{{AccountId{1}}},
           CreateTransfersCmd{{NewTransfer(2, 1, 2, 5), NewTransfer(3, 1, 2, 5)}}},
          kT0 + kSecond);
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].seq_first, 5u);
  EXPECT_EQ(replies[0].seq_last, 5u);
  EXPECT_EQ(replies[1].seq_first, 0u);  // a query writes nothing
  ASSERT_EQ(replies[1].accounts.size(), 1u);
  EXPECT_EQ(replies[1].accounts[0].balances.debits_posted, static_cast<u128>(5));
  EXPECT_EQ(replies[2].seq_first, 6u);
  EXPECT_EQ(replies[2].seq_last, 7u);
}

TEST_F(ShardTest, QueryOnlyBatchWritesNothingToTheJournal) {
  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  DefineLedgerAndAccounts(shard.get());
  const uint64_t seq_before = shard->seq_durable_next();
  const std::vector<Reply> replies = Run(shard.get(), {TrialBalanceQuery{}}, kT0 + kSecond);
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_EQ(replies[0].trial_balance.size(), 1u);
  EXPECT_TRUE(replies[0].trial_balance[0].balanced());
  EXPECT_EQ(shard->seq_durable_next(), seq_before);
  auto audit = AuditVerify(disk_.get(), options_.data_dir);
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->batches, 1u);
}

TEST_F(ShardTest, ReopenReplaysTheJournalToTheSameStateHash) {
  Hash256 hash;
  uint64_t seq_next;
  {
    RecoveryInfo info;
    auto shard = Open(&info);
    ASSERT_NE(shard, nullptr);
    DefineLedgerAndAccounts(shard.get());
    for (uint64_t n = 1; n <= 5; n++) TransferBatch(shard.get(), n);
    hash = shard->state().StateHash();
    seq_next = shard->seq_next();
  }
  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  EXPECT_TRUE(info.snapshot_used.empty());
  EXPECT_TRUE(info.snapshots_rejected.empty());
  EXPECT_FALSE(info.torn_tail);
  EXPECT_EQ(info.events_replayed, seq_next - 1);
  EXPECT_EQ(info.seq_next, seq_next);
  EXPECT_EQ(shard->seq_next(), seq_next);
  EXPECT_EQ(shard->state().StateHash(), hash);
  EXPECT_EQ(BalancesOf(shard->state(), 1).debits_posted,
            static_cast<u128>(1001 + 1002 + 1003 + 1004 + 1005));
  // And the reopened shard keeps going.
  TransferBatch(shard.get(), 6);
  EXPECT_EQ(shard->seq_next(), seq_next + 2);
}

TEST_F(ShardTest, ReopenStartsFromTheSnapshotAndReplaysOnlyTheTail) {
  Hash256 hash;
  uint64_t seq_at_snapshot, seq_next;
  {
    RecoveryInfo info;
    auto shard = Open(&info);
    ASSERT_NE(shard, nullptr);
    DefineLedgerAndAccounts(shard.get());
    for (uint64_t n = 1; n <= 3; n++) TransferBatch(shard.get(), n);
    ASSERT_TRUE(Snapshot(shard.get()).ok());
    seq_at_snapshot = shard->seq_next();
    for (uint64_t n = 4; n <= 6; n++) TransferBatch(shard.get(), n);
    hash = shard->state().StateHash();
    seq_next = shard->seq_next();
  }
  ASSERT_EQ(Snapshots().size(), 1u);
  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  EXPECT_EQ(info.snapshot_used, Snapshots()[0]);
  EXPECT_TRUE(info.snapshots_rejected.empty());
  EXPECT_EQ(info.events_replayed, seq_next - seq_at_snapshot);
  EXPECT_EQ(shard->seq_next(), seq_next);
  EXPECT_EQ(shard->state().StateHash(), hash);
  TransferBatch(shard.get(), 7);
  EXPECT_EQ(shard->seq_durable_next(), seq_next + 2);
}

TEST_F(ShardTest, SnapshotAtTheJournalEndNeedsNoReplay) {
  Hash256 hash;
  {
    RecoveryInfo info;
    auto shard = Open(&info);
    ASSERT_NE(shard, nullptr);
    DefineLedgerAndAccounts(shard.get());
    TransferBatch(shard.get(), 1);
    ASSERT_TRUE(Snapshot(shard.get()).ok());
    hash = shard->state().StateHash();
  }
  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  EXPECT_FALSE(info.snapshot_used.empty());
  EXPECT_EQ(info.events_replayed, 0u);
  EXPECT_EQ(shard->state().StateHash(), hash);
}

TEST_F(ShardTest, CorruptNewestSnapshotFallsBackToTheOlderOneWithTheSameHash) {
  Hash256 hash;
  {
    RecoveryInfo info;
    auto shard = Open(&info);
    ASSERT_NE(shard, nullptr);
    DefineLedgerAndAccounts(shard.get());
    TransferBatch(shard.get(), 1);
    ASSERT_TRUE(Snapshot(shard.get()).ok());
    TransferBatch(shard.get(), 2);
    ASSERT_TRUE(Snapshot(shard.get()).ok());
    TransferBatch(shard.get(), 3);
    hash = shard->state().StateHash();
  }
  const std::vector<std::string> snapshots = Snapshots();
  ASSERT_EQ(snapshots.size(), 2u);
  FlipByte(snapshots[0], std::filesystem::file_size(snapshots[0]) / 2);

  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  EXPECT_EQ(info.snapshot_used, snapshots[1]);
  ASSERT_EQ(info.snapshots_rejected.size(), 1u);
  EXPECT_NE(info.snapshots_rejected[0].find(snapshots[0]), std::string::npos)
      << info.snapshots_rejected[0];
  EXPECT_NE(info.snapshots_rejected[0].find("DATA_LOSS"), std::string::npos)
      << info.snapshots_rejected[0];
  EXPECT_EQ(shard->state().StateHash(), hash);
}

TEST_F(ShardTest, EveryCorruptSnapshotFallsBackToAFullReplayWithTheSameHash) {
  Hash256 hash;
  uint64_t seq_next;
  {
    RecoveryInfo info;
    auto shard = Open(&info);
    ASSERT_NE(shard, nullptr);
    DefineLedgerAndAccounts(shard.get());
    TransferBatch(shard.get(), 1);
    ASSERT_TRUE(Snapshot(shard.get()).ok());
    TransferBatch(shard.get(), 2);
    ASSERT_TRUE(Snapshot(shard.get()).ok());
    hash = shard->state().StateHash();
    seq_next = shard->seq_next();
  }
  const std::vector<std::string> snapshots = Snapshots();
  ASSERT_EQ(snapshots.size(), 2u);
  FlipByte(snapshots[0], 20);                                            // header
  FlipByte(snapshots[1], std::filesystem::file_size(snapshots[1]) - 1);  // last body byte

  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  EXPECT_TRUE(info.snapshot_used.empty());
  EXPECT_EQ(info.snapshots_rejected.size(), 2u);
  EXPECT_EQ(info.events_replayed, seq_next - 1);
  EXPECT_EQ(shard->state().StateHash(), hash);
}

TEST_F(ShardTest, DeletedSnapshotMeansAFullReplayWithTheSameHash) {
  Hash256 hash;
  uint64_t seq_next;
  {
    RecoveryInfo info;
    auto shard = Open(&info);
    ASSERT_NE(shard, nullptr);
    DefineLedgerAndAccounts(shard.get());
    TransferBatch(shard.get(), 1);
    ASSERT_TRUE(Snapshot(shard.get()).ok());
    TransferBatch(shard.get(), 2);
    hash = shard->state().StateHash();
    seq_next = shard->seq_next();
  }
  ASSERT_EQ(Snapshots().size(), 1u);
  ASSERT_TRUE(std::filesystem::remove(Snapshots()[0]));

  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  EXPECT_TRUE(info.snapshot_used.empty());
  EXPECT_TRUE(info.snapshots_rejected.empty());
  EXPECT_EQ(info.events_replayed, seq_next - 1);
  EXPECT_EQ(shard->state().StateHash(), hash);
}

TEST_F(ShardTest, SnapshotsBeyondTheKeepCountArePruned) {
  options_.snapshots_kept = 2;
  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  DefineLedgerAndAccounts(shard.get());
  for (uint64_t n = 1; n <= 4; n++) {
    TransferBatch(shard.get(), n);
    ASSERT_TRUE(Snapshot(shard.get()).ok());
  }
  EXPECT_EQ(Snapshots().size(), 2u);
}

TEST_F(ShardTest, TornLastBatchIsDroppedOnReopen) {
  Hash256 hash_before_last;
  uint64_t seq_before_last;
  journal::Position last_at;
  {
    RecoveryInfo info;
    auto shard = Open(&info);
    ASSERT_NE(shard, nullptr);
    DefineLedgerAndAccounts(shard.get());
    TransferBatch(shard.get(), 1);
    hash_before_last = shard->state().StateHash();
    seq_before_last = shard->seq_next();
    last_at = shard->CaptureSnapshot().meta.position;  // where the next record goes
    TransferBatch(shard.get(), 2);
  }
  const std::string seg = JoinPath(JournalDir(options_.data_dir), journal::SegmentName(0));
  ASSERT_EQ(last_at.segment, 0u);
  std::filesystem::resize_file(seg, last_at.offset + 150);
  std::filesystem::resize_file(seg, options_.segment_bytes);

  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  EXPECT_TRUE(info.torn_tail);
  EXPECT_NE(info.torn_detail.find(journal::SegmentName(0)), std::string::npos);
  EXPECT_EQ(shard->seq_next(), seq_before_last);
  EXPECT_EQ(shard->state().StateHash(), hash_before_last);
  EXPECT_EQ(shard->state().TransferRow(TransferId{200}), ledger::kNoRow);
}

TEST_F(ShardTest, CorruptJournalMiddleFailsRecoveryWithDataLoss) {
  journal::Position first_transfer_batch;
  {
    RecoveryInfo info;
    auto shard = Open(&info);
    ASSERT_NE(shard, nullptr);
    DefineLedgerAndAccounts(shard.get());
    first_transfer_batch = shard->CaptureSnapshot().meta.position;
    for (uint64_t n = 1; n <= 3; n++) TransferBatch(shard.get(), n);
  }
  const std::string seg = JoinPath(JournalDir(options_.data_dir), journal::SegmentName(0));
  FlipByte(seg, first_transfer_batch.offset + journal::kRecordHeaderSize + 40);

  RecoveryInfo info;
  auto shard = Shard::Open(disk_.get(), options_, &info);
  ASSERT_EQ(shard.status().code(), StatusCode::kDataLoss) << shard.status().ToString();
  EXPECT_NE(shard.status().message().find(journal::SegmentName(0)), std::string::npos);
  EXPECT_NE(shard.status().message().find("offset " + std::to_string(first_transfer_batch.offset)),
            std::string::npos)
      << shard.status().message();

  auto audit = AuditVerify(disk_.get(), options_.data_dir);
  EXPECT_EQ(audit.status().code(), StatusCode::kDataLoss);
}

TEST_F(ShardTest, ReplayJournalReproducesTheLiveStateHash) {
  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  DefineLedgerAndAccounts(shard.get());
  for (uint64_t n = 1; n <= 4; n++) TransferBatch(shard.get(), n);
  // A snapshot does not matter to replay: it reads the journal only.
  ASSERT_TRUE(Snapshot(shard.get()).ok());

  LedgerState replayed;
  auto result = ReplayJournal(disk_.get(), options_.data_dir, std::nullopt, &replayed);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(replayed.StateHash(), shard->state().StateHash());
  EXPECT_EQ(result->events, shard->seq_next() - 1);
  EXPECT_EQ(result->records, 5u);
  EXPECT_FALSE(result->torn_tail);
  EXPECT_EQ(result->timestamp_last_ns, kT0 + 4 * kSecond);
}

TEST_F(ShardTest, ReplayAsOfABatchTimestampGivesTheStateAtThatInstant) {
  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  DefineLedgerAndAccounts(shard.get());
  TransferBatch(shard.get(), 1);
  TransferBatch(shard.get(), 2);
  const Hash256 hash_after_2 = shard->state().StateHash();
  const size_t records_after_2 = shard->state().record_count();
  TimestampNs batch3_ts = 0;
  TransferBatch(shard.get(), 3, &batch3_ts);
  TransferBatch(shard.get(), 4);
  ASSERT_EQ(batch3_ts, kT0 + 3 * kSecond);

  // Just before batch 3: exactly the state after batch 2.
  LedgerState before;
  auto r1 = ReplayJournal(disk_.get(), options_.data_dir, batch3_ts - 1, &before);
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(before.StateHash(), hash_after_2);
  EXPECT_EQ(before.record_count(), records_after_2);
  EXPECT_EQ(r1->records, 3u);

  // At batch 3's stamp: its first transfer (stamped with the batch time) but not the second.
  LedgerState at;
  auto r2 = ReplayJournal(disk_.get(), options_.data_dir, batch3_ts, &at);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(at.record_count(), records_after_2 + 1);
  EXPECT_NE(at.TransferRow(TransferId{300}), ledger::kNoRow);
  EXPECT_EQ(at.TransferRow(TransferId{301}), ledger::kNoRow);
  EXPECT_EQ(BalancesOf(at, 1).debits_posted, static_cast<u128>(1001 + 1002 + 1003));

  // Before anything: an empty ledger.
  LedgerState empty;
  auto r3 = ReplayJournal(disk_.get(), options_.data_dir, kT0 - 1, &empty);
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(empty.account_count(), 0u);
  EXPECT_EQ(r3->events, 0u);
}

TEST_F(ShardTest, AuditVerifyCountsBatchesAndReportsTheLastHash) {
  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  DefineLedgerAndAccounts(shard.get());
  for (uint64_t n = 1; n <= 3; n++) TransferBatch(shard.get(), n);
  Run(shard.get(), {TrialBalanceQuery{}}, kT0 + 10 * kSecond);  // writes no record

  auto audit = AuditVerify(disk_.get(), options_.data_dir);
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  EXPECT_EQ(audit->batches, 4u);
  EXPECT_EQ(audit->events, shard->seq_next() - 1);
  EXPECT_EQ(audit->last_hash, shard->CaptureSnapshot().meta.last_hash);
  EXPECT_NE(audit->last_hash, Hash256{});
  EXPECT_FALSE(audit->torn_tail);
}

TEST_F(ShardTest, PendingTransferExpiresInALaterBatchAndStaysExpiredAfterReopen) {
  Hash256 hash;
  {
    RecoveryInfo info;
    auto shard = Open(&info);
    ASSERT_NE(shard, nullptr);
    DefineLedgerAndAccounts(shard.get());
    TimestampNs created_ts = 0;
    const std::vector<Reply> r =
        Run(shard.get(),
            {CreateTransfersCmd{{NewTransfer(500, 1, 2, 300, ledger::kTransferPending, 10)}}},
            kT0 + kSecond, &created_ts);
    ASSERT_EQ(r[0].results, std::vector<uint32_t>{0});
    EXPECT_EQ(BalancesOf(shard->state(), 1).debits_pending, static_cast<u128>(300));
    EXPECT_EQ(shard->state().NextExpiry(), created_ts + 10 * kSecond);

    // Not yet due: an empty batch expires nothing and writes nothing.
    const uint64_t seq_before = shard->seq_next();
    Run(shard.get(), {}, created_ts + 9 * kSecond);
    EXPECT_EQ(shard->seq_next(), seq_before);
    const uint32_t row = shard->state().TransferRow(TransferId{500});
    EXPECT_EQ(shard->state().status(row), PendingStatus::kPending);

    // Due: the batch expires it before running its own commands.
    Transfer post = NewTransfer(501, 0, 0, 0, ledger::kTransferPostPending);
    post.pending_id = TransferId{500};
    const std::vector<Reply> replies =
        Run(shard.get(), {CreateTransfersCmd{{post}}}, created_ts + 11 * kSecond);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(
        replies[0].results,
        std::vector<uint32_t>{static_cast<uint32_t>(TransferResult::kPendingTransferExpired)});
    EXPECT_EQ(shard->seq_next(), seq_before + 1);  // only the expiry event
    EXPECT_EQ(shard->state().status(row), PendingStatus::kExpired);
    EXPECT_EQ(BalancesOf(shard->state(), 1).debits_pending, static_cast<u128>(0));
    EXPECT_EQ(BalancesOf(shard->state(), 2).credits_pending, static_cast<u128>(0));
    EXPECT_EQ(BalancesOf(shard->state(), 1).debits_posted, static_cast<u128>(0));
    EXPECT_EQ(shard->state().NextExpiry(), std::nullopt);
    hash = shard->state().StateHash();
  }
  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  const uint32_t row = shard->state().TransferRow(TransferId{500});
  ASSERT_NE(row, ledger::kNoRow);
  EXPECT_EQ(shard->state().status(row), PendingStatus::kExpired);
  EXPECT_EQ(BalancesOf(shard->state(), 1).debits_pending, static_cast<u128>(0));
  EXPECT_EQ(shard->state().NextExpiry(), std::nullopt);
  EXPECT_EQ(shard->state().StateHash(), hash);
}

// The expiry queue is derived state: a snapshot must rebuild it.
TEST_F(ShardTest, PendingTransferInASnapshotStillExpiresAfterReopen) {
  TimestampNs created_ts = 0;
  {
    RecoveryInfo info;
    auto shard = Open(&info);
    ASSERT_NE(shard, nullptr);
    DefineLedgerAndAccounts(shard.get());
    Run(shard.get(),
        {CreateTransfersCmd{{NewTransfer(500, 1, 2, 300, ledger::kTransferPending, 10)}}},
        kT0 + kSecond, &created_ts);
    ASSERT_TRUE(Snapshot(shard.get()).ok());
  }
  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  ASSERT_FALSE(info.snapshot_used.empty());
  EXPECT_EQ(shard->state().NextExpiry(), created_ts + 10 * kSecond);
  Run(shard.get(), {}, created_ts + 10 * kSecond);
  const uint32_t row = shard->state().TransferRow(TransferId{500});
  EXPECT_EQ(shard->state().status(row), PendingStatus::kExpired);
  EXPECT_EQ(BalancesOf(shard->state(), 1).debits_pending, static_cast<u128>(0));
}

TEST_F(ShardTest, BatchTimestampsNeverGoBackwardsEvenWhenTheClockDoes) {
  RecoveryInfo info;
  auto shard = Open(&info);
  ASSERT_NE(shard, nullptr);
  DefineLedgerAndAccounts(shard.get());
  TimestampNs ts1 = 0, ts2 = 0;
  TransferBatch(shard.get(), 5, &ts1);
  TransferBatch(shard.get(), 1, &ts2);  // `now` is four seconds earlier
  EXPECT_GT(ts2, ts1);
  const uint32_t a = shard->state().TransferRow(TransferId{501});
  const uint32_t b = shard->state().TransferRow(TransferId{100});
  EXPECT_GT(shard->state().record(b).timestamp, shard->state().record(a).timestamp);
}

}  // namespace
}  // namespace cb::runtime
