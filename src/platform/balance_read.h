#pragma once
// GET balances served from the durable read view on an io thread (ADR 0013), when that is
// certain to give the writer's answer byte for byte; otherwise false, and the edge submits
// the op to the writer as before. Served only for: a caller that is not customer-delegated
// (consents live in identity state on the writer), holding balances.read, without as_of
// (history stays on the writer), for an account in the view that belongs to the caller's
// tenant. Unknown accounts and other tenants' go to the writer, so their 404 is its own.
#include <string>

#include "platform/balance_view.h"
#include "platform/key_directory.h"
#include "platform/ops.h"

namespace cb::platform {

[[nodiscard]] bool ReadBalancesFromView(const BalanceView& view, const PlatformOp& op,
                                        std::string* body);

}  // namespace cb::platform
