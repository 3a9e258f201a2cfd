#include "api/router.h"

#include <openssl/rand.h>

#include <chrono>

#include "api/decode.h"
#include "api/event_feed.h"
#include "api/executor_metrics.h"
#include "platform/events.h"
#include "platform/ids.h"
#include "platform/render.h"
#include "platform/service.h"
#include "platform/state.h"

namespace cb::api {

namespace {

using platform::Role;

struct Route {
  const char* method;
  const char* pattern;  // "{id}" matches one segment; the pattern is also the metrics label
  DecodeFn decode;
  Role role;  // the edge's check; the handler checks again
  bool root_only = false;
};

// Ordered: literal segments before "{}" at the same depth (batch before {id}).
const Route kRoutes[] = {
    {"POST", "/v1/tenants", DecodeCreateTenant, Role::kAdmin},
    {"GET", "/v1/tenants", DecodeListTenants, Role::kAdmin},
    {"GET", "/v1/tenants/{id}", DecodeGetTenant, Role::kAdmin},
    {"POST", "/v1/api_keys", DecodeCreateApiKey, Role::kAdmin},
    {"GET", "/v1/api_keys", DecodeListApiKeys, Role::kAdmin},
    {"POST", "/v1/api_keys/{id}/revoke", DecodeRevokeApiKey, Role::kAdmin},
    {"POST", "/v1/customers", DecodeCreateCustomer, Role::kOperator},
    {"GET", "/v1/customers", DecodeListCustomers, Role::kReadOnly},
    {"GET", "/v1/customers/{id}", DecodeGetCustomer, Role::kReadOnly},
    {"POST", "/v1/customers/{id}", DecodeUpdateCustomer, Role::kOperator},
    {"POST", "/v1/accounts", DecodeOpenAccount, Role::kOperator},
    {"GET", "/v1/accounts", DecodeListAccounts, Role::kReadOnly},
    {"GET", "/v1/accounts/{id}", DecodeGetAccount, Role::kReadOnly},
    {"GET", "/v1/accounts/{id}/balances", DecodeGetBalances, Role::kReadOnly},
    {"GET", "/v1/accounts/{id}/transactions", DecodeListTransactions, Role::kReadOnly},
    {"POST", "/v1/accounts/{id}/freeze", DecodeFreeze, Role::kOperator},
    {"POST", "/v1/accounts/{id}/unfreeze", DecodeUnfreeze, Role::kOperator},
    {"POST", "/v1/accounts/{id}/close", DecodeClose, Role::kOperator},
    {"GET", "/v1/aliases/{id}", DecodeGetAlias, Role::kReadOnly},
    {"POST", "/v1/transfers", DecodeCreateTransfer, Role::kOperator},
    {"GET", "/v1/transfers", DecodeListTransfers, Role::kReadOnly},
    {"POST", "/v1/transfers/batch", DecodeBatchTransfers, Role::kOperator},
    {"GET", "/v1/transfers/{id}", DecodeGetTransfer, Role::kReadOnly},
    {"POST", "/v1/transfers/{id}/post", DecodePost, Role::kOperator},
    {"POST", "/v1/transfers/{id}/void", DecodeVoid, Role::kOperator},
    {"POST", "/v1/sandbox/deposits", DecodeSandboxDeposit, Role::kOperator},
    {"GET", "/v1/events", nullptr, Role::kReadOnly},  // served at the edge from the journal
};

constexpr size_t kIdempotencyKeyCharsMax = 255;
constexpr size_t kRequestIdCharsMax = 64;

// Splits "/v1/a/b" into segments and matches a pattern; fills the {} params.
bool Match(std::string_view pattern, std::string_view path, std::vector<std::string_view>* params) {
  params->clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const size_t pe = pattern.find('/');
    const size_t ae = path.find('/');
    const std::string_view pseg = pattern.substr(0, pe);
    const std::string_view aseg = path.substr(0, ae);
    if (!pseg.empty() && pseg[0] == '{') {
      if (aseg.empty()) return false;
      params->push_back(aseg);
    } else if (pseg != aseg) {
      return false;
    }
    pattern = pe == std::string_view::npos ? "" : pattern.substr(pe);
    path = ae == std::string_view::npos ? "" : path.substr(ae);
  }
  return true;
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Trace and span ids need to be unique, not secret: a per-thread splitmix64 seeded from the
// CSPRNG once, instead of a locked DRBG call per request.
uint64_t NextRandom64() {
  thread_local uint64_t state = [] {
    uint64_t seed = 0;
    CB_CHECK(RAND_bytes(reinterpret_cast<uint8_t*>(&seed), sizeof(seed)) == 1);
    return seed;
  }();
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string RandomHex(size_t bytes) {
  CB_CHECK(bytes == 8 || bytes == 16);
  uint64_t words[2] = {NextRandom64(), NextRandom64()};
  if (words[0] == 0) words[0] = 1;  // W3C: all-zero ids are invalid
  return HexEncode(reinterpret_cast<const uint8_t*>(words), bytes);
}

struct Trace {
  std::string trace_id;  // 32 hex
  std::string flags = "01";
};

// W3C traceparent: "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>".
Trace TraceFor(std::string_view traceparent) {
  Trace t;
  if (traceparent.size() == 55 && traceparent.substr(0, 3) == "00-" && traceparent[35] == '-' &&
      traceparent[52] == '-') {
    const std::string_view id = traceparent.substr(3, 32);
    const std::string_view parent = traceparent.substr(36, 16);
    const std::string_view flags = traceparent.substr(53, 2);
    if (IsHex(id) && IsHex(parent) && IsHex(flags) && id != std::string(32, '0') &&
        parent != std::string(16, '0')) {
      t.trace_id = std::string(id);
      t.flags = std::string(flags);
      return t;
    }
  }
  t.trace_id = RandomHex(16);
  return t;
}

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

uint64_t NowNs() { return MonotonicNowNs(); }

}  // namespace

struct ApiHandler::Impl {
  ApiOptions options;
  platform::KeyDirectory* keys;
  gateway::MetricsRegistry* registry;
  gateway::HttpMetrics http_metrics;
  gateway::AccessLog* access_log;
  gateway::RateLimiter limiter{100'000};
  std::atomic<uint64_t> request_seq{1};

  Impl(ApiOptions o, platform::KeyDirectory* k, gateway::MetricsRegistry* r, gateway::AccessLog* l)
      : options(std::move(o)), keys(k), registry(r), http_metrics(r), access_log(l) {}
};

ApiHandler::ApiHandler(ApiOptions options, platform::KeyDirectory* keys,
                       gateway::MetricsRegistry* registry, gateway::AccessLog* access_log)
    : impl_(std::make_unique<Impl>(std::move(options), keys, registry, access_log)) {}

ApiHandler::~ApiHandler() = default;

http::Response ApiHandler::RejectedResponse(int status, std::string_view code,
                                            std::string_view message) {
  http::Response res;
  res.status = status;
  const std::string trace = RandomHex(16);
  res.body = platform::ErrorBody(status == 503 ? "api_error" : "invalid_request_error", code,
                                 message, "", trace);
  res.headers.push_back({"X-Request-Id", "req_" + trace.substr(0, 24)});
  return res;
}

namespace {

// Everything a request carries through its asynchronous life.
struct Exchange {
  uint64_t start_ns = 0;
  uint64_t wall_ns = 0;
  std::string method;
  std::string_view route = "unmatched";  // a route table literal
  std::string request_id;
  Trace trace;
  std::string remote_ip;
  std::string key_id;
  std::string tenant;
  size_t bytes_in = 0;
  std::string cors_origin;
};

}  // namespace

void ApiHandler::ServeEvents(const http::Request& req, const platform::Principal& principal,
                             const std::string& trace_id,
                             std::function<void(http::Response)> finish) {
  auto error = [&](int status, std::string_view code, std::string_view message,
                   std::string_view param) {
    http::Response res;
    res.status = status;
    res.body = platform::ErrorBody(status == 400 ? "invalid_request_error" : "api_error", code,
                                   message, param, trace_id);
    return res;
  };
  std::map<std::string, std::string> query;
  if (!ParseQuery(req.query(), &query)) {
    return finish(error(400, "parameter_invalid", "The query string is malformed.", "query"));
  }
  uint64_t after = 0;
  uint32_t limit = 10;
  for (const auto& [k, v] : query) {
    const auto n = ParseU128(v);
    if (k == "after" || k == "cursor") {
      if (!n || *n >= UINT64_MAX)
        return finish(error(400, "parameter_invalid", "Must be a sequence number.", k));
      after = static_cast<uint64_t>(*n);
    } else if (k == "limit") {
      if (!n || *n < 1 || *n > 100) {
        return finish(error(400, "limit_invalid", "limit must be an integer from 1 to 100.", k));
      }
      limit = static_cast<uint32_t>(*n);
    } else {
      return finish(error(400, "unknown_field", "Unknown query parameter.", k));
    }
  }
  runtime::Executor* executor = executor_.load();
  EventFeed* feed = event_feed_.load();
  if (executor == nullptr || feed == nullptr) {
    return finish(error(503, "unavailable", "The server is starting.", ""));
  }
  auto page = feed->Read(principal, after, limit, executor->stats().durable_seq_next.load());
  if (!page.ok()) return finish(error(500, "internal_error", page.status().message(), ""));
  http::Response res;
  res.body = std::move(page->body);
  finish(std::move(res));
}

void ApiHandler::Handle(http::Request&& req, http::Respond respond) {
  Impl& impl = *impl_;
  auto ex = std::make_shared<Exchange>();
  ex->start_ns = NowNs();
  ex->wall_ns = SystemClock().NowNs();
  ex->method = req.method;
  ex->remote_ip = req.remote_ip;
  ex->bytes_in = req.body.size();
  ex->trace = TraceFor(req.header("traceparent"));
  const std::string_view given_id = req.header("X-Request-Id");
  if (!given_id.empty() && given_id.size() <= kRequestIdCharsMax && IsPrintableAscii(given_id) &&
      given_id.find('"') == std::string_view::npos &&
      given_id.find('\\') == std::string_view::npos) {
    ex->request_id = std::string(given_id);
  } else {
    ex->request_id = "req_" + ex->trace.trace_id.substr(0, 8) +
                     std::to_string(impl.request_seq.fetch_add(1, std::memory_order_relaxed));
  }
  const std::string_view origin = req.header("Origin");
  for (const std::string& allowed : impl.options.cors_origins) {
    if (!origin.empty() && (allowed == "*" || allowed == origin)) {
      ex->cors_origin = allowed == "*" ? "*" : std::string(origin);
    }
  }

  // Every answer leaves through here: headers, metrics, access log.
  auto finish = [this, ex, respond = std::move(respond)](http::Response res) {
    Impl& state = *impl_;
    res.headers.push_back({"X-Request-Id", ex->request_id});
    res.headers.push_back(
        {"traceparent", "00-" + ex->trace.trace_id + "-" + RandomHex(8) + "-" + ex->trace.flags});
    res.headers.push_back({"Cache-Control", "no-store"});
    if (!ex->cors_origin.empty()) {
      res.headers.push_back({"Access-Control-Allow-Origin", ex->cors_origin});
      res.headers.push_back({"Vary", "Origin"});
    }
    const uint64_t elapsed = NowNs() - ex->start_ns;
    state.http_metrics.Record(ex->route, ex->method, static_cast<uint32_t>(res.status), elapsed);
    if (state.access_log != nullptr) {
      gateway::AccessLogEntry e;
      e.ts_ns = ex->wall_ns;
      e.trace_id = ex->trace.trace_id;
      e.request_id = ex->request_id;
      e.method = ex->method;
      e.route = ex->route;
      e.status = static_cast<uint32_t>(res.status);
      e.duration_us = elapsed / 1000;
      e.bytes_in = ex->bytes_in;
      e.bytes_out = res.body.size();
      e.remote_ip = ex->remote_ip;
      e.key_id = ex->key_id;
      e.tenant = ex->tenant;
      state.access_log->Log(e);
    }
    respond(std::move(res));
  };
  auto error = [&](int status, std::string_view type, std::string_view code,
                   std::string_view message, std::string_view param = {}) {
    http::Response res;
    res.status = status;
    res.body = platform::ErrorBody(type, code, message, param, ex->trace.trace_id);
    return res;
  };

  const std::string_view path = req.path();
  // --- unauthenticated operational routes ----------------------------------------------
  if (path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/v1/openapi.yaml") {
    ex->route = path == "/healthz"   ? "/healthz"
                : path == "/readyz"  ? "/readyz"
                : path == "/metrics" ? "/metrics"
                                     : "/v1/openapi.yaml";
    if (req.method != "GET" && req.method != "HEAD") {
      http::Response res = error(405, "invalid_request_error", "method_not_allowed",
                                 "Only GET is allowed on this path.");
      res.headers.push_back({"Allow", "GET"});
      return finish(std::move(res));
    }
    runtime::Executor* executor = executor_.load();
    http::Response res;
    if (path == "/healthz") {
      const bool ok = executor == nullptr || executor->healthy();
      res.status = ok ? 200 : 503;
      res.body = ok ? R"({"status":"ok"})" : R"({"status":"unhealthy"})";
    } else if (path == "/readyz") {
      const bool ok = executor != nullptr && executor->healthy();
      res.status = ok ? 200 : 503;
      res.body =
          ok ? R"({"status":"ready"})"
             : (executor == nullptr ? R"({"status":"starting"})" : R"({"status":"unhealthy"})");
    } else if (path == "/metrics") {
      res.content_type = "text/plain; version=0.0.4; charset=utf-8";
      res.body = impl.registry->Render();
      if (executor != nullptr) AppendExecutorMetrics(executor->stats(), &res.body);
    } else {
      res.content_type = "application/yaml";
      res.body = impl.options.openapi_yaml;
    }
    return finish(std::move(res));
  }

  if (req.method == "OPTIONS" && !ex->cors_origin.empty()) {
    http::Response res;
    res.status = 204;
    res.content_type.clear();
    res.headers.push_back({"Access-Control-Allow-Methods", "GET, POST, OPTIONS"});
    res.headers.push_back(
        {"Access-Control-Allow-Headers",
         "Authorization, Content-Type, Idempotency-Key, traceparent, X-Request-Id"});
    res.headers.push_back({"Access-Control-Max-Age", "600"});
    return finish(std::move(res));
  }

  // --- route -----------------------------------------------------------------------------
  const Route* route = nullptr;
  bool path_known = false;
  std::vector<std::string_view> params;
  for (const Route& r : kRoutes) {
    if (!Match(r.pattern, path, &params)) continue;
    path_known = true;
    if (req.method == r.method) {
      route = &r;
      break;
    }
  }
  if (route == nullptr) {
    if (path_known) {
      ex->route = "unmatched";
      return finish(error(405, "invalid_request_error", "method_not_allowed",
                          "This method is not allowed on this path."));
    }
    return finish(
        error(404, "invalid_request_error", "route_not_found", "No route for this path."));
  }
  Match(route->pattern, path, &params);  // re-fill: the loop may have matched other patterns
  ex->route = route->pattern;
  // Path segments arrive percent-encoded ("%2B44..." for an alias "+44..."); decode them.
  std::vector<std::string> decoded_params(params.size());
  for (size_t i = 0; i < params.size(); i++) {
    if (!PercentDecode(params[i], &decoded_params[i])) {
      return finish(error(400, "invalid_request_error", "parameter_invalid",
                          "Malformed percent-encoding in the path.", "path"));
    }
    params[i] = decoded_params[i];
  }

  // --- limits and authentication -----------------------------------------------------------
  const uint64_t now = NowNs();
  if (impl.options.per_ip.rate_per_s > 0) {
    const gateway::Decision d = impl.limiter.Take("ip:" + req.remote_ip, impl.options.per_ip, now);
    if (!d.allowed) {
      http::Response res =
          error(429, "rate_limit_error", "rate_limited", "Too many requests from this address.");
      res.headers.push_back({"Retry-After", std::to_string((d.retry_after_ms + 999) / 1000)});
      return finish(std::move(res));
    }
  }
  const std::string_view auth = req.header("Authorization");
  if (auth.empty()) {
    http::Response res = error(401, "authentication_error", "authentication_required",
                               "Send an API key: Authorization: Bearer sk_...");
    res.headers.push_back({"WWW-Authenticate", "Bearer"});
    return finish(std::move(res));
  }
  std::optional<platform::Principal> principal;
  if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) {
    principal = impl.keys->Authenticate(auth.substr(7));
  }
  if (!principal) {
    http::Response res =
        error(401, "authentication_error", "invalid_api_key", "The API key is not valid.");
    res.headers.push_back({"WWW-Authenticate", R"(Bearer error="invalid_token")"});
    return finish(std::move(res));
  }
  ex->key_id = platform::FormatId(platform::prefix::kApiKey, principal->key.value);
  ex->tenant = platform::FormatId(platform::prefix::kTenant, principal->tenant.value);
  if (impl.options.per_key.rate_per_s > 0) {
    const gateway::Decision d = impl.limiter.Take(ex->key_id, impl.options.per_key, now);
    if (!d.allowed) {
      http::Response res =
          error(429, "rate_limit_error", "rate_limited", "Too many requests for this API key.");
      res.headers.push_back({"Retry-After", std::to_string((d.retry_after_ms + 999) / 1000)});
      return finish(std::move(res));
    }
  }
  if (static_cast<uint8_t>(principal->role) > static_cast<uint8_t>(route->role)) {
    return finish(error(403, "permission_error", "insufficient_permissions",
                        std::string("This API key's role (") + platform::RoleName(principal->role) +
                            ") may not do this."));
  }

