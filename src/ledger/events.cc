#include "ledger/events.h"

namespace cb::ledger {

namespace {
template <typename T>
bool Decode(const journal::EventView& e, T* out) {
  if (e.payload.size() != sizeof(T) || e.version != kEventVersion) return false;
  std::memcpy(out, e.payload.data(), sizeof(T));
  return true;
}
}  // namespace

TimestampNs EventTimestamp(const journal::EventView& e) {
  switch (static_cast<EventType>(e.type)) {
    case EventType::kAccountCreated: {
      Account a;
      return Decode(e, &a) ? a.timestamp : 0;
    }
    case EventType::kTransferCreated: {
      Transfer t;
      return Decode(e, &t) ? t.timestamp : 0;
    }
    case EventType::kPendingExpired: {
      PendingExpiredEvent ev;
      return Decode(e, &ev) ? ev.timestamp : 0;
    }
    case EventType::kAccountLimitSet: {
      AccountLimitSetEvent ev;
      return Decode(e, &ev) ? ev.timestamp : 0;
    }
    case EventType::kAccountFlagsSet: {
      AccountFlagsSetEvent ev;
      return Decode(e, &ev) ? ev.timestamp : 0;
    }
    case EventType::kLedgerDefined:
    case EventType::kGlCodeDefined:
      return 0;
  }
  return 0;
}

Status ApplyEvent(LedgerState* state, const journal::EventView& e) {
  const auto bad = [&]() {
    return Status::DataLoss("undecodable ledger event type " + std::to_string(e.type) +
                            " version " + std::to_string(e.version) + " size " +
                            std::to_string(e.payload.size()));
  };
  switch (static_cast<EventType>(e.type)) {
    case EventType::kLedgerDefined: {
      LedgerInfo v;
      if (!Decode(e, &v)) return bad();
      state->ApplyLedgerDefined(v);
      return Status::Ok();
    }
    case EventType::kGlCodeDefined: {
      GlCode v;
      if (!Decode(e, &v)) return bad();
      state->ApplyGlCodeDefined(v);
      return Status::Ok();
    }
    case EventType::kAccountCreated: {
      Account v;
      if (!Decode(e, &v)) return bad();
      state->ApplyAccountCreated(v);
      return Status::Ok();
    }
    case EventType::kTransferCreated: {
      Transfer v;
      if (!Decode(e, &v)) return bad();
      state->ApplyTransferCreated(v);
      return Status::Ok();
    }
    case EventType::kPendingExpired: {
      PendingExpiredEvent v;
      if (!Decode(e, &v)) return bad();
      state->ApplyPendingExpired(v.pending_id, v.timestamp);
      return Status::Ok();
    }
    case EventType::kAccountLimitSet: {
      AccountLimitSetEvent v;
      if (!Decode(e, &v)) return bad();
      state->ApplyAccountLimitSet(v.account_id, v.limit);
      return Status::Ok();
    }
    case EventType::kAccountFlagsSet: {
      AccountFlagsSetEvent v;
      if (!Decode(e, &v)) return bad();
      state->ApplyAccountFlagsSet(v.account_id, v.flags);
      return Status::Ok();
    }
  }
  return bad();
}

}  // namespace cb::ledger
