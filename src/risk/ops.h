#pragma once
// The risk service's REST ops (decoded by api/risk_routes.cc). Shapes only; the service
// checks them against state.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "base/sha256.h"
#include "base/time.h"
#include "kernel/ids.h"
#include "kernel/principal.h"
#include "risk/events.h"
#include "risk/risk_input.h"
#include "risk/screening/entry.h"
#include "runtime/service.h"

namespace cb::risk::screening {
class ScreeningIndex;
}

namespace cb::risk {

constexpr size_t kCaseNoteCharsMax = 1000;
constexpr uint32_t kCasesPageMax = 100;

struct GetDecisionOp {
  u128 id = 0;
};
struct GetCaseOp {
  u128 id = 0;
};
enum class CaseFilter : uint8_t { kAll, kOpen, kClosed };
enum class CaseTypeFilter : uint8_t { kAll, kHold, kInvestigation };
struct ListCasesOp {
  CaseFilter filter = CaseFilter::kAll;
  CaseTypeFilter type = CaseTypeFilter::kAll;
  u128 customer = 0;  // 0: every customer
  uint32_t limit = 20;
  uint32_t after = 0;  // cursor: the case order number after which to start
};
struct ResolveCaseOp {
  u128 id = 0;
  bool approve = false;
  std::string note;
};
// Investigation cases (docs/risk/monitoring.md).
constexpr size_t kCaseAssigneeBytesMax = 128;
constexpr size_t kCaseAttachmentsMax = 5;
constexpr size_t kAttachmentNameBytesMax = 200;
constexpr size_t kAttachmentUriBytesMax = 1024;
constexpr size_t kCaseNotesMax = 200;      // per case (~1.5 MiB at most with attachments)
constexpr size_t kCaseAlertsMax = 10'000;  // per case: past it the next alert opens another
struct Attachment {
  std::string name, uri, sha256;  // sha256: 64 lower-case hex or ""
};
struct AssignCaseOp {
  u128 id = 0;
  std::string assignee;
};
struct AddCaseNoteOp {
  u128 id = 0;
  std::string text;
  std::vector<Attachment> attachments;
};
struct CloseCaseOp {
  u128 id = 0;
  CaseDisposition disposition = CaseDisposition::kNone;
  std::string note;
};
// GET /v1/cases/{id}/sar (JSON) and /sar.html.
struct GetSarOp {
  u128 id = 0;
  bool html = false;
};
struct GetAlertOp {
  u128 id = 0;
};
struct ListAlertsOp {
  u128 customer = 0;  // 0: all
  u128 case_id = 0;   // 0: all
  uint32_t limit = 20;
  uint32_t after = 0;  // cursor: the alert order number after which to start
};
// One alert a [[monitor]] rule raised on a committed movement, as the monitor's subscriber
// read it from the DecisionRecorded event. Built in process only (no route decodes it).
struct AlertDraft {
  u128 id = 0;  // derived from the decision and the hit's index: a repeat is a no-op
  u128 tenant = 0, customer = 0, decision = 0, transfer = 0;
  AlertKind kind = AlertKind::kMonitoring;
  std::string rule, reason, error;
  Severity severity = Severity::kMedium;
  int64_t amount_minor = 0;
  std::string currency;
  uint8_t currency_exponent = 2;
  uint32_t policy_version = 0;
  TimestampNs movement_at = 0;
  std::vector<std::string> entries;  // a screening alert: "list:entry_id"s
  std::string reconciliation;        // a reconciliation alert (customer 0): its "rec_" id
  // The monitor's repeat_after_s: no alert if it raised one about the customer within it
  // (into the customer's working investigation).
  uint64_t repeat_after_ns = 0;
};
struct RaiseAlertsOp {
  std::vector<AlertDraft> alerts;
};

// A bundle's files, as read from its folder (policy.h checks and compiles them).
struct ActivatePolicyOp {
  std::vector<std::pair<std::string, std::string>> files;
  // From the process itself (serve's default bundle, `corebank policy activate`), never from
  // the edge: no caller, no envelope.
  bool system = false;
};

struct ListPoliciesOp {};
// POST /v1/policies/dry-run: never reaches the writer (the edge runs it on the read pool).
struct DryRunPolicyOp {
  std::vector<std::pair<std::string, std::string>> files;
  uint64_t after = 0;  // decisions with journal seq > after
};

// A sanctions list as the journal names it (SanctionsListLoaded).
struct SanctionsListMeta {
  std::string name, version;
  uint32_t entries = 0;
  Hash256 sha256{};
};
// From the process itself (serve start), never from the edge: journals SanctionsListLoaded
// for each list whose hash differs from the last one loaded under its name, then installs
// `index`, built off the writer from the content-addressed files those events name.
struct LoadSanctionsOp {
  std::vector<SanctionsListMeta> lists;
  std::shared_ptr<const screening::ScreeningIndex> index;
};

// POST /v1/screenings: one ad-hoc screen (name checked at the edge: 1..256 bytes of UTF-8).
constexpr size_t kScreenNameBytesMax = 256;
constexpr size_t kScreenHitsMax = 20;
struct ScreenOp {
  std::string name;
  screening::EntityType type = screening::EntityType::kUnknown;
  int dob_year = 0, dob_month = 0, dob_day = 0;  // year 0: none given
  std::string country_code;                      // ISO 3166-1 alpha-2 as given, or ""
  std::string country_name;                      // its English name, as the lists write it
};

struct RiskOp final : runtime::ServiceOp {
  kernel::Principal caller;
  std::string trace_id;
  std::string idempotency_key;
  Hash256 request_sha256{};
  std::variant<GetDecisionOp, GetCaseOp, ListCasesOp, ResolveCaseOp, ActivatePolicyOp,
               ListPoliciesOp, DryRunPolicyOp, LoadSanctionsOp, ScreenOp, AssignCaseOp,
               AddCaseNoteOp, CloseCaseOp, GetSarOp, GetAlertOp, ListAlertsOp, RaiseAlertsOp>
      body;
  uint32_t service_id() const override { return kRiskServiceId; }
};

}  // namespace cb::risk
