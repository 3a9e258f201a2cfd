#include <memory>

#include "api/decode.h"
#include "api/route_table.h"
#include "platform/balance_read.h"
#include "platform/ops.h"

namespace cb::api {

namespace {

namespace ps = platform;

// Every platform route: the op carries the caller and the envelope; `F` decodes the body.
template <DecodeFn F>
bool Platform(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  auto op = std::make_shared<platform::PlatformOp>();
  op->caller = c.principal;
  op->trace_id = c.trace_id;
  op->idempotency_key = c.idempotency_key;
  op->request_sha256 = c.request_sha256;
  if (!F(c.in, &op->body, err)) return false;
  out->op = std::move(op);
  return true;
}

bool BalancesFromView(const platform::BalanceView& view, const runtime::ServiceOp& op,
                      std::string* body) {
  return platform::ReadBalancesFromView(view, static_cast<const platform::PlatformOp&>(op), body);
}

// Ordered: literal segments before "{id}" at the same depth (batch before {id}). Payments
// and manual adjustments need a user's second factor (step_up).
constexpr RouteSpec kRoutes[] = {
    {.method = "POST",
     .pattern = "/v1/tenants",
     .service = "platform",
     .scope = kernel::kScopeAdmin,
     .build = Platform<DecodeCreateTenant>},
    {.method = "GET",
     .pattern = "/v1/tenants",
     .service = "platform",
     .scope = kernel::kScopeAdmin,
     .build = Platform<DecodeListTenants>},
    {.method = "GET",
     .pattern = "/v1/tenants/{id}",
     .service = "platform",
     .scope = kernel::kScopeAdmin,
     .build = Platform<DecodeGetTenant>},
    {.method = "POST",
     .pattern = "/v1/api_keys",
     .service = "platform",
     .scope = kernel::kScopeAdmin,
     .build = Platform<DecodeCreateApiKey>},
    {.method = "GET",
     .pattern = "/v1/api_keys",
     .service = "platform",
     .scope = kernel::kScopeAdmin,
     .build = Platform<DecodeListApiKeys>},
    {.method = "POST",
     .pattern = "/v1/api_keys/{id}/revoke",
     .service = "platform",
     .scope = kernel::kScopeAdmin,
     .build = Platform<DecodeRevokeApiKey>},
    {.method = "POST",
     .pattern = "/v1/customers",
     .service = "platform",
     .scope = kernel::kScopeCustomersWrite,
     .build = Platform<DecodeCreateCustomer>},
    {.method = "GET",
     .pattern = "/v1/customers",
     .service = "platform",
     .scope = kernel::kScopeCustomersRead,
     .build = Platform<DecodeListCustomers>},
    {.method = "GET",
     .pattern = "/v1/customers/{id}",
     .service = "platform",
     .scope = kernel::kScopeCustomersRead,
     .build = Platform<DecodeGetCustomer>},
    {.method = "POST",
     .pattern = "/v1/customers/{id}",
     .service = "platform",
     .scope = kernel::kScopeCustomersWrite,
     .build = Platform<DecodeUpdateCustomer>},
    {.method = "POST",
     .pattern = "/v1/accounts",
     .service = "platform",
     .scope = kernel::kScopeAccountsWrite,
     .build = Platform<DecodeOpenAccount>},
    {.method = "GET",
     .pattern = "/v1/accounts",
     .service = "platform",
     .scope = kernel::kScopeAccountsRead,
     .build = Platform<DecodeListAccounts>},
    {.method = "GET",
     .pattern = "/v1/accounts/{id}",
     .service = "platform",
     .scope = kernel::kScopeAccountsRead,
     .build = Platform<DecodeGetAccount>},
    {.method = "GET",
     .pattern = "/v1/accounts/{id}/balances",
     .service = "platform",
     .scope = kernel::kScopeBalancesRead,
     .build = Platform<DecodeGetBalances>,
     .view_read = BalancesFromView},
    {.method = "GET",
     .pattern = "/v1/accounts/{id}/transactions",
     .service = "platform",
     .scope = kernel::kScopeTransactionsRead,
     .build = Platform<DecodeListTransactions>},
    {.method = "POST",
     .pattern = "/v1/accounts/{id}/freeze",
     .service = "platform",
     .scope = kernel::kScopeAccountsWrite,
     .build = Platform<DecodeFreeze>},
    {.method = "POST",
     .pattern = "/v1/accounts/{id}/unfreeze",
     .service = "platform",
     .scope = kernel::kScopeAccountsWrite,
     .build = Platform<DecodeUnfreeze>},
    {.method = "POST",
     .pattern = "/v1/accounts/{id}/close",
     .service = "platform",
     .scope = kernel::kScopeAccountsWrite,
     .build = Platform<DecodeClose>},
    {.method = "GET",
     .pattern = "/v1/aliases/{id}",
     .service = "platform",
     .scope = kernel::kScopeAccountsRead,
     .build = Platform<DecodeGetAlias>},
    {.method = "POST",
     .pattern = "/v1/transfers",
     .service = "platform",
     .scope = kernel::kScopePaymentsWrite,
     .step_up = true,
     .build = Platform<DecodeCreateTransfer>},
    {.method = "GET",
     .pattern = "/v1/transfers",
     .service = "platform",
     .scope = kernel::kScopeTransactionsRead,
     .build = Platform<DecodeListTransfers>},
    {.method = "POST",
     .pattern = "/v1/transfers/batch",
     .service = "platform",
     .scope = kernel::kScopePaymentsWrite,
     .step_up = true,
     .build = Platform<DecodeBatchTransfers>},
    {.method = "GET",
     .pattern = "/v1/transfers/{id}",
     .service = "platform",
     .scope = kernel::kScopeTransactionsRead,
     .build = Platform<DecodeGetTransfer>},
    {.method = "POST",
     .pattern = "/v1/transfers/{id}/post",
     .service = "platform",
     .scope = kernel::kScopePaymentsWrite,
     .step_up = true,
     .build = Platform<DecodePost>},
    {.method = "POST",
     .pattern = "/v1/transfers/{id}/void",
     .service = "platform",
     .scope = kernel::kScopePaymentsWrite,
     .step_up = true,
     .build = Platform<DecodeVoid>},
    {.method = "POST",
     .pattern = "/v1/sandbox/deposits",
     .service = "platform",
     .scope = kernel::kScopePaymentsWrite,
     .build = Platform<DecodeSandboxDeposit>},
    {.method = "POST",
     .pattern = "/v1/adjustments",
     .service = "platform",
     .scope = kernel::kScopeAdmin,
     .step_up = true,
     .build = Platform<DecodeCreateAdjustment>},
    {.method = "GET",
     .pattern = "/v1/adjustments",
     .service = "platform",
     .scope = kernel::kScopeAdmin,
     .build = Platform<DecodeListAdjustments>},
    {.method = "GET",
     .pattern = "/v1/adjustments/{id}",
     .service = "platform",
     .scope = kernel::kScopeAdmin,
     .build = Platform<DecodeGetAdjustment>},
    {.method = "POST",
     .pattern = "/v1/adjustments/{id}/approve",
     .service = "platform",
     .scope = kernel::kScopeAdmin,
     .step_up = true,
     .build = Platform<DecodeApproveAdjustment>},
    {.method = "POST",
     .pattern = "/v1/adjustments/{id}/reject",
     .service = "platform",
     .scope = kernel::kScopeAdmin,
     .build = Platform<DecodeRejectAdjustment>},
};

}  // namespace

std::span<const RouteSpec> PlatformRoutes() { return kRoutes; }

}  // namespace cb::api
