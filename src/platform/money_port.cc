// kernel::MoneyPort on the platform service: modules (payments) resolve payees and move money
// through the same checks, risk decision and ledger as POST /v1/transfers, in their own
// batch. Writer thread only, like every handler.
#include "base/check.h"
#include "platform/account_iban.h"
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
  p.tenant = a->tenant.value;
  p.account = a->id.value;
  p.number = a->number;
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
  p.frozen = a->status == AccountStatus::kFrozen;
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

namespace {

// A caller acting for the tenant itself (a rail's answer has no person behind it): only
// what the handlers read of a caller, the tenant and its ledger sequence.
PlatformOp TenantOp(const PlatformState& st, kernel::TenantId tenant) {
  PlatformOp op;
  op.caller.tenant = tenant;
  const Tenant* t = st.FindTenant(tenant);
  CB_CHECK(t != nullptr);  // rail objects belong to existing tenants
  op.caller.tenant_seq = t->seq;
  return op;
}

}  // namespace

Status PlatformService::FinishReservation(kernel::TenantId tenant, u128 transfer, bool post,
                                          runtime::ServiceContext& ctx) {
  const PlatformOp op = TenantOp(state_, tenant);
  HandlerContext h{op, ctx, state_, policy_, risk_};
  return FinishReservationForService(h, TransferId(transfer), post);
}

Status PlatformService::CreditFromRail(const kernel::CreditRequest& r,
                                       runtime::ServiceContext& ctx) {
  if (state_.FindTenant(r.tenant) == nullptr) return Status::NotFound("no such tenant");
  const PlatformOp op = TenantOp(state_, r.tenant);
  HandlerContext h{op, ctx, state_, policy_, risk_};
  return CreditFromRailForService(h, r);
}

std::optional<kernel::PayeeInfo> PlatformService::AccountByIban(
    std::string_view iban, const runtime::ServiceContext& ctx) const {
  const std::optional<uint64_t> number = AccountNumberOfIban(iban);
  if (!number) return std::nullopt;
  const std::optional<AccountId> id = state_.FindAccountNumber(*number);
  if (!id) return std::nullopt;
  const AccountMeta* a = state_.FindAccount(*id);
  CB_CHECK(a != nullptr);
  return ResolvePayee(a->tenant, a->id.value, "", ctx);
}

}  // namespace cb::platform
