#include "api/router.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>

#include "api/executor_metrics.h"
#include "api/route_table.h"
#include "api/router_impl.h"
#include "platform/events.h"
#include "platform/ids.h"
#include "platform/render.h"
#include "platform/state.h"

namespace cb::api {

namespace {

constexpr size_t kRequestIdCharsMax = 64;

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

}  // namespace

std::string RandomHex(size_t bytes) {
  CB_CHECK(bytes == 8 || bytes == 16);
  uint64_t words[2] = {NextRandom64(), NextRandom64()};
  if (words[0] == 0) words[0] = 1;  // W3C: all-zero ids are invalid
  return HexEncode(reinterpret_cast<const uint8_t*>(words), bytes);
}

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

http::Response ErrorResponse(kernel::ErrorKind kind, std::string_view code,
                             std::string_view message, std::string_view param,
                             std::string_view trace_id) {
  http::Response res;
  res.status = kernel::HttpStatusOf(kind);
  res.body = kernel::ErrorBody(kernel::ErrorTypeOf(kind), code, message, param, trace_id);
  return res;
}

http::Response Overloaded(const std::string& trace_id) {
  http::Response res = ErrorResponse(kernel::ErrorKind::kUnavailable, "overloaded",
                                     "The server is at capacity; retry shortly.", "", trace_id);
  res.headers.push_back({"Retry-After", "1"});
  return res;
}

// A service's reply as the HTTP answer: its status and body, or 503 when it was not made
// durable (or its recorded answer could not be read back).
http::Response FromReply(runtime::Reply&& reply, const std::string& trace_id) {
  http::Response res;
  if (!reply.status.ok() || reply.http_status == 0) {
    res = ErrorResponse(kernel::ErrorKind::kUnavailable, "unavailable",
                        "The command was not made durable; retry with the same "
                        "Idempotency-Key.",
                        "", trace_id);
    res.headers.push_back({"Retry-After", "1"});
    return res;
  }
  res.status = reply.http_status;
  res.body = std::move(reply.body);
  if (reply.replayed) res.headers.push_back({"Idempotent-Replayed", "true"});
  // A service's 429 (a tenant's idempotency quota): space frees as records expire.
  if (res.status == 429) res.headers.push_back({"Retry-After", "60"});
  // A service's 401 is a step-up the risk policy asked for (RFC 9470), as the edge says it.
  if (res.status == 401 &&
      res.body.find(R"("code":"insufficient_user_authentication")") != std::string::npos) {
    res.headers.push_back({"WWW-Authenticate", kStepUpChallenge});
  }
  return res;
}

// Reads a replayed answer's recorded body from the journal (a read-pool thread).
void ReadRecordedBody(journal::JournalReader* reader, uint64_t durable_seq_next,
                      runtime::Reply* reply) {
  auto ev = reader->ReadEvent(reply->replay_seq, durable_seq_next);
  platform::pb::IdempotencyRecorded m;
  if (ev.ok() && ev->type == static_cast<uint16_t>(platform::EventType::kIdempotencyRecorded) &&
      m.ParseFromArray(ev->payload.data(), static_cast<int>(ev->payload.size()))) {
    reply->body = std::move(*m.mutable_body());
    return;
  }
  reply->status = ev.ok() ? Status::DataLoss("not an idempotency record") : ev.status();
  std::fprintf(stderr, "corebank: idempotent replay of seq %llu failed: %s\n",
               static_cast<unsigned long long>(reply->replay_seq),
               reply->status.ToString().c_str());
}

ApiHandler::ApiHandler(ApiOptions options, platform::KeyDirectory* keys,
                       gateway::MetricsRegistry* registry, gateway::AccessLog* access_log)
    : impl_(std::make_unique<Impl>(std::move(options), keys, registry, access_log)) {}

ApiHandler::~ApiHandler() = default;

void ApiHandler::SetIdentity(const ApiIdentityDeps* deps) { impl_->identity_deps.store(deps); }

std::optional<kernel::Principal> ApiHandler::Impl::Verify(std::string_view bearer,
                                                          std::string* error) const {
  if (bearer.substr(0, 3) == "sk_") {
    auto p = keys->Authenticate(bearer);
    if (!p) *error = "The API key is not valid.";
    return p;
  }
  const ApiIdentityDeps* identity = identity_deps.load();
  if (identity == nullptr || identity->verifier == nullptr) {
    *error = "The API key is not valid.";
    return std::nullopt;
  }
  identity::TokenError token_error;
  auto claims = identity->verifier->Verify(bearer, SystemClock().NowNs(), &token_error);
  if (!claims.ok()) {
    *error = token_error.description;
    return std::nullopt;
  }
  auto p = keys->TenantPrincipal(claims->tenant);
  if (!p) {
    *error = "The token's tenant does not exist.";
    return std::nullopt;
  }
  p->kind = kernel::PrincipalKind::kAccessToken;
  p->scopes = claims->scopes;
  p->client = claims->client;
  p->user = claims->user;
  p->customer = claims->customer;
  p->consent = claims->consent;
  p->grant = claims->grant;
  p->acr = claims->user.zero() ? kernel::AuthLevel::kNone : claims->acr;
  return p;
}

// The HTTP server's refusals before any routing (400, 408, 413, 414, 431, 503): statuses of
// the transport that the kernel's error table has no kind for, so they are mapped here.
http::Response ApiHandler::RejectedResponse(int status, std::string_view code,
                                            std::string_view message) {
  http::Response res;
  res.status = status;
  const std::string trace = RandomHex(16);
  res.body = kernel::ErrorBody(status == 503 ? "api_error" : "invalid_request_error", code, message,
                               "", trace);
  res.headers.push_back({"X-Request-Id", "req_" + trace.substr(0, 24)});
  // The request never got far enough to carry a trace in: this answer starts one, so that
  // every answer, refused ones included, has the traceparent the contract promises.
  res.headers.push_back({"traceparent", "00-" + trace + "-" + RandomHex(8) + "-00"});
  return res;
}

http::Response ApiHandler::Exchange::Error(kernel::ErrorKind kind, std::string_view code,
                                           std::string_view message, std::string_view param) const {
  return ErrorResponse(kind, code, message, param, trace.trace_id);
}

http::Response ApiHandler::Exchange::Limited(std::string_view message,
                                             uint64_t retry_after_ms) const {
  http::Response res = Error(kernel::ErrorKind::kRateLimited, "rate_limited", message);
  res.headers.push_back({"Retry-After", std::to_string((retry_after_ms + 999) / 1000)});
  return res;
}

// The pipeline: exchange (trace, request id, CORS) -> operational routes -> CORS preflight
// -> OAuth endpoints -> /v1 (route, limits, authentication, scope and step-up, decode,
// submit or replay; router_v1.cc).
void ApiHandler::Handle(http::Request&& req, http::Respond respond) {
  Impl& impl = *impl_;
  auto ex = std::make_shared<Exchange>();
  ex->respond = std::move(respond);
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
  if (ServeOperational(req, ex) || ServePreflight(req, ex)) return;
  if (oauth::OAuthHandler::Owns(req.path())) return ServeOAuth(std::move(req), ex);
  ServeV1(std::move(req), ex);
}

// Every answer leaves through here: headers, metrics, access log.
void ApiHandler::Finish(const ExchangePtr& ex, http::Response res) const {
  const Impl& state = *impl_;
  res.headers.push_back({"X-Request-Id", ex->request_id});
  res.headers.push_back(
      {"traceparent", "00-" + ex->trace.trace_id + "-" + RandomHex(8) + "-" + ex->trace.flags});
  res.headers.push_back({"Cache-Control", "no-store"});
  if (!ex->cors_origin.empty()) {
    res.headers.push_back({"Access-Control-Allow-Origin", ex->cors_origin});
    res.headers.push_back({"Vary", "Origin"});
  }
  const uint64_t elapsed = NowNs() - ex->start_ns;
  impl_->http_metrics.Record(ex->route, ex->method, static_cast<uint32_t>(res.status), elapsed);
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
  ex->respond(std::move(res));
}

// /healthz, /readyz, /metrics, /v1/openapi.yaml: unauthenticated, GET only.
bool ApiHandler::ServeOperational(const http::Request& req, const ExchangePtr& ex) {
  const std::string_view path = req.path();
  if (path != "/healthz" && path != "/readyz" && path != "/metrics" && path != "/v1/openapi.yaml") {
    return false;
  }
  ex->route = path == "/healthz"   ? "/healthz"
              : path == "/readyz"  ? "/readyz"
              : path == "/metrics" ? "/metrics"
                                   : "/v1/openapi.yaml";
  if (req.method != "GET" && req.method != "HEAD") {
    http::Response res = ex->Error(kernel::ErrorKind::kMethodNotAllowed, "method_not_allowed",
                                   "Only GET is allowed on this path.");
    res.headers.push_back({"Allow", "GET"});
    Finish(ex, std::move(res));
    return true;
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
    res.body = impl_->registry->Render();
    if (executor != nullptr) AppendExecutorMetrics(executor->stats(), &res.body);
  } else {
    res.content_type = "application/yaml";
    res.body = impl_->options.openapi_yaml;
  }
  Finish(ex, std::move(res));
  return true;
}

bool ApiHandler::ServePreflight(const http::Request& req, const ExchangePtr& ex) {
  if (req.method != "OPTIONS" || ex->cors_origin.empty()) return false;
  http::Response res;
  res.status = 204;
  res.content_type.clear();
  res.headers.push_back({"Access-Control-Allow-Methods", "GET, POST, PUT, OPTIONS"});
  res.headers.push_back(
      {"Access-Control-Allow-Headers",
       "Authorization, Content-Type, Idempotency-Key, traceparent, X-Request-Id"});
  res.headers.push_back({"Access-Control-Max-Age", "600"});
  Finish(ex, std::move(res));
  return true;
}

// OAuth 2.0 / OIDC endpoints: their own request and error formats (src/oauth/).
void ApiHandler::ServeOAuth(http::Request&& req, const ExchangePtr& ex) {
  Impl& impl = *impl_;
  const std::string_view path = req.path();
  ex->route = oauth::OAuthHandler::RouteLabel(path);
  const bool sign_in = req.method == "POST" && (path == "/oauth2/login" || path == "/oauth2/mfa");
  const struct {
    const char* prefix;
    const gateway::RateLimit& limit;
    bool applies;
  } limits[] = {{"ip:", impl.options.per_ip, true},
                {"unauth-ip:", impl.options.unauthenticated_per_ip, true},
                {"sign-in-ip:", impl.options.sign_in_per_ip, sign_in}};
  for (const auto& l : limits) {
    if (!l.applies || l.limit.rate_per_s == 0) continue;
    const gateway::Decision d = impl.limiter.Take(l.prefix + req.remote_ip, l.limit, NowNs());
    if (!d.allowed) {
      return Finish(ex, ex->Limited("Too many requests from this address.", d.retry_after_ms));
    }
  }
  const ApiIdentityDeps* id = impl.identity_deps.load();
  if (id == nullptr || id->oauth == nullptr) {
    return Finish(
        ex, ex->Error(kernel::ErrorKind::kUnavailable, "unavailable", "OAuth is not configured."));
  }
  // OAuth answers often come from other threads (the writer, the password pool), maybe after
  // this request timed out and its connection read the next one into the same buffer. The
  // request they read is owned by the exchange: it lives as long as the answer callback.
  auto held = std::make_shared<http::Request>(std::move(req));
  const http::Request& request = *held;
  id->oauth->Handle(
      request, ex->trace.trace_id,
      [this, held = std::move(held), ex](http::Response res) { Finish(ex, std::move(res)); });
}

}  // namespace cb::api
