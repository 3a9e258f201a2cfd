#pragma once
// The public event feed's view of risk events (api/module.h's ModuleEventRenderFn).
#include <string>

#include "base/uint128.h"
#include "journal/format.h"

namespace cb::risk {

// decision.recorded (every decision), case.resolved; policy activations are the platform
// operator's, not a tenant's: not public.
bool RenderRiskEvent(const journal::EventView& event, u128* tenant, std::string* type,
                     std::string* data);

}  // namespace cb::risk
