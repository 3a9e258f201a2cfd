#include "runtime/replay.h"

#include "ledger/events.h"
#include "runtime/record_applier.h"
#include "runtime/shard.h"

namespace cb::runtime {

Result<ReplayResult> ReplayJournal(Disk* disk, const std::string& data_dir,
                                   std::optional<TimestampNs> as_of, ledger::LedgerState* state,
                                   Service* service, bool pipelined) {
  ReplayResult result;
  RecordApplier applier(state, as_of, service);
  const auto on_record = [&](const journal::RecordRef& rec) -> Status {
    return applier.Apply(rec);
  };
  auto end =
      pipelined ? journal::ScanJournalPipelined(disk, JournalDir(data_dir), journal::ScanStart{},
                                                on_record)
                : journal::ScanJournal(disk, JournalDir(data_dir), journal::ScanStart{}, on_record);
  if (!end.ok()) return end.status();
  result.events = applier.events();
  result.records = applier.records();
  result.timestamp_last_ns = applier.last_record_timestamp();
  result.torn_tail = end->torn_tail;
  result.torn_detail = end->torn_detail;
  state->CheckInvariants();
  return result;
}

Result<AuditResult> AuditVerify(Disk* disk, const std::string& data_dir) {
  AuditResult result;
  auto end = journal::ScanJournal(disk, JournalDir(data_dir), journal::ScanStart{},
                                  [&](const journal::RecordRef& rec) -> Status {
                                    result.batches++;
                                    result.events += rec.header->event_count;
                                    return Status::Ok();
                                  });
  if (!end.ok()) return end.status();
  result.last_hash = end->last_hash;
  result.end = end->end;
  result.torn_tail = end->torn_tail;
  result.torn_detail = end->torn_detail;
  return result;
}

}  // namespace cb::runtime
