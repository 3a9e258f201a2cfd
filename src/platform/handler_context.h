#pragma once
// Shared by the handler files: what a handler gets, and the common checks.
#include <string_view>

#include "ledger/state.h"
#include "platform/ops.h"
#include "platform/render.h"
#include "platform/state.h"
#include "runtime/service.h"

namespace cb::platform {

struct HandlerContext {
  const PlatformOp& op;
  runtime::ServiceContext& sc;
  PlatformState& st;
  ledger::LedgerState& ledger() { return *sc.ledger; }
  const TenantId& tenant() const { return op.caller.tenant; }

  Answer Error(uint16_t status, std::string_view type, std::string_view code,
               std::string_view message, std::string_view param = {}) const {
    return ErrorAnswer(status, type, code, message, param, op.trace_id);
  }
  Answer NotFound(std::string_view code, std::string_view what, std::string_view param) const {
    return Error(404, "invalid_request_error", code, std::string(what) + " not found", param);
  }
};

// Tenant-scoped lookups: another tenant's object is nullptr, exactly like a missing one.
const AccountMeta* TenantAccount(HandlerContext& h, AccountId id);
const Customer* TenantCustomer(HandlerContext& h, CustomerId id);

// Handlers, by resource.
Answer HandleTenantOp(HandlerContext& h);  // CreateTenant, GetTenant, ListTenants
Answer HandleKeyOp(HandlerContext& h);     // CreateApiKey, ListApiKeys, RevokeApiKey
Answer HandleCustomerOp(HandlerContext& h);
Answer HandleAccountOp(HandlerContext& h);
Answer HandleTransferOp(HandlerContext& h);

// Lists: {"object":"list","data":[...],"has_more":b,"next_cursor":s|null}
void BeginList(std::string* out);
void EndList(std::string* out, bool has_more, std::string_view next_cursor);

}  // namespace cb::platform
