#include "runtime/executor.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/temp_dir.h"
#include "ledger/currency.h"
#include "ledger/ledger.h"
#include "runtime/test_util.h"

namespace cb::runtime {
namespace {

using ledger::Account;
using ledger::AccountId;
using ledger::Transfer;
using ledger::TransferId;

constexpr auto kReplyTimeout = std::chrono::seconds(20);

using cb::TempDir;

// The real file system, except that once `sync_fails` is set every fdatasync reports EIO,
// as a dying disk would.
class FaultyDisk final : public Disk {
 public:
  explicit FaultyDisk(std::shared_ptr<std::atomic<bool>> sync_fails)
      : inner_(NewPosixDisk()), sync_fails_(std::move(sync_fails)) {}

  Result<std::unique_ptr<File>> Open(const std::string& path, bool create) override {
    auto file = inner_->Open(path, create);
    if (!file.ok()) return file.status();
    return std::unique_ptr<File>(new FaultyFile(std::move(*file), sync_fails_));
  }
  Status CreateDir(const std::string& path) override { return inner_->CreateDir(path); }
  Result<std::vector<std::string>> List(const std::string& dir) override {
    return inner_->List(dir);
  }
  Status Remove(const std::string& path) override { return inner_->Remove(path); }
  Status Rename(const std::string& from, const std::string& to) override {
    return inner_->Rename(from, to);
  }
  Status SyncDir(const std::string& dir) override {
    if (sync_fails_->load()) return Status::Unavailable("injected fsync failure (EIO)");
    return inner_->SyncDir(dir);
  }
  bool Exists(const std::string& path) override { return inner_->Exists(path); }

 private:
  class FaultyFile final : public File {
   public:
    FaultyFile(std::unique_ptr<File> inner, std::shared_ptr<std::atomic<bool>> sync_fails)
        : inner_(std::move(inner)), sync_fails_(std::move(sync_fails)) {}
    Status WriteAt(uint64_t offset, std::span<const uint8_t> data) override {
      return inner_->WriteAt(offset, data);
    }
    Status WriteVAt(uint64_t offset, std::span<const std::span<const uint8_t>> parts) override {
      return inner_->WriteVAt(offset, parts);
    }
    Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out) override {
      return inner_->ReadAt(offset, out);
    }
    Status Sync() override {
      if (sync_fails_->load()) return Status::Unavailable("injected fdatasync failure (EIO)");
      return inner_->Sync();
    }
    Status Truncate(uint64_t size_bytes) override { return inner_->Truncate(size_bytes); }
    Status Preallocate(uint64_t size_bytes) override { return inner_->Preallocate(size_bytes); }
    Result<uint64_t> Size() override { return inner_->Size(); }

   private:
    std::unique_ptr<File> inner_;
    std::shared_ptr<std::atomic<bool>> sync_fails_;
  };

  std::unique_ptr<Disk> inner_;
  std::shared_ptr<std::atomic<bool>> sync_fails_;
};

// A clock the test moves by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimestampNs start) : now_(start) {}
  TimestampNs NowNs() override { return now_.load(); }
  void Advance(TimestampNs by) { now_.fetch_add(by); }

 private:
  std::atomic<TimestampNs> now_;
};