  if (route->decode == nullptr) {
    return ServeEvents(req, *principal, ex->trace.trace_id, std::move(finish));
  }

  // --- decode ----------------------------------------------------------------------------
  auto op = std::make_shared<platform::PlatformOp>();
  op->caller = *principal;
  op->trace_id = ex->trace.trace_id;
  const bool is_post = req.method == "POST";
  if (is_post) {
    const std::string_view key = req.header("Idempotency-Key");
    if (key.empty()) {
      return finish(error(400, "invalid_request_error", "idempotency_key_missing",
                          "Every POST needs an Idempotency-Key header.", "Idempotency-Key"));
    }
    if (key.size() > kIdempotencyKeyCharsMax || !IsPrintableAscii(key)) {
      return finish(error(400, "invalid_request_error", "parameter_invalid",
                          "Idempotency-Key must be 1-255 printable ASCII characters.",
                          "Idempotency-Key"));
    }
    op->idempotency_key = std::string(key);
    Sha256 h;
    h.Update(req.method.data(), req.method.size());
    h.Update(" ", 1);
    h.Update(path.data(), path.size());
    h.Update("\n", 1);
    h.Update(req.body.data(), req.body.size());
    op->request_sha256 = h.Finish();
  }
  RouteInput in;
  in.path_params = params;
  in.body = req.body;
  if (!ParseQuery(req.query(), &in.query)) {
    return finish(error(400, "invalid_request_error", "parameter_invalid",
                        "The query string is malformed.", "query"));
  }
  if (!is_post && !req.body.empty()) {
    return finish(error(400, "invalid_request_error", "parameter_invalid",
                        "GET requests carry no body.", ""));
  }
  if (is_post && !req.body.empty()) {
    const std::string_view ctype = req.header("Content-Type");
    if (ctype.substr(0, 16) != "application/json") {
      return finish(error(415, "invalid_request_error", "unsupported_media_type",
                          "Send JSON with Content-Type: application/json.", ""));
    }
  }
  DecodeError derr;
  if (!route->decode(in, &op->body, &derr)) {
    return finish(error(derr.http_status,
                        derr.http_status == 404 ? "invalid_request_error" : "invalid_request_error",
                        derr.code, derr.message, derr.param));
  }

