#pragma once
// Offline journal tools behind `corebank replay` and `corebank audit verify`. Both read the
// journal without changing it (a torn tail is reported, not truncated).
#include <optional>
#include <string>

#include "journal/disk.h"
#include "journal/scan.h"
#include "ledger/state.h"
#include "runtime/service.h"

namespace cb::runtime {

struct ReplayResult {
  uint64_t events = 0;
  uint64_t records = 0;
  bool torn_tail = false;
  std::string torn_detail;
  TimestampNs timestamp_last_ns = 0;
};

// Rebuilds `state` (empty) by applying every event of the journal in `data_dir`, ignoring
// snapshots; with `as_of`, stops before the first event stamped after it.
// `pipelined`: read and verify on a helper thread while applying (journal::JournalOptions).
Result<ReplayResult> ReplayJournal(Disk* disk, const std::string& data_dir,
                                   std::optional<TimestampNs> as_of, ledger::LedgerState* state,
                                   Service* service = nullptr, bool pipelined = true);

struct AuditResult {
  journal::Position end;  // where the next record would go
  uint64_t batches = 0;
  uint64_t events = 0;
  Hash256 last_hash{};
  bool torn_tail = false;
  std::string torn_detail;
};

// Checks every record's CRC, hash and the chain. DataLoss names segment and offset.
Result<AuditResult> AuditVerify(Disk* disk, const std::string& data_dir);

}  // namespace cb::runtime
