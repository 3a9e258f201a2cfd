#pragma once
// The simulator's workload of real platform, identity and module ops, as the edge builds
// them (typed op + Principal): sandbox tenants with two admin keys, customers, accounts in
// three currencies, sandbox deposits, single / pending (post, void, timeouts) / batch
// transfers with linked chains, four-eyes adjustments, apps and users, and counter-module
// increments (some with a reset timer). Every id and secret comes from the seeded Rng.
//
// A share of writes carry an Idempotency-Key; some are sent again later (same key, same
// body), and every keyed op the client got no answer for (its batch lost, or durable but
// its commit failed) is, as a client retries after a timeout.
// The workload sees the replies of the batches that became durable, in journal order, and
// checks against its model:
//  - a keyed op answers fresh the first time its answer becomes durable, and from then on
//    is replayed with the identical status and body (read back from the journal, as the
//    edge does); the same key with another body is refused (409);
//  - counters (tenant, name) hold the sum of the increments that applied, each once, and
//    are zeroed by their reset timer in the first batch at or after its time: every
//    increment and read answers with the model's value;
//  - risk (issue 14): the set-up activates the default policy bundle and, by seed, the
//    simulator's own (sim_policy.h: the amount decides), at once or later in the run. Every
//    transfer, batch item and post the platform ran or held carries its recorded decision;
//    a hold opens a case the workload resolves through the risk service (approve by the
//    other admin key, approve by the requester: 403 four_eyes_required, reject), and the
//    model of cases (open until resolved once, or until the bundle's hold time-out in the
//    first batch at or after it) says what each resolution must answer (409 case_closed
//    once closed).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/rng.h"
#include "platform/key_directory.h"
#include "runtime/command.h"

namespace cb::risk {
class RiskService;
}

namespace cb::sim {

class PlatformWorkload {
 public:
  // `keys` is the live shard's (principals come from it once a key is durable);
  // `recorded_body(seq)` reads the answer an IdempotencyRecorded event holds.
  // Counter ops are sent only if the counter module is registered. `risk` is the live
  // shard's risk service (decisions are looked up in it once durable).
  PlatformWorkload(Rng* rng, const platform::KeyDirectory* keys, const risk::RiskService* risk,
                   std::function<std::string(uint64_t seq)> recorded_body);

  // The root tenant's bootstrap and the policy activations (run before faults start).
  std::vector<runtime::Command> SetupCommands();
  // The next op: new, or a retry of a keyed one.
  runtime::Command Next();

  // One batch that became durable (in order) or was lost: the workload's ops in it are
  // checked and applied to the model, or queued again (keyed ones). A durable batch whose
  // commit failed (an fsync error; recovery found it) was never acknowledged: its keyed ops
  // are sent again too, and must be answered from the record the client never saw.
  void OnDurableBatch(TimestampNs batch_timestamp, const std::vector<runtime::Command>& commands,
                      const std::vector<runtime::Reply>& replies, bool acknowledged);
  void OnLostBatch(const std::vector<runtime::Command>& commands);

  // Keys that must appear at most once in the journal's IdempotencyRecorded events.
  bool IsWorkloadKey(const std::string& key) const { return key.rfind(kKeyPrefix, 0) == 0; }

  const std::string& error() const { return error_; }
  std::string Summary() const;

  static constexpr std::string_view kKeyPrefix = "simk-";

 private:
  enum class Kind : uint8_t {
    kBootstrap,
    kTenant,
    kApiKey,
    kCustomer,
    kAccount,
    kDeposit,
    kTransfer,
    kPostVoid,
    kBatch,
    kAdjust,
    kDecide,
    kApp,
    kUser,
    kCounterIncrement,
    kCounterGet,
    kRead,
    kPolicy,
    kResolve
  };
  struct Tenant {
    kernel::TenantId id;
    std::string token_a, token_b;           // its first admin key, and a second one A creates
    std::optional<kernel::Principal> a, b;  // once their keys are durable
    bool b_sent = false;
    bool lost = false;  // its creation was lost (never retried: it is not keyed)
    std::vector<kernel::CustomerId> customers;
    std::vector<std::pair<platform::AccountId, std::string>> accounts;  // and currency
    std::vector<platform::TransferId> pendings;
    std::vector<platform::AdjustmentId> adjustments;  // requested, not yet decided
    std::vector<u128> cases;                          // opened; forgotten once seen closed
  };
  enum class CaseStatus : uint8_t { kOpen, kApproved, kRejected, kExpired };
  struct CaseModel {
    size_t tenant = 0;
    u128 transfer = 0;       // the held pending transfer
    u128 requested_by = 0;   // the API key that asked for the movement
    bool release = false;    // the client's own pending transfer: approval only lifts the hold
    bool may_lapse = false;  // the pending transfer has its own ledger time-out
    TimestampNs expires = 0;
    CaseStatus status = CaseStatus::kOpen;
  };
  struct Sent {
    std::shared_ptr<const runtime::ServiceOp> op;
    std::shared_ptr<runtime::ServiceOp> (*clone)(const runtime::ServiceOp&) = nullptr;
    size_t tenant = 0;
    Kind kind = Kind::kRead;
    std::string key;      // Idempotency-Key; empty: none
    bool reused = false;  // the key with another body: must be refused
  };
  struct Counter {
    int64_t value = 0;
    TimestampNs resets_at = 0;
  };
  struct Answer {
    uint16_t http_status = 0;
    std::string body;
  };

