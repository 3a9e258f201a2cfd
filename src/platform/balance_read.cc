#include "platform/balance_read.h"

#include "kernel/scopes.h"
#include "platform/render.h"

namespace cb::platform {

bool ReadBalancesFromView(const BalanceView& view, const PlatformOp& op, std::string* body) {
  const auto* get = std::get_if<GetBalancesOp>(&op.body);
  if (get == nullptr || get->as_of.has_value()) return false;
  const Principal& p = op.caller;
  // The writer's envelope (service.cc RunEnveloped) would check consent for a delegated
  // token, and would record an answer under an Idempotency-Key: both are the writer's.
  if (p.delegated() || !op.idempotency_key.empty()) return false;
  // The edge checked the route's scope; this is the handler's second check, as the writer's.
  if ((p.scopes & kernel::kScopeBalancesRead) != kernel::kScopeBalancesRead) return false;
  BalanceRow row;
  if (!view.Read(get->id, &row)) return false;
  // Another tenant's account answers 404 on the writer, exactly like a missing one. Internal
  // (settlement) accounts are visible to their tenant's non-delegated callers there too
  // (TenantAccount): the same rule here, with delegated callers already on the writer.
  if (p.tenant.zero() || !(row.tenant == p.tenant)) return false;
  // As GetBalancesOp without as_of on the writer (handlers_accounts.cc).
  RenderBalances(body, get->id, row.balances, row.info, std::nullopt);
  return true;
}

}  // namespace cb::platform
