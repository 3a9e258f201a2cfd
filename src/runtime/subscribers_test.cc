#include "runtime/subscribers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/temp_dir.h"
#include "journal/reader.h"
#include "runtime/executor.h"
#include "runtime/service_set.h"
#include "runtime/shard.h"
#include "runtime/test_tick_service.h"

namespace cb::runtime {
namespace {

using testing::kTickFired;
using testing::kTickServiceId;
using testing::TickNoteOp;
using testing::TickScheduleOp;
using testing::TickService;
using NoteSeqs = testing::NoteFiredSeqs;

struct Node {
  TickService tick;
  ServiceSet services;
  std::unique_ptr<Shard> shard;
  std::unique_ptr<Executor> executor;
  std::unique_ptr<journal::JournalReader> reader;

  Node(Disk* disk, const std::string& dir) {
    services.Add(kTickServiceId, &tick, testing::kTickFired, testing::kTickEventLast);
    ShardOptions o;
    o.data_dir = dir;
    o.segment_bytes = 1u << 20;
    o.service = &services;
    RecoveryInfo info;
    auto s = Shard::Open(disk, o, &info);
    CB_CHECK(s.ok());
    shard = std::move(*s);
    executor = std::make_unique<Executor>(shard.get(), ExecutorOptions{});
    executor->Start();
    reader = std::make_unique<journal::JournalReader>(disk, JournalDir(dir));
  }
  ~Node() { executor->Stop(); }

  Reply Submit(std::shared_ptr<const ServiceOp> op) {
    auto done = std::make_shared<std::promise<Reply>>();
    auto f = done->get_future();
    CB_CHECK(executor
                 ->Submit(ServiceCmd{std::move(op)},
                          [done](Reply&& r) { done->set_value(std::move(r)); })
                 .ok());
    return f.get();
  }

  // `n` timers due at once: each fires in a following batch as one kTickFired event.
  void FireTimers(const std::string& prefix, size_t n) {
    for (size_t i = 0; i < n; i++) {
      auto op = std::make_shared<TickScheduleOp>();
      op->key = prefix + std::to_string(i);
      op->when = 1;  // long past
      EXPECT_EQ(Submit(op).http_status, 200);
    }
  }

