#pragma once
// Ledger command handlers. Each validates its input against the state, emits the resulting
// events into the batch's record and applies them (state.h). Deterministic: time comes
// from `ts_next`, the batch clock, which advances one nanosecond per event so every
// account and transfer has a unique, ordered timestamp; ids come from the command.
//
// Linked chains (flag `linked` on every item but the last of a chain) succeed or fail as a
// unit: on a failure the chain's events and state changes are rolled back, the failing
// item reports why and the others report linked_event_failed.
#include <span>
#include <vector>

#include "journal/format.h"
#include "ledger/results.h"
#include "ledger/state.h"

namespace cb::ledger {

constexpr size_t kItemsPerCommandMax = 8190;

void CreateAccounts(LedgerState* state, std::span<const Account> accounts, TimestampNs* ts_next,
                    journal::RecordBuilder* out, std::vector<AccountResult>* results);

void CreateTransfers(LedgerState* state, std::span<const Transfer> transfers, TimestampNs* ts_next,
                     journal::RecordBuilder* out, std::vector<TransferResult>* results);

AccountResult DefineLedger(LedgerState* state, const LedgerInfo& info, journal::RecordBuilder* out);
AccountResult DefineGlCode(LedgerState* state, const GlCode& gl, journal::RecordBuilder* out);
AccountResult SetAccountLimit(LedgerState* state, AccountId id, uint64_t limit,
                              TimestampNs* ts_next, journal::RecordBuilder* out);
AccountResult CloseAccount(LedgerState* state, AccountId id, TimestampNs* ts_next,
                           journal::RecordBuilder* out);
AccountResult ReopenAccount(LedgerState* state, AccountId id, TimestampNs* ts_next,
                            journal::RecordBuilder* out);

// Expires pending transfers whose timeout passed at `now` (at most `count_max`, oldest
// first). Returns how many expired.
size_t ExpireDue(LedgerState* state, TimestampNs now, size_t count_max, TimestampNs* ts_next,
                 journal::RecordBuilder* out);

// Validation alone (no state change), exposed for tests and the API's dry runs.
TransferResult ValidateTransfer(const LedgerState& state, const Transfer& in, TimestampNs now,
                                Transfer* resolved);

// Audit (O(records)): the row of the first record that moved a kAccountInternal account
// without kTransferInternal (for post, void and expiry records: on their pending transfer),
// or kNoRow. Validation refuses such transfers; this checks it on the other path, after the
// fact, for the simulator and `corebank audit`.
uint32_t FindUnauthorizedInternalMove(const LedgerState& state);

}  // namespace cb::ledger