  // --- execute -----------------------------------------------------------------------------
  runtime::Executor* executor = executor_.load();
  if (executor == nullptr) {
    http::Response res = error(503, "api_error", "unavailable", "The server is starting.");
    res.headers.push_back({"Retry-After", "1"});
    return finish(std::move(res));
  }
  auto shared_finish = std::make_shared<decltype(finish)>(std::move(finish));
  const std::string trace_id = ex->trace.trace_id;
  journal::JournalReader* reader = journal_reader_.load();
  Status st = executor->Submit(runtime::ServiceCmd{std::move(op)}, [shared_finish, trace_id, reader,
                                                                    executor](
                                                                       runtime::Reply&& reply) {
    http::Response res;
    if (reply.status.ok() && reply.replayed) {
      // The original answer's bytes, from the journal event that recorded them.
      Status read = Status::Unavailable("no journal reader");
      if (reader != nullptr) {
        auto ev = reader->ReadEvent(reply.replay_seq, executor->stats().durable_seq_next.load());
        platform::pb::IdempotencyRecorded m;
        if (ev.ok() &&
            ev->type == static_cast<uint16_t>(platform::EventType::kIdempotencyRecorded) &&
            m.ParseFromArray(ev->payload.data(), static_cast<int>(ev->payload.size()))) {
          reply.body = m.body();
          read = Status::Ok();
        } else {
          read = ev.ok() ? Status::DataLoss("not an idempotency record") : ev.status();
        }
      }
      if (!read.ok()) {
        reply.status = read;
        std::fprintf(stderr, "corebank: idempotent replay of seq %llu failed: %s\n",
                     static_cast<unsigned long long>(reply.replay_seq), read.ToString().c_str());
      }
    }
    if (!reply.status.ok() || reply.http_status == 0) {
      res.status = 503;
      res.body = platform::ErrorBody("api_error", "unavailable",
                                     "The command was not made durable; retry with the same "
                                     "Idempotency-Key.",
                                     "", trace_id);
      res.headers.push_back({"Retry-After", "1"});
    } else {
      res.status = reply.http_status;
      res.body = std::move(reply.body);
      if (reply.replayed) res.headers.push_back({"Idempotent-Replayed", "true"});
    }
    (*shared_finish)(std::move(res));
  });
  if (!st.ok()) {
    http::Response res =
        st.code() == StatusCode::kResourceExhausted
            ? error(503, "api_error", "overloaded", "The server is at capacity; retry shortly.")
            : error(503, "api_error", "unavailable", "The ledger is not accepting commands.");
    res.headers.push_back({"Retry-After", "1"});
    (*shared_finish)(std::move(res));
  }
}

}  // namespace cb::api
