#pragma once
// The monitor (docs/risk/monitoring.md): an after-commit subscriber (runtime/subscribers.h)
// that reads committed DecisionRecorded events, runs the [[monitor]] rules of the bundle
// version that decided each one, and answers with the alerts they raise (RaiseAlertsOp),
// committed with its cursor: after a crash it resumes exactly after the last movements
// whose alerts are durable. It runs on its own thread with its own compiled copies of the
// bundles (a Policy is single-threaded), so monitoring costs the writer only the alerts.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "base/uint128.h"
#include "runtime/subscribers.h"

namespace cb::risk {

class BundleArchive;
class Policy;

class MonitorSubscriber final : public runtime::Subscriber {
 public:
  static constexpr std::string_view kName = "risk.monitor";
  // Movements one commit monitors: each may raise an alert per monitor (64 at most, each
  // under ~1 KiB with its error text capped), all journaled in the commit's one batch.
  static constexpr size_t kMovementsPerCommitMax = 128;
  // Compiled bundle versions kept (a Lua state each, up to the bundle's memory cap).
  static constexpr size_t kPoliciesCachedMax = 4;
  // `archive` (not owned): the risk service's activated bundles by version.
  explicit MonitorSubscriber(const BundleArchive* archive);
  ~MonitorSubscriber() override;

  std::string_view name() const override { return kName; }
  bool Wants(uint16_t event_type) const override;
  std::vector<std::shared_ptr<const runtime::ServiceOp>> Handle(
      std::span<const runtime::CommittedEvent> events) override;

  uint64_t movements_seen() const { return movements_seen_; }
  // Decisions it could not monitor: undecodable, or their bundle no longer compiles
  // (logged; a monitor that cannot run must be seen).
  uint64_t movements_unmonitored() const { return movements_unmonitored_; }

 private:
  Policy* PolicyFor(uint32_t version);

  const BundleArchive* archive_;
  struct Cached {
    uint64_t used = 0;               // tick of the last use
    std::unique_ptr<Policy> policy;  // null: the version cannot monitor (logged once)
  };
  // Compiled on first use; the least recently used beyond kPoliciesCachedMax is dropped.
  std::map<uint32_t, Cached> policies_;
  uint64_t tick_ = 0;
  uint64_t movements_seen_ = 0;
  uint64_t movements_unmonitored_ = 0;
};

}  // namespace cb::risk
