#pragma once
// Identity events in the public event feed (GET /v1/events): consent changes (the open
// banking audit trail), a login from a new device and a lockout (security notifications).
// Secrets, hashes and device fingerprints never appear.
#include <string>

#include "journal/format.h"
#include "platform/key_directory.h"

namespace cb::api {

// Renders `ev`'s "type" and "data" when it is one of those and the principal's tenant's.
bool RenderIdentityEvent(const journal::EventView& ev, const kernel::Principal& p,
                         std::string* type, std::string* data);

}  // namespace cb::api
