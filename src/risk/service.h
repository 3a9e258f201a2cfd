#pragma once
// The risk service (issue 14, ADR 0017): the decision port every money movement asks on the
// writer thread, the policy bundles that decide (activated by journal events carrying
// their content), the features they read, the decisions themselves and the cases that
// hold a movement until an analyst (or the hold's time-out) resolves it. State changes
// only through its events (PolicyActivated, DecisionRecorded, HoldResolved): replay
// rebuilds it, and the decisions replay with the bundle version that made them.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "corebank/risk/v1/events.pb.h"
#include "kernel/decision_port.h"
#include "kernel/envelope.h"
#include "kernel/four_eyes.h"
#include "kernel/screener.h"
#include "risk/events.h"
#include "risk/features.h"
#include "risk/ops.h"
#include "risk/policy_slot.h"
#include "runtime/service.h"

namespace cb::risk {

struct RiskOptions {
  // How long a held movement waits for an analyst before it is voided (a bundle's manifest
  // may say otherwise; this is the default).
  uint64_t hold_timeout_s = 72 * 3600;
  // POST /v1/screenings returns hits scoring at least this (the review threshold).
  double screening_score_min = 0.80;
  // Not owned; null: every activation, recovery and replay compiles its bundles.
  PolicyCache* policy_cache = nullptr;
  // Decisions the table has buckets for from the start: growing a table of a million
  // decisions rehashes it on the writer in one go, a latency spike for that whole batch.
  // 8 MiB of buckets for the first million; the simulator (thousands of short-lived
  // services) asks for none.
  size_t decisions_reserved = 1u << 20;
};

// The last SanctionsListLoaded under one list name (replay and snapshots keep these).
struct SanctionsListRecord {
  SanctionsListMeta meta;
  TimestampNs loaded = 0;
  uint64_t seq = 0;
};

// A hold's case: open -> approved | rejected | expired. An investigation:
// open -> investigating -> (pending_approval ->) closed.
enum class CaseStatus : uint8_t {
  kOpen = 1,
  kApproved = 2,
  kRejected = 3,
  kExpired = 4,
  kInvestigating = 5,
  kPendingApproval = 6,  // closing as suspicious, waiting for the second person
  kClosed = 7,
};
const char* CaseStatusName(CaseStatus s);
enum class CaseKind : uint8_t { kHold = 1, kInvestigation = 2 };

// One alert (AlertRaised), kept whole: the SAR draft and the lists show it.
struct Alert {
  u128 id = 0, tenant = 0, customer = 0, case_id = 0, decision = 0, transfer = 0;
  AlertKind kind = AlertKind::kMonitoring;
  Severity severity = Severity::kMedium;
  std::string rule, reason, error, currency;
  uint8_t currency_exponent = 2;
  int64_t amount_minor = 0;
  uint32_t policy_version = 0;
  TimestampNs at = 0, movement_at = 0;
  uint32_t order = 0;                // position in the tenant's list (cursor)
  std::vector<std::string> entries;  // a screening alert: "list:entry_id"s; reconciliation: rex_
  std::string reconciliation;        // a reconciliation alert: its "rec_" id; customer is 0
};

// A customer the risk core screens (CustomerScreened): its name, its latest hits.
struct ScreenedCustomer {
  u128 tenant = 0;
  std::string name;
  bool business = false;
  ScreeningStatus status = ScreeningStatus::kUnscreened;
  std::vector<corebank::risk::v1::ScreeningHitRecord> hits;
  TimestampNs at = 0;
};

struct CaseNote {
  TimestampNs at = 0;
  uint32_t actor_kind = 0;
  u128 actor = 0;
  std::string text;
  std::vector<Attachment> attachments;
};

struct DecisionRec {
  u128 id = 0, tenant = 0, subject = 0, case_id = 0;
  u128 transfer = 0;  // what the caller sees: the transfer, or the pending one being posted
  uint64_t seq = 0;
  TimestampNs at = 0;
  Outcome outcome = Outcome::kAllow;
  kernel::Disposition disposition = kernel::Disposition::kExecuted;
  int32_t score = 0;
  uint32_t policy_version = 0;
  int64_t amount_minor = 0;
  std::string operation, currency;
  uint8_t currency_exponent = 2;
  std::vector<std::string> reasons, rules_fired, rule_errors;
  std::vector<std::pair<Feature, int64_t>> features_read;
};

struct Case {
  u128 id = 0, tenant = 0, decision = 0;
  u128 held_transfer = 0;  // the pending transfer the hold reserves
  kernel::HoldAction action = kernel::HoldAction::kPost;
  int64_t post_amount_minor = 0;  // kPost: what approval posts (0 = the whole reservation)
  uint32_t order = 0;             // position in the tenant's list (cursor)
  CaseStatus status = CaseStatus::kOpen;
  TimestampNs opened = 0, expires = 0, resolved = 0;
  uint32_t resolved_by_kind = 0;  // ActorKind (1 API key, 2 user, 3 app); 0 = the time-out
  u128 resolved_by = 0;
  uint32_t requested_by_kind = 0;  // who asked for the movement: never its approver
  u128 requested_by = 0;
  std::string note;
  // What the features count once an approval moves the money.
  u128 from_account = 0, to_account = 0, customer = 0;
  uint32_t ledger = 0;
  // Investigations (kind kInvestigation; `customer` is whom it is about).
  CaseKind kind = CaseKind::kHold;
  std::vector<u128> alerts;  // in raising order
  std::string assignee;
  CaseDisposition disposition = CaseDisposition::kNone;
  std::vector<CaseNote> notes;
  uint32_t close_requested_by_kind = 0;  // kPendingApproval: who asked to close it
  u128 close_requested_by = 0;
  TimestampNs close_requested_at = 0, updated = 0;
  // The disposition a pending close asks for (suspicious, or false_positive of a match).
  CaseDisposition pending_disposition = CaseDisposition::kNone;
  // Monitoring alerts by AlertQuietKey: the movement time of the last (derived from them).
  std::map<std::string, TimestampNs, std::less<>> last_alert_by_rule;
};

// An AlertRaised as the service keeps it; nullopt when its ids, kind or severity are bad.
std::optional<Alert> AlertOf(const corebank::risk::v1::AlertRaised& e);

// The key a monitor's quiet time (repeat_after_s) is kept under in a case.
std::string AlertQuietKey(std::string_view rule, std::string_view reason);

// Whether a case still needs someone (open hold; investigation not closed).
bool CaseIsOpen(const Case& c);

// The activated bundles' files by version, for threads other than the writer (the
// monitor's subscriber compiles its own copies). Append-only; a version names one content.
class BundleArchive {
 public:
  void Put(uint32_t version, const Files& files);
  std::optional<Files> Get(uint32_t version) const;