  // Waits (up to 10 s) until the tick service holds `n` notes.
  std::vector<uint64_t> WaitNotes(size_t n) {
    std::vector<uint64_t> notes;
    for (int i = 0; i < 1000; i++) {
      // Read on the writer: the pipelined writer may be running the next batch meanwhile.
      Reply r = Submit(std::make_shared<testing::TickReadOp>());
      notes = std::any_cast<testing::TickState>(r.service_result).notes;
      if (notes.size() >= n) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return notes;
  }

  void WaitFired(size_t n) {
    for (int i = 0; i < 1000 && FiredSeqs().size() < n; i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // The seqs of every kTickFired event in the journal, in order.
  std::vector<uint64_t> FiredSeqs() {
    std::vector<uint64_t> seqs;
    const uint64_t durable = executor->stats().durable_seq_next.load();
    CB_CHECK(reader
                 ->Read(1, durable,
                        [&](const journal::RecordHeader& h, std::span<const uint8_t> bytes) {
                          journal::EventIterator it(bytes);
                          journal::EventView ev;
                          for (uint64_t seq = h.seq_first; it.Next(&ev); seq++) {
                            if (ev.type == kTickFired) seqs.push_back(seq);
                          }
                          return true;
                        })
                 .ok());
    return seqs;
  }
};

class SubscribersTest : public ::testing::Test {
 protected:
  std::string Dir() { return JoinPath(tmp_.path(), "data"); }
  std::unique_ptr<Disk> disk_ = NewPosixDisk();
  TempDir tmp_;
};

TEST_F(SubscribersTest, ASubscriberSeesEveryWantedCommittedEventOnceInJournalOrder) {
  Node node(disk_.get(), Dir());
  NoteSeqs sub;
  SubscriberOptions o;
  o.from_beginning = true;
  o.events_per_handle_max = 7;  // many commits
  SubscriberRunner runner(node.executor.get(), node.reader.get(), &sub, o);
  runner.Start();
  node.FireTimers("t", 60);
  const std::vector<uint64_t> notes = node.WaitNotes(60);
  runner.Stop();
  EXPECT_EQ(notes, node.FiredSeqs());
  EXPECT_EQ(sub.handled(), 60u);
  EXPECT_GE(runner.commits(), 60u / 7);
}

// Notes every fifth firing it is handed: most Handle calls answer no ops.
class EveryFifth final : public Subscriber {
 public:
  std::string_view name() const override { return "every-fifth"; }
  bool Wants(uint16_t type) const override { return type == kTickFired; }
  std::vector<std::shared_ptr<const ServiceOp>> Handle(
      std::span<const CommittedEvent> events) override {
    std::vector<std::shared_ptr<const ServiceOp>> ops;
    for (const CommittedEvent& e : events) {
      if (++handled_ % 5 != 0) continue;
      auto op = std::make_shared<TickNoteOp>();
      op->value = e.seq;
      ops.push_back(std::move(op));
    }
    return ops;
  }
  std::atomic<uint64_t> handled_{0};
};

TEST_F(SubscribersTest, WithoutCommitsForNoOpsOnlyHandlesWithOpsCommit) {
  Node node(disk_.get(), Dir());
  EveryFifth sub;
  SubscriberOptions o;
  o.from_beginning = true;
  o.events_per_handle_max = 1;  // one event a Handle: a commit each, unless told otherwise
  o.commit_without_ops = false;
  SubscriberRunner runner(node.executor.get(), node.reader.get(), &sub, o);
  runner.Start();
  node.FireTimers("t", 50);
  const std::vector<uint64_t> notes = node.WaitNotes(10);
  runner.Stop();
  const std::vector<uint64_t> fired = node.FiredSeqs();
  ASSERT_EQ(fired.size(), 50u);
  ASSERT_EQ(notes.size(), 10u);
  for (size_t i = 0; i < notes.size(); i++) EXPECT_EQ(notes[i], fired[i * 5 + 4]);
  // Its start, and one per Handle that answered ops: not one per event.
  EXPECT_LE(runner.commits(), 11u);
  EXPECT_EQ(sub.handled_.load(), 50u);
}

TEST_F(SubscribersTest, AfterARestartItResumesAtItsDurableCursorWithoutGapsOrRepeats) {
  {
    Node node(disk_.get(), Dir());
    NoteSeqs sub;
    SubscriberOptions o;
    o.from_beginning = true;
    o.events_per_handle_max = 5;
    SubscriberRunner runner(node.executor.get(), node.reader.get(), &sub, o);
    runner.Start();
    node.FireTimers("a", 40);
    node.WaitNotes(10);
    runner.Stop();  // somewhere in the middle
    node.FireTimers("b", 40);
  }
  Node node(disk_.get(), Dir());  // recovery by replay: cursor and notes from the journal
  const size_t noted_before = node.WaitNotes(0).size();
  EXPECT_GE(noted_before, 10u);
  EXPECT_LT(noted_before, 80u);
  NoteSeqs sub;
  SubscriberRunner runner(node.executor.get(), node.reader.get(), &sub);
  runner.Start();
  const std::vector<uint64_t> notes = node.WaitNotes(80);
  runner.Stop();
  EXPECT_EQ(notes, node.FiredSeqs());  // every firing once, in order, across the restart
  EXPECT_EQ(sub.handled(), 80u - noted_before);
}

TEST_F(SubscribersTest, WithOverlappedCommitsEveryWantedEventIsHandledOnceInJournalOrder) {
  Node node(disk_.get(), Dir());
  NoteSeqs sub;
  SubscriberOptions o;
  o.from_beginning = true;
  o.events_per_handle_max = 3;  // many commits, each in flight behind a Handle
  o.overlap_commit = true;
  SubscriberRunner runner(node.executor.get(), node.reader.get(), &sub, o);
  runner.Start();
  node.FireTimers("t", 60);
  const std::vector<uint64_t> notes = node.WaitNotes(60);
  runner.Stop();
  EXPECT_EQ(notes, node.FiredSeqs());
  EXPECT_EQ(sub.handled(), 60u);
  EXPECT_GE(runner.commits(), 60u / 3);
  // Stop waited for the commit in flight: the cursor is past the last firing.
  EXPECT_GT(runner.cursor(), node.FiredSeqs().back());
}

TEST_F(SubscribersTest, WithOverlappedCommitsARestartResumesWithoutGapsOrRepeats) {
  SubscriberOptions o;
  o.from_beginning = true;
  o.events_per_handle_max = 4;
  o.overlap_commit = true;
  {
    Node node(disk_.get(), Dir());
    NoteSeqs sub;
    SubscriberRunner runner(node.executor.get(), node.reader.get(), &sub, o);
    runner.Start();
    node.FireTimers("a", 40);
    node.WaitNotes(10);
    runner.Stop();  // somewhere in the middle, maybe with a commit in flight
    node.FireTimers("b", 40);
  }
  Node node(disk_.get(), Dir());
  const size_t noted_before = node.WaitNotes(0).size();
  EXPECT_GE(noted_before, 10u);
  NoteSeqs sub;
  SubscriberRunner runner(node.executor.get(), node.reader.get(), &sub, o);
  runner.Start();
  const std::vector<uint64_t> notes = node.WaitNotes(80);
  runner.Stop();
  EXPECT_EQ(notes, node.FiredSeqs());
  EXPECT_EQ(sub.handled(), 80u - noted_before);
}

// Two runners of one name: each commit of one makes the other's in-flight commit Aborted;
// a Handle that ran behind a refused commit is dropped, never committed out of order.
TEST_F(SubscribersTest, WithOverlappedCommitsTwoRunnersOfOneNameStillNoteEachFiringOnce) {
  // Notes what it is handed; may be handed an event again after a refused commit.
  class Twin final : public Subscriber {
   public:
    std::string_view name() const override { return "twin"; }
    bool Wants(uint16_t type) const override { return type == kTickFired; }
    std::vector<std::shared_ptr<const ServiceOp>> Handle(
        std::span<const CommittedEvent> events) override {
      std::vector<std::shared_ptr<const ServiceOp>> ops;
      for (const CommittedEvent& e : events) {
        auto op = std::make_shared<TickNoteOp>();
        op->value = e.seq;
        ops.push_back(std::move(op));
      }
      return ops;
    }
  };
  Node node(disk_.get(), Dir());
  Twin first;
  Twin second;
  SubscriberOptions o;
  o.from_beginning = true;
  o.events_per_handle_max = 2;
  o.overlap_commit = true;
  SubscriberRunner a(node.executor.get(), node.reader.get(), &first, o);
  SubscriberRunner b(node.executor.get(), node.reader.get(), &second, o);
  a.Start();
  b.Start();
  node.FireTimers("t", 60);
  const std::vector<uint64_t> notes = node.WaitNotes(60);
  a.Stop();
  b.Stop();
  EXPECT_EQ(notes, node.FiredSeqs());
}

TEST_F(SubscribersTest, ANewSubscriberStartsAtTheDurableEndUnlessAskedForTheBeginning) {
  Node node(disk_.get(), Dir());
  node.FireTimers("old", 5);
  node.WaitFired(5);
  const uint64_t fired_before = node.FiredSeqs().size();
  ASSERT_EQ(fired_before, 5u);
  NoteSeqs sub("late");
  SubscriberRunner runner(node.executor.get(), node.reader.get(), &sub);
  runner.Start();
  for (int i = 0; i < 500 && runner.cursor() == 0; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(runner.cursor(), 0u);
  node.FireTimers("new", 3);
  const std::vector<uint64_t> notes = node.WaitNotes(3);
  runner.Stop();
  const std::vector<uint64_t> fired = node.FiredSeqs();
  EXPECT_EQ(notes, std::vector<uint64_t>(fired.begin() + 5, fired.end()));
}

TEST_F(SubscribersTest, ACommitWhoseCursorMovedRunsNothing) {
  Node node(disk_.get(), Dir());
  node.FireTimers("t", 6);  // events for the cursor to move over
  node.WaitFired(6);
  auto commit = [&](uint64_t from, uint64_t to, uint64_t note) {
    auto op = std::make_shared<SubscriberCommitOp>();
    op->name = "dup";
    op->from = from;
    op->to = to;
    auto n = std::make_shared<TickNoteOp>();
    n->value = note;
    op->ops.push_back(n);
    return node.Submit(op);
  };
  Reply first = commit(0, 5, 111);
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  Reply again = commit(0, 5, 111);  // its answer was "lost" and it came again
  EXPECT_EQ(again.status.code(), StatusCode::kAborted);
  const auto* result = std::any_cast<SubscriberCommitResult>(&again.service_result);
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->cursor, 5u);
  Reply next = commit(5, 9, 222);
  EXPECT_TRUE(next.status.ok());
  EXPECT_EQ(node.WaitNotes(2), (std::vector<uint64_t>{111, 222}));
}

TEST_F(SubscribersTest, ADeletedCursorIsGoneAfterRecoveryAndItsNameStartsAgain) {
  auto read = [](Node& node, const std::string& name) {
    auto op = std::make_shared<CursorReadOp>();
    op->name = name;
    return std::any_cast<uint64_t>(node.Submit(op).service_result);
  };
  auto del = [](Node& node, const std::string& name) {
    auto op = std::make_shared<CursorDeleteOp>();
    op->name = name;
    return node.Submit(op);
  };
  {
    Node node(disk_.get(), Dir());
    node.FireTimers("t", 4);
    node.WaitFired(4);
    for (const char* name : {"keep", "retire"}) {
      auto op = std::make_shared<SubscriberCommitOp>();
      op->name = name;
      op->to = 3;
      ASSERT_TRUE(node.Submit(op).status.ok());
    }
    Reply r = del(node, "retire");
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(std::any_cast<uint64_t>(r.service_result), 3u);  // where it was
    EXPECT_EQ(read(node, "retire"), 0u);
    EXPECT_EQ(del(node, "retire").status.code(), StatusCode::kNotFound);  // changes nothing
    EXPECT_EQ(del(node, "never").status.code(), StatusCode::kNotFound);
  }
  Node again(disk_.get(), Dir());  // replay forgets it too
  EXPECT_EQ(read(again, "retire"), 0u);
  EXPECT_EQ(read(again, "keep"), 3u);
  auto restart = std::make_shared<SubscriberCommitOp>();  // the name starts from none
  restart->name = "retire";
  restart->from = 0;
  restart->to = 2;
  EXPECT_TRUE(again.Submit(restart).status.ok());
  EXPECT_EQ(read(again, "retire"), 2u);
}

TEST_F(SubscribersTest, ACommitOfOpsForNoServiceOrPastTheJournalEndIsRefusedWhole) {
  Node node(disk_.get(), Dir());
  struct Stray final : ServiceOp {
    uint32_t service_id() const override { return 4242; }
  };
  auto commit = std::make_shared<SubscriberCommitOp>();
  commit->name = "stray";
  commit->from = 0;
  commit->to = 1;
  auto note = std::make_shared<TickNoteOp>();
  note->value = 7;
  commit->ops = {note, std::make_shared<Stray>()};
  Reply r = node.Submit(commit);
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  auto past = std::make_shared<SubscriberCommitOp>();
  past->name = "past";
  past->to = 1'000'000;
  EXPECT_EQ(node.Submit(past).status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(node.WaitNotes(0).empty());  // the note before the stray op never ran
}

// A subscriber whose results can never commit stops (parked, logged) instead of retrying
// forever or crashing the writer.
TEST_F(SubscribersTest, ASubscriberWhoseOpsAreRefusedIsParked) {
  class Broken final : public Subscriber {
   public:
    std::string_view name() const override { return "broken"; }
    bool Wants(uint16_t type) const override { return type == kTickFired; }
    std::vector<std::shared_ptr<const ServiceOp>> Handle(std::span<const CommittedEvent>) override {
      struct Stray final : ServiceOp {
        uint32_t service_id() const override { return 4242; }
      };
      return {std::make_shared<Stray>()};
    }
  } broken;
  Node node(disk_.get(), Dir());
  SubscriberOptions o;
  o.from_beginning = true;
  SubscriberRunner runner(node.executor.get(), node.reader.get(), &broken, o);
  runner.Start();
  node.FireTimers("x", 1);
  for (int i = 0; i < 1000 && !runner.parked(); i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(runner.parked());
  EXPECT_TRUE(node.executor->healthy());
  runner.Stop();
}

TEST_F(SubscribersTest, KernelEventsAreNeverDelivered) {
  class All final : public Subscriber {
   public:
    std::string_view name() const override { return "all"; }
    bool Wants(uint16_t) const override { return true; }
    std::vector<std::shared_ptr<const ServiceOp>> Handle(
        std::span<const CommittedEvent> events) override {
      for (const auto& e : events) {
        EXPECT_FALSE(e.type >= kKernelEventTypeFirst && e.type < kServiceEventTypeFirst);
        if (e.type == kTickFired) fired_++;
      }
      return {};
    }
    std::atomic<int> fired_{0};
  } all;
  Node node(disk_.get(), Dir());
  SubscriberOptions o;
  o.from_beginning = true;
  SubscriberRunner runner(node.executor.get(), node.reader.get(), &all, o);
  runner.Start();
  node.FireTimers("k", 4);
  for (int i = 0; i < 1000 && all.fired_.load() < 4; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  runner.Stop();
  EXPECT_EQ(all.fired_.load(), 4);
}

}  // namespace
}  // namespace cb::runtime
