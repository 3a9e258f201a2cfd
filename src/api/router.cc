#include "api/router.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>

#include "api/decode.h"
#include "api/event_feed.h"
#include "api/executor_metrics.h"
#include "api/identity_routes.h"
#include "api/read_pool.h"
#include "api/replay_cache.h"
#include "identity/ops.h"
#include "platform/events.h"
#include "platform/ids.h"
#include "platform/render.h"
#include "platform/service.h"
#include "platform/state.h"

namespace cb::api {

namespace {

using platform::ScopeSet;
namespace ps = platform;  // scope constants

struct Route {
  const char* method;
  const char* pattern;       // "{id}" matches one segment; the pattern is also the metrics label
  DecodeFn decode;           // a platform op, or
  IdentityDecodeFn idecode;  // an identity op (both null: served at the edge)
  ScopeSet scope;            // the edge's check; the handler checks again
  bool step_up = false;      // a user's token needs the second factor (payments)
};

// Ordered: literal segments before "{}" at the same depth (batch before {id}).
const Route kRoutes[] = {
    {"POST", "/v1/tenants", DecodeCreateTenant, nullptr, ps::kScopeAdmin},
    {"GET", "/v1/tenants", DecodeListTenants, nullptr, ps::kScopeAdmin},
    {"GET", "/v1/tenants/{id}", DecodeGetTenant, nullptr, ps::kScopeAdmin},
    {"POST", "/v1/api_keys", DecodeCreateApiKey, nullptr, ps::kScopeAdmin},
    {"GET", "/v1/api_keys", DecodeListApiKeys, nullptr, ps::kScopeAdmin},
    {"POST", "/v1/api_keys/{id}/revoke", DecodeRevokeApiKey, nullptr, ps::kScopeAdmin},
    {"POST", "/v1/customers", DecodeCreateCustomer, nullptr, ps::kScopeCustomersWrite},
    {"GET", "/v1/customers", DecodeListCustomers, nullptr, ps::kScopeCustomersRead},
    {"GET", "/v1/customers/{id}", DecodeGetCustomer, nullptr, ps::kScopeCustomersRead},
    {"POST", "/v1/customers/{id}", DecodeUpdateCustomer, nullptr, ps::kScopeCustomersWrite},
    {"POST", "/v1/accounts", DecodeOpenAccount, nullptr, ps::kScopeAccountsWrite},
    {"GET", "/v1/accounts", DecodeListAccounts, nullptr, ps::kScopeAccountsRead},
    {"GET", "/v1/accounts/{id}", DecodeGetAccount, nullptr, ps::kScopeAccountsRead},
    {"GET", "/v1/accounts/{id}/balances", DecodeGetBalances, nullptr, ps::kScopeBalancesRead},
    {"GET", "/v1/accounts/{id}/transactions", DecodeListTransactions, nullptr,
     ps::kScopeTransactionsRead},
    {"POST", "/v1/accounts/{id}/freeze", DecodeFreeze, nullptr, ps::kScopeAccountsWrite},
    {"POST", "/v1/accounts/{id}/unfreeze", DecodeUnfreeze, nullptr, ps::kScopeAccountsWrite},
    {"POST", "/v1/accounts/{id}/close", DecodeClose, nullptr, ps::kScopeAccountsWrite},
    {"GET", "/v1/aliases/{id}", DecodeGetAlias, nullptr, ps::kScopeAccountsRead},
    {"POST", "/v1/transfers", DecodeCreateTransfer, nullptr, ps::kScopePaymentsWrite, true},
    {"GET", "/v1/transfers", DecodeListTransfers, nullptr, ps::kScopeTransactionsRead},
    {"POST", "/v1/transfers/batch", DecodeBatchTransfers, nullptr, ps::kScopePaymentsWrite, true},
    {"GET", "/v1/transfers/{id}", DecodeGetTransfer, nullptr, ps::kScopeTransactionsRead},
    {"POST", "/v1/transfers/{id}/post", DecodePost, nullptr, ps::kScopePaymentsWrite, true},
    {"POST", "/v1/transfers/{id}/void", DecodeVoid, nullptr, ps::kScopePaymentsWrite, true},
    {"POST", "/v1/sandbox/deposits", DecodeSandboxDeposit, nullptr, ps::kScopePaymentsWrite},
    // Manual adjustments (four-eyes): a user's token needs its second factor to ask or approve.
    {"POST", "/v1/adjustments", DecodeCreateAdjustment, nullptr, ps::kScopeAdmin, true},
    {"GET", "/v1/adjustments", DecodeListAdjustments, nullptr, ps::kScopeAdmin},
    {"GET", "/v1/adjustments/{id}", DecodeGetAdjustment, nullptr, ps::kScopeAdmin},
    {"POST", "/v1/adjustments/{id}/approve", DecodeApproveAdjustment, nullptr, ps::kScopeAdmin,
     true},
    {"POST", "/v1/adjustments/{id}/reject", DecodeRejectAdjustment, nullptr, ps::kScopeAdmin},
    {"GET", "/v1/events", nullptr, nullptr, ps::kScopeEventsRead},  // served from the journal
    // Identity (docs/oauth.md).
    {"POST", "/v1/apps", nullptr, DecodeCreateApp, ps::kScopeAdmin},
    {"GET", "/v1/apps", nullptr, DecodeListApps, ps::kScopeAdmin},
    {"GET", "/v1/apps/{id}", nullptr, DecodeGetApp, ps::kScopeAdmin},
    {"POST", "/v1/apps/{id}/rotate_secret", nullptr, DecodeRotateAppSecret, ps::kScopeAdmin},
    {"POST", "/v1/apps/{id}/revoke", nullptr, DecodeRevokeApp, ps::kScopeAdmin},
    {"GET", "/v1/apps/{id}/usage", nullptr, DecodeAppUsage, ps::kScopeAdmin},
    {"POST", "/v1/users", nullptr, DecodeCreateUser, ps::kScopeAdmin},
    {"GET", "/v1/users", nullptr, DecodeListUsers, ps::kScopeAdmin},
    {"GET", "/v1/users/{id}", nullptr, DecodeGetUser, ps::kScopeAdmin},
    {"POST", "/v1/users/{id}/totp", nullptr, DecodeEnrollTotp, ps::kScopeAdmin},
    {"POST", "/v1/users/{id}/totp/confirm", nullptr, DecodeConfirmTotp, ps::kScopeAdmin},
    {"GET", "/v1/users/{id}/sessions", nullptr, DecodeListSessions, ps::kScopeAdmin},
    {"POST", "/v1/sessions/{id}/revoke", nullptr, DecodeRevokeSession, ps::kScopeAdmin},
    {"POST", "/v1/consents", nullptr, DecodeCreateConsent, ps::kScopeConsentsWrite},
    {"GET", "/v1/consents", nullptr, DecodeListConsents, ps::kScopeConsentsRead},
    {"GET", "/v1/consents/{id}", nullptr, DecodeGetConsent, ps::kScopeConsentsRead},
    {"POST", "/v1/consents/{id}/revoke", nullptr, DecodeRevokeConsent, ps::kScopeConsentsWrite},
    {"POST", "/v1/signing_keys/rotate", nullptr, DecodeRotateSigningKey, ps::kScopeAdmin},
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

http::Response Overloaded(const std::string& trace_id) {
  http::Response res;
  res.status = 503;
  res.body = platform::ErrorBody("api_error", "overloaded",
                                 "The server is at capacity; retry shortly.", "", trace_id);
  res.headers.push_back({"Retry-After", "1"});
  return res;
}

// A service's reply as the HTTP answer: its status and body, or 503 when it was not made
// durable (or its recorded answer could not be read back).
http::Response FromReply(runtime::Reply&& reply, const std::string& trace_id) {
  http::Response res;
  if (!reply.status.ok() || reply.http_status == 0) {
    res.status = 503;
    res.body = platform::ErrorBody("api_error", "unavailable",
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

struct ApiHandler::Impl {
  ApiOptions options;
  platform::KeyDirectory* keys;
  gateway::MetricsRegistry* registry;
  gateway::HttpMetrics http_metrics;
  gateway::AccessLog* access_log;
  gateway::RateLimiter limiter{100'000};
  std::atomic<uint64_t> request_seq{1};

  // Set once the identity edge is built (after the listener knows its port); until then
  // access tokens, OAuth and identity routes answer as unconfigured.
  std::atomic<const ApiIdentityDeps*> identity_deps{nullptr};
  ReplayCache replay_cache;

  Impl(ApiOptions o, platform::KeyDirectory* k, gateway::MetricsRegistry* r, gateway::AccessLog* l)
      : options(std::move(o)),
        keys(k),
        registry(r),
        http_metrics(r),
        access_log(l),
        replay_cache(options.replay_cache_bytes, options.replay_cache_entry_bytes_max) {}

  // An API key (sk_...) or one of our access tokens; on failure the description for
  // WWW-Authenticate.
  std::optional<platform::Principal> Authenticate(std::string_view bearer,
                                                  std::string* error) const;
};

ApiHandler::ApiHandler(ApiOptions options, platform::KeyDirectory* keys,
                       gateway::MetricsRegistry* registry, gateway::AccessLog* access_log)
    : impl_(std::make_unique<Impl>(std::move(options), keys, registry, access_log)) {}

void ApiHandler::SetIdentity(const ApiIdentityDeps* deps) { impl_->identity_deps.store(deps); }

std::optional<platform::Principal> ApiHandler::Impl::Authenticate(std::string_view bearer,
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
  p->kind = platform::PrincipalKind::kAccessToken;
  p->scopes = claims->scopes;
  p->client = claims->client.value;
  p->user = claims->user.value;
  p->customer = claims->customer;
  p->consent = claims->consent.value;
  p->grant = claims->grant.value;
  p->acr = claims->user.zero() ? platform::AuthLevel::kNone : claims->acr;
  return p;
}

ApiHandler::~ApiHandler() = default;

http::Response ApiHandler::RejectedResponse(int status, std::string_view code,
                                            std::string_view message) {
  http::Response res;
  res.status = status;
  const std::string trace = RandomHex(16);
  res.body = platform::ErrorBody(status == 503 ? "api_error" : "invalid_request_error", code,
                                 message, "", trace);
  res.headers.push_back({"X-Request-Id", "req_" + trace.substr(0, 24)});
  // The request never got far enough to carry a trace in: this answer starts one, so that
  // every answer, refused ones included, has the traceparent the contract promises.
  res.headers.push_back({"traceparent", "00-" + trace + "-" + RandomHex(8) + "-00"});
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
  ReadPool* pool = read_pool_.load();
  if (executor == nullptr || feed == nullptr || pool == nullptr) {
    return finish(error(503, "unavailable", "The server is starting.", ""));
  }
  // The feed reads journal files: on the read pool, never on this io loop.
  const uint64_t durable = executor->stats().durable_seq_next.load();
  auto shared_finish = std::make_shared<std::function<void(http::Response)>>(std::move(finish));
  const bool posted = pool->Post(
      [feed, principal, after, limit, durable, trace_id, shared_finish] {
        auto page = feed->Read(principal, after, limit, durable);
        http::Response res;
        if (!page.ok()) {
          // Segment names and offsets are for the operator's log, not for the client.
          std::fprintf(stderr, "corebank: event feed read failed (trace %s): %s\n",
                       trace_id.c_str(), page.status().ToString().c_str());
          res.status = 500;
          res.body = platform::ErrorBody(
              "api_error", "internal_error",
              "The event feed could not be read; the trace id is logged.", "", trace_id);
        } else {
          res.body = std::move(page->body);
        }
        (*shared_finish)(std::move(res));
      },
      platform::IdBytes(principal.tenant.value));
  if (!posted) (*shared_finish)(Overloaded(trace_id));
}

void ApiHandler::Handle(http::Request&& req, http::Respond respond) {
  Impl& impl = *impl_;
  const ApiIdentityDeps* id = impl.identity_deps.load();
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

  // --- OAuth 2.0 / OIDC endpoints (their own request and error formats) -------------------
  if (oauth::OAuthHandler::Owns(path)) {
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
        http::Response res =
            error(429, "rate_limit_error", "rate_limited", "Too many requests from this address.");
        res.headers.push_back({"Retry-After", std::to_string((d.retry_after_ms + 999) / 1000)});
        return finish(std::move(res));
      }
    }
    if (id == nullptr || id->oauth == nullptr) {
      return finish(error(503, "api_error", "unavailable", "OAuth is not configured."));
    }
    // OAuth answers often come from other threads (the writer, the password pool), maybe after
    // this request timed out and its connection read the next one into the same buffer. The
    // request they read is owned by the exchange: it lives as long as `finish` does.
    auto held = std::make_shared<http::Request>(std::move(req));
    const http::Request& request = *held;
    return id->oauth->Handle(request, ex->trace.trace_id,
                             [held = std::move(held), finish = std::move(finish)](
                                 http::Response res) { finish(std::move(res)); });
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
  // An address whose credentials keep failing (forged tokens each cost a signature check) is
  // refused before the check once it spent the unauthenticated budget; only failures count.
  // API keys are cheap to check and skip the look-up (their failures still count).
  auto failures_key = [&req] { return "auth-fail-ip:" + req.remote_ip; };
  const bool jwt_shaped = std::count(auth.begin(), auth.end(), '.') == 2;
  if (jwt_shaped &&
      !impl.limiter.WouldAllow(failures_key(), impl.options.unauthenticated_per_ip, now)) {
    http::Response res = error(429, "rate_limit_error", "rate_limited",
                               "Too many failed authentications from this address.");
    res.headers.push_back({"Retry-After", "1"});
    return finish(std::move(res));
  }
  std::optional<platform::Principal> principal;
  std::string auth_error = "The API key is not valid.";
  if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) {
    principal = impl.Authenticate(auth.substr(7), &auth_error);
  }
  if (!principal) {
    impl.limiter.Take(failures_key(), impl.options.unauthenticated_per_ip, now);
    // Anything that is not shaped like a JWT (header.payload.signature) was meant as a key.
    const std::string_view presented = auth.size() > 7 ? auth.substr(7) : std::string_view();
    const bool api_key = std::count(presented.begin(), presented.end(), '.') != 2;
    if (api_key) auth_error = "The API key is not valid.";
    http::Response res = error(401, "authentication_error",
                               api_key ? "invalid_api_key" : "invalid_token", auth_error);
    std::string challenge = R"(Bearer error="invalid_token", error_description=")";
    for (char c : auth_error) {
      if (c != '"' && c != '\\') challenge.push_back(c);
    }
    challenge.push_back('"');
    res.headers.push_back({"WWW-Authenticate", std::move(challenge)});
    return finish(std::move(res));
  }
  const bool token = principal->kind == platform::PrincipalKind::kAccessToken;
  ex->key_id = token ? platform::FormatId(identity::prefix::kApp, principal->client)
                     : platform::FormatId(platform::prefix::kApiKey, principal->key.value);
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
  if (token && id != nullptr && id->edge.state != nullptr) {
    // An app's own limit, over the per-key default.
    const auto app_rate = id->edge.state->ReadAppRateLimit(identity::AppId(principal->client));
    if (app_rate && *app_rate > 0) {
      const gateway::Decision d = impl.limiter.Take(
          "app:" + ex->key_id, {.rate_per_s = *app_rate, .burst = *app_rate}, now);
      if (!d.allowed) {
        http::Response res =
            error(429, "rate_limit_error", "rate_limited", "Too many requests for this app.");
        res.headers.push_back({"Retry-After", std::to_string((d.retry_after_ms + 999) / 1000)});
        return finish(std::move(res));
      }
    }
  }
  if ((principal->scopes & route->scope) != route->scope) {
    if (!token) {
      return finish(error(403, "permission_error", "insufficient_permissions",
                          std::string("This API key's role (") +
                              platform::RoleName(principal->role) + ") may not do this."));
    }
    http::Response res = error(403, "permission_error", "insufficient_scope",
                               std::string("The token's scope does not include ") +
                                   platform::ScopeName(route->scope) + ".");
    res.headers.push_back(
        {"WWW-Authenticate", std::string(R"(Bearer error="insufficient_scope", scope=")") +
                                 platform::ScopeName(route->scope) + "\""});
    return finish(std::move(res));
  }
  // Step-up (RFC 9470): a user moving money must have passed the second factor.
  if (route->step_up && token && principal->user != 0 && impl.options.step_up_payments &&
      principal->acr < platform::AuthLevel::kMfa) {
    http::Response res = error(401, "authentication_error", "insufficient_user_authentication",
                               "This needs a second factor: authorize again with acr_values="
                               "urn:corebank:acr:mfa.");
    res.headers.push_back(
        {"WWW-Authenticate",
         R"(Bearer error="insufficient_user_authentication", error_description="A second factor is required", acr_values="urn:corebank:acr:mfa")"});
    return finish(std::move(res));
  }
  if (token && id != nullptr && id->oauth != nullptr) {
    id->oauth->CountUsage(identity::AppId(principal->client), route->pattern,
                          SystemClock().NowNs());
  }

  if (route->decode == nullptr && route->idecode == nullptr) {
    if (principal->delegated()) {
      return finish(error(403, "permission_error", "not_allowed_for_customer",
                          "A customer's token may not read the tenant's event feed."));
    }
    return ServeEvents(req, *principal, ex->trace.trace_id, std::move(finish));
  }

  // --- decode ----------------------------------------------------------------------------
  const bool is_post = req.method == "POST";
  std::string idempotency_key;
  Hash256 request_sha256{};
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
    idempotency_key = std::string(key);
    Sha256 h;
    h.Update(req.method.data(), req.method.size());
    h.Update(" ", 1);
    h.Update(path.data(), path.size());
    h.Update("\n", 1);
    h.Update(req.body.data(), req.body.size());
    request_sha256 = h.Finish();
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
  auto decode_error = [&](const DecodeError& derr) {
    const char* type = derr.http_status == 403   ? "permission_error"
                       : derr.http_status >= 500 ? "api_error"
                                                 : "invalid_request_error";
    return error(derr.http_status, type, derr.code, derr.message, derr.param);
  };
  DecodeError derr;
  std::shared_ptr<runtime::ServiceOp> op;
  std::string password;  // to hash before submitting (new users)
  std::shared_ptr<identity::IdentityOp> identity_op;
  if (route->decode != nullptr) {
    auto pop = std::make_shared<platform::PlatformOp>();
    pop->caller = *principal;
    pop->trace_id = ex->trace.trace_id;
    pop->idempotency_key = idempotency_key;
    pop->request_sha256 = request_sha256;
    if (!route->decode(in, &pop->body, &derr)) return finish(decode_error(derr));
    op = std::move(pop);
  } else {
    if (id == nullptr || id->edge.state == nullptr || id->edge.kms == nullptr) {
      return finish(error(503, "api_error", "unavailable", "Identity is not configured."));
    }
    identity_op = std::make_shared<identity::IdentityOp>();
    identity_op->caller = *principal;
    identity_op->trace_id = ex->trace.trace_id;
    identity_op->idempotency_key = idempotency_key;
    identity_op->request_sha256 = request_sha256;
    IdentityDecoded decoded;
    if (!route->idecode(in, id->edge, *principal, &decoded, &derr)) {
      return finish(decode_error(derr));
    }
    identity_op->body = std::move(decoded.body);
    password = std::move(decoded.password);
    if (!password.empty()) {
      // The body holds a password: the request hash covers every other field instead.
      Sha256 h;
      h.Update(req.method.data(), req.method.size());
      h.Update(" ", 1);
      h.Update(path.data(), path.size());
      h.Update("\n", 1);
      h.Update(decoded.request_digest_input.data(), decoded.request_digest_input.size());
      identity_op->request_sha256 = h.Finish();
    }
    op = identity_op;
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
  ReadPool* pool = read_pool_.load();
  ReplayCache* cache = &impl_->replay_cache;
  // Runs on the writer or the journal thread: it must never wait on the disk.
  const u128 tenant = principal->tenant.value;
  auto on_reply = [shared_finish, trace_id, reader, pool, cache, executor,
                   tenant](runtime::Reply&& reply) mutable {
    if (reply.status.ok() && reply.replayed) {
      if (std::optional<std::string> body = cache->Get(reply.replay_seq)) {
        reply.body = *std::move(body);
        return (*shared_finish)(FromReply(std::move(reply), trace_id));
      }
      const uint64_t durable = executor->stats().durable_seq_next.load();
      auto job = [shared_finish, trace_id, reader, cache, durable,
                  reply = std::move(reply)]() mutable {
        ReadRecordedBody(reader, durable, &reply);
        if (reply.status.ok()) cache->Put(reply.replay_seq, reply.body);
        (*shared_finish)(FromReply(std::move(reply), trace_id));
      };
      if (reader == nullptr || pool == nullptr ||
          !pool->Post(std::move(job), platform::IdBytes(tenant))) {
        (*shared_finish)(Overloaded(trace_id));
      }
      return;
    }
    // Fresh answers are not copied into the cache here: that copy (and the cache's pages) cost
    // every answer time on this thread and most keys are never replayed. The first replay
    // of a key reads the journal on the read pool and caches it for the retries after it.
    (*shared_finish)(FromReply(std::move(reply), trace_id));
  };
  auto submit_error = [shared_finish, trace_id](const Status& st) {
    http::Response res;
    res.status = 503;
    res.body = st.code() == StatusCode::kResourceExhausted
                   ? platform::ErrorBody("api_error", "overloaded",
                                         "The server is at capacity; retry shortly.", "", trace_id)
                   : platform::ErrorBody("api_error", "unavailable",
                                         "The ledger is not accepting commands.", "", trace_id);
    res.headers.push_back({"Retry-After", "1"});
    (*shared_finish)(std::move(res));
  };
  if (password.empty()) {
    Status st = executor->Submit(runtime::ServiceCmd{std::move(op)}, std::move(on_reply));
    if (!st.ok()) submit_error(st);
    return;
  }
  // A new user's password is hashed (argon2id) on the password pool, never on an io thread
  // or the writer; the op is submitted from the pool's thread when the hash is ready.
  if (id == nullptr || id->passwords == nullptr) {
    return submit_error(Status::Unavailable("no password pool"));
  }
  const bool accepted = id->passwords->SubmitHash(
      std::move(password), id->password_policy,
      [identity_op, executor, on_reply = std::move(on_reply),
       submit_error](Result<std::string> hash) mutable {
        if (!hash.ok()) return submit_error(Status::Unavailable(hash.status().message()));
        std::get<identity::CreateUserOp>(identity_op->body).password_hash = *std::move(hash);
        Status st = executor->Submit(runtime::ServiceCmd{identity_op}, std::move(on_reply));
        if (!st.ok()) submit_error(st);
      });
  if (!accepted) submit_error(Status::ResourceExhausted("password pool full"));
}

}  // namespace cb::api
