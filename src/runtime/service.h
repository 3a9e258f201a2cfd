#pragma once
// A service keeps state on a shard beside the ledger (tenants, customers, API keys,
// idempotency records, later modules) and changes it only through its own journal events,
// so one batch can hold ledger and service events and commit or fail as a unit. The shard
// calls Execute on the writer thread and ApplyEvent on replay; event types from
// kServiceEventTypeFirst up belong to the service, the ones below to the ledger.
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "journal/format.h"
#include "ledger/state.h"

namespace cb::runtime {

struct Reply;

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
};

}  // namespace cb::runtime
