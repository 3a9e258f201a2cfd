#pragma once
// Identity event types (protobuf payloads, proto/corebank/identity/v1/events.proto), in
// the range runtime::ServiceSet gives the identity service.
#include <cstdint>

#include "journal/format.h"

namespace cb::identity {

constexpr uint16_t kEventTypeFirst = 512;
constexpr uint16_t kEventTypeLast = 767;

enum class EventType : uint16_t {
  kAppCreated = 512,
  kAppSecretRotated = 513,
  kAppRevoked = 514,
  kUserCreated = 515,
  kLoginFailed = 516,
  kSessionStarted = 517,
  kDeviceFirstSeen = 518,
  kTotpEnrolled = 519,
  kTotpUsed = 520,
  kSessionRevoked = 521,
  kAuthRequestCreated = 522,
  kCodeIssued = 523,
  kAuthRequestDenied = 524,
  kCodeRedeemed = 525,
  kGrantCreated = 526,
  kGrantRevoked = 527,
  kRefreshTokenIssued = 528,
  kAccessTokenRevoked = 529,
  kConsentCreated = 530,
  kConsentAuthorised = 531,
  kConsentRejected = 532,
  kConsentRevoked = 533,
  kSigningKeyAdded = 534,
  kSigningKeyRetired = 535,
  kUsageRecorded = 536,
};
constexpr uint16_t kEventVersion = 1;

template <typename Message>
void EmitProto(journal::RecordBuilder* out, EventType type, const Message& m) {
  journal::AddMessageEvent(out, static_cast<uint16_t>(type), kEventVersion, m);
}

}  // namespace cb::identity
