#pragma once
// Ledger events as journal payloads. Each payload is a fixed little-endian layout (the
// structs in types.h stored byte for byte, or the small structs below), tagged with a type
// and a version in the journal's event header. New versions add a new layout; replay
// applies events only and never re-runs business rules.
#include <span>

#include "base/status.h"
#include "journal/format.h"
#include "ledger/state.h"

namespace cb::ledger {

enum class EventType : uint16_t {
  kLedgerDefined = 1,    // LedgerInfo (16 bytes)
  kGlCodeDefined = 2,    // GlCode (32 bytes)
  kAccountCreated = 3,   // Account (144 bytes), balances zero
  kTransferCreated = 4,  // Transfer (128 bytes), as resolved (balancing amount, post fields)
  kPendingExpired = 5,   // PendingExpiredEvent (32 bytes)
  kAccountLimitSet = 6,  // AccountLimitSetEvent (32 bytes)
  kAccountFlagsSet = 7,  // AccountFlagsSetEvent (32 bytes): close / reopen
};
constexpr uint16_t kEventVersion = 1;

struct PendingExpiredEvent {
  TransferId pending_id;
  TimestampNs timestamp = 0;
  uint64_t reserved = 0;
};
static_assert(sizeof(PendingExpiredEvent) == 32);

struct AccountLimitSetEvent {
  AccountId account_id;
  uint64_t limit = 0;
  TimestampNs timestamp = 0;
};
static_assert(sizeof(AccountLimitSetEvent) == 32);

struct AccountFlagsSetEvent {
  AccountId account_id;
  uint16_t flags = 0;
  uint16_t reserved16 = 0;
  uint32_t reserved32 = 0;
  TimestampNs timestamp = 0;
};
static_assert(sizeof(AccountFlagsSetEvent) == 32);

template <typename T>
void EmitEvent(journal::RecordBuilder* out, EventType type, const T& payload) {
  uint8_t* p = out->AddEvent(static_cast<uint16_t>(type), kEventVersion, sizeof(T));
  std::memcpy(p, &payload, sizeof(T));
}

// The timestamp an event carries (0 for events without one: ledger and GL definitions).
TimestampNs EventTimestamp(const journal::EventView& event);

// Applies one journal event to the state (replay). Unknown types or sizes are DataLoss:
// a binary must never skip an event it does not understand.
Status ApplyEvent(LedgerState* state, const journal::EventView& event);

}  // namespace cb::ledger
