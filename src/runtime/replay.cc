#include "runtime/replay.h"

#include "ledger/events.h"
#include "runtime/shard.h"

namespace cb::runtime {

Result<ReplayResult> ReplayJournal(Disk* disk, const std::string& data_dir,
                                   std::optional<TimestampNs> as_of, ledger::LedgerState* state) {
  ReplayResult result;
  bool reached_as_of = false;
  auto end = journal::ScanJournal(disk, JournalDir(data_dir), journal::ScanStart{},
                                  [&](const journal::RecordRef& rec) -> Status {
                                    if (reached_as_of)
                                      return Status::Ok();  // keep scanning: verify the rest
                                    journal::EventIterator it(rec.events);
                                    journal::EventView ev;
                                    while (it.Next(&ev)) {
                                      if (as_of) {
                                        const TimestampNs ts = ledger::EventTimestamp(ev);
                                        // Definitions carry no stamp; they belong to their batch's
                                        // time.
                                        const TimestampNs effective =
                                            ts != 0 ? ts : rec.header->timestamp_ns;
                                        if (effective > *as_of) {
                                          reached_as_of = true;
                                          return Status::Ok();
                                        }
                                      }
                                      CB_RETURN_IF_ERROR(ledger::ApplyEvent(state, ev));
                                      result.events++;
                                    }
                                    result.records++;
                                    result.timestamp_last_ns = rec.header->timestamp_ns;
                                    return Status::Ok();
                                  });
  if (!end.ok()) return end.status();
  result.torn_tail = end->torn_tail;
  result.torn_detail = end->torn_detail;
  state->IndexHistory();
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
