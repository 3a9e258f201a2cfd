// The /v1 half of the router's pipeline: route, limits, authentication, scope and step-up,
// decode (with the Idempotency-Key), then submit to the shard or serve an idempotent replay.
#include <algorithm>

#include "api/event_feed.h"
#include "api/read_pool.h"
#include "api/route_table.h"
#include "api/router.h"
#include "api/router_impl.h"
#include "identity/model.h"
#include "platform/ids.h"
#include "platform/render.h"
#include "platform/state.h"

namespace cb::api {

namespace {
constexpr size_t kIdempotencyKeyCharsMax = 255;
}  // namespace

void ApiHandler::ServeV1(http::Request&& req, const ExchangePtr& ex) {
  std::vector<std::string_view> params;
  bool path_known = false;
  const RouteSpec* route = FindRoute(req.method, req.path(), &params, &path_known);
  if (route == nullptr) {
    if (path_known) {
      return Finish(ex, ex->Error(kernel::ErrorKind::kMethodNotAllowed, "method_not_allowed",
                                  "This method is not allowed on this path."));
    }
    return Finish(
        ex, ex->Error(kernel::ErrorKind::kNotFound, "route_not_found", "No route for this path."));
  }
  ex->route = route->pattern;
  // Path segments arrive percent-encoded ("%2B44..." for an alias "+44..."); decode them.
  std::vector<std::string> decoded_params(params.size());
  for (size_t i = 0; i < params.size(); i++) {
    if (!PercentDecode(params[i], &decoded_params[i])) {
      return Finish(ex, ex->Error(kernel::ErrorKind::kInvalidRequest, "parameter_invalid",
                                  "Malformed percent-encoding in the path.", "path"));
    }
    params[i] = decoded_params[i];
  }
  if (!CheckAddressLimit(req, ex)) return;
  const std::optional<kernel::Principal> principal = Authenticate(req, ex);
  if (!principal || !Authorize(*principal, *route, ex)) return;
  if (route->kind == RouteKind::kEventFeed) {
    if (principal->delegated()) {
      return Finish(ex, ex->Error(kernel::ErrorKind::kPermissionDenied, "not_allowed_for_customer",
                                  "A customer's token may not read the tenant's event feed."));
    }
    return ServeEvents(req, *principal, ex);
  }
  BuiltOp built;
  if (!Build(req, *route, params, *principal, ex, &built)) return;
  if (route->kind == RouteKind::kPolicyDryRun) {
    return ServePolicyDryRun(std::move(built), *principal, ex);
  }
  if (route->view_read != nullptr && ServeFromView(*route, built, ex)) return;
  Submit(std::move(built), *principal, ex);
}

bool ApiHandler::CheckAddressLimit(const http::Request& req, const ExchangePtr& ex) {
  Impl& impl = *impl_;
  if (impl.options.per_ip.rate_per_s == 0) return true;
  const gateway::Decision d =
      impl.limiter.Take("ip:" + req.remote_ip, impl.options.per_ip, NowNs());
  if (d.allowed) return true;
  Finish(ex, ex->Limited("Too many requests from this address.", d.retry_after_ms));
  return false;
}

// The bearer credential (an API key or an access token), or the 401/429 already answered.
std::optional<kernel::Principal> ApiHandler::Authenticate(const http::Request& req,
                                                          const ExchangePtr& ex) {
  Impl& impl = *impl_;
  const std::string_view auth = req.header("Authorization");
  if (auth.empty()) {
    http::Response res = ex->Error(kernel::ErrorKind::kUnauthenticated, "authentication_required",
                                   "Send an API key: Authorization: Bearer sk_...");
    res.headers.push_back({"WWW-Authenticate", "Bearer"});
    Finish(ex, std::move(res));
    return std::nullopt;
  }
  // An address whose credentials keep failing (forged tokens each cost a signature check) is
  // refused before the check once it spent the unauthenticated budget; only failures count.
  // API keys are cheap to check and skip the look-up (their failures still count).
  const uint64_t now = NowNs();
  auto failures_key = [&req] { return "auth-fail-ip:" + req.remote_ip; };
  const bool jwt_shaped = std::count(auth.begin(), auth.end(), '.') == 2;
  if (jwt_shaped &&
      !impl.limiter.WouldAllow(failures_key(), impl.options.unauthenticated_per_ip, now)) {
    http::Response res = ex->Error(kernel::ErrorKind::kRateLimited, "rate_limited",
                                   "Too many failed authentications from this address.");
    res.headers.push_back({"Retry-After", "1"});
    Finish(ex, std::move(res));
    return std::nullopt;
  }
  std::optional<kernel::Principal> principal;
  std::string auth_error = "The API key is not valid.";
  if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) {
    principal = impl.Verify(auth.substr(7), &auth_error);
  }
  if (principal) {
    const bool token = principal->kind == kernel::PrincipalKind::kAccessToken;
    ex->key_id = token ? kernel::FormatId(identity::prefix::kApp, principal->client.value)
                       : kernel::FormatId(kernel::prefix::kApiKey, principal->key.value);
    ex->tenant = kernel::FormatId(kernel::prefix::kTenant, principal->tenant.value);
    return principal;
  }
  impl.limiter.Take(failures_key(), impl.options.unauthenticated_per_ip, now);
  // Anything that is not shaped like a JWT (header.payload.signature) was meant as a key.
  const std::string_view presented = auth.size() > 7 ? auth.substr(7) : std::string_view();
  const bool api_key = std::count(presented.begin(), presented.end(), '.') != 2;
  if (api_key) auth_error = "The API key is not valid.";
  http::Response res = ex->Error(kernel::ErrorKind::kUnauthenticated,
                                 api_key ? "invalid_api_key" : "invalid_token", auth_error);
  std::string challenge = R"(Bearer error="invalid_token", error_description=")";
  for (char c : auth_error) {
    if (c != '"' && c != '\\') challenge.push_back(c);
  }
  challenge.push_back('"');
  res.headers.push_back({"WWW-Authenticate", std::move(challenge)});
  Finish(ex, std::move(res));
  return std::nullopt;
}

