#pragma once
// The registered modules' real after-commit subscribers (api::ServiceModule::subscribers),
// driven as SubscriberRunner drives them but from the simulator's single thread: from the
// durable cursor, the wanted durable events go to Handle, and its ops commit with the
// cursor's move (SubscriberCommitOp); one commit per subscriber in flight, as the runner
// waits for each answer, some sent twice (a lost answer). Cursors start at seq 1.
//
// Checked for the counter module's subscriber (accounts opened per tenant): its counter
// equals the number of the tenant's AccountOpened events below the durable cursor, after
// every step and every recovery: every event counted once, crashes or not.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/platform_stack.h"
#include "base/rng.h"
#include "journal/disk.h"
#include "runtime/command.h"
#include "runtime/subscribers.h"

namespace cb::sim {

class ModuleSubscribers {
 public:
  ModuleSubscribers(const app::PlatformStack* stack, Disk* disk, std::string journal_dir);

  // A commit of a random subscriber with none in flight this step; nullopt if none is free.
  std::optional<runtime::Command> NextCommit(Rng* rng, uint64_t durable_seq_next);
  // The step's batches were settled (durable or lost): commits may be sent again.
  void StepDone() { in_flight_.assign(subscribers_.size(), false); }
  // The journal's durable part may have lost an unsynced tail: scan it again.
  void Recovered() {
    opened_.clear();
    scan_next_ = 1;
  }
  // The counter module's subscriber counted every durable AccountOpened event once. Empty
  // when it did, else what is wrong.
  std::string Check(uint64_t durable_seq_next);

  uint64_t commits() const { return stat_commits_; }

 private:
  const app::PlatformStack* stack_;
  Disk* disk_;
  std::string journal_dir_;
  std::vector<std::unique_ptr<runtime::Subscriber>> subscribers_;
  std::vector<bool> in_flight_;
  std::vector<std::shared_ptr<const runtime::SubscriberCommitOp>> last_commit_;
  const runtime::Service* counter_ = nullptr;      // null: the counter module is not registered
  std::vector<std::pair<uint64_t, u128>> opened_;  // durable AccountOpened (seq, tenant)
  uint64_t scan_next_ = 1;
  uint64_t stat_commits_ = 0;
};

}  // namespace cb::sim