  template <typename Op>
  runtime::Command Submit(std::shared_ptr<Op> op, size_t tenant, Kind kind, bool keyable);
  runtime::Command Send(Sent s);
  runtime::Command NextNew();
  runtime::Command Retry();
  runtime::Command TenantOp(size_t t);
  runtime::Command MoneyOp(size_t t);
  runtime::Command TransferOp(size_t t);
  runtime::Command BatchOp(size_t t);
  runtime::Command AdjustmentOp(size_t t);
  runtime::Command SetupOp(size_t t);
  runtime::Command IdentityCommand(size_t t);
  runtime::Command CounterCommand(size_t t);
  runtime::Command CreateTenant();
  runtime::Command ActivatePolicy(bool sim);
  runtime::Command ResolveOp(size_t t);

  void OnDurable(const runtime::ServiceOp* op, const runtime::Reply& reply, TimestampNs now,
                 bool acknowledged);
  void CheckIdempotent(const Sent& s, const runtime::Reply& reply);
  void Register(const Sent& s, const runtime::ServiceOp& op);
  void CheckCounter(const Sent& s, const runtime::ServiceOp& op, const runtime::Reply& reply,
                    TimestampNs now);
  void FireCounterResets(TimestampNs now);
  // Risk: decisions of what ran or was held, cases opened, resolutions, time-outs.
  void CheckDecided(const Sent& s, const runtime::ServiceOp& op, const runtime::Reply& reply,
                    TimestampNs now);
  void CheckDecision(u128 subject, bool held, const std::string& what);
  void OpenCase(size_t tenant, u128 subject, u128 transfer, u128 requested_by, bool release,
                bool may_lapse, TimestampNs now);
  void CheckResolved(const Sent& s, const runtime::ServiceOp& op, const runtime::Reply& reply);
  void ExpireCases(TimestampNs now);

  std::string NewKey();
  u128 NewId();
  Hash256 NewRequestHash();
  std::string NewToken(kernel::ApiKeyId id, Hash256* secret_sha256);
  const kernel::Principal* Admin(size_t t, bool second) const;
  std::optional<size_t> RandomTenant();
  void Expect(bool cond, const std::string& what);

  Rng* rng_;
  const platform::KeyDirectory* keys_;
  const risk::RiskService* risk_;
  std::function<std::string(uint64_t)> recorded_body_;
  bool has_counter_ = false;
  std::vector<std::unique_ptr<Tenant>> tenants_;  // [0] is the root tenant
  // Ops in flight (executed, not yet known durable or lost), by address.
  std::map<const runtime::ServiceOp*, Sent> in_flight_;
  std::vector<Sent> retries_;                                   // keyed ops to send again
  std::map<std::string, Answer> first_answer_;                  // by Idempotency-Key, once durable
  std::map<std::pair<size_t, std::string>, Counter> counters_;  // (tenant, name)
  uint64_t next_serial_ = 1;
  // Policy: 0 the default bundle only, 1-2 the sim bundle from the start, 3 the sim bundle
  // activated once `sim_policy_at_op_` ops were sent (decisions of both versions).
  uint64_t policy_mode_ = 0;
  uint64_t sim_policy_at_op_ = 0;
  bool sim_policy_sent_ = false;
  uint64_t sim_hold_timeout_s_ = 0;
  uint64_t hold_timeout_s_ = 0;      // the active bundle's, as the model knows it
  std::map<u128, CaseModel> cases_;  // by case id
  uint64_t stat_allowed_ = 0, stat_held_ = 0, stat_denied_ = 0, stat_approved_ = 0;
  uint64_t stat_rejected_ = 0, stat_expired_ = 0, stat_four_eyes_ = 0, stat_case_closed_ = 0;
  std::string error_;
  uint64_t stat_ops_ = 0, stat_retries_ = 0, stat_replayed_ = 0, stat_reused_ = 0;
  uint64_t stat_lost_ = 0, stat_counter_resets_ = 0, stat_created_ = 0;
};

}  // namespace cb::sim