// Per-key and per-app limits, the route's scope, the step-up for money movements; counts
// an app's usage. False when it answered.
bool ApiHandler::Authorize(const kernel::Principal& principal, const RouteSpec& route,
                           const ExchangePtr& ex) {
  Impl& impl = *impl_;
  const ApiIdentityDeps* id = impl.identity_deps.load();
  const bool token = principal.kind == kernel::PrincipalKind::kAccessToken;
  const uint64_t now = NowNs();
  if (impl.options.per_key.rate_per_s > 0) {
    const gateway::Decision d = impl.limiter.Take(ex->key_id, impl.options.per_key, now);
    if (!d.allowed) {
      Finish(ex, ex->Limited("Too many requests for this API key.", d.retry_after_ms));
      return false;
    }
  }
  if (token && id != nullptr && id->edge.state != nullptr) {
    // An app's own limit, over the per-key default.
    const auto app_rate = id->edge.state->ReadAppRateLimit(identity::AppId(principal.client));
    if (app_rate && *app_rate > 0) {
      const gateway::Decision d = impl.limiter.Take(
          "app:" + ex->key_id, {.rate_per_s = *app_rate, .burst = *app_rate}, now);
      if (!d.allowed) {
        Finish(ex, ex->Limited("Too many requests for this app.", d.retry_after_ms));
        return false;
      }
    }
  }
  if ((principal.scopes & route.scope) != route.scope) {
    if (!token) {
      Finish(ex, ex->Error(kernel::ErrorKind::kPermissionDenied, "insufficient_permissions",
                           std::string("This API key's role (") + kernel::RoleName(principal.role) +
                               ") may not do this."));
      return false;
    }
    const std::string scope = kernel::ScopeName(route.scope);
    http::Response res = ex->Error(kernel::ErrorKind::kPermissionDenied, "insufficient_scope",
                                   "The token's scope does not include " + scope + ".");
    res.headers.push_back(
        {"WWW-Authenticate", R"(Bearer error="insufficient_scope", scope=")" + scope + "\""});
    Finish(ex, std::move(res));
    return false;
  }
  // Step-up (RFC 9470): a user moving money must have passed the second factor.
  if (route.step_up && token && !principal.user.zero() && impl.options.step_up_payments &&
      principal.acr < kernel::AuthLevel::kMfa) {
    http::Response res =
        ex->Error(kernel::ErrorKind::kUnauthenticated, "insufficient_user_authentication",
                  "This needs a second factor: authorize again with acr_values="
                  "urn:corebank:acr:mfa.");
    res.headers.push_back({"WWW-Authenticate", kStepUpChallenge});
    Finish(ex, std::move(res));
    return false;
  }
  if (token && id != nullptr && id->oauth != nullptr) {
    id->oauth->CountUsage(identity::AppId(principal.client), route.pattern, SystemClock().NowNs());
  }
  return true;
}

