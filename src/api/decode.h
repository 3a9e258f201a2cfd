#pragma once
// HTTP request -> typed platform op. All shape validation lives here (JSON types, unknown
// fields, string sizes, id prefixes, amounts exact at the currency's scale); the writer
// checks only what depends on state. JSON (Boost.JSON) ends in decode.cc.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/route_input.h"
#include "http/form.h"
#include "kernel/errors.h"
#include "platform/ops.h"

namespace cb::api {

using DecodeFn = bool (*)(const RouteInput& in, platform::OpBody* out, DecodeError* err);

// One decoder per route (platform_routes.cc holds the table).
bool DecodeCreateTenant(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeGetTenant(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeListTenants(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeCreateApiKey(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeListApiKeys(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeRevokeApiKey(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeCreateCustomer(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeUpdateCustomer(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeGetCustomer(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeListCustomers(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeOpenAccount(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeGetAccount(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeListAccounts(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeGetBalances(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeListTransactions(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeFreeze(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeUnfreeze(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeClose(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeGetAlias(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeCreateTransfer(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeBatchTransfers(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodePost(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeVoid(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeGetTransfer(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeListTransfers(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeSandboxDeposit(const RouteInput&, platform::OpBody*, DecodeError*);
// decode_adjustments.cc
bool DecodeCreateAdjustment(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeGetAdjustment(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeListAdjustments(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeApproveAdjustment(const RouteInput&, platform::OpBody*, DecodeError*);
bool DecodeRejectAdjustment(const RouteInput&, platform::OpBody*, DecodeError*);

// "%2B44" -> "+44" (no '+' to space: that is for query strings); false on a bad escape.
using http::PercentDecode;

// "a=1&b=x%20y" -> {a:1, b:"x y"}; false on bad escapes or duplicates.
bool ParseQuery(std::string_view query, std::map<std::string, std::string>* out);

}  // namespace cb::api