// Opens once; everything waiting on it proceeds.
class Gate {
 public:
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }
  bool WaitFor(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

using testing::NewAccount;
using testing::NewTransfer;

// A submitted command: the Submit status and, if queued, the reply to come.
struct Submitted {
  Status status;
  std::future<Reply> reply;

  // Waits for the reply; a hung executor fails the test instead of hanging it.
  Reply Get() {
    CB_CHECK(status.ok());
    if (reply.wait_for(kReplyTimeout) != std::future_status::ready) {
      ADD_FAILURE() << "no reply within " << kReplyTimeout.count() << " s";
      Reply r;
      r.status = Status::Internal("test timeout");
      return r;
    }
    return reply.get();
  }
};

Submitted SubmitCommand(Executor* executor, Command command) {
  auto promise = std::make_shared<std::promise<Reply>>();
  Submitted s;
  s.reply = promise->get_future();
  s.status = executor->Submit(std::move(command),
                              [promise](Reply&& reply) { promise->set_value(std::move(reply)); });
  return s;
}

class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorTest() {
    options_.data_dir = JoinPath(tmp_.path(), "data");
    options_.segment_bytes = 1u << 20;
  }
  ~ExecutorTest() override { StopAndClose(); }

  void OpenShard(Disk* disk) {
    RecoveryInfo info;
    auto shard = Shard::Open(disk, options_, &info);
    ASSERT_TRUE(shard.ok()) << shard.status().ToString();
    shard_ = std::move(*shard);
  }

  void Start(ExecutorOptions exec_options = {}) {
    executor_ = std::make_unique<Executor>(shard_.get(), exec_options);
    executor_->Start();
  }

  void StopAndClose() {
    if (executor_ != nullptr) executor_->Stop();
    executor_.reset();
    shard_.reset();
  }

  Submitted Submit(Command command) { return SubmitCommand(executor_.get(), std::move(command)); }

  // Ledger 1 (EUR) and accounts 1..3, acknowledged.
  void DefineLedgerAndAccounts() {
    const auto eur = ledger::CurrencyLedger(1, "EUR");
    ASSERT_TRUE(eur.has_value());
    Submitted define = Submit(DefineLedgerCmd{*eur});
    Submitted accounts = Submit(CreateAccountsCmd{{NewAccount(1), NewAccount(2), NewAccount(3)}});
    ASSERT_TRUE(define.status.ok());
    ASSERT_TRUE(accounts.status.ok());
    const Reply d = define.Get();
    const Reply a = accounts.Get();
    ASSERT_TRUE(d.status.ok()) << d.status.ToString();
    ASSERT_TRUE(a.status.ok()) << a.status.ToString();
    ASSERT_EQ(d.results, std::vector<uint32_t>{0});
    ASSERT_EQ(a.results, (std::vector<uint32_t>{0, 0, 0}));
  }

  ledger::Balances LookupBalances(u128 id) {
    Submitted q = Submit(LookupAccountsQuery{{AccountId{id}}});
    EXPECT_TRUE(q.status.ok());
    const Reply r = q.Get();
    EXPECT_TRUE(r.status.ok());
    CB_CHECK(r.accounts.size() == 1);
    return r.accounts[0].balances;
  }

  std::unique_ptr<Disk> disk_ = NewPosixDisk();
  TempDir tmp_;
  ShardOptions options_;
  std::unique_ptr<Shard> shard_;
  std::unique_ptr<Executor> executor_;
};

TEST_F(ExecutorTest, RepliesCarryContiguousSequenceNumbersInSubmitOrder) {
  OpenShard(disk_.get());
  Start();
  const auto eur = ledger::CurrencyLedger(1, "EUR");
  Submitted define = Submit(DefineLedgerCmd{*eur});
  Submitted accounts = Submit(CreateAccountsCmd{{NewAccount(1), NewAccount(2)}});
  Submitted transfer = Submit(CreateTransfersCmd{{NewTransfer(10, 1, 2, 250)}});
  ASSERT_TRUE(define.status.ok());
  ASSERT_TRUE(accounts.status.ok());
  ASSERT_TRUE(transfer.status.ok());
  const Reply d = define.Get();
  const Reply a = accounts.Get();
  const Reply t = transfer.Get();
  ASSERT_TRUE(d.status.ok() && a.status.ok() && t.status.ok());
  EXPECT_EQ(d.seq_first, 1u);
  EXPECT_EQ(d.seq_last, 1u);
  EXPECT_EQ(a.seq_first, 2u);
  EXPECT_EQ(a.seq_last, 3u);
  EXPECT_EQ(t.seq_first, 4u);
  EXPECT_EQ(t.seq_last, 4u);
  EXPECT_EQ(t.results, std::vector<uint32_t>{0});
  EXPECT_GT(t.timestamp, a.timestamp);
  EXPECT_GE(shard_->seq_durable_next(), 5u);
}

TEST_F(ExecutorTest, QuerySubmittedRightAfterATransferSeesIt) {
  OpenShard(disk_.get());
  Start();
  DefineLedgerAndAccounts();
  Submitted transfer = Submit(CreateTransfersCmd{{NewTransfer(10, 1, 2, 250)}});
  Submitted lookup = Submit(LookupTransfersQuery{{TransferId{10}}});
  Submitted balances = Submit(LookupAccountsQuery{{AccountId{1}, AccountId{2}}});
  ASSERT_TRUE(transfer.status.ok() && lookup.status.ok() && balances.status.ok());
  EXPECT_EQ(transfer.Get().results, std::vector<uint32_t>{0});
  const Reply l = lookup.Get();
  ASSERT_TRUE(l.status.ok());
  ASSERT_EQ(l.transfers.size(), 1u);
  EXPECT_TRUE(l.transfers[0].amount == 250);
  EXPECT_EQ(l.seq_first, 0u);
  const Reply b = balances.Get();
  ASSERT_EQ(b.accounts.size(), 2u);
  EXPECT_TRUE(b.accounts[0].balances.debits_posted == 250);
  EXPECT_TRUE(b.accounts[1].balances.credits_posted == 250);
  // The history chain head is the state's own business: lookups never show it.
  EXPECT_EQ(b.accounts[0].history_head, 0u);
  EXPECT_EQ(b.accounts[1].history_head, 0u);
}

