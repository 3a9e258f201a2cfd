#pragma once
// Encodes the ledger state into a snapshot body and back. Body layout (little-endian):
//   u64 ledger_count | u64 gl_count | u64 account_count | u64 record_count | u64 digest
//   LedgerInfo[ledger_count] | GlCode[gl_count] | Account[account_count]
//   Transfer[record_count] | u8 pending_status[record_count]
// Indexes, the expiry queue and the history index are rebuilt on load (derivable).
#include <map>
#include <memory>
#include <vector>

#include "journal/snapshot_file.h"
#include "ledger/state.h"

namespace cb::ledger {

// What a background snapshot needs, taken at a batch boundary on the writer thread: the
// mutable parts are copied; transfer rows [0, record_count) are immutable and are read in
// place while the writer keeps appending after them.
struct SnapshotCapture {
  std::map<LedgerCode, LedgerInfo> ledgers;
  std::map<uint16_t, GlCode> chart;
  std::vector<Account> accounts;
  std::vector<uint8_t> statuses;
  uint64_t record_count = 0;
  uint64_t records_digest = 0;
  const LedgerState* state = nullptr;  // for the immutable rows
};

class SnapshotCodec {
 public:
  static std::unique_ptr<SnapshotCapture> Capture(const LedgerState& state);
  static Status Write(const SnapshotCapture& capture, journal::SnapshotWriter* writer);
  // Loads into an empty state; on error the state must be discarded.
  static Status Load(journal::SnapshotReader* reader, LedgerState* state);
};

}  // namespace cb::ledger
