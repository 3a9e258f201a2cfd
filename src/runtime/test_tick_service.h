#pragma once
// Tests and the simulator only: a tiny service over the kernel. It schedules and cancels durable
// timers on command, records every firing as its own event (so recovery and replay can be compared
// with what ran), and notes values subscribers send it.
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/check.h"
#include "runtime/command.h"
#include "runtime/service.h"
#include "runtime/subscribers.h"
#include "runtime/timers.h"

namespace cb::runtime::testing {

constexpr uint32_t kTickServiceId = 7;
constexpr uint16_t kTickFired = kServiceEventTypeFirst;      // u16 key_bytes | key | payload
constexpr uint16_t kTickNoted = kServiceEventTypeFirst + 1;  // u64 value
constexpr uint16_t kTickEventLast = kServiceEventTypeFirst + 9;

struct TickScheduleOp final : ServiceOp {
  std::string key;
  TimestampNs when = 0;
  std::string payload;  // "again:<ns>": OnTimer schedules the same key <ns> later
  uint32_t service_id() const override { return kTickServiceId; }
};
struct TickCancelOp final : ServiceOp {
  std::string key;
  uint32_t service_id() const override { return kTickServiceId; }
};
struct TickNoteOp final : ServiceOp {
  uint64_t value = 0;
  uint32_t service_id() const override { return kTickServiceId; }
};
// Reads the state on the writer (a thread beside it must not read it directly: the writer
// may be running the next batch). Reply: service_result = TickState.
struct TickReadOp final : ServiceOp {
  uint32_t service_id() const override { return kTickServiceId; }
};
struct TickState {
  std::vector<std::string> fired;  // keys, in firing order
  std::vector<uint64_t> notes;
};

class TickService final : public Service {
 public:
  // Its two event types are `event_type_first` and the next: the simulator moves them out of
  // the platform's range, which it runs beside.
  explicit TickService(uint16_t event_type_first = kTickFired)
      : fired_type_(event_type_first), noted_type_(static_cast<uint16_t>(event_type_first + 1)) {}
  uint16_t fired_type() const { return fired_type_; }

  struct Firing {
    std::string key;
    std::string payload;
    TimestampNs batch_timestamp;  // 0 when rebuilt by replay (not in the event)
    bool operator==(const Firing& o) const { return key == o.key && payload == o.payload; }
  };

  void Execute(const ServiceOp& op, ServiceContext& ctx, Reply* reply) override {
    CB_CHECK(ctx.timers != nullptr);
    reply->http_status = 200;
    if (const auto* s = dynamic_cast<const TickScheduleOp*>(&op)) {
      const Status st = ctx.timers->Schedule(s->key, s->when, s->payload);
      if (!st.ok()) reply->http_status = 400;
    } else if (const auto* c = dynamic_cast<const TickCancelOp*>(&op)) {
      if (!ctx.timers->Cancel(c->key)) reply->http_status = 404;
    } else if (dynamic_cast<const TickReadOp*>(&op) != nullptr) {
      TickState state;
      for (const Firing& f : fired_) state.fired.push_back(f.key);
      state.notes = notes_;
      reply->service_result = std::move(state);
    } else if (const auto* n = dynamic_cast<const TickNoteOp*>(&op)) {
      uint8_t* dst = ctx.out->AddEvent(noted_type_, 1, sizeof(uint64_t));
      std::memcpy(dst, &n->value, sizeof(uint64_t));
      notes_.push_back(n->value);
    } else {
      reply->http_status = 400;
    }
  }

  bool HasTimers() const override { return true; }

  void OnTimer(const Timer& timer, ServiceContext& ctx) override {
    std::string b;
    const auto key_bytes = static_cast<uint16_t>(timer.key.size());
    b.append(reinterpret_cast<const char*>(&key_bytes), sizeof(key_bytes));
    b.append(timer.key);
    b.append(timer.payload);
    uint8_t* dst = ctx.out->AddEvent(fired_type_, 1, static_cast<uint32_t>(b.size()));
    std::memcpy(dst, b.data(), b.size());
    fired_.push_back({timer.key, timer.payload, ctx.batch_timestamp});
    if (timer.payload.rfind("again:", 0) == 0) {
      const TimestampNs every = std::stoull(timer.payload.substr(6));
      CB_CHECK(ctx.timers->Schedule(timer.key, timer.when + every, timer.payload).ok());
    }
  }

