#include "runtime/timers.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "base/temp_dir.h"
#include "journal/sim_disk.h"
#include "runtime/executor.h"
#include "runtime/service_set.h"
#include "runtime/shard.h"
#include "runtime/test_tick_service.h"

namespace cb::runtime {
namespace {

using testing::kTickServiceId;
using testing::TickCancelOp;
using testing::TickScheduleOp;
using testing::TickService;

constexpr TimestampNs kT0 = 1'700'000'000ull * kNsPerSecond;
constexpr TimestampNs kSecond = kNsPerSecond;

// A shard running the tick service through a ServiceSet (the kernel's home), over `disk`.
struct Node {
  TickService tick;
  ServiceSet services;
  std::unique_ptr<Shard> shard;
  RecoveryInfo info;

  Node(Disk* disk, const std::string& dir) {
    services.Add(kTickServiceId, &tick, testing::kTickFired, testing::kTickEventLast);
    ShardOptions o;
    o.data_dir = dir;
    o.segment_bytes = 1u << 20;
    o.service = &services;
    auto s = Shard::Open(disk, o, &info);
    CB_CHECK(s.ok());
    shard = std::move(*s);
  }

  // One batch at `now` with `ops`; committed unless `commit` is false. Replies per op.
  std::vector<Reply> Run(TimestampNs now, std::vector<std::shared_ptr<const ServiceOp>> ops,
                         bool commit = true) {
    std::vector<Command> commands;
    for (auto& op : ops) commands.push_back(ServiceCmd{op});
    std::vector<const Command*> ptrs;
    for (const Command& c : commands) ptrs.push_back(&c);
    PreparedBatch batch;
    std::vector<Reply> replies;
    shard->ExecuteBatch(ptrs, now, &batch, &replies);
    if (commit) {
      PreparedBatch* const batches[] = {&batch};
      CB_CHECK(shard->Commit(batches).ok());
    }
    return replies;
  }
};

std::shared_ptr<const ServiceOp> Schedule(std::string key, TimestampNs when,
                                          std::string payload = "") {
  auto op = std::make_shared<TickScheduleOp>();
  op->key = std::move(key);
  op->when = when;
  op->payload = std::move(payload);
  return op;
}

std::shared_ptr<const ServiceOp> Cancel(std::string key) {
  auto op = std::make_shared<TickCancelOp>();
  op->key = std::move(key);
  return op;
}

std::vector<std::string> Keys(const TickService& s) {
  std::vector<std::string> out;
  for (const auto& f : s.fired()) out.push_back(f.key);
  return out;
}

class TimersTest : public ::testing::Test {
 protected:
  std::string Dir() { return JoinPath(tmp_.path(), "data"); }
  std::unique_ptr<Node> Open() { return std::make_unique<Node>(disk_.get(), Dir()); }

