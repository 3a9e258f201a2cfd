#pragma once
// The /v1 route registry. Each service declares its routes in its own table (method,
// pattern, scope, step-up, and a builder that decodes the request into the service's op);
// the router, `corebank routes` and the contract tests read the registry, never a list
// kept anywhere else. A builder does shape validation only; the writer checks state.
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/route_input.h"
#include "base/sha256.h"
#include "kernel/principal.h"
#include "kernel/scopes.h"
#include "runtime/service.h"

namespace cb::platform {
class BalanceView;
}

namespace cb::api {

struct ApiIdentityDeps;

// What a builder gets: the decoded request and who sent it.
struct RouteCall {
  std::string_view method;
  std::string_view path;
  const RouteInput& in;
  const kernel::Principal& principal;
  const std::string& trace_id;
  const std::string& idempotency_key;  // empty on GET
  const Hash256& request_sha256;       // of method, path and body (POST)
  const ApiIdentityDeps* identity;     // null until the identity edge is configured
};

// A built op, ready to submit.
struct BuiltOp {
  std::shared_ptr<runtime::ServiceOp> op;
  // Non-empty: hash it (argon2id, on the password pool, never on an io thread or the
  // writer) and hand the hash to `set_password_hash` before submitting.
  std::string password;
  void (*set_password_hash)(runtime::ServiceOp* op, std::string hash) = nullptr;
  // A 2xx answer's media type when it is not JSON (a SAR draft's HTML page).
  std::string_view content_type;
};

using BuildFn = bool (*)(const RouteCall& call, BuiltOp* out, DecodeError* err);
// Answers a built op from the durable read view on the io thread (ADR 0013) when that gives
// the writer's answer byte for byte (status 200, `body`); false: submit it to the writer.
using ViewReadFn = bool (*)(const platform::BalanceView& view, const runtime::ServiceOp& op,
                            std::string* body);

enum class RouteKind : uint8_t {
  kOp,         // decoded by `build` and run on the shard
  kEventFeed,  // GET /v1/events: read from the journal on the read pool
  // POST /v1/policies/dry-run: decoded by `build`, then run on the read pool over the
  // journal (risk/dry_run.h); never submitted to the writer.
  kPolicyDryRun,
};

struct RouteSpec {
  std::string_view method;
  std::string_view pattern;     // "{id}" matches one segment; also the metrics label
  std::string_view service;     // who owns it ("platform", "identity", "edge")
  kernel::ScopeSet scope = {};  // the edge's check; the handler checks again
  // Instead of `scope`: a scope a module registered by name (kernel/scopes.h), resolved
  // when the registry is built; a name nobody registered stops the server at start.
  std::string_view scope_name = {};
  bool step_up = false;  // a user's token needs the second factor (moves money)
  BuildFn build = nullptr;
  RouteKind kind = RouteKind::kOp;
  ViewReadFn view_read = nullptr;  // null: always the writer
};

// What an Idempotency-Key's record is checked against: SHA-256 of "METHOD PATH\n" and the
// request's content (its body, or every field but a password when it holds one).
Hash256 RequestSha256(std::string_view method, std::string_view path, std::string_view content);

// The tables, one per service (platform_routes.cc, identity_routes.cc, edge: the feed).
std::span<const RouteSpec> PlatformRoutes();
std::span<const RouteSpec> IdentityRoutes();
std::span<const RouteSpec> RiskRoutes();
std::span<const RouteSpec> EdgeRoutes();

// Every /v1 route, in match order: literal segments before "{id}" at the same depth. Built
// on first use; modules must be registered before (api/module.h).
bool RouteRegistryBuilt();
const std::vector<const RouteSpec*>& AllRoutes();

// The route for `method` and `path`, its {..} segments in `params` (still percent-encoded);
// null if none. `*path_known`: some route has this path with another method (405, not 404).
const RouteSpec* FindRoute(std::string_view method, std::string_view path,
                           std::vector<std::string_view>* params, bool* path_known);

// `corebank routes`: one line a route, "route METHOD PATTERN service=S scope=X step_up=B",
// then one line a scope, "scope NAME", in the scope table's order.
std::string DumpRoutes();

}  // namespace cb::api