// The Idempotency-Key, the request's shape, and the route's builder. False when it answered.
bool ApiHandler::Build(const http::Request& req, const RouteSpec& route,
                       const std::vector<std::string_view>& params,
                       const kernel::Principal& principal, const ExchangePtr& ex, BuiltOp* out) {
  // PUT (a whole resource replaced) is a write like POST: keyed, JSON, replayable.
  const bool is_post = req.method == "POST" || req.method == "PUT";
  const std::string_view path = req.path();
  auto fail = [&](kernel::ErrorKind kind, std::string_view code, std::string_view message,
                  std::string_view param) {
    Finish(ex, ex->Error(kind, code, message, param));
    return false;
  };
  std::string idempotency_key;
  Hash256 request_sha256{};
  if (is_post) {
    const std::string_view key = req.header("Idempotency-Key");
    if (key.empty()) {
      return fail(kernel::ErrorKind::kInvalidRequest, "idempotency_key_missing",
                  "Every POST and PUT needs an Idempotency-Key header.", "Idempotency-Key");
    }
    if (key.size() > kIdempotencyKeyCharsMax || !IsPrintableAscii(key)) {
      return fail(kernel::ErrorKind::kInvalidRequest, "parameter_invalid",
                  "Idempotency-Key must be 1-255 printable ASCII characters.", "Idempotency-Key");
    }
    idempotency_key = std::string(key);
    request_sha256 = RequestSha256(req.method, path, req.body);
  }
  RouteInput in;
  in.path_params = params;
  in.body = req.body;
  if (!ParseQuery(req.query(), &in.query)) {
    return fail(kernel::ErrorKind::kInvalidRequest, "parameter_invalid",
                "The query string is malformed.", "query");
  }
  if (!is_post && !req.body.empty()) {
    return fail(kernel::ErrorKind::kInvalidRequest, "parameter_invalid",
                "GET requests carry no body.", "");
  }
  if (is_post && !req.body.empty() &&
      req.header("Content-Type").substr(0, 16) != "application/json") {
    return fail(kernel::ErrorKind::kUnsupportedMedia, "unsupported_media_type",
                "Send JSON with Content-Type: application/json.", "");
  }
  const RouteCall call{.method = req.method,
                       .path = path,
                       .in = in,
                       .principal = principal,
                       .trace_id = ex->trace.trace_id,
                       .idempotency_key = idempotency_key,
                       .request_sha256 = request_sha256,
                       .identity = impl_->identity_deps.load()};
  DecodeError derr;
  if (route.build(call, out, &derr)) return true;
  return fail(derr.kind, derr.code, derr.message, derr.param);
}

