#pragma once
// The risk service's journal event types and ids (proto/corebank/risk/v1/events.proto).
#include <cstdint>
#include <string_view>

namespace cb::risk {

constexpr uint32_t kRiskServiceId = 2;
constexpr uint16_t kEventTypeFirst = 768;
constexpr uint16_t kEventTypeLast = 1023;
enum class EventType : uint16_t {
  kPolicyActivated = 768,
  kDecisionRecorded = 769,
  kHoldResolved = 770,
  kSanctionsListLoaded = 771,
  kAlertRaised = 772,
  kCaseUpdated = 773,
  kCustomerScreened = 774,
};
constexpr uint16_t kEventVersion = 1;

// How a hold ended (stored in HoldResolved: append only).
enum class Resolution : uint8_t {
  kApproved = 1,  // posted (or released, for a client's pending transfer)
  kRejected = 2,  // voided by an analyst
  kExpired = 3,   // voided when the policy's hold time ran out
};
const char* ResolutionName(Resolution r);

// Where an alert came from (stored in AlertRaised: append only). A reconciliation alert is
// the bank's own books (kernel::ReconciliationAlert): it has no customer.
enum class AlertKind : uint8_t { kMonitoring = 1, kScreening = 2, kReconciliation = 3 };
const char* AlertKindName(AlertKind k);

// What happened to an investigation case (CaseUpdated.action: append only).
enum class CaseAction : uint8_t {
  kAssigned = 1,
  kNoteAdded = 2,
  kCloseRequested = 3,  // as suspicious: waits for a second person
  kClosed = 4,
  kCloseRejected = 5,  // the second person sent it back to investigating
};

// How an investigation ended (append only).
enum class CaseDisposition : uint8_t {
  kNone = 0,
  kNoAction = 1,       // looked at, nothing suspicious
  kFalsePositive = 2,  // the alerts were wrong
  kSuspicious = 3,     // reportable: a SAR is filed (four-eyes)
};
const char* CaseDispositionName(CaseDisposition d);

// A customer's standing against the sanctions lists (CustomerScreened.status: append only).
// Hits an analyst closed as false positives do not count.
enum class ScreeningStatus : uint8_t {
  kUnscreened = 0,  // registered while no lists were loaded
  kClear = 1,
  kReview = 2,  // a possible match: an alert for an analyst, movements go on
  kMatch = 3,   // a match: the customer's movements are held (reason sanctions_match)
};
const char* ScreeningStatusName(ScreeningStatus s);
bool ParseCaseDisposition(std::string_view s, CaseDisposition* out);

}  // namespace cb::risk
