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

// A file carried in a JSON string (a CSV, an ISO 20022 XML): line breaks and tabs kept
// (Reader::String refuses control characters), its size bounded; what it holds is checked
// by its own parser.
bool FileField(api::detail::Reader& r, std::string_view key, bool required, size_t bytes_max,
               std::string* out, api::DecodeError* err);

// payments_batch_routes.cc
bool BuildCreateBatch(const api::RouteCall& c, api::BuiltOp* out, api::DecodeError* err);

}  // namespace cb::modules::payments
