// The balances read path end to end below HTTP: the view fed from a real shard and platform
// service, its answers against the writer's, the cases it must leave to the writer, recovery,
// and readers racing an executor that commits.
#include "platform/balance_read.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "kernel/scopes.h"
#include "platform/balance_view_feed.h"
#include "platform/service_test_util.h"
#include "runtime/executor.h"

namespace cb::platform {
namespace {

using testing::Field;
using testing::Node;

constexpr size_t kViewRows = 64;

// A view and its feed over one node's state; Sync() stages and publishes what the batches
// run since the last Sync() changed (each batch the fixture runs is committed already).
struct Viewed {
  explicit Viewed(Node* node, size_t rows = kViewRows)
      : view(rows), feed(&view, &node->shard->state(), &node->service), staged(feed.NewStaged()) {
    feed.Load();
  }
  void Sync() {
    feed.Stage(staged.get());
    feed.Publish(*staged);
  }
  BalanceView view;
  BalanceViewFeed feed;
  std::unique_ptr<runtime::DurableView::Staged> staged;
};

class BalanceReadTest : public testing::PlatformServiceTest {
 protected:
  static std::shared_ptr<PlatformOp> Get(const Principal& who, AccountId id) {
    return Op(who, GetBalancesOp{id, std::nullopt});
  }
  // The view's answer, or "" when it leaves the read to the writer.
  static std::string FromView(const Viewed& v, const PlatformOp& op) {
    std::string body;
    return ReadBalancesFromView(v.view, op, &body) ? body : "";
  }
  // Every ledger row: the view holds what the state holds (up to its size), nothing else.
  static void ExpectViewEqualsState(Node* node, const Viewed& v) {
    const ledger::LedgerState& ledger = node->shard->state();
    for (uint32_t row = 0; row < ledger.account_count(); row++) {
      // Rows past the view's size are not held: the writer answers for them.
      const std::optional<BalanceRow> want =
          row < v.view.rows_max() ? v.feed.RowFromState(row) : std::nullopt;
      BalanceRow got;
      const bool found = v.view.ReadRow(row, &got);
      ASSERT_EQ(found, want.has_value()) << "row " << row;
      if (found) {
        EXPECT_EQ(got, *want) << "row " << row;
      }
    }
  }
  AccountId SettlementOf(Node* node) {
    const ledger::LedgerInfo& info = node->shard->state().ledgers().begin()->second;
    return *node->service.state().SettlementAccount(info.ledger);
  }
};

TEST_F(BalanceReadTest, ViewAnswerIsByteIdenticalToTheWriters) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  Viewed v(node.get());
  const Principal root = Bootstrap(node.get());
  const Principal reader = CreateKey(node.get(), root, Role::kReadOnly);
  const AccountId a = OpenAccount(node.get(), root, CreateCustomer(node.get(), root, "alice"));
  const AccountId b = OpenAccount(node.get(), root, CreateCustomer(node.get(), root, "bob"));
  ASSERT_EQ(Deposit(node.get(), root, a, 100'000).http_status, 201);
  ASSERT_EQ(Transfer(node.get(), root, Spec(a, b, 3'050)).http_status, 201);
  ASSERT_EQ(Transfer(node.get(), root, Spec(a, b, 999, /*pending=*/true)).http_status, 201);
  AccountActionOp freeze{b, AccountAction::kFreeze};
  ASSERT_EQ(Run(node.get(), Op(root, freeze, "freeze-b", "b")).http_status, 200);
  v.Sync();
  for (const Principal& who : {root, reader}) {
    for (AccountId id : {a, b, SettlementOf(node.get())}) {
      const auto op = Get(who, id);
      const std::string fast = FromView(v, *op);
      const runtime::Reply slow = Run(node.get(), op);
      ASSERT_EQ(slow.http_status, 200) << slow.body;
      EXPECT_FALSE(fast.empty());
      EXPECT_EQ(fast, slow.body);
    }
  }
  EXPECT_EQ(Field(FromView(v, *Get(root, a)), "pending_debits"), "9.99");
}

TEST_F(BalanceReadTest, LeavesToTheWriterWhatOnlyTheWriterKnows) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  Viewed v(node.get());
  const Principal root = Bootstrap(node.get());
  const Principal other = CreateTenant(node.get(), root, "other", true);
  const CustomerId alice = CreateCustomer(node.get(), root, "alice");
  const AccountId a = OpenAccount(node.get(), root, alice);
  const AccountId theirs = OpenAccount(node.get(), other, CreateCustomer(node.get(), other, "o"));
  v.Sync();
  ASSERT_FALSE(FromView(v, *Get(root, a)).empty());

  // Another tenant's account: the writer's 404, the same as for a missing one.
  EXPECT_EQ(FromView(v, *Get(root, theirs)), "");
  EXPECT_EQ(Run(node.get(), Get(root, theirs)).http_status, 404);
  const AccountId unknown(RandomU128());
  EXPECT_EQ(FromView(v, *Get(root, unknown)), "");
  EXPECT_EQ(Run(node.get(), Get(root, theirs)).body, Run(node.get(), Get(root, unknown)).body);
  // History.
  EXPECT_EQ(FromView(v, *Op(root, GetBalancesOp{a, now_})), "");
  // A customer's delegated token: its consent is identity state on the writer.
  Principal delegated = root;
  delegated.kind = PrincipalKind::kAccessToken;
  delegated.customer = alice;
  delegated.consent = kernel::ConsentId(1);
  delegated.scopes = kernel::kScopeBalancesRead;
  EXPECT_EQ(FromView(v, *Get(delegated, a)), "");
  // Without balances.read (the edge refuses it first; the writer would say 403 too).
  Principal no_scope = root;
  no_scope.scopes = kernel::kScopeAccountsRead;
  EXPECT_EQ(FromView(v, *Get(no_scope, a)), "");
  // An Idempotency-Key on a read: the writer's envelope would record it.
  EXPECT_EQ(FromView(v, *Op(root, GetBalancesOp{a, std::nullopt}, "key", "get")), "");
}

TEST_F(BalanceReadTest, AccountsPastTheViewsSizeGoToTheWriter) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  Viewed v(node.get(), /*rows=*/2);  // the settlement account and the first customer account
  const Principal root = Bootstrap(node.get());
  const AccountId first = OpenAccount(node.get(), root, CreateCustomer(node.get(), root, "a"));
  const AccountId second = OpenAccount(node.get(), root, CreateCustomer(node.get(), root, "b"));
  v.Sync();
  EXPECT_FALSE(FromView(v, *Get(root, first)).empty());
  EXPECT_EQ(FromView(v, *Get(root, second)), "");
  ExpectViewEqualsState(node.get(), v);  // rows past the view: both sides have none
}

TEST_F(BalanceReadTest, ViewEqualsStateAfterEveryBatch) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  Viewed v(node.get());
  const Principal root = Bootstrap(node.get());
  v.Sync();
  ExpectViewEqualsState(node.get(), v);
  const AccountId a = OpenAccount(node.get(), root, CreateCustomer(node.get(), root, "a"));
  v.Sync();
  ExpectViewEqualsState(node.get(), v);
  const AccountId b = OpenAccount(node.get(), root, CreateCustomer(node.get(), root, "b"));
  ASSERT_EQ(Deposit(node.get(), root, a, 5'000).http_status, 201);
  v.Sync();
  ExpectViewEqualsState(node.get(), v);
  // A linked chain that fails: its first transfer is rolled back, balances unchanged.
  BatchTransfersOp chain;
  chain.items = {Spec(a, b, 1'000), Spec(b, a, 999'999)};
  chain.items[0].linked = true;
  ASSERT_EQ(Run(node.get(), Op(root, chain, "chain", "c")).http_status, 200);
  v.Sync();
  ExpectViewEqualsState(node.get(), v);
  ASSERT_EQ(
      Run(node.get(), Op(root, AccountActionOp{b, AccountAction::kFreeze}, "f", "f")).http_status,
      200);
  v.Sync();
  ExpectViewEqualsState(node.get(), v);
  BalanceRow row;
  ASSERT_TRUE(v.view.Read(b, &row));
  EXPECT_EQ(row.status, AccountStatus::kFrozen);
}

TEST_F(BalanceReadTest, RecoveryRebuildsTheViewFromSnapshotAndReplay) {
  std::vector<BalanceRow> live_rows;
  {
    auto node = Open();
    ASSERT_NE(node, nullptr);
    Viewed v(node.get());
    const Principal root = Bootstrap(node.get());
    const AccountId a = OpenAccount(node.get(), root, CreateCustomer(node.get(), root, "a"));
    const AccountId b = OpenAccount(node.get(), root, CreateCustomer(node.get(), root, "b"));
    ASSERT_EQ(Deposit(node.get(), root, a, 10'000).http_status, 201);
    const runtime::SnapshotJob job = node->shard->CaptureSnapshot();
    ASSERT_TRUE(node->shard->WriteSnapshot(job).ok());
    // After the snapshot: replayed from the journal.
    ASSERT_EQ(Transfer(node.get(), root, Spec(a, b, 2'500)).http_status, 201);
    ASSERT_EQ(Transfer(node.get(), root, Spec(b, a, 100, /*pending=*/true)).http_status, 201);
    const AccountId c = OpenAccount(node.get(), root, CreateCustomer(node.get(), root, "c"));
    ASSERT_EQ(
        Run(node.get(), Op(root, AccountActionOp{c, AccountAction::kFreeze}, "f", "f")).http_status,
        200);
    v.Sync();
    for (uint32_t row = 0; row < node->shard->state().account_count(); row++) {
      BalanceRow r;
      ASSERT_TRUE(v.view.ReadRow(row, &r));
      live_rows.push_back(r);
    }
  }
  auto node = Open();
  ASSERT_NE(node, nullptr);
  EXPECT_FALSE(node->info.snapshot_used.empty());
  EXPECT_GT(node->info.events_replayed, 0u);
  Viewed recovered(node.get());
  ASSERT_EQ(node->shard->state().account_count(), live_rows.size());
  for (uint32_t row = 0; row < live_rows.size(); row++) {
    BalanceRow r;
    ASSERT_TRUE(recovered.view.ReadRow(row, &r));
    EXPECT_EQ(r, live_rows[row]) << "row " << row;
  }
  ExpectViewEqualsState(node.get(), recovered);
}

// Readers hammer the view while an executor commits linked pairs of transfers (a -> b, then
// b -> a, the same amount near 2^64 so both words of every u128 change): after any whole
// batch each account's credits - debits is exactly its deposit, so a torn or half-applied
// row shows up as a different net. And in each transfer's reply (released after its batch
// is durable) the view already holds at least that many pairs: read-your-writes.
TEST_F(BalanceReadTest, ReadersNeverSeeTornBalancesWhileTheWriterCommits) {
  constexpr int kPairs = 4;
  constexpr int kCommandsPerPair = 400;
  constexpr u128 kAmount = (u128{1} << 64) - 7;
  constexpr u128 kDeposit = u128{1} << 66;
  auto node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  std::vector<AccountId> from, to;
  for (int i = 0; i < kPairs; i++) {
    // Distinct names: the fixture keys each creation by name (a repeat would be a replay).
    const std::string n = std::to_string(i);
    from.push_back(OpenAccount(node.get(), root, CreateCustomer(node.get(), root, "f" + n)));
    to.push_back(OpenAccount(node.get(), root, CreateCustomer(node.get(), root, "t" + n)));
    ASSERT_EQ(Deposit(node.get(), root, from[i], kDeposit).http_status, 201);
    ASSERT_EQ(Deposit(node.get(), root, to[i], kDeposit).http_status, 201);
  }
  Viewed v(node.get());
  runtime::ExecutorOptions eopts;
  eopts.view = &v.feed;
  runtime::Executor executor(node->shard.get(), eopts);
  executor.Start();

  std::atomic<bool> done{false};
  std::atomic<uint64_t> reads{0}, torn{0}, backwards{0}, stale_after_reply{0}, failed{0};
  auto reader = [&] {
    std::vector<u128> last(kPairs, 0);
    while (!done.load(std::memory_order_relaxed)) {
      for (int i = 0; i < kPairs; i++) {
        for (AccountId id : {from[i], to[i]}) {
          BalanceRow r;
          if (!v.view.Read(id, &r)) continue;
          reads.fetch_add(1, std::memory_order_relaxed);
          const ledger::Balances& b = r.balances;
          if (b.credits_posted - b.debits_posted != kDeposit || b.debits_pending != 0) {
            torn.fetch_add(1);
          }
          if (id == from[i]) {
            if (b.debits_posted < last[i]) backwards.fetch_add(1);
            last[i] = b.debits_posted;
          }
        }
      }
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; i++) readers.emplace_back(reader);

  // The point is reads *during* commits: on a loaded machine (ctest -j2 beside the
  // simulator) the readers may not have been scheduled yet, so commits start once they read.
  for (int waited_ms = 0; waited_ms < 10'000 && reads.load() == 0; waited_ms++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::mutex mu;
  std::condition_variable cv;
  int outstanding = 0;
  std::vector<std::atomic<uint64_t>> acked(kPairs);
  for (int n = 0; n < kCommandsPerPair; n++) {
    for (int i = 0; i < kPairs; i++) {
      BatchTransfersOp pair;
      pair.items = {Spec(from[i], to[i], kAmount), Spec(to[i], from[i], kAmount)};
      pair.items[0].linked = true;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return outstanding < 32; });  // a window, so batches group
        outstanding++;
      }
      const Status st =
          executor.Submit(runtime::ServiceCmd{Op(root, pair)}, [&, i](runtime::Reply&& reply) {
            if (!reply.status.ok() || reply.http_status != 200 ||
                testing::Contains(reply.body, "\"status\":\"failed\"")) {
              failed.fetch_add(1);
            }
            const uint64_t k = acked[i].fetch_add(1) + 1;
            BalanceRow r;
            if (!v.view.Read(from[i], &r) || r.balances.debits_posted < k * kAmount) {
              stale_after_reply.fetch_add(1);
            }
            std::lock_guard<std::mutex> lock(mu);
            outstanding--;
            cv.notify_all();
          });
      ASSERT_TRUE(st.ok()) << st.ToString();
    }
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return outstanding == 0; });
  }
  done.store(true);
  for (std::thread& t : readers) t.join();
  executor.Stop();
  EXPECT_EQ(failed.load(), 0u);
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_EQ(backwards.load(), 0u);
  EXPECT_EQ(stale_after_reply.load(), 0u);
  EXPECT_GT(reads.load(), 0u);
  for (int i = 0; i < kPairs; i++) {
    BalanceRow r;
    ASSERT_TRUE(v.view.Read(from[i], &r));
    EXPECT_EQ(r.balances.debits_posted, kAmount * kCommandsPerPair);
  }
  ExpectViewEqualsState(node.get(), v);
}

}  // namespace
}  // namespace cb::platform
