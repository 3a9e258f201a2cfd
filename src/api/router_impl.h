#pragma once
// Internal to the router (router.cc, router_v1.cc): its state and what a request carries
// through its asynchronous life.
#include <atomic>
#include <optional>
#include <string>
#include <string_view>

#include "api/replay_cache.h"
#include "api/router.h"
#include "kernel/errors.h"
#include "runtime/command.h"

namespace cb::api {

struct Trace {
  std::string trace_id;  // 32 hex
  std::string flags = "01";
};

// W3C traceparent: "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>"; a fresh trace
// when absent or malformed.
Trace TraceFor(std::string_view traceparent);
std::string RandomHex(size_t bytes);  // 8 or 16 random bytes as hex, never all zero
bool IsPrintableAscii(std::string_view s);
uint64_t NowNs();

// 503 overloaded (a full queue or read pool), with Retry-After.
// The documented error shape with status and type from the kernel's one table.
http::Response ErrorResponse(kernel::ErrorKind kind, std::string_view code,
                             std::string_view message, std::string_view param,
                             std::string_view trace_id);
http::Response Overloaded(const std::string& trace_id);
// A service's reply as the HTTP answer: its status and body, or 503 when it was not made
// durable (or its recorded answer could not be read back).
http::Response FromReply(runtime::Reply&& reply, const std::string& trace_id);
// Reads a replayed answer's recorded body from the journal (a read-pool thread).
void ReadRecordedBody(journal::JournalReader* reader, uint64_t durable_seq_next,
                      runtime::Reply* reply);

struct ApiHandler::Impl {
  ApiOptions options;
  platform::KeyDirectory* keys;
  gateway::MetricsRegistry* registry;
  gateway::HttpMetrics http_metrics;
  gateway::AccessLog* access_log;
  gateway::RateLimiter limiter{100'000};
  std::atomic<uint64_t> request_seq{1};
  // Reads answered from the durable view on the io thread, and those it handed to the writer.
  gateway::Counter* view_reads;
  gateway::Counter* view_read_fallbacks;

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
        view_reads(r->Counter("corebank_read_path_answers_total",
                              "Reads answered from the durable read view on an io thread.")),
        view_read_fallbacks(r->Counter("corebank_read_path_fallbacks_total",
                                       "Reads the durable read view handed to the writer.")),
        replay_cache(options.replay_cache_bytes, options.replay_cache_entry_bytes_max) {}

  // An API key (sk_...) or one of our access tokens; on failure the description for
  // WWW-Authenticate.
  std::optional<kernel::Principal> Verify(std::string_view bearer, std::string* error) const;
};

// Everything a request carries through its asynchronous life; every answer leaves through
// ApiHandler::Finish with it.
struct ApiHandler::Exchange {
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
  http::Respond respond;

  // The documented error shape, with this request's trace id.
  http::Response Error(kernel::ErrorKind kind, std::string_view code, std::string_view message,
                       std::string_view param = {}) const;
  // 429 with Retry-After in whole seconds.
  http::Response Limited(std::string_view message, uint64_t retry_after_ms) const;
};

}  // namespace cb::api
