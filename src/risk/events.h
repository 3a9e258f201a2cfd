#pragma once
// The risk service's journal event types and ids (proto/corebank/risk/v1/events.proto).
#include <cstdint>

namespace cb::risk {

constexpr uint32_t kRiskServiceId = 2;
constexpr uint16_t kEventTypeFirst = 768;
constexpr uint16_t kEventTypeLast = 1023;
enum class EventType : uint16_t {
  kPolicyActivated = 768,
  kDecisionRecorded = 769,
  kHoldResolved = 770,
  kSanctionsListLoaded = 771,
};
constexpr uint16_t kEventVersion = 1;

// How a hold ended (stored in HoldResolved: append only).
enum class Resolution : uint8_t {
  kApproved = 1,  // posted (or released, for a client's pending transfer)
  kRejected = 2,  // voided by an analyst
  kExpired = 3,   // voided when the policy's hold time ran out
};
const char* ResolutionName(Resolution r);

}  // namespace cb::risk
