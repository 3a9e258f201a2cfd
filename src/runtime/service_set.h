#pragma once
// Several services on one shard (platform, identity, later modules): ops go to the service
// named by their `service_id()`, events to the service owning their type range, and the
// snapshot carries one section per service. Each service keeps its own state and events;
// one batch may hold events of all of them and commits or fails as a unit. The set is also
// the kernel's home: it keeps the durable timers and subscriber cursors (ADR 0012), runs
// kernel ops and applies kernel events (kKernelEventTypeFirst..kServiceEventTypeFirst-1).
#include <memory>
#include <vector>

#include "runtime/service.h"
#include "runtime/subscribers.h"
#include "runtime/timers.h"

namespace cb::runtime {

class ServiceSet final : public Service {
 public:
  // `service` (not owned) executes ops with op.service_id() == id and applies event types
  // [event_type_first, event_type_last]. Ranges must not overlap; ids must be distinct.
  void Add(uint32_t id, Service* service, uint16_t event_type_first, uint16_t event_type_last);

  void Execute(const ServiceOp& op, ServiceContext& ctx, Reply* reply) override;
  // Fires due durable timers, then each service's own RunDue (work it keeps due in its own
  // state, like the risk service's hold time-outs).
  void RunDue(ServiceContext& ctx) override;
  // The earliest of the timers' and every service's NextDue.
  std::optional<TimestampNs> NextDue() const override;
  // The kernel's state (writer thread, or before the executor starts).
  const TimerTable& timers() const { return timers_; }
  const CursorTable& cursors() const { return cursors_; }
  Status ApplyEvent(const journal::EventView& event, uint64_t seq,
                    TimestampNs record_timestamp) override;
  void Clear() override;
  // "CBSS1" | u32 count | count × (u32 id | u64 size | bytes). A snapshot without the magic
  // is from before services were composed: it belongs to the service with id 0. The kernel's
  // section has id kKernelServiceId (timers, then cursors); older snapshots have none.
  std::string CaptureSnapshot() const override;
  Status LoadSnapshot(std::string_view bytes) override;

 private:
  struct Entry {
    uint32_t id;
    Service* service;
    uint16_t first, last;
  };
  Service* ById(uint32_t id) const;
  void RunDueTimers(ServiceContext& ctx);
  void ExecuteKernelOp(const ServiceOp& op, ServiceContext& ctx, Reply* reply);
  Status CheckTimerOwners() const;
  // What RunDue may add to a batch's record before leaving the rest for the next batch.
  static constexpr size_t kRunDueBytesMax = 1u << 20;
  // Runs `op` by its service with ctx.timers scoped to that service.
  void Dispatch(Service* service, uint32_t id, const ServiceOp& op, ServiceContext& ctx,
                Reply* reply);
  std::vector<Entry> entries_;
  TimerTable timers_;
  CursorTable cursors_;
};

}  // namespace cb::runtime