TEST_F(ExecutorTest, HistoryQuerySubmittedRightAfterTransfersListsThemWithRunningBalances) {
  OpenShard(disk_.get());
  Start();
  DefineLedgerAndAccounts();
  constexpr int kTransfers = 150;  // more than two history checkpoints
  std::vector<Submitted> transfers;
  for (int i = 1; i <= kTransfers; i++) {
    transfers.push_back(Submit(CreateTransfersCmd{{NewTransfer(static_cast<u128>(i), 1, 2, 2)}}));
  }
  ledger::HistoryQuery query;
  query.account_id = AccountId{1};
  query.limit = 1000;
  Submitted history = Submit(HistoryQueryCmd{query});
  for (Submitted& t : transfers) {
    ASSERT_TRUE(t.status.ok());
    EXPECT_EQ(t.Get().results, std::vector<uint32_t>{0});
  }
  ASSERT_TRUE(history.status.ok());
  const Reply h = history.Get();
  ASSERT_TRUE(h.status.ok());
  EXPECT_TRUE(h.found);
  ASSERT_EQ(h.history.size(), static_cast<size_t>(kTransfers));
  for (size_t i = 0; i < h.history.size(); i++) {
    EXPECT_TRUE(h.history[i].transfer.id == TransferId{static_cast<u128>(i + 1)}) << i;
    EXPECT_TRUE(h.history[i].balances_after.debits_posted == 2 * (i + 1)) << i;
  }
}