  std::unique_ptr<Disk> disk_ = NewPosixDisk();
  TempDir tmp_;
};

TEST_F(TimersTest, TimerFiresOnceAtOrAfterItsInstantOnTheBatchClock) {
  auto node = Open();
  node->Run(kT0, {Schedule("a", kT0 + 10 * kSecond, "p")});
  EXPECT_EQ(node->shard->NextDue(), kT0 + 10 * kSecond);
  node->Run(kT0 + 9 * kSecond, {});
  EXPECT_TRUE(node->tick.fired().empty());
  node->Run(kT0 + 10 * kSecond, {});
  ASSERT_EQ(node->tick.fired().size(), 1u);
  EXPECT_EQ(node->tick.fired()[0].payload, "p");
  EXPECT_GE(node->tick.fired()[0].batch_timestamp, kT0 + 10 * kSecond);
  EXPECT_FALSE(node->shard->NextDue().has_value());
  node->Run(kT0 + 20 * kSecond, {});
  EXPECT_EQ(node->tick.fired().size(), 1u);
}

TEST_F(TimersTest, DueTimersFireByInstantThenBySchedulingOrder) {
  auto node = Open();
  node->Run(kT0, {Schedule("b", kT0 + 20 * kSecond), Schedule("a", kT0 + 10 * kSecond),
                  Schedule("c", kT0 + 10 * kSecond)});
  node->Run(kT0 + 30 * kSecond, {});
  EXPECT_EQ(Keys(node->tick), (std::vector<std::string>{"a", "c", "b"}));
}

TEST_F(TimersTest, CancelledTimerNeverFiresAndUnknownKeysAreRefused) {
  auto node = Open();
  node->Run(kT0, {Schedule("a", kT0 + kSecond), Schedule("b", kT0 + kSecond)});
  const uint64_t seq_before = node->shard->seq_next();
  auto replies = node->Run(kT0 + 1, {Cancel("a"), Cancel("nope")});
  EXPECT_EQ(replies[0].http_status, 200);
  EXPECT_EQ(replies[1].http_status, 404);
  EXPECT_EQ(node->shard->seq_next(), seq_before + 1);  // one TimerCancelled, nothing for nope
  node->Run(kT0 + 2 * kSecond, {});
  EXPECT_EQ(Keys(node->tick), (std::vector<std::string>{"b"}));
}

TEST_F(TimersTest, SchedulingAKeyAgainReplacesItsInstantAndPayload) {
  auto node = Open();
  node->Run(kT0, {Schedule("a", kT0 + kSecond, "old")});
  node->Run(kT0 + 1, {Schedule("a", kT0 + 5 * kSecond, "new")});
  node->Run(kT0 + 2 * kSecond, {});
  EXPECT_TRUE(node->tick.fired().empty());
  node->Run(kT0 + 5 * kSecond, {});
  ASSERT_EQ(node->tick.fired().size(), 1u);
  EXPECT_EQ(node->tick.fired()[0].payload, "new");
}

TEST_F(TimersTest, KeysAndPayloadsOverTheirLimitsAreRefusedWithoutAnEvent) {
  auto node = Open();
  const uint64_t seq_before = node->shard->seq_next();
  auto replies = node->Run(
      kT0, {Schedule(std::string(TimerTable::kKeyBytesMax + 1, 'k'), kT0), Schedule("", kT0),
            Schedule("k", kT0, std::string(TimerTable::kPayloadBytesMax + 1, 'p'))});
  for (const Reply& r : replies) EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(node->shard->seq_next(), seq_before);
}

TEST_F(TimersTest, ARestartKeepsPendingTimersAndNeverRepeatsAFiring) {
  std::vector<TickService::Firing> live;
  {
    auto node = Open();
    node->Run(kT0, {Schedule("early", kT0 + kSecond, "1"), Schedule("late", kT0 + 60 * kSecond)});
    node->Run(kT0 + 2 * kSecond, {});
    live = node->tick.fired();
    ASSERT_EQ(live.size(), 1u);
  }
  {
    auto node = Open();  // replay
    EXPECT_EQ(node->tick.fired(), live);
    EXPECT_EQ(node->shard->NextDue(), kT0 + 60 * kSecond);
    node->Run(kT0 + 3 * kSecond, {});
    EXPECT_EQ(node->tick.fired().size(), 1u);  // "early" stays fired
    node->Run(kT0 + 61 * kSecond, {});
    EXPECT_EQ(Keys(node->tick), (std::vector<std::string>{"early", "late"}));
    live = node->tick.fired();
  }
  auto node = Open();
  EXPECT_EQ(node->tick.fired(), live);
  EXPECT_FALSE(node->shard->NextDue().has_value());
}

TEST_F(TimersTest, SnapshotCarriesTheTimerTable) {
  {
    auto node = Open();
    node->Run(kT0, {Schedule("x", kT0 + 5 * kSecond, "px"), Schedule("y", kT0 + 7 * kSecond),
                    Schedule("z", kT0 + 5 * kSecond, "pz")});
    ASSERT_TRUE(node->shard->WriteSnapshot(node->shard->CaptureSnapshot()).ok());
  }
  auto node = Open();
  EXPECT_FALSE(node->info.snapshot_used.empty());
  EXPECT_EQ(node->info.events_replayed, 0u);
  node->Run(kT0 + 10 * kSecond, {});
  EXPECT_EQ(Keys(node->tick), (std::vector<std::string>{"x", "z", "y"}));
  EXPECT_EQ(node->tick.fired()[0].payload, "px");
}

// The services' section is decoded only after the whole body's CRC held: a damaged snapshot
// never reaches a service decoder, and recovery falls back to a full replay.
TEST_F(TimersTest, ADamagedServiceSectionNeverReachesAServiceDecoder) {
  {
    auto node = Open();
    node->Run(kT0, {Schedule("x", kT0 + 5 * kSecond, "px"), Schedule("y", kT0 + 7 * kSecond)});
    ASSERT_TRUE(node->shard->WriteSnapshot(node->shard->CaptureSnapshot()).ok());
  }
  std::vector<std::string> snapshots;
  for (const auto& e : std::filesystem::directory_iterator(JoinPath(Dir(), "snapshots"))) {
    snapshots.push_back(e.path().string());
  }
  ASSERT_EQ(snapshots.size(), 1u);
  {
    // Header (128 bytes), the section's size (8), then the section: damage its last byte.
    std::fstream f(snapshots[0], std::ios::in | std::ios::out | std::ios::binary);
    uint64_t size = 0;
    f.seekg(128);
    f.read(reinterpret_cast<char*>(&size), sizeof(size));
    ASSERT_GT(size, 0u);
    const std::streamoff at = static_cast<std::streamoff>(128 + 8 + size - 1);
    char b = 0;
    f.seekg(at);
    f.read(&b, 1);
    b = static_cast<char>(b ^ 0x01);
    f.seekp(at);
    f.write(&b, 1);
  }
  auto node = Open();
  EXPECT_TRUE(node->info.snapshot_used.empty());
  ASSERT_EQ(node->info.snapshots_rejected.size(), 1u);
  EXPECT_EQ(node->tick.load_snapshot_calls(), 0u);
  node->Run(kT0 + 10 * kSecond, {});  // the full replay kept both timers
  EXPECT_EQ(Keys(node->tick), (std::vector<std::string>{"x", "y"}));
}

TEST_F(TimersTest, ATimerRescheduledByItsOwnFiringFiresOncePerPeriodAndCatchesUp) {
  auto node = Open();
  node->Run(kT0, {Schedule("tick", kT0 + 10 * kSecond, "again:" + std::to_string(10 * kSecond))});
  node->Run(kT0 + 15 * kSecond, {});
  EXPECT_EQ(node->tick.fired().size(), 1u);
  EXPECT_EQ(node->shard->NextDue(), kT0 + 20 * kSecond);
  // Idle for a while (a restart, a quiet night): the periods missed fire in the next batch,
  // each once, and the one after is in the future again.
  node->Run(kT0 + 45 * kSecond, {});
  EXPECT_EQ(node->tick.fired().size(), 4u);  // 10, 20, 30, 40
  EXPECT_EQ(node->shard->NextDue(), kT0 + 50 * kSecond);
}

TEST_F(TimersTest, ABatchFiresABoundedNumberAndTheRestFireInTheNext) {
  auto node = Open();
  std::vector<std::shared_ptr<const ServiceOp>> ops;
  const size_t n = TimerTable::kFiredPerBatchMax + 100;
  for (size_t i = 0; i < n; i++) ops.push_back(Schedule("t" + std::to_string(i), kT0 + kSecond));
  node->Run(kT0, ops);
  node->Run(kT0 + kSecond, {});
  EXPECT_EQ(node->tick.fired().size(), TimerTable::kFiredPerBatchMax);
  EXPECT_EQ(node->shard->NextDue(), kT0 + kSecond);  // still due: the executor comes back
  node->Run(kT0 + kSecond + 1, {});
  EXPECT_EQ(node->tick.fired().size(), n);
}

TEST(TimerTableTest, OneServiceCannotTakeEveryTimer) {
  TimerTable table(/*timers_per_service_max=*/2);
  journal::RecordBuilder out;
  EXPECT_TRUE(table.Schedule(1, "a", kT0, "", 1, &out).ok());
  EXPECT_TRUE(table.Schedule(1, "b", kT0, "", 2, &out).ok());
  EXPECT_EQ(table.Schedule(1, "c", kT0, "", 3, &out).code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(table.Schedule(1, "a", kT0 + 1, "", 4, &out).ok());  // a reschedule is not new
  EXPECT_TRUE(table.Schedule(2, "c", kT0, "", 5, &out).ok());      // another service's share
  EXPECT_TRUE(table.Cancel(1, "b", &out));
  EXPECT_TRUE(table.Schedule(1, "c", kT0, "", 6, &out).ok());  // room again
  EXPECT_EQ(out.event_count(), 6u);                            // refusals emit nothing
}

// Power loss after a batch fired a timer but before it was durable: recovery still holds the
// timer, fires it again, and the journal ends with exactly one firing.
TEST(TimersSimTest, AFiringLostBeforeItWasDurableFiresAgainExactlyOnce) {
  SimDisk disk(42, SimDiskFaults{});
  const std::string dir = "/sim/data";
  {
    Node node(&disk, dir);
    node.Run(kT0, {Schedule("a", kT0 + kSecond, "p")});
    node.Run(kT0 + 2 * kSecond, {}, /*commit=*/false);  // fired in memory only
    ASSERT_EQ(node.tick.fired().size(), 1u);
  }
  disk.Crash();
  {
    Node node(&disk, dir);
    EXPECT_TRUE(node.tick.fired().empty());
    ASSERT_EQ(node.shard->NextDue(), kT0 + kSecond);
    node.Run(kT0 + 3 * kSecond, {});
    ASSERT_EQ(node.tick.fired().size(), 1u);
  }
  disk.Crash();  // everything committed was synced: nothing is lost now
  Node node(&disk, dir);
  ASSERT_EQ(node.tick.fired().size(), 1u);
  EXPECT_EQ(node.tick.fired()[0].payload, "p");
  EXPECT_FALSE(node.shard->NextDue().has_value());
}

// A journal holding a timer of a service this binary does not run (a module removed or
// renumbered) fails recovery with a reason, instead of crashing the writer when it is due.
TEST_F(TimersTest, RecoveryRefusesATimerOfAServiceThatIsNotRegistered) {
  {
    auto node = Open();
    node->Run(kT0, {Schedule("a", kT0 + kSecond)});
  }
  ServiceSet without_tick;
  ShardOptions o;
  o.data_dir = Dir();
  o.segment_bytes = 1u << 20;
  o.service = &without_tick;
  RecoveryInfo info;
  auto shard = Shard::Open(disk_.get(), o, &info);
  ASSERT_FALSE(shard.ok());
  EXPECT_NE(shard.status().message().find("not registered"), std::string::npos)
      << shard.status().ToString();
}

// The executor's idle writer wakes for a due timer; no command is needed to fire it.
TEST_F(TimersTest, TheExecutorFiresADueTimerWithoutAnyCommand) {
  auto node = Open();
  Executor executor(node->shard.get(), ExecutorOptions{});
  executor.Start();
  auto submit = [&executor](std::shared_ptr<const ServiceOp> op) {
    auto done = std::make_shared<std::promise<Reply>>();
    auto f = done->get_future();
    CB_CHECK(
        executor
            .Submit(ServiceCmd{std::move(op)}, [done](Reply&& r) { done->set_value(std::move(r)); })
            .ok());
    return f.get();
  };
  SystemClock clock;
  EXPECT_EQ(submit(Schedule("soon", clock.NowNs() + 200'000'000)).http_status, 200);
  const uint64_t events_before = executor.stats().events_committed.load();
  // Wait for the firing to be committed (the TimerFired and the tick event), up to 10 s.
  for (int i = 0; i < 1000 && executor.stats().events_committed.load() < events_before + 2; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(executor.stats().events_committed.load(), events_before + 2);
  EXPECT_EQ(submit(Cancel("absent")).http_status, 404);
  // Read on the writer (the pipelined writer may run another batch meanwhile).
  const Reply state = submit(std::make_shared<testing::TickReadOp>());
  EXPECT_EQ(std::any_cast<testing::TickState>(state.service_result).fired,
            (std::vector<std::string>{"soon"}));
  executor.Stop();
}

}  // namespace
}  // namespace cb::runtime