// A read answered here from the durable view (ADR 0013), after the same route, limits,
// authentication, scope and decoding as every request; false: submit it as before.
bool ApiHandler::ServeFromView(const RouteSpec& route, const BuiltOp& built,
                               const ExchangePtr& ex) {
  const platform::BalanceView* view = balance_view_.load();
  runtime::Executor* executor = executor_.load();
  // While starting, or after a journal failure, the writer answers 503: so must this read.
  if (view == nullptr || executor == nullptr || !executor->healthy() || !built.password.empty()) {
    return false;
  }
  http::Response res;
  if (!route.view_read(*view, *built.op, &res.body)) {
    impl_->view_read_fallbacks->Inc();
    return false;
  }
  impl_->view_reads->Inc();
  Finish(ex, std::move(res));
  return true;
}

// To the shard; the answer goes out when the executor replies (after the batch is durable),
// or, for an idempotent replay, with the recorded bytes (cache, or the journal on the read
// pool: never on the writer or journal thread).
void ApiHandler::Submit(BuiltOp&& built, const kernel::Principal& principal,
                        const ExchangePtr& ex) {
  runtime::Executor* executor = executor_.load();
  if (executor == nullptr) {
    http::Response res =
        ex->Error(kernel::ErrorKind::kUnavailable, "unavailable", "The server is starting.");
    res.headers.push_back({"Retry-After", "1"});
    return Finish(ex, std::move(res));
  }
  journal::JournalReader* reader = journal_reader_.load();
  ReadPool* pool = read_pool_.load();
  ReplayCache* cache = &impl_->replay_cache;
  const u128 tenant = principal.tenant.value;
  // Runs on the writer or the journal thread: it must never wait on the disk.
  auto on_reply = [this, ex, reader, pool, cache, executor, tenant,
                   content_type = built.content_type](runtime::Reply&& reply) {
    const std::string& trace_id = ex->trace.trace_id;
    if (!reply.status.ok() || !reply.replayed) {
      // Fresh answers are not copied into the cache: that copy (and the cache's pages) cost
      // every answer time on this thread and most keys are never replayed. The first replay
      // of a key reads the journal on the read pool and caches it for the retries after it.
      http::Response res = FromReply(std::move(reply), trace_id);
      if (!content_type.empty() && res.status / 100 == 2) {
        res.content_type = content_type;
        // A page built from analysts' text: escaped, and nothing in it may run or load.
        res.headers.push_back(
            {"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"});
      }
      return Finish(ex, std::move(res));
    }
    if (std::optional<std::string> body = cache->Get(reply.replay_seq)) {
      reply.body = *std::move(body);
      return Finish(ex, FromReply(std::move(reply), trace_id));
    }
    const uint64_t durable = executor->stats().durable_seq_next.load();
    auto job = [this, ex, reader, cache, durable, reply = std::move(reply)]() mutable {
      ReadRecordedBody(reader, durable, &reply);
      if (reply.status.ok()) cache->Put(reply.replay_seq, reply.body);
      Finish(ex, FromReply(std::move(reply), ex->trace.trace_id));
    };
    if (reader == nullptr || pool == nullptr ||
        !pool->Post(std::move(job), platform::IdBytes(tenant))) {
      Finish(ex, Overloaded(trace_id));
    }
  };
  auto submit_error = [this, ex](const Status& st) {
    http::Response res =
        st.code() == StatusCode::kResourceExhausted
            ? Overloaded(ex->trace.trace_id)
            : ErrorResponse(kernel::ErrorKind::kUnavailable, "unavailable",
                            "The ledger is not accepting commands.", "", ex->trace.trace_id);
    if (st.code() != StatusCode::kResourceExhausted) res.headers.push_back({"Retry-After", "1"});
    Finish(ex, std::move(res));
  };
  if (built.password.empty()) {
    Status st = executor->Submit(runtime::ServiceCmd{std::move(built.op)}, std::move(on_reply));
    if (!st.ok()) submit_error(st);
    return;
  }
  // A password is hashed (argon2id) on the password pool, never on an io thread or the
  // writer; the op is submitted from the pool's thread when the hash is ready.
  const ApiIdentityDeps* id = impl_->identity_deps.load();
  if (id == nullptr || id->passwords == nullptr) {
    return submit_error(Status::Unavailable("no password pool"));
  }
  const bool accepted = id->passwords->SubmitHash(
      std::move(built.password), id->password_policy,
      [op = std::move(built.op), set_hash = built.set_password_hash, executor,
       on_reply = std::move(on_reply), submit_error](Result<std::string> hash) mutable {
        if (!hash.ok()) return submit_error(Status::Unavailable(hash.status().message()));
        set_hash(op.get(), *std::move(hash));
        Status st = executor->Submit(runtime::ServiceCmd{std::move(op)}, std::move(on_reply));
        if (!st.ok()) submit_error(st);
      });
  if (!accepted) submit_error(Status::ResourceExhausted("password pool full"));
}

