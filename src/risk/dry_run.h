#pragma once
// Dry runs on history (issue 14): every recorded decision (DecisionRecorded carries the
// policy's whole input and every feature value) evaluated again, either by a candidate
// bundle ("which past decisions would change?") or by the bundle version that made it
// (a replay check: every decision must come out exactly as recorded). Reads journal events
// only; activates nothing. Fed events in journal order (`corebank policy dry-run`, and the
// API's dry run on the read pool).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/uint128.h"
#include "journal/format.h"
#include "journal/reader.h"
#include "risk/policy.h"

namespace cb::risk {

constexpr size_t kDryRunChangesShownMax = 100;

struct DryRunChange {
  u128 decision = 0;
  uint64_t seq = 0;
  std::string recorded_outcome, outcome;
  std::vector<std::string> recorded_reasons, reasons;
};

struct DryRunReport {
  uint64_t decisions = 0;    // evaluated
  uint64_t changed = 0;      // outcome or reasons differ (replay: anything differs)
  uint64_t skipped = 0;      // made before any bundle was active (replay mode)
  uint64_t undecodable = 0;  // decision events that do not parse (a replay check fails)
  // "allow->hold" -> count, for every change.
  std::map<std::string, uint64_t> transitions;
  std::vector<DryRunChange> changes;  // the first kDryRunChangesShownMax
  // The journal read so far; has_more: a bounded read stopped before the durable end
  // (continue after last_seq).
  uint64_t last_seq = 0;
  bool has_more = false;
};

class DryRun {
 public:
  // `candidate` (not owned) evaluates every decision; null: each decision is evaluated by
  // the bundle version recorded in it (compiled from the PolicyActivated events seen), and
  // must reproduce outcome, reasons, rules fired, rule errors and score exactly.
  explicit DryRun(Policy* candidate) : candidate_(candidate) {}
  // Risk events are used; any other is ignored. Fails only on a PolicyActivated that no
  // longer compiles (replay mode).
  Status OnEvent(const journal::EventView& ev, uint64_t seq);
  // Feeds every risk event with seq in (after, durable_seq_next) to OnEvent, reading at
  // most `events_max` events of any kind: past it the report says has_more (continue after
  // last_seq). Fails when the journal cannot be read or OnEvent fails.
  Status ReadJournal(journal::JournalReader* reader, uint64_t after, uint64_t durable_seq_next,
                     uint64_t events_max = UINT64_MAX);
  // Only decisions of this tenant (zero: all).
  void set_tenant(u128 tenant) { tenant_ = tenant; }
  const DryRunReport& report() const { return report_; }
  DryRunReport& report() { return report_; }

 private:
  Policy* candidate_;
  u128 tenant_ = 0;
  std::map<uint32_t, std::unique_ptr<Policy>> versions_;  // replay mode
  DryRunReport report_;
};

// The report as JSON ({"object":"policy_dry_run", ...}; api/openapi.yaml PolicyDryRun).
std::string RenderDryRun(const DryRunReport& r);

}  // namespace cb::risk
