#pragma once
// The books as an auditor checks them, after the fact and on a path separate from the
// handlers that enforce the same rules before each write.
#include "base/status.h"
#include "ledger/state.h"
#include "platform/state.h"

namespace cb::platform {

// O(records). Ok when, for every ledger (one tenant, one currency), debits equal credits
// (the balances sum to zero), and every record that moved an internal account came by a
// route made for it: a sandbox deposit in a sandbox tenant, or an applied adjustment (for
// post, void and expiry records: the pending transfer they resolve). DataLoss naming the
// first offending ledger or record otherwise.
Status AuditMoney(const PlatformState& state, const ledger::LedgerState& ledger);

}  // namespace cb::platform
