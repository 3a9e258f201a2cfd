#pragma once
// Applies journal records to a ledger state: the replay half of event sourcing, shared by
// recovery (Shard::Open) and `corebank replay`. It prefetches the accounts and index slots
// of transfers a few events ahead (replay is bound by cache misses, not arithmetic).
// History needs no extra pass: applying a record links it into its accounts' chains.
#include <optional>

#include "journal/scan.h"
#include "ledger/state.h"
#include "runtime/service.h"

namespace cb::runtime {

class RecordApplier {
 public:
  // With `as_of`, events stamped after it are skipped (and every later record).
  RecordApplier(ledger::LedgerState* state, std::optional<TimestampNs> as_of,
                Service* service = nullptr);
  RecordApplier(const RecordApplier&) = delete;
  RecordApplier& operator=(const RecordApplier&) = delete;

  Status Apply(const journal::RecordRef& record);

  uint64_t events() const { return events_; }
  uint64_t records() const { return records_; }
  TimestampNs last_event_timestamp() const { return last_ts_; }
  TimestampNs last_record_timestamp() const { return last_record_ts_; }

 private:
  ledger::LedgerState* state_;
  Service* service_;
  std::optional<TimestampNs> as_of_;
  bool reached_as_of_ = false;
  uint64_t events_ = 0;
  uint64_t records_ = 0;
  TimestampNs last_ts_ = 0;
  TimestampNs last_record_ts_ = 0;
};

// Upper bound on the records a journal holds (its bytes over the smallest transfer event),
// to pre-size state before replay.
uint64_t EstimateJournalRecords(Disk* disk, const std::string& journal_dir);

}  // namespace cb::runtime
