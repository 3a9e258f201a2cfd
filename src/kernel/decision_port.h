#pragma once
// The decision port (issue 14): before a money movement runs, the service moving it asks
// the risk core "allow, step up, hold or deny, and why?", on the writer thread, and after
// acting on the answer records the decision in the same batch. Two calls, because what
// the decision's event says (and what the features count) depends on what the ledger
// then did: Decide evaluates and changes nothing; Record journals the decision with its
// disposition and updates the risk state. Every Decide is followed by exactly one Record
// in the same op.
#include <any>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "kernel/ids.h"
#include "kernel/principal.h"
#include "runtime/service.h"

namespace cb::kernel {

// Ordered by severity; values match risk::Outcome and are stored in events.
enum class RiskOutcome : uint8_t { kAllow = 0, kStepUp = 1, kHold = 2, kDeny = 3 };

// What became of a decided movement (stored in events: append only).
enum class Disposition : uint8_t {
  kExecuted = 1,  // allowed and the ledger applied it
  kFailed = 2,    // allowed but the ledger (or a linked chain) refused it
  kHeld = 3,      // reserved as a pending transfer until an analyst resolves the case
  kRefused = 4,   // denied, or a step-up was required: nothing ran
};

// What a held movement waits for.
enum class HoldAction : uint8_t {
  kPost = 1,     // approve posts the pending reservation (a held transfer)
  kRelease = 2,  // approve only lifts the hold: the client asked for a pending transfer
};

// One money movement, as the moving service knows it.
struct Movement {
  std::string_view operation;  // "transfer" | "batch_item" | "post_pending"
  u128 subject = 0;            // the transfer decided on; the decision's id derives from it
  u128 transfer = 0;           // the transfer the caller sees, if not the subject (a post's)
  const Principal* caller = nullptr;
  u128 from_account = 0, to_account = 0;
  u128 from_customer = 0, to_customer = 0;  // zero: the account has no customer
  std::string_view customer_type;           // "individual" | "business" | "none"
  uint8_t kyc_tier = 0;
  TimestampNs from_account_created = 0, to_account_created = 0;
  uint32_t ledger = 0;
  std::string_view currency;
  uint8_t currency_exponent = 2;
  int64_t amount_minor = 0;
  // A post of a pending transfer: what a held post posts on approval (0 = the whole
  // reservation), and the reservation already counted in the features (not counted twice).
  int64_t post_amount_minor = 0;
  int64_t counted_minor = 0;
  // Earlier items of the same linked chain, decided but not yet executed: the policy sees
  // them as already sent (a chain cannot split a payment under a limit).
  int64_t inflight_account_count = 0, inflight_account_sum_minor = 0;
  int64_t inflight_customer_count = 0, inflight_customer_sum_minor = 0;
};

// A customer as onboarding created it (the risk core screens its name).
struct CustomerFacts {
  u128 tenant = 0, id = 0;
  std::string_view name;
  bool business = false;
};

struct Decision {
  u128 id = 0;
  RiskOutcome outcome = RiskOutcome::kAllow;
  std::vector<std::string> reasons;
  // What Record needs of the evaluation (the risk service's own types).
  std::any detail;
};

// A break in the bank's own books that a reconciliation found (its exceptions): not about
// any customer, so the risk core raises it as a bank-level alert (no customer) into the
// root tenant's bank-level investigation, journaled in the caller's batch (replay rebuilds
// it from that record, with no callback).
struct ReconciliationAlert {
  u128 id = 0;      // derived by the caller from the reconciliation: raised at most once
  u128 tenant = 0;  // the root tenant, whose admins reconcile and read the alert
  std::string_view reconciliation;       // its public id ("rec_..."), shown with the alert
  std::string_view reason;               // a stable snake_case code
  bool severe = false;                   // severity high, else medium
  std::span<const std::string> entries;  // the exceptions' public ids, at most kEntriesMax
  static constexpr size_t kEntriesMax = 20;
};

// Told when a hold ends (approved, rejected or timed out), in the batch that ends it, after
// the ledger posted or voided the reservation (or, for HoldAction::kRelease, left it
// pending). A service that moved money through another's port (payments) follows its own
// object here; what it does it journals, so replay needs no observer.
class HoldObserver {
 public:
  virtual ~HoldObserver() = default;
  virtual void OnHoldResolved(u128 held_transfer, bool approved, runtime::ServiceContext& ctx) = 0;
};

class DecisionPort {
 public:
  virtual ~DecisionPort() = default;
  // Evaluates the active policy on `m` and the features of its accounts; changes nothing.
  virtual Decision Decide(const Movement& m, runtime::ServiceContext& ctx) = 0;
  // Journals `d` with what became of the movement (and for a hold opens its case, whose
  // approval does `action` and whose rejection or time-out voids `held_transfer`).
  virtual void Record(const Movement& m, const Decision& d, Disposition disposition,
                      HoldAction action, runtime::ServiceContext& ctx) = 0;
  // Whether decisions are made at all (false only for the A/B benchmark:
  // COREBANK_RISK_DECISIONS=0); Held still answers either way, so a held reservation stays held.
  virtual bool deciding() const { return true; }
  // Whether the pending transfer is held by an open case (the client may not post it).
  virtual bool Held(u128 transfer) const = 0;
  // The decision on the transfer, if one was recorded (0 otherwise).
  virtual u128 DecisionOf(u128 transfer) const = 0;
  // A customer was created in this batch: screen it (journaled in the same batch).
  virtual void OnCustomerCreated(const CustomerFacts& /*c*/, runtime::ServiceContext& /*ctx*/) {}
  // Journals a reconciliation's alert in the caller's batch (a repeat of its id is a no-op).
  virtual void RaiseReconciliationAlert(const ReconciliationAlert& a,
                                        runtime::ServiceContext& ctx) = 0;
  // Before the executor starts; the observer outlives the port.
  virtual void AddHoldObserver(HoldObserver* /*observer*/) {}
};

// The decision id of a subject: derived, so the transfer can show it before it is recorded.
u128 DecisionIdOf(u128 subject);

}  // namespace cb::kernel