  Status ApplyEvent(const journal::EventView& ev, uint64_t /*seq*/, TimestampNs) override {
    if (ev.type == noted_type_ && ev.payload.size() == sizeof(uint64_t)) {
      uint64_t v = 0;
      std::memcpy(&v, ev.payload.data(), sizeof(v));
      notes_.push_back(v);
      return Status::Ok();
    }
    if (ev.type == fired_type_ && ev.payload.size() >= 2) {
      uint16_t key_bytes = 0;
      std::memcpy(&key_bytes, ev.payload.data(), 2);
      if (ev.payload.size() < 2u + key_bytes) return Status::DataLoss("tick event");
      const char* p = reinterpret_cast<const char*>(ev.payload.data());
      fired_.push_back({std::string(p + 2, key_bytes),
                        std::string(p + 2 + key_bytes, ev.payload.size() - 2 - key_bytes), 0});
      return Status::Ok();
    }
    return Status::DataLoss("tick event");
  }

  void Clear() override {
    fired_.clear();
    notes_.clear();
  }

  // u32 fired | (u16 key | u16 payload | bytes)... | u32 notes | u64...
  std::string CaptureSnapshot() const override {
    std::string out;
    auto put32 = [&out](uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); };
    put32(static_cast<uint32_t>(fired_.size()));
    for (const Firing& f : fired_) {
      const auto k = static_cast<uint16_t>(f.key.size());
      const auto p = static_cast<uint16_t>(f.payload.size());
      out.append(reinterpret_cast<const char*>(&k), 2);
      out.append(reinterpret_cast<const char*>(&p), 2);
      out.append(f.key);
      out.append(f.payload);
    }
    put32(static_cast<uint32_t>(notes_.size()));
    for (uint64_t v : notes_) out.append(reinterpret_cast<const char*>(&v), 8);
    return out;
  }

  Status LoadSnapshot(std::string_view bytes) override {
    load_snapshot_calls_++;
    Clear();
    auto take = [&bytes](void* dst, size_t n) {
      if (bytes.size() < n) return false;
      std::memcpy(dst, bytes.data(), n);
      bytes.remove_prefix(n);
      return true;
    };
    uint32_t count = 0;
    if (!take(&count, 4)) return Status::DataLoss("tick snapshot");
    for (uint32_t i = 0; i < count; i++) {
      uint16_t k = 0, p = 0;
      if (!take(&k, 2) || !take(&p, 2) || bytes.size() < size_t{k} + p) {
        return Status::DataLoss("tick snapshot");
      }
      fired_.push_back({std::string(bytes.substr(0, k)), std::string(bytes.substr(k, p)), 0});
      bytes.remove_prefix(size_t{k} + p);
    }
    if (!take(&count, 4)) return Status::DataLoss("tick snapshot");
    for (uint32_t i = 0; i < count; i++) {
      uint64_t v = 0;
      if (!take(&v, 8)) return Status::DataLoss("tick snapshot");
      notes_.push_back(v);
    }
    return bytes.empty() ? Status::Ok() : Status::DataLoss("tick snapshot");
  }

  const std::vector<Firing>& fired() const { return fired_; }
  const std::vector<uint64_t>& notes() const { return notes_; }
  uint64_t load_snapshot_calls() const { return load_snapshot_calls_; }

 private:
  uint16_t fired_type_;
  uint16_t noted_type_;
  std::vector<Firing> fired_;
  std::vector<uint64_t> notes_;
  uint64_t load_snapshot_calls_ = 0;
};

// Wants the tick service's firings and answers each with a note of the firing's seq, so
// the tick service's notes are exactly what the subscriber's commits applied. Checks that
// events arrive in journal order (a broken order is a broken kernel invariant).
class NoteFiredSeqs final : public Subscriber {
 public:
  explicit NoteFiredSeqs(std::string name = "note-seqs") : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  bool Wants(uint16_t type) const override { return type == kTickFired; }
  std::vector<std::shared_ptr<const ServiceOp>> Handle(
      std::span<const CommittedEvent> events) override {
    std::vector<std::shared_ptr<const ServiceOp>> ops;
    std::lock_guard<std::mutex> lock(mu_);
    for (const CommittedEvent& e : events) {
      CB_CHECK(e.type == kTickFired);
      CB_CHECK(e.seq > last_seq_);  // journal order, each once
      last_seq_ = e.seq;
      handled_++;
      auto op = std::make_shared<TickNoteOp>();
      op->value = e.seq;
      ops.push_back(std::move(op));
    }
    return ops;
  }
  uint64_t handled() {
    std::lock_guard<std::mutex> lock(mu_);
    return handled_;
  }

 private:
  std::string name_;
  std::mutex mu_;
  uint64_t last_seq_ = 0;
  uint64_t handled_ = 0;
};

}  // namespace cb::runtime::testing
