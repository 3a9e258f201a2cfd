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
#include "kernel/ids.h"
#include "kernel/principal.h"
#include "risk/events.h"
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
struct ListCasesOp {
  CaseFilter filter = CaseFilter::kAll;
  uint32_t limit = 20;
  uint32_t after = 0;  // cursor: the case order number after which to start
};
struct ResolveCaseOp {
  u128 id = 0;
  bool approve = false;
  std::string note;
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
               ListPoliciesOp, DryRunPolicyOp, LoadSanctionsOp, ScreenOp>
      body;
  uint32_t service_id() const override { return kRiskServiceId; }
};

}  // namespace cb::risk
