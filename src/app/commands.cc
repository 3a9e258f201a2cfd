#include "app/commands.h"

#include <signal.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <string>

#include "app/platform_stack.h"
#include "base/sha256.h"
#include "base/time.h"
#include "platform/money_audit.h"
#include "runtime/executor.h"
#include "runtime/record_applier.h"
#include "runtime/replay.h"
#include "sim/simulator.h"

namespace cb::app {

uint64_t PeakRssMb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) / 1024;
  }
  return 0;
}

int RunReplay(const std::string& data_dir, const std::optional<std::string>& as_of_text) {
  std::optional<TimestampNs> as_of;
  if (as_of_text) {
    as_of = ParseRfc3339(*as_of_text);
    if (!as_of) {
      std::fprintf(stderr, "replay: --as-of must be RFC 3339, e.g. 2026-11-01T12:00:00Z\n");
      return 2;
    }
  }
  auto disk = NewPosixDisk();
  if (!disk->Exists(runtime::JournalDir(data_dir))) {
    std::fprintf(stderr, "replay: no journal in %s\n", data_dir.c_str());
    return 1;
  }
  const uint64_t t0 = MonotonicNowNs();
  // Pre-size from the journal's size: no index rehash or page-fault storm mid-replay.
  const uint64_t records_max =
      runtime::EstimateJournalRecords(disk.get(), runtime::JournalDir(data_dir));
  ledger::LedgerState state(records_max, 0);
  state.ReserveRecords(records_max);
  PlatformStack stack;
  auto result = runtime::ReplayJournal(disk.get(), data_dir, as_of, &state, &stack.services);
  const double seconds = static_cast<double>(MonotonicNowNs() - t0) / 1e9;
  if (!result.ok()) {
    std::fprintf(stderr, "replay: %s\n", result.status().ToString().c_str());
    return 1;
  }
  if (result->torn_tail) {
    std::printf("replay: note: torn tail ignored at %s\n", result->torn_detail.c_str());
  }
  bool balanced = true;
  for (const auto& t : state.TrialBalance()) balanced &= t.balanced();
  std::printf("replay: accounts=%zu records=%zu trial_balance=%s as_of=%s\n", state.account_count(),
              state.record_count(), balanced ? "balanced" : "UNBALANCED",
              as_of ? FormatRfc3339(*as_of).c_str() : "end");
  // Every tenant's books: zero-sum per currency, and the settlement accounts moved only by
  // sandbox deposits and approved adjustments (an --as-of replay audits that point in time).
  const Status audit = platform::AuditMoney(stack.service.state(), state);
  std::printf("replay: money_audit=%s\n", audit.ok() ? "ok" : audit.ToString().c_str());
  // The events line stays last: scripts read it.
  const Hash256 hash = state.StateHash();
  std::printf("replay: events=%" PRIu64 " seconds=%.3f events_per_s=%.0f state_hash=%s\n",
              result->events, seconds,
              seconds > 0 ? static_cast<double>(result->events) / seconds : 0.0,
              HashHex(hash).c_str());
  return balanced && audit.ok() ? 0 : 1;
}

int RunAuditVerify(const std::string& data_dir) {
  auto disk = NewPosixDisk();
  if (!disk->Exists(runtime::JournalDir(data_dir))) {
    std::fprintf(stderr, "audit verify: no journal in %s\n", data_dir.c_str());
    return 1;
  }
  auto result = runtime::AuditVerify(disk.get(), data_dir);
  if (!result.ok()) {
    std::printf("audit verify: FAILED: %s\n", result.status().message().c_str());
    return 1;
  }
  if (result->torn_tail) {
    // A crash mid-write leaves an unacknowledged partial group at the very end; the chain
    // before it is intact and the server truncates it on its next start.
    std::printf("audit verify: note: torn tail (unacknowledged, dropped on next start) at %s\n",
                result->torn_detail.c_str());
  }
  std::printf("audit verify: events=%" PRIu64 " end=%s:%" PRIu64 "\n", result->events,
              journal::SegmentName(result->end.segment).c_str(), result->end.offset);
  std::printf("audit verify: ok batches=%" PRIu64 " last_hash=%s\n", result->batches,
              HashHex(result->last_hash).c_str());
  return 0;
}