TEST_F(ExecutorTest, ConcurrentSubmittersAllGetRepliesAndTheStateAddsUp) {
  OpenShard(disk_.get());
  Start();
  DefineLedgerAndAccounts();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  std::vector<std::vector<Reply>> replies(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      std::vector<Submitted> pending;
      for (int i = 0; i < kPerThread; i++) {
        const u128 id = static_cast<u128>(1000 + t * kPerThread + i);
        // Even threads pay 1 -> 2, odd threads 2 -> 3.
        const u128 debit = t % 2 == 0 ? 1 : 2;
        pending.push_back(Submit(CreateTransfersCmd{{NewTransfer(id, debit, debit + 1, 3)}}));
      }
      for (Submitted& s : pending) {
        if (!s.status.ok()) {
          Reply r;
          r.status = s.status;
          replies[t].push_back(r);
        } else {
          replies[t].push_back(s.Get());
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();

  std::set<uint64_t> seqs;
  for (int t = 0; t < kThreads; t++) {
    ASSERT_EQ(replies[t].size(), static_cast<size_t>(kPerThread));
    uint64_t last_seq = 0;
    for (const Reply& r : replies[t]) {
      ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      ASSERT_EQ(r.results, std::vector<uint32_t>{0});
      EXPECT_EQ(r.seq_first, r.seq_last);
      EXPECT_GT(r.seq_first, last_seq);  // one submitter's commands run in its order
      last_seq = r.seq_first;
      seqs.insert(r.seq_first);
    }
  }
  EXPECT_EQ(seqs.size(), static_cast<size_t>(kThreads * kPerThread));  // no sequence reused

  const u128 per_side = static_cast<u128>(kThreads / 2 * kPerThread * 3);
  EXPECT_TRUE(LookupBalances(1).debits_posted == per_side);
  EXPECT_TRUE(LookupBalances(2).credits_posted == per_side);
  EXPECT_TRUE(LookupBalances(2).debits_posted == per_side);
  EXPECT_TRUE(LookupBalances(3).credits_posted == per_side);
  Submitted tb = Submit(TrialBalanceQuery{});
  ASSERT_TRUE(tb.status.ok());
  const Reply trial = tb.Get();
  ASSERT_EQ(trial.trial_balance.size(), 1u);
  EXPECT_TRUE(trial.trial_balance[0].balanced());

  // Everything acknowledged is durable: a reopen reproduces the live state.
  executor_->Stop();
  const Hash256 live = shard_->state().StateHash();
  const uint64_t seq_next = shard_->seq_next();
  StopAndClose();
  OpenShard(disk_.get());
  EXPECT_EQ(shard_->state().StateHash(), live);
  EXPECT_EQ(shard_->seq_next(), seq_next);
}

TEST_F(ExecutorTest, FullQueueRefusesWithResourceExhausted) {
  OpenShard(disk_.get());
  ExecutorOptions exec_options;
  exec_options.queue_depth_max = 2;
  exec_options.in_flight_batches_max = 1;
  Start(exec_options);
  // Hold the journal thread inside the first reply: the only in-flight slot stays taken, so
  // the writer stops draining the queue after at most one more batch.
  Gate entered, release;
  struct Releaser {
    Gate* gate;
    ~Releaser() { gate->Open(); }
  } releaser{&release};
  ASSERT_TRUE(executor_
                  ->Submit(TrialBalanceQuery{},
                           [&](Reply&&) {
                             entered.Open();
                             release.Wait();
                           })
                  .ok());
  ASSERT_TRUE(entered.WaitFor(std::chrono::milliseconds(20'000)));

  std::vector<Submitted> accepted;
  Status refused;
  for (int i = 0; i < 10 && refused.ok(); i++) {
    Submitted s = Submit(TrialBalanceQuery{});
    if (s.status.ok()) {
      accepted.push_back(std::move(s));
    } else {
      refused = s.status;
    }
  }
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted) << refused.ToString();
  EXPECT_GE(accepted.size(), 2u);
  EXPECT_LE(accepted.size(), 4u);  // two in the queue, at most two taken by the writer
  EXPECT_GE(executor_->stats().commands_rejected_full.load(), 1u);
  EXPECT_TRUE(executor_->healthy());

  release.Open();
  for (Submitted& s : accepted) EXPECT_TRUE(s.Get().status.ok());
}

TEST_F(ExecutorTest, SubmitIsRefusedBeforeStartAndAfterStop) {
  OpenShard(disk_.get());
  executor_ = std::make_unique<Executor>(shard_.get(), ExecutorOptions{});
  EXPECT_EQ(Submit(TrialBalanceQuery{}).status.code(), StatusCode::kUnavailable);
  executor_->Start();
  Submitted ok = Submit(TrialBalanceQuery{});
  ASSERT_TRUE(ok.status.ok());
  EXPECT_TRUE(ok.Get().status.ok());
  executor_->Stop();
  EXPECT_EQ(Submit(TrialBalanceQuery{}).status.code(), StatusCode::kUnavailable);
}

TEST_F(ExecutorTest, CommandWithTooManyItemsIsResourceExhausted) {
  OpenShard(disk_.get());
  Start();
  std::vector<Transfer> transfers(ledger::kItemsPerCommandMax + 1, NewTransfer(1, 1, 2, 1));
  EXPECT_EQ(Submit(CreateTransfersCmd{std::move(transfers)}).status.code(),
            StatusCode::kResourceExhausted);
  EXPECT_TRUE(executor_->healthy());
}

TEST_F(ExecutorTest, DuePendingTransferExpiresBeforeTheNextCommandRuns) {
  OpenShard(disk_.get());
  ManualClock clock(1'700'000'000ull * kNsPerSecond);
  ExecutorOptions exec_options;
  exec_options.clock = &clock;
  Start(exec_options);
  DefineLedgerAndAccounts();
  Submitted pending =
      Submit(CreateTransfersCmd{{NewTransfer(77, 1, 2, 40, ledger::kTransferPending, 5)}});
  ASSERT_TRUE(pending.status.ok());
  EXPECT_EQ(pending.Get().results, std::vector<uint32_t>{0});
  EXPECT_TRUE(LookupBalances(1).debits_pending == 40);

  clock.Advance(6 * kNsPerSecond);
  // Whether the idle writer or this query's batch expires it, the query sees it released.
  EXPECT_TRUE(LookupBalances(1).debits_pending == 0);
  EXPECT_TRUE(LookupBalances(2).credits_pending == 0);

  StopAndClose();
  OpenShard(disk_.get());
  EXPECT_EQ(shard_->state().status(shard_->state().TransferRow(TransferId{77})),
            ledger::PendingStatus::kExpired);
}

TEST_F(ExecutorTest, FsyncFailureFailsTheCommandAndEverythingAfterItButKeepsAcknowledgedWork) {
  auto sync_fails = std::make_shared<std::atomic<bool>>(false);
  FaultyDisk faulty(sync_fails);
  OpenShard(&faulty);
  Start();
  DefineLedgerAndAccounts();

  // Acknowledged before the disk fails.
  std::vector<u128> acked;
  u128 acked_amount = 0;
  for (u128 id = 100; id < 120; id++) {
    Submitted s = Submit(CreateTransfersCmd{{NewTransfer(id, 1, 2, id)}});
    ASSERT_TRUE(s.status.ok());
    const Reply r = s.Get();
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    ASSERT_EQ(r.results, std::vector<uint32_t>{0});
    acked.push_back(id);
    acked_amount += id;
  }
  EXPECT_TRUE(executor_->healthy());

  sync_fails->store(true);
  Submitted doomed = Submit(CreateTransfersCmd{{NewTransfer(500, 1, 2, 5)}});
  ASSERT_TRUE(doomed.status.ok());
  const Reply failed = doomed.Get();
  EXPECT_EQ(failed.status.code(), StatusCode::kUnavailable) << failed.status.ToString();
  EXPECT_TRUE(failed.results.empty());  // no result leaks from a batch that is not durable
  EXPECT_FALSE(executor_->healthy());

  // The disk recovering does not make the executor acknowledge anything again.
  sync_fails->store(false);
  for (int i = 0; i < 5; i++) {
    Submitted later = i % 2 == 0 ? Submit(CreateTransfersCmd{{NewTransfer(600 + i, 1, 2, 5)}})
                                 : Submit(LookupAccountsQuery{{AccountId{1}}});
    if (later.status.ok()) {
      EXPECT_EQ(later.Get().status.code(), StatusCode::kUnavailable);
    } else {
      EXPECT_EQ(later.status.code(), StatusCode::kUnavailable) << later.status.ToString();
    }
  }
  EXPECT_FALSE(executor_->healthy());

  // A restart recovers every acknowledged transfer from the journal.
  StopAndClose();
  OpenShard(disk_.get());
  const ledger::LedgerState& s = shard_->state();
  for (u128 id : acked) {
    const uint32_t row = s.TransferRow(TransferId{id});
    ASSERT_NE(row, ledger::kNoRow) << "acknowledged transfer lost: " << U128ToString(id);
    EXPECT_TRUE(s.record(row).amount == id);
  }
  for (int i = 0; i < 5; i += 2) {
    EXPECT_EQ(s.TransferRow(TransferId{static_cast<u128>(600 + i)}), ledger::kNoRow);
  }
  // The failed transfer was written but never synced; it may or may not have survived.
  const u128 debits = s.account(s.AccountRow(AccountId{1})).balances.debits_posted;
  const bool doomed_survived = s.TransferRow(TransferId{500}) != ledger::kNoRow;
  EXPECT_TRUE(debits == acked_amount + (doomed_survived ? 5 : 0));
}

}  // namespace
}  // namespace cb::runtime

namespace cb::runtime {
namespace {

TEST_F(ExecutorTest, BackgroundSnapshotsAreWrittenWhileRunningAndUsedOnRestart) {
  OpenShard(disk_.get());
  ExecutorOptions exec_options;
  exec_options.snapshot_interval_ms = 1;  // as often as the writer gets to it
  Start(exec_options);
  DefineLedgerAndAccounts();
  u128 next_id = 100;
  // Keep writing until at least two snapshots landed, so one was taken mid-stream.
  for (int round = 0; round < 2000 && executor_->stats().snapshots_written.load() < 2; round++) {
    Submitted s = Submit(CreateTransfersCmd{{NewTransfer(next_id++, 1, 2, 5)}});
    ASSERT_TRUE(s.status.ok());
    ASSERT_EQ(s.Get().results, std::vector<uint32_t>{0});
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_GE(executor_->stats().snapshots_written.load(), 2u);
  EXPECT_EQ(executor_->stats().snapshots_failed.load(), 0u);
  // A few more after the last snapshot: restart = snapshot + replay of this tail.
  for (int k = 0; k < 5; k++) {
    ASSERT_EQ(Submit(CreateTransfersCmd{{NewTransfer(next_id++, 2, 3, 7)}}).Get().results,
              std::vector<uint32_t>{0});
  }
  executor_->Stop();
  const Hash256 live = shard_->state().StateHash();
  StopAndClose();

  RecoveryInfo info;
  auto reopened = Shard::Open(disk_.get(), options_, &info);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_FALSE(info.snapshot_used.empty());
  EXPECT_TRUE(info.snapshots_rejected.empty());
  EXPECT_EQ((*reopened)->state().StateHash(), live);
  EXPECT_EQ((*reopened)->state().record_count(), static_cast<size_t>(next_id - 100));
}

}  // namespace
}  // namespace cb::runtime
