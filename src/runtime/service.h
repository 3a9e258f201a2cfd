#pragma once
// A service keeps state on a shard beside the ledger (tenants, customers, API keys,
// idempotency records, later modules) and changes it only through its own journal events,
// so one batch can hold ledger and service events and commit or fail as a unit. The shard
// calls Execute on the writer thread and ApplyEvent on replay; event types from
// kServiceEventTypeFirst up belong to the service, the ones below to the ledger.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "journal/format.h"
#include "ledger/state.h"

namespace cb::runtime {

struct Reply;
struct Timer;
class Timers;

constexpr uint16_t kServiceEventTypeFirst = 256;

// A command for the service, opaque to the runtime. Immutable once submitted.
class ServiceOp {
 public:
  virtual ~ServiceOp() = default;
  // Items it carries, for the executor's per-batch bound (a transfer batch counts each).
  virtual size_t item_count() const { return 1; }
  // Which service runs it when several share the shard (service_set.h); 0 = platform.
  virtual uint32_t service_id() const { return 0; }
};

// What a service handler may touch while it runs inside a batch.
struct ServiceContext {
  ledger::LedgerState* ledger = nullptr;
  journal::RecordBuilder* out = nullptr;
  TimestampNs* ts_next = nullptr;  // batch clock, advanced per event (as ledger handlers do)
  uint64_t seq_first = 0;          // sequence of the batch's first event
  TimestampNs batch_timestamp = 0;
  // The running service's durable timers (timers.h); set by ServiceSet for services whose
  // HasTimers() is true, null otherwise.
  Timers* timers = nullptr;
  // Sequence the next event emitted into `out` will get.
  uint64_t NextSeq() const { return seq_first + out->event_count(); }
};

class Service {
 public:
  virtual ~Service() = default;
  // Runs `op` on the writer thread: validates against state, emits and applies events.
  // Writes the answer into reply->http_status / reply->body.
  virtual void Execute(const ServiceOp& op, ServiceContext& ctx, Reply* reply) = 0;
  // Replays one of its events (type >= kServiceEventTypeFirst). Unknown: DataLoss.
  virtual Status ApplyEvent(const journal::EventView& event, uint64_t seq,
                            TimestampNs record_timestamp) = 0;
  // Back to the empty state (before a recovery attempt).
  virtual void Clear() = 0;
  // Serialised state at a batch boundary (writer thread), and its inverse on recovery.
  virtual std::string CaptureSnapshot() const = 0;
  virtual Status LoadSnapshot(std::string_view bytes) = 0;

  // Whether it uses durable timers: only then does it get ctx.timers (and OnTimer calls).
  virtual bool HasTimers() const { return false; }
  // A durable timer this service scheduled is due (ctx.timers as in Execute). It changes
  // state only by emitting and applying its events, like Execute.
  virtual void OnTimer(const Timer& timer, ServiceContext& ctx);
  // At the start of every batch, after ledger expiries: fires what is due (ServiceSet).
  virtual void RunDue(ServiceContext& /*ctx*/) {}
  // The earliest instant RunDue has work, so an idle writer wakes for it.
  virtual std::optional<TimestampNs> NextDue() const { return std::nullopt; }
};

// What a service sees of the durable timers (timers.h): its own keys only.
class Timers {
 public:
  virtual ~Timers() = default;
  // Schedules (or reschedules) `key` to fire at or after `when` on the batch clock.
  virtual Status Schedule(std::string_view key, TimestampNs when, std::string_view payload) = 0;
  // False when no such timer is scheduled.
  virtual bool Cancel(std::string_view key) = 0;
  virtual const Timer* Find(std::string_view key) const = 0;
};

}  // namespace cb::runtime
