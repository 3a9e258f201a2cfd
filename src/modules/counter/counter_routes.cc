// The counter module's /v1 routes: JSON decoding (Boost.JSON stays at the edge) into
// CounterOp. Shape checks only; the service checks state.
#include <memory>

#include "api/decode_util.h"
#include "api/route_table.h"
#include "modules/counter/counter.h"

namespace cb::modules::counter {

namespace {

using api::BuiltOp;
using api::DecodeError;
using api::RouteCall;
using api::RouteSpec;
using api::detail::Fail;
using api::detail::ParseBody;
using api::detail::Reader;

std::shared_ptr<CounterOp> NewOp(const RouteCall& c) {
  auto op = std::make_shared<CounterOp>();
  op->caller = c.principal;
  op->trace_id = c.trace_id;
  op->idempotency_key = c.idempotency_key;
  op->request_sha256 = c.request_sha256;
  return op;
}

bool Name(const RouteCall& c, std::string* out, DecodeError* err) {
  const std::string_view name = c.in.path_params.at(0);
  if (!ValidName(name)) {
    return Fail(err, "parameter_invalid", "A counter name is 1-64 of a-z, 0-9 and _.", "name");
  }
  *out = std::string(name);
  return true;
}

// POST /v1/counters/{name}/increment {"by": 1..1000000 (1), "reset_after_s": 1..86400}
bool BuildIncrement(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  IncrementOp inc;
  if (!Name(c, &inc.name, err) || !api::detail::KnownQuery(c.in, {}, err)) return false;
  if (!c.in.body.empty()) {
    boost::json::value body;
    if (!ParseBody(c.in.body, &body, err)) return false;
    Reader r(body.get_object(), "", err);
    bool present = false;
    uint64_t by = 1;
    if (!r.Uint("by", &present, kByMax, &by)) return false;
    if (present && by == 0) return Fail(err, "parameter_invalid", "Must be at least 1.", "by");
    inc.by = static_cast<int64_t>(by);
    if (!r.Uint("reset_after_s", &present, kResetAfterSMax, &inc.reset_after_s)) return false;
    if (present && inc.reset_after_s == 0) {
      return Fail(err, "parameter_invalid", "Must be at least 1.", "reset_after_s");
    }
    if (!r.Finish()) return false;
  }
  auto op = NewOp(c);
  op->body = std::move(inc);
  out->op = std::move(op);
  return true;
}

// GET /v1/counters/{name}
bool BuildGet(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  GetOp get;
  if (!Name(c, &get.name, err) || !api::detail::KnownQuery(c.in, {}, err)) return false;
  auto op = NewOp(c);
  op->body = std::move(get);
  out->op = std::move(op);
  return true;
}

constexpr RouteSpec kRoutes[] = {
    {.method = "POST",
     .pattern = "/v1/counters/{name}/increment",
     .service = "counter",
     .scope_name = kScopeWrite,
     .build = BuildIncrement},
    {.method = "GET",
     .pattern = "/v1/counters/{name}",
     .service = "counter",
     .scope_name = kScopeRead,
     .build = BuildGet},
};

}  // namespace

std::span<const api::RouteSpec> Routes() { return kRoutes; }

}  // namespace cb::modules::counter
