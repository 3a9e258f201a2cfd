// Tests only (tests/kernel_kill9_test.sh): a real process running durable timers and an
// after-commit subscriber over real files, to be killed with kill -9 at random moments.
//   kernel_crash_helper run DIR N SPREAD_MS   schedules timers t0..t{N-1} (those not yet
//       scheduled or fired) over SPREAD_MS; a subscriber notes the seq of every firing;
//       prints "progress fired=F noted=M" lines and exits after "done" once all are noted.
//   kernel_crash_helper check DIR N [--complete]   recovers DIR and checks the invariants:
//       each timer fired at most once (exactly once with --complete); the notes are the
//       firings' journal seqs in order, each once (a prefix of them, or all with --complete).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "journal/reader.h"
#include "runtime/executor.h"
#include "runtime/service_set.h"
#include "runtime/shard.h"
#include "runtime/subscribers.h"
#include "runtime/test_tick_service.h"

namespace cb::runtime {
namespace {

using testing::kTickFired;
using testing::kTickServiceId;
using testing::TickNoteOp;
using testing::TickScheduleOp;
using testing::TickService;

struct Node {
  std::unique_ptr<Disk> disk = NewPosixDisk();
  TickService tick;
  ServiceSet services;
  std::unique_ptr<Shard> shard;

  explicit Node(const std::string& dir) {
    services.Add(kTickServiceId, &tick, testing::kTickFired, testing::kTickEventLast);
    ShardOptions o;
    o.data_dir = dir;
    o.segment_bytes = 4u << 20;
    o.service = &services;
    RecoveryInfo info;
    auto s = Shard::Open(disk.get(), o, &info);
    if (!s.ok()) {
      std::fprintf(stderr, "open failed: %s\n", s.status().ToString().c_str());
      std::exit(2);
    }
    shard = std::move(*s);
  }

  std::vector<uint64_t> FiredSeqs(uint64_t durable) {
    std::vector<uint64_t> seqs;
    journal::JournalReader reader(disk.get(), JournalDir(shard->options().data_dir));
    const Status st = reader.Read(
        1, durable, [&](const journal::RecordHeader& h, std::span<const uint8_t> bytes) {
          journal::EventIterator it(bytes);
          journal::EventView ev;
          for (uint64_t seq = h.seq_first; it.Next(&ev); seq++) {
            if (ev.type == kTickFired) seqs.push_back(seq);
          }
          return true;
        });
    if (!st.ok()) {
      std::fprintf(stderr, "read failed: %s\n", st.ToString().c_str());
      std::exit(2);
    }
    return seqs;
  }
};

Reply SubmitAndWait(Executor* executor, std::shared_ptr<const ServiceOp> op) {
  auto done = std::make_shared<std::promise<Reply>>();
  auto f = done->get_future();
  if (Status st = executor->Submit(ServiceCmd{std::move(op)},
                                   [done](Reply&& r) { done->set_value(std::move(r)); });
      !st.ok()) {
    Reply r;
    r.status = st;
    return r;
  }
  return f.get();
}

int Run(const std::string& dir, size_t n, uint64_t spread_ms) {
  Node node(dir);
  // Timers fired or still pending (read before the writer starts): scheduling one of those
  // again would fire it twice or move it.
  std::set<std::string> known;
  for (const auto& f : node.tick.fired()) known.insert(f.key);
  for (size_t i = 0; i < n; i++) {
    const std::string key = "t" + std::to_string(i);
    if (node.services.timers().Find(kTickServiceId, key) != nullptr) known.insert(key);
  }
  Executor executor(node.shard.get(), ExecutorOptions{});
  executor.Start();
  journal::JournalReader reader(node.disk.get(), JournalDir(dir));
  testing::NoteFiredSeqs subscriber("note-firings");
  SubscriberOptions so;
  so.from_beginning = true;
  so.events_per_handle_max = 16;
  // The test alternates both ways of committing (a Handle behind the commit in flight, or not).
  const char* overlap = std::getenv("CB_SUBSCRIBER_OVERLAP_COMMIT");
  so.overlap_commit = overlap != nullptr && std::string(overlap) == "1";
  SubscriberRunner runner(&executor, &reader, &subscriber, so);
  runner.Start();
  SystemClock clock;
  const TimestampNs now = clock.NowNs();
  for (size_t i = 0; i < n; i++) {
    const std::string key = "t" + std::to_string(i);
    if (known.contains(key)) continue;
    auto op = std::make_shared<TickScheduleOp>();
    op->key = key;
    op->when = now + (i * spread_ms / n) * 1'000'000;
    op->payload = "p" + std::to_string(i);
    if (!SubmitAndWait(&executor, op).status.ok()) return 3;
  }
  while (true) {
    // Read on the writer: this thread must not touch the state while batches run.
    Reply r = SubmitAndWait(&executor, std::make_shared<testing::TickReadOp>());
    const auto* state = std::any_cast<testing::TickState>(&r.service_result);
    if (state == nullptr) return 3;
    const size_t fired = state->fired.size();
    const size_t noted = state->notes.size();
    std::printf("progress fired=%zu noted=%zu\n", fired, noted);
    std::fflush(stdout);
    if (noted >= n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  runner.Stop();
  executor.Stop();
  std::printf("done\n");
  return 0;
}

int Check(const std::string& dir, size_t n, bool complete) {
  Node node(dir);
  auto bad = [](const std::string& why) {
    std::printf("check: FAIL %s\n", why.c_str());
    return 1;
  };
  std::set<std::string> fired;
  for (const auto& f : node.tick.fired()) {
    if (!fired.insert(f.key).second) return bad("timer " + f.key + " fired twice");
    if (f.payload != "p" + f.key.substr(1)) return bad("timer " + f.key + " has a wrong payload");
    if (node.services.timers().Find(kTickServiceId, f.key) != nullptr) {
      return bad("timer " + f.key + " fired and still pending");
    }
  }
  if (complete && fired.size() != n) {
    return bad("fired " + std::to_string(fired.size()) + " of " + std::to_string(n));
  }
  const std::vector<uint64_t> seqs = node.FiredSeqs(node.shard->seq_next());
  const std::vector<uint64_t>& notes = node.tick.notes();
  if (notes.size() > seqs.size()) return bad("more notes than firings");
  for (size_t i = 0; i < notes.size(); i++) {
    if (notes[i] != seqs[i]) {
      return bad("note " + std::to_string(i) + " is seq " + std::to_string(notes[i]) +
                 ", firing is seq " + std::to_string(seqs[i]));
    }
  }
  if (complete && notes.size() != seqs.size()) return bad("firings not all noted");
  std::printf("check: ok fired=%zu noted=%zu pending=%zu\n", fired.size(), notes.size(),
              node.services.timers().size());
  return 0;
}

}  // namespace
}  // namespace cb::runtime

int main(int argc, char** argv) {
  if (argc >= 4 && std::string(argv[1]) == "run" && argc == 5) {
    return cb::runtime::Run(argv[2], std::stoul(argv[3]), std::stoull(argv[4]));
  }
  if (argc >= 4 && std::string(argv[1]) == "check") {
    const bool complete = argc == 5 && std::string(argv[4]) == "--complete";
    return cb::runtime::Check(argv[2], std::stoul(argv[3]), complete);
  }
  std::fprintf(stderr,
               "usage: kernel_crash_helper run DIR N SPREAD_MS | check DIR N [--complete]\n");
  return 2;
}
