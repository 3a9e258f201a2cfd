// kernel::MoneyPort on the platform service: modules (payments) resolve payees and move money
// through the same checks, risk decision and ledger as POST /v1/transfers, in their own
// batch. Writer thread only, like every handler.
#include "base/check.h"
#include "platform/handler_context.h"
#include "platform/service.h"

namespace cb::platform {

std::optional<kernel::PayeeInfo> PlatformService::ResolvePayee(
    kernel::TenantId tenant, u128 account, std::string_view alias,
    const runtime::ServiceContext& ctx) const {
  AccountId id(account);
  if (!alias.empty()) {
    const std::optional<AccountId> found = state_.FindAlias(tenant, alias);
    if (!found) return std::nullopt;
    id = *found;
  }
  const AccountMeta* a = state_.FindAccount(id);
  // Another tenant's account, and the bank's own books, are no payee of a payment.
  if (a == nullptr || !(a->tenant == tenant) || IsInternalAccount(a->type)) return std::nullopt;
  kernel::PayeeInfo p;
  p.account = a->id.value;
  p.customer = a->customer.value;
  if (!a->customer.zero()) {
    const Customer* c = state_.FindCustomer(a->customer);
    CB_CHECK(c != nullptr);  // accounts are opened for existing customers only
    p.holder_name = c->name;
  }
  const uint32_t row = ctx.ledger->AccountRow(a->id);
  CB_CHECK(row != ledger::kNoRow);
  const ledger::LedgerInfo* info = ctx.ledger->FindLedger(ctx.ledger->account(row).ledger);
  CB_CHECK(info != nullptr);
  p.currency = info->currency;
  p.closed = a->status == AccountStatus::kClosed;
  return p;
}

kernel::MoveResult PlatformService::Move(const kernel::MoveRequest& r,
                                         runtime::ServiceContext& ctx) {
  CB_CHECK(r.caller != nullptr);
  // The handlers read the caller and trace id from an op: this one is never executed.
  PlatformOp op;
  op.caller = *r.caller;
  op.trace_id = std::string(r.trace_id);
  HandlerContext h{op, ctx, state_, policy_, risk_};
  return MoveForService(h, r);
}

}  // namespace cb::platform