 private:
  mutable std::mutex mu_;
  std::map<uint32_t, Files> files_;
};

std::string RenderCase(const Case& c);
std::string RenderPolicy(const Bundle& b, bool active);

// Who a principal is, as events record actors: (1 API key | 2 user | 3 app, its id).
std::pair<uint32_t, u128> ActorOf(const kernel::Principal& p);

class RiskService final : public runtime::Service,
                          public kernel::DecisionPort,
                          public kernel::Screener {
 public:
  RiskService(kernel::EnvelopeRunner* envelope, RiskOptions options = {});
  // Who may approve a hold (the platform's rules, shared with adjustments); set before the
  // executor starts. Without it only the requester itself is refused (unit tests).
  void SetFourEyes(const kernel::FourEyes* four_eyes) { four_eyes_ = four_eyes; }

  // runtime::Service
  void Execute(const runtime::ServiceOp& op, runtime::ServiceContext& ctx,
               runtime::Reply* reply) override;
  Status ApplyEvent(const journal::EventView& event, uint64_t seq,
                    TimestampNs record_timestamp) override;
  void Clear() override;
  std::string CaptureSnapshot() const override;
  Status LoadSnapshot(std::string_view bytes) override;
  void RunDue(runtime::ServiceContext& ctx) override;
  void OnCustomerCreated(const kernel::CustomerFacts& c, runtime::ServiceContext& ctx) override;
  std::optional<TimestampNs> NextDue() const override;

  // kernel::DecisionPort
  kernel::Decision Decide(const kernel::Movement& m, runtime::ServiceContext& ctx) override;
  void Record(const kernel::Movement& m, const kernel::Decision& d, kernel::Disposition disposition,
              kernel::HoldAction action, runtime::ServiceContext& ctx) override;
  bool Held(u128 transfer) const override { return held_.contains(transfer); }
  u128 DecisionOf(u128 transfer) const override;
  bool deciding() const override { return deciding_; }
  void AddHoldObserver(kernel::HoldObserver* observer) override {
    hold_observers_.push_back(observer);
  }
  void RaiseReconciliationAlert(const kernel::ReconciliationAlert& a,
                                runtime::ServiceContext& ctx) override;
  // kernel::Screener (screener_port.cc; writer thread).
  Result<std::vector<kernel::ScreeningHit>> ScreenName(const kernel::ScreeningQuery& query,
                                                       size_t hits_max) const override;
  kernel::ScreeningThresholds screening_thresholds() const override;
  // COREBANK_RISK_DECISIONS=0 (benchmarks only): no decisions; holds stay held.
  void set_deciding(bool on) { deciding_ = on; }

  // Writer thread only (tests, dry runs).
  const DecisionRec* FindDecision(u128 id) const;
  const Case* FindCase(u128 id) const;
  const PolicySlot& policies() const { return policies_; }
  const std::map<u128, Case>& cases() const { return cases_; }
  // Unordered: for checks that visit every decision, never for output.
  const std::unordered_map<u128, DecisionRec, kernel::U128Hash>& decisions() const {
    return decisions_;
  }
  const FeatureStore& features() const { return features_; }
  const Alert* FindAlert(u128 id) const;
  const ScreenedCustomer* FindScreened(u128 customer) const;
  size_t rescreens_pending() const { return rescreen_.size(); }
  // Shared with the monitor's subscriber (thread-safe).
  const BundleArchive* archive() const { return &archive_; }
  // By list name. Read it before the writer starts (serve) or on the writer.
  const std::map<std::string, SanctionsListRecord>& sanctions_lists() const {
    return sanctions_lists_;
  }
  const screening::ScreeningIndex* screening_index() const { return screening_index_.get(); }

 private:
  static void AdjustForInFlight(const kernel::Movement& m, FeatureValues* f);
  kernel::Answer Handle(const RiskOp& op, runtime::ServiceContext& ctx);
  kernel::Answer Resolve(const RiskOp& op, const ResolveCaseOp& r, runtime::ServiceContext& ctx);
  kernel::Answer Activate(const RiskOp& op, const ActivatePolicyOp& a,
                          runtime::ServiceContext& ctx);
  // Posts or voids a held reservation in the ledger and journals the resolution.
  Status ResolveHold(Case& c, Resolution r, uint32_t actor_kind, u128 actor,
                     const std::string& note, runtime::ServiceContext& ctx);

  void ApplyDecision(const corebank::risk::v1::DecisionRecorded& e, uint64_t seq);
  Status ApplyResolution(const corebank::risk::v1::HoldResolved& e);
  kernel::Answer LoadSanctions(const LoadSanctionsOp& l, runtime::ServiceContext& ctx);
  kernel::Answer Screen(const RiskOp& op, const ScreenOp& q) const;
  Status ApplySanctionsList(const corebank::risk::v1::SanctionsListLoaded& e, uint64_t seq);
  // Monitoring (monitoring.cc): alerts, investigation cases, the SAR draft.
  kernel::Answer RaiseAlerts(const RaiseAlertsOp& r, runtime::ServiceContext& ctx);
  kernel::Answer HandleInvestigation(const RiskOp& op, runtime::ServiceContext& ctx);
  kernel::Answer UpdateCase(const RiskOp& op, u128 id, corebank::risk::v1::CaseUpdated e,
                            runtime::ServiceContext& ctx);
  kernel::Answer ListAlerts(const RiskOp& op, const ListAlertsOp& l) const;
  std::string RenderSar(const Case& c, bool html, TimestampNs now) const;
  // The investigation the customer's next alert joins, or 0: open a new one.
  u128 InvestigationFor(u128 tenant, u128 customer) const;
  Status ApplyAlert(const corebank::risk::v1::AlertRaised& e);
  Status ApplyCaseUpdate(const corebank::risk::v1::CaseUpdated& e);
  void InstallPolicy(Bundle b);  // the slot and the archive
  // Customer screening (customer_screening.cc).
  void ScreenCustomer(u128 tenant, u128 customer, const std::string& name, bool business,
                      bool rescreen, runtime::ServiceContext& ctx);
  Status ApplyCustomerScreened(const corebank::risk::v1::CustomerScreened& e);
  ScreeningStatus StatusOf(u128 tenant, u128 customer,
                           const std::vector<corebank::risk::v1::ScreeningHitRecord>& hits) const;
  void ClearFalsePositives(const Case& c);
  // Journals the customer's screening standing as it is now (after hits were cleared).
  void RecordScreeningStanding(u128 tenant, u128 customer, runtime::ServiceContext& ctx);
  bool HasSanctionsMatch(const Case& c) const;
  // Journals `a` into the customer's working investigation (or a new one); false, and
  // nothing journaled, inside its monitor's quiet time.
  bool RaiseAlert(const AlertDraft& a, runtime::ServiceContext& ctx);
  // The worse screening standing of a movement's two customers ("" | "review" | "match").
  std::string_view ScreeningOf(u128 from_customer, u128 to_customer) const;

  kernel::EnvelopeRunner* envelope_;
  const kernel::FourEyes* four_eyes_ = nullptr;
  std::vector<kernel::HoldObserver*> hold_observers_;  // told as each hold ends
  bool deciding_ = true;
  RiskOptions options_;
  PolicySlot policies_;
  FeatureStore features_;
  std::unordered_map<u128, DecisionRec, kernel::U128Hash> decisions_;
  std::map<u128, Case> cases_;
  std::map<u128, std::vector<u128>> tenant_cases_;      // tenant -> case ids in opening order
  std::set<std::pair<TimestampNs, u128>> hold_expiry_;  // open cases by time-out
  std::unordered_set<u128, kernel::U128Hash> held_;     // pending transfers open cases hold
  std::map<std::string, SanctionsListRecord> sanctions_lists_;
  std::unordered_map<u128, Alert, kernel::U128Hash> alerts_;
  std::map<u128, std::vector<u128>> tenant_alerts_;  // tenant -> alert ids in raising order
  // (tenant, customer) -> the investigation new alerts join (open or investigating).
  // Derived from cases_ (not in snapshots): (tenant, customer) -> its investigations that take
  // new alerts (open or investigating), by opening order. New alerts join the newest that
  // is not full; a case waiting for its close to be approved takes none.
  std::map<std::pair<u128, u128>, std::set<std::pair<uint32_t, u128>>> working_;
  void SetWorking(const Case& c, bool working);
  BundleArchive archive_;
  std::unordered_map<u128, ScreenedCustomer, kernel::U128Hash> screened_;  // by customer
  std::set<std::tuple<u128, u128, std::string>> cleared_;  // (tenant, customer, list:entry)
  std::set<std::pair<u128, u128>> rescreen_;  // (tenant, customer) to screen after a change
  // Built from the content-addressed files sanctions_lists_ names; immutable, installed by
  // LoadSanctionsOp. Not journal state (Clear keeps it): a cache of what the events name.
  std::shared_ptr<const screening::ScreeningIndex> screening_index_;
};

}  // namespace cb::risk
