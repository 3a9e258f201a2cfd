#include "runtime/subscribers.h"

#include <pthread.h>

#include <cstring>
#include <future>

#include "base/check.h"
#include "journal/reader.h"
#include "ledger/ledger.h"
#include "runtime/command.h"
#include "runtime/executor.h"
#include "runtime/kernel_codec.h"
#include "runtime/timers.h"

namespace cb::runtime {

using internal::ByteReader;
using internal::PutLe;

// --- CursorTable -------------------------------------------------------------------------

std::optional<uint64_t> CursorTable::Get(std::string_view name) const {
  auto it = cursors_.find(name);
  if (it == cursors_.end()) return std::nullopt;
  return it->second;
}

namespace {
// u16 name_bytes | u16 0 | u32 0 | u64 seq | name: CursorAdvanced and CursorDeleted.
void EmitCursorEvent(KernelEventType type, std::string_view name, uint64_t seq,
                     journal::RecordBuilder* out) {
  std::string b;
  PutLe<uint16_t>(&b, static_cast<uint16_t>(name.size()));
  PutLe<uint16_t>(&b, 0);
  PutLe<uint32_t>(&b, 0);
  PutLe<uint64_t>(&b, seq);
  b.append(name);
  uint8_t* dst = out->AddEvent(static_cast<uint16_t>(type), kKernelEventVersion,
                               static_cast<uint32_t>(b.size()));
  std::memcpy(dst, b.data(), b.size());
}
}  // namespace

void CursorTable::Delete(std::string_view name, journal::RecordBuilder* out) {
  auto it = cursors_.find(name);
  CB_CHECK(it != cursors_.end());
  EmitCursorEvent(KernelEventType::kCursorDeleted, name, it->second, out);
  cursors_.erase(it);
}

void CursorTable::Advance(std::string_view name, uint64_t seq_next, journal::RecordBuilder* out) {
  CB_CHECK(!name.empty() && name.size() <= kNameBytesMax);
  CB_CHECK(seq_next != 0);
  EmitCursorEvent(KernelEventType::kCursorAdvanced, name, seq_next, out);
  auto it = cursors_.find(name);
  if (it == cursors_.end()) {
    cursors_.emplace(std::string(name), seq_next);
  } else {
    it->second = seq_next;
  }
}

Status CursorTable::Apply(const journal::EventView& event) {
  if (event.version != kKernelEventVersion) return Status::DataLoss("cursor event version");
  ByteReader r(
      std::string_view(reinterpret_cast<const char*>(event.payload.data()), event.payload.size()));
  const auto name_bytes = r.Get<uint16_t>();
  const bool reserved_zero = r.Get<uint16_t>() == 0 && r.Get<uint32_t>() == 0;
  const auto seq_next = r.Get<uint64_t>();
  const std::string_view name = r.Bytes(name_bytes);
  if (!r.ok() || !reserved_zero || !r.rest().empty() || name.empty() ||
      name.size() > kNameBytesMax || seq_next == 0) {
    return Status::DataLoss("undecodable cursor event");
  }
  if (event.type == static_cast<uint16_t>(KernelEventType::kCursorDeleted)) {
    auto it = cursors_.find(name);
    // Execution deletes only a cursor it has, at the position it records.
    if (it == cursors_.end() || it->second != seq_next) {
      return Status::DataLoss("CursorDeleted of a cursor not held there");
    }
    cursors_.erase(it);
    return Status::Ok();
  }
  cursors_[std::string(name)] = seq_next;
  return Status::Ok();
}

void CursorTable::EncodeTo(std::string* out) const {
  PutLe<uint32_t>(out, static_cast<uint32_t>(cursors_.size()));
  for (const auto& [name, seq_next] : cursors_) {
    PutLe<uint16_t>(out, static_cast<uint16_t>(name.size()));
    PutLe<uint64_t>(out, seq_next);
    out->append(name);
  }
}

Status CursorTable::DecodeFrom(std::string_view* bytes) {
  cursors_.clear();
  ByteReader r(*bytes);
  const auto count = r.Get<uint32_t>();
  if (!r.ok() || count > kCursorsMax) return Status::DataLoss("cursor table header");
  for (uint32_t i = 0; i < count; i++) {
    const auto name_bytes = r.Get<uint16_t>();
    const auto seq_next = r.Get<uint64_t>();
    const std::string_view name = r.Bytes(name_bytes);
    if (!r.ok() || name.empty() || name.size() > kNameBytesMax || seq_next == 0 ||
        !cursors_.emplace(std::string(name), seq_next).second) {
      return Status::DataLoss("cursor table entry");
    }
  }
  *bytes = r.rest();
  return Status::Ok();
}

size_t SubscriberCommitOp::item_count() const {
  size_t n = 1;  // the cursor event
  for (const auto& op : ops) n += op->item_count();
  return n;
}

// --- SubscriberRunner --------------------------------------------------------------------

struct SubscriberRunner::InFlight {
  std::shared_ptr<const SubscriberCommitOp> op;
  std::future<Reply> reply;
};

SubscriberRunner::SubscriberRunner(Executor* executor, journal::JournalReader* reader,
                                   Subscriber* subscriber, SubscriberOptions options)
    : executor_(executor),
      reader_(reader),
      subscriber_(subscriber),
      options_(options),
      name_(subscriber->name()) {
  CB_CHECK(!name_.empty() && name_.size() <= CursorTable::kNameBytesMax);
  CB_CHECK(options_.events_per_handle_max > 0 && options_.events_scanned_max > 0);
}

SubscriberRunner::~SubscriberRunner() { Stop(); }

void SubscriberRunner::Start() {
  CB_CHECK(!thread_.joinable());
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "cb-subscriber");
    Loop();
  });
}

void SubscriberRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  subscriber_->Stop();
  if (thread_.joinable()) thread_.join();
}

bool SubscriberRunner::Sleep(uint64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_; });
  return !stopping_;
}

Reply SubscriberRunner::SubmitAndWait(std::shared_ptr<const ServiceOp> op) {
  return Submit(std::move(op)).get();
}

std::future<Reply> SubscriberRunner::Submit(std::shared_ptr<const ServiceOp> op) {
  auto promise = std::make_shared<std::promise<Reply>>();
  std::future<Reply> done = promise->get_future();
  Status st = executor_->Submit(ServiceCmd{std::move(op)},
                                [promise](Reply&& r) { promise->set_value(std::move(r)); });
  if (!st.ok()) {
    Reply r;
    r.status = st;
    promise->set_value(std::move(r));
  }
  // The executor answers every queued command, also when it stops or fails.
  return done;
}

std::shared_ptr<const SubscriberCommitOp> SubscriberRunner::MakeCommit(
    uint64_t from, uint64_t to, std::vector<std::shared_ptr<const ServiceOp>> ops) {
  auto op = std::make_shared<SubscriberCommitOp>();
  op->name = name_;
  op->from = from;
  op->to = to;
  op->ops = std::move(ops);
  for (const auto& o : op->ops) {
    if (o == nullptr) {
      Park("Handle returned a null op");
      return nullptr;
    }
  }
  if (op->item_count() > ledger::kItemsPerCommandMax) {
    Park("Handle returned ops with more items than one command holds (" +
         std::to_string(op->item_count()) + ")");
    return nullptr;
  }
  return op;
}

bool SubscriberRunner::FinishCommit(const std::shared_ptr<const SubscriberCommitOp>& op, Reply r) {
  while (true) {
    const auto* result = std::any_cast<SubscriberCommitResult>(&r.service_result);
    if (r.status.ok() && result != nullptr) {
      committed_.store(result->cursor);
      commits_.fetch_add(1);
      subscriber_->Committed(*result);
      return true;
    }
    if (r.status.code() == StatusCode::kAborted && result != nullptr) {
      // Someone else moved it (a second runner of the same name): start again from there.
      committed_.store(result->cursor);
      return false;
    }
    if (r.status.code() == StatusCode::kInvalidArgument) {
      return Park("commit refused: " + r.status.ToString());
    }
    // Not queued or not durable: the same commit again (the cursor check makes a commit
    // that did land but whose answer was lost come back Aborted, never run twice).
    if (failures_++ % 100 == 0) {
      std::fprintf(stderr, "corebank: subscriber %s: commit failed (retrying): %s\n", name_.c_str(),
                   r.status.ToString().c_str());
    }
    if (!Sleep(options_.retry_ms)) return false;
    r = SubmitAndWait(op);
  }
}

bool SubscriberRunner::Commit(uint64_t from, uint64_t to,
                              std::vector<std::shared_ptr<const ServiceOp>> ops) {
  CB_CHECK(in_flight_ == nullptr);  // commits go one at a time, in order
  std::shared_ptr<const SubscriberCommitOp> op = MakeCommit(from, to, std::move(ops));
  if (op == nullptr) return false;
  return FinishCommit(op, SubmitAndWait(op));
}

bool SubscriberRunner::FinishInFlight() {
  if (in_flight_ == nullptr) return true;
  std::unique_ptr<InFlight> f = std::move(in_flight_);
  return FinishCommit(f->op, f->reply.get());
}

bool SubscriberRunner::Park(const std::string& why) {
  std::fprintf(stderr, "corebank: subscriber %s stopped at seq %llu: %s\n", name_.c_str(),
               static_cast<unsigned long long>(committed_.load()), why.c_str());
  parked_.store(true);
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;  // the loop ends; Stop() still joins
  return false;
}

