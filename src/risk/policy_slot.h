#pragma once
// The policy bundles the journal activated, in order, and the active one: what decides.
// Every activated version stays compiled so a replay check or a dry run can evaluate a
// recorded decision with the bundle that made it.
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"
#include "base/time.h"
#include "risk/risk_input.h"

namespace cb::risk {

class Policy;
using Files = std::vector<std::pair<std::string, std::string>>;

struct Bundle {
  std::string name;
  uint32_t version = 0;
  Hash256 sha256{};
  Files files;
  TimestampNs activated = 0;
  std::shared_ptr<Policy> policy;
};

// Compiled bundles by content hash (BundleHash), so that the risk services of one thread
// compile a bundle once: the simulator's live shard recovers, and replays from scratch,
// dozens of times a seed, and a compile (TOML, Lua, test cases) costs milliseconds. Not
// thread-safe, and a Policy evaluates on one thread: share a cache only within a thread.
class PolicyCache {
 public:
  static constexpr size_t kEntriesMax = 8;
  std::shared_ptr<Policy> Find(const Hash256& sha256) const;
  void Put(std::shared_ptr<Policy> policy);  // evicts the oldest beyond kEntriesMax

 private:
  std::deque<std::shared_ptr<Policy>> entries_;
};

class PolicySlot {
 public:
  // Checks and compiles `files` (InvalidArgument naming the file and problem); with a
  // cache, a bundle of the same content compiled before is reused.
  static Result<Bundle> Compile(Files files, PolicyCache* cache = nullptr);
  // Whether `b` may become active: a version above every earlier one, or exactly an
  // earlier bundle again (a roll-back). FailedPrecondition otherwise.
  Status CanActivate(const Bundle& b) const;
  void Install(Bundle b);  // becomes the active one
  const Bundle* active() const {
    return active_ < 0 ? nullptr : &history_[static_cast<size_t>(active_)];
  }
  const Bundle* FindVersion(uint32_t version) const;
  const std::vector<Bundle>& history() const { return history_; }
  // With no active bundle: allow, nothing fired (a server before any activation). The
  // verdict is finalised (Finalize below).
  Verdict Evaluate(const RiskInput& in, const FeatureValues& f) const;
  // What the service does with a policy's verdict before it acts, in one place so a dry run
  // or a replay check does exactly the same: a step-up nobody can perform (an API key, an
  // app's own token: no person behind it) becomes a hold, reason "step_up_unavailable"; a
  // movement of a customer matched on a sanctions list is held, reason "sanctions_match".
  static void Finalize(const RiskInput& in, Verdict* v);
  // How long a hold waits for an analyst under the active bundle; 0 = the service default.
  uint64_t hold_timeout_s() const;
  void Clear() {
    history_.clear();
    active_ = -1;
  }

 private:
  std::vector<Bundle> history_;  // every activation, in journal order
  long active_ = -1;
};

}  // namespace cb::risk
