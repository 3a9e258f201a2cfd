#pragma once
// Identity events in the public event feed (GET /v1/events): consent changes (the open
// banking audit trail), a login from a new device and a lockout (security notifications).
// Secrets, hashes and device fingerprints never appear.
#include <string>

#include "base/uint128.h"
#include "journal/format.h"

namespace cb::identity {

// Renders `ev`'s "type" and "data" and names its tenant when it is one of those (the
// identity module's ModuleEventRenderFn; the edge filters by tenant).
bool RenderIdentityEvent(const journal::EventView& ev, u128* tenant, std::string* type,
                         std::string* data);

}  // namespace cb::identity