int RunSnapshot(const std::string& data_dir) {
  auto disk = NewPosixDisk();
  runtime::RecoveryInfo info;
  PlatformStack stack;
  auto shard = OpenShard(disk.get(), data_dir, &stack, &info);
  if (!shard.ok()) {
    std::fprintf(stderr, "snapshot: %s\n", shard.status().ToString().c_str());
    return 1;
  }
  const uint64_t t0 = MonotonicNowNs();
  const runtime::SnapshotJob job = (*shard)->CaptureSnapshot();
  const Status st = (*shard)->WriteSnapshot(job);
  if (!st.ok()) {
    std::fprintf(stderr, "snapshot: %s\n", st.ToString().c_str());
    return 1;
  }
  std::printf("snapshot: seq_next=%" PRIu64 " seconds=%.3f\n", job.meta.seq_next,
              static_cast<double>(MonotonicNowNs() - t0) / 1e9);
  return 0;
}

int RunRecoveryBench(const std::string& data_dir) {
  auto disk = NewPosixDisk();
  runtime::RecoveryInfo info;
  const uint64_t t0 = MonotonicNowNs();
  PlatformStack stack;
  auto shard = OpenShard(disk.get(), data_dir, &stack, &info);
  const double seconds = static_cast<double>(MonotonicNowNs() - t0) / 1e9;
  if (!shard.ok()) {
    std::fprintf(stderr, "bench recovery: %s\n", shard.status().ToString().c_str());
    return 1;
  }
  for (const auto& r : info.snapshots_rejected)
    std::printf("bench recovery: skipped %s\n", r.c_str());
  std::printf("recovery bench: seconds=%.3f snapshot=%s events_replayed=%" PRIu64
              " records=%zu rss_mb=%" PRIu64 "\n",
              seconds, info.snapshot_used.empty() ? "none" : info.snapshot_used.c_str(),
              info.events_replayed, (*shard)->state().record_count(), PeakRssMb());
  return 0;
}

int RunLookupTransfer(const std::string& data_dir, const std::string& id_text, uint64_t count) {
  auto id = ParseU128(id_text);
  if (!id || *id == 0 || *id > kU128Max - count) {
    std::fprintf(stderr, "lookup-transfer: --id must be a decimal u128 > 0\n");
    return 2;
  }
  auto disk = NewPosixDisk();
  if (!disk->Exists(runtime::JournalDir(data_dir))) {
    std::fprintf(stderr, "lookup-transfer: no journal in %s\n", data_dir.c_str());
    return 1;
  }
  ledger::LedgerState state;
  PlatformStack stack;
  auto result = runtime::ReplayJournal(disk.get(), data_dir, std::nullopt, &state, &stack.services);
  if (!result.ok()) {
    std::fprintf(stderr, "lookup-transfer: %s\n", result.status().ToString().c_str());
    return 1;
  }
  uint64_t missing = 0;
  u128 first_missing = 0;
  for (uint64_t k = 0; k < count; k++) {
    if (state.TransferRow(ledger::TransferId{*id + k}) == ledger::kNoRow) {
      if (missing++ == 0) first_missing = *id + k;
    }
  }
  if (count == 1 && missing == 0) {
    const ledger::Transfer& t = state.record(state.TransferRow(ledger::TransferId{*id}));
    std::printf("lookup-transfer: found id=%s debit=%s credit=%s amount=%s timestamp=%s\n",
                U128ToString(t.id.value).c_str(), U128ToString(t.debit_account_id.value).c_str(),
                U128ToString(t.credit_account_id.value).c_str(), U128ToString(t.amount).c_str(),
                FormatRfc3339(t.timestamp).c_str());
    return 0;
  }
  std::printf("lookup-transfer: found=%" PRIu64 " missing=%" PRIu64 "%s%s\n", count - missing,
              missing, missing ? " first_missing=" : "",
              missing ? U128ToString(first_missing).c_str() : "");
  return missing == 0 ? 0 : 1;
}

int RunSim(uint64_t seed, uint64_t steps, uint64_t seeds) {
  uint64_t failures = 0;
  for (uint64_t s = seed; s < seed + seeds; s++) {
    char context[128];
    std::snprintf(context, sizeof(context),
                  "reproduce with: corebank sim --seed %" PRIu64 " --steps %" PRIu64, s, steps);
    SetCheckContext(context);
    sim::SimResult r = sim::RunSimulation(sim::SimOptions{s, steps});
    if (!r.ok) {
      failures++;
      std::printf("sim: FAILED seed=%" PRIu64 " step=%" PRIu64 ": %s\n", s, r.failed_step,
                  r.message.c_str());
      std::printf("sim: reproduce with: corebank sim --seed %" PRIu64 " --steps %" PRIu64 "\n", s,
                  steps);
    } else if (seeds == 1) {
      std::printf("sim: seed=%" PRIu64 " %s\n", s, r.summary.c_str());
    }
  }
  std::printf("sim: seeds=%" PRIu64 " steps=%" PRIu64 " failed=%" PRIu64 "\n", seeds, steps,
              failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace cb::app