void SubscriberRunner::Loop() {
  // Where the durable cursor is; a new subscriber records its start first, so that a crash
  // before its first events were handled cannot move its start.
  uint64_t cursor = 0;
  while (true) {
    auto read = std::make_shared<CursorReadOp>();
    read->name = name_;
    Reply r = SubmitAndWait(read);
    if (const auto* c = std::any_cast<uint64_t>(&r.service_result); r.status.ok() && c) {
      cursor = *c;
      break;
    }
    if (!Sleep(options_.retry_ms)) return;
  }
  if (cursor == 0) {
    const uint64_t start = options_.from_beginning ? 1 : executor_->stats().durable_seq_next.load();
    if (!Commit(0, start, {}) && committed_.load() == 0) return;  // stopping
    cursor = committed_.load();
  }
  committed_.store(cursor);
  std::vector<CommittedEvent> events;
  std::vector<std::vector<uint8_t>> payloads;  // the events' bytes outlive the journal read
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
    }
    const uint64_t durable = executor_->stats().durable_seq_next.load();
    if (cursor >= durable && in_flight_ != nullptr) {
      // Caught up: nothing to overlap the commit with.
      if (!FinishInFlight()) cursor = committed_.load();
      continue;
    }
    if (cursor >= durable) {
      executor_->WaitDurable(cursor, 100);
      if (options_.caught_up_delay_ms > 0 && !Sleep(options_.caught_up_delay_ms)) break;
      continue;
    }
    events.clear();
    payloads.clear();
    uint64_t scanned_to = cursor;  // every event below it was looked at
    size_t scanned = 0;
    Status st = reader_->Read(
        cursor, durable,
        [&](const journal::RecordHeader& h, std::span<const uint8_t> bytes) -> bool {
          journal::EventIterator it(bytes);
          journal::EventView ev;
          for (uint64_t seq = h.seq_first; it.Next(&ev); seq++) {
            if (seq < scanned_to) continue;
            if (events.size() >= options_.events_per_handle_max ||
                scanned >= options_.events_scanned_max || seq >= durable) {
              return false;
            }
            scanned++;
            scanned_to = seq + 1;
            if (ev.type >= kKernelEventTypeFirst && ev.type < kServiceEventTypeFirst) continue;
            if (!subscriber_->Wants(ev.type)) continue;
            payloads.emplace_back(ev.payload.begin(), ev.payload.end());
            events.push_back(CommittedEvent{.seq = seq,
                                            .type = ev.type,
                                            .version = ev.version,
                                            .record_timestamp_ns = h.timestamp_ns,
                                            .payload = {}});  // set once the bytes stop moving
          }
          return true;
        });
    if (!st.ok()) {
      std::fprintf(stderr, "corebank: subscriber %s: journal read failed: %s\n", name_.c_str(),
                   st.ToString().c_str());
      if (!Sleep(options_.retry_ms * 20)) break;
      continue;
    }
    for (size_t i = 0; i < events.size(); i++) events[i].payload = payloads[i];
    if (scanned_to == cursor) {
      // Below the durable end yet nothing read (a reader that cannot see the records yet):
      // wait rather than spin.
      if (!Sleep(options_.retry_ms)) break;
      continue;
    }
    if (events.empty()) {
      // Nothing wanted: move on in memory only, and journal the cursor only after a long
      // run. A cursor event for every skipped range would be a skipped event itself, and
      // the next commit its own; after a long run, one event is far below the next run.
      cursor = scanned_to;
      if (scanned_to - committed_.load() >= options_.skipped_events_commit_min &&
          (!FinishInFlight() || !Commit(committed_.load(), scanned_to, {}))) {
        cursor = committed_.load();
      }
      continue;
    }
    std::vector<std::shared_ptr<const ServiceOp>> ops = subscriber_->Handle(events);
    {
      // A Handle cut short by Stop may not have done what its events ask: not committed.
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
    }
    if (ops.empty() && !options_.commit_without_ops) {
      cursor = scanned_to;  // as for unwanted events (SubscriberOptions::commit_without_ops)
      if (scanned_to - committed_.load() >= options_.skipped_events_commit_min &&
          (!FinishInFlight() || !Commit(committed_.load(), scanned_to, {}))) {
        cursor = committed_.load();
      }
      continue;
    }
    // The commit before this Handle's, if still in flight: a refused one drops these ops
    // (their events come again from the durable cursor).
    if (!FinishInFlight()) {
      cursor = committed_.load();
      continue;
    }
    if (!options_.overlap_commit) {
      if (Commit(committed_.load(), scanned_to, std::move(ops))) {
        cursor = scanned_to;
      } else {
        cursor = committed_.load();  // refused (or stopping): read again from the durable cursor
      }
      continue;
    }
    std::shared_ptr<const SubscriberCommitOp> op =
        MakeCommit(committed_.load(), scanned_to, std::move(ops));
    if (op == nullptr) break;  // parked
    std::future<Reply> reply = Submit(op);
    in_flight_ = std::make_unique<InFlight>(InFlight{std::move(op), std::move(reply)});
    cursor = scanned_to;  // read on while it commits
  }
  // Stopping: the commit in flight is answered (the executor answers every queued command)
  // before Stop returns, so cursor() is where the journal has it; not retried.
  FinishInFlight();
}

}  // namespace cb::runtime
