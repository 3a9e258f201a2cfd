#pragma once
// The payments module's edge, shared by its route files (Boost.JSON stays here).
#include "api/decode_util.h"
#include "api/route_table.h"
#include "modules/payments/payments.h"

namespace cb::modules::payments {

// A payment's fields (from_account, to, amount, currency, rail, reference) from `r`, which
// the caller finishes: the payee checked (IBAN, BIC, UK account), the rail routed. Error
// params are the fields' names ("to.iban"); batch rows prefix them.
bool DecodePaymentFields(api::detail::Reader& r, api::DecodeError* err, CreatePaymentOp* out);

// payments_batch_routes.cc
bool BuildCreateBatch(const api::RouteCall& c, api::BuiltOp* out, api::DecodeError* err);
bool BuildGetBatch(const api::RouteCall& c, api::BuiltOp* out, api::DecodeError* err);

}  // namespace cb::modules::payments