// GET /v1/events: the tenant's events from the journal, on the read pool.
void ApiHandler::ServeEvents(const http::Request& req, const kernel::Principal& principal,
                             const ExchangePtr& ex) {
  const std::string& trace_id = ex->trace.trace_id;
  auto finish = [this, &ex](http::Response res) { Finish(ex, std::move(res)); };
  auto error = [&](kernel::ErrorKind kind, std::string_view code, std::string_view message,
                   std::string_view param) {
    return ErrorResponse(kind, code, message, param, trace_id);
  };
  std::map<std::string, std::string> query;
  if (!ParseQuery(req.query(), &query)) {
    return finish(error(kernel::ErrorKind::kInvalidRequest, "parameter_invalid",
                        "The query string is malformed.", "query"));
  }
  uint64_t after = 0;
  uint32_t limit = 10;
  for (const auto& [k, v] : query) {
    const auto n = ParseU128(v);
    if (k == "after" || k == "cursor") {
      if (!n || *n >= UINT64_MAX)
        return finish(error(kernel::ErrorKind::kInvalidRequest, "parameter_invalid",
                            "Must be a sequence number.", k));
      after = static_cast<uint64_t>(*n);
    } else if (k == "limit") {
      if (!n || *n < 1 || *n > 100) {
        return finish(error(kernel::ErrorKind::kInvalidRequest, "limit_invalid",
                            "limit must be an integer from 1 to 100.", k));
      }
      limit = static_cast<uint32_t>(*n);
    } else {
      return finish(error(kernel::ErrorKind::kInvalidRequest, "unknown_field",
                          "Unknown query parameter.", k));
    }
  }
  runtime::Executor* executor = executor_.load();
  EventFeed* feed = event_feed_.load();
  ReadPool* pool = read_pool_.load();
  if (executor == nullptr || feed == nullptr || pool == nullptr) {
    return finish(
        error(kernel::ErrorKind::kUnavailable, "unavailable", "The server is starting.", ""));
  }
  // The feed reads journal files: on the read pool, never on this io loop.
  const uint64_t durable = executor->stats().durable_seq_next.load();
  const bool posted = pool->Post(
      [this, feed, principal, after, limit, durable, ex] {
        const std::string& trace = ex->trace.trace_id;
        auto page = feed->Read(principal, after, limit, durable);
        http::Response res;
        if (!page.ok()) {
          // Segment names and offsets are for the operator's log, not for the client.
          std::fprintf(stderr, "corebank: event feed read failed (trace %s): %s\n", trace.c_str(),
                       page.status().ToString().c_str());
          res =
              ErrorResponse(kernel::ErrorKind::kInternal, "internal_error",
                            "The event feed could not be read; the trace id is logged.", "", trace);
        } else {
          res.body = std::move(page->body);
        }
        Finish(ex, std::move(res));
      },
      platform::IdBytes(principal.tenant.value));
  if (!posted) Finish(ex, Overloaded(trace_id));
}

}  // namespace cb::api
