#pragma once
// Shared by the handler files: what a handler gets, and the common checks.
#include <string_view>

#include "ledger/state.h"
#include "platform/ops.h"
#include "platform/render.h"
#include "platform/service.h"
#include "platform/state.h"
#include "runtime/service.h"

namespace cb::platform {

struct HandlerContext {
  const PlatformOp& op;
  runtime::ServiceContext& sc;
  PlatformState& st;
  const AccessPolicy* policy = nullptr;
  kernel::DecisionPort* risk = nullptr;
  ledger::LedgerState& ledger() { return *sc.ledger; }
  const TenantId& tenant() const { return op.caller.tenant; }
  const Principal& caller() const { return op.caller; }

  Answer Error(ErrorKind kind, std::string_view code, std::string_view message,
               std::string_view param = {}) const {
    return ErrorAnswer(kind, code, message, param, op.trace_id);
  }
  Answer NotFound(std::string_view code, std::string_view what, std::string_view param) const {
    return Error(ErrorKind::kNotFound, code, std::string(what) + " not found", param);
  }
  Answer ConsentDenied(std::string_view param) const {
    return Error(ErrorKind::kPermissionDenied, "consent_insufficient",
                 "The consent behind this token does not cover this account for this.", param);
  }
  // NotFound, or ConsentDenied when the account is the customer's own but not consented.
  Answer Unavailable(bool denied, std::string_view param) const {
    return denied ? ConsentDenied(param) : NotFound("account_not_found", "account", param);
  }
};

// Tenant-scoped lookups: another tenant's object is nullptr, exactly like a missing one.
// For a customer-delegated caller they are also customer-scoped: another customer's
// account or record is nullptr too.
const AccountMeta* TenantAccount(HandlerContext& h, AccountId id);
const Customer* TenantCustomer(HandlerContext& h, CustomerId id);
// An account the caller may use for `scope`: TenantAccount, and for a delegated caller
// one its consent covers with that permission. nullptr and *denied = true when the account
// is the customer's own but outside the consent (403), nullptr alone when not visible (404).
const AccountMeta* ConsentedAccount(HandlerContext& h, AccountId id, ScopeSet scope, bool* denied);
// Any account of the tenant, whoever owns it: the payee of a transfer.
const AccountMeta* PayeeAccount(HandlerContext& h, AccountId id);

// A ledger rejection as the API answers it (stable code, the field it concerns).
Answer TransferRejected(HandlerContext& h, ledger::TransferResult r);

// Who the caller is, as recorded in events (the API key, else the token's user, else its app).
Actor ActorOf(const Principal& p);

// Handlers, by resource.
Answer HandleTenantOp(HandlerContext& h);  // CreateTenant, GetTenant, ListTenants
Answer HandleKeyOp(HandlerContext& h);     // CreateApiKey, ListApiKeys, RevokeApiKey
Answer HandleCustomerOp(HandlerContext& h);
Answer HandleAccountOp(HandlerContext& h);
Answer HandleTransferOp(HandlerContext& h);
Answer HandleAdjustmentOp(HandlerContext& h);  // manual adjustments with four-eyes approval
// One decided transfer for another service (kernel::MoneyPort::Move): the checks, the risk
// decision and the ledger of POST /v1/transfers, answered as a MoveResult.
kernel::MoveResult MoveForService(HandlerContext& h, const kernel::MoveRequest& r);
// kernel::MoneyPort::FinishReservation and CreditFromRail, in the caller's tenant.
Status FinishReservationForService(HandlerContext& h, TransferId pending, bool post);
Status CreditFromRailForService(HandlerContext& h, const kernel::CreditRequest& r);

// Appends "journal_seq" to the object that ends the answer's body.
inline void AppendJournalSeq(Answer* a, uint64_t seq) {
  CB_CHECK(!a->body.empty() && a->body.back() == '}');
  a->body.pop_back();
  a->body.append(R"(,"journal_seq":)");
  a->body.append(std::to_string(seq));
  a->body.push_back('}');
}

// Lists: {"object":"list","data":[...],"has_more":b,"next_cursor":s|null}
void BeginList(std::string* out);
void EndList(std::string* out, bool has_more, std::string_view next_cursor);

}  // namespace cb::platform
