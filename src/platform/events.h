#pragma once
// Platform event types (protobuf payloads, proto/corebank/platform/v1/events.proto). They
// start at runtime::kServiceEventTypeFirst; the ledger's fixed-layout events sit below.
#include <cstdint>

#include "journal/format.h"

namespace cb::platform {

enum class EventType : uint16_t {
  kTenantCreated = 256,
  kApiKeyCreated = 257,
  kApiKeyRevoked = 258,
  kCustomerCreated = 259,
  kCustomerUpdated = 260,
  kAccountOpened = 261,
  kAccountStatusChanged = 262,
  kTransferAnnotated = 263,
  kIdempotencyRecorded = 264,
  kAdjustmentRequested = 265,
  kAdjustmentDecided = 266,
  kIdempotencyExpired = 267,
};
constexpr uint16_t kEventVersion = 1;

const char* EventTypeName(EventType type);  // "tenant.created", ...

// Serialises a protobuf message into the record as one event.
template <typename Message>
void EmitProto(journal::RecordBuilder* out, EventType type, const Message& m) {
  journal::AddMessageEvent(out, static_cast<uint16_t>(type), kEventVersion, m);
}

}  // namespace cb::platform
