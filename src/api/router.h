#pragma once
// The REST edge: an http::Handler that routes /v1 requests, authenticates the API key,
// applies rate limits, decodes the body into a platform op and hands it to the shard
// executor; the answer goes out when the executor replies (after the batch is durable).
// Also serves /healthz, /readyz, /metrics and /v1/openapi.yaml.
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/identity_routes.h"
#include "credentials/password.h"
#include "gateway/access_log.h"
#include "gateway/metrics.h"
#include "gateway/rate_limiter.h"
#include "http/server.h"
#include "identity/tokens.h"
#include "journal/reader.h"
#include "oauth/handler.h"
#include "platform/key_directory.h"
#include "runtime/executor.h"

namespace cb::platform {
class BalanceView;
}

namespace cb::api {

class EventFeed;
class ReadPool;
struct RouteSpec;
struct BuiltOp;

// The RFC 9470 challenge of a step-up, whether the edge or the risk policy asks for it.
inline constexpr const char* kStepUpChallenge =
    R"(Bearer error="insufficient_user_authentication", error_description="A second factor is required", acr_values="urn:corebank:acr:mfa")";

struct ApiOptions {
  gateway::RateLimit per_key{.rate_per_s = 0, .burst = 0};  // 0: unlimited
  gateway::RateLimit per_ip{.rate_per_s = 0, .burst = 0};
  // On by default: every unauthenticated endpoint (OAuth endpoints and pages, discovery),
  // per client address; and the password and TOTP forms, per address, much tighter (each
  // costs an argon2id on a small pool, so a flood would lock real users out of signing in).
  gateway::RateLimit unauthenticated_per_ip{.rate_per_s = 100, .burst = 200};
  gateway::RateLimit sign_in_per_ip{.rate_per_s = 5, .burst = 30};
  std::vector<std::string> cors_origins;  // exact origins, or "*"
  std::string openapi_yaml;               // served at GET /v1/openapi.yaml
  // Payments with a user's token need the second factor (acr urn:corebank:acr:mfa); below
  // it the answer is 401 insufficient_user_authentication (RFC 9470).
  bool step_up_payments = true;
  // Idempotent answers kept in memory for replays (api/replay_cache.h).
  uint64_t replay_cache_bytes = 64ull << 20;
  uint64_t replay_cache_entry_bytes_max = 64ull << 10;
};

// The identity edge: access tokens, the OAuth endpoints, identity resources. Without it
// (null members) only API keys authenticate and identity routes answer 503.
struct ApiIdentityDeps {
  oauth::OAuthHandler* oauth = nullptr;
  const identity::TokenVerifier* verifier = nullptr;
  IdentityEdge edge;
  credentials::PasswordHasherPool* passwords = nullptr;
  credentials::PasswordPolicy password_policy = credentials::PasswordPolicy::Interactive();
};

class ApiHandler final : public http::Handler {
 public:
  // The executor is set once recovery finished (readyz turns ready then); until then /v1
  // answers 503. `access_log` may be null.
  ApiHandler(ApiOptions options, platform::KeyDirectory* keys, gateway::MetricsRegistry* registry,
             gateway::AccessLog* access_log);
  ~ApiHandler() override;

  void SetExecutor(runtime::Executor* executor) { executor_.store(executor); }
  // The identity edge (not owned; outlives the handler's use of it). Null turns it off.
  void SetIdentity(const ApiIdentityDeps* deps);
  void SetEventFeed(EventFeed* feed) { event_feed_.store(feed); }
  // The durable read view some GETs are answered from on the io thread (ADR 0013); null
  // (the default) sends every read to the writer. Not owned; cleared before it dies.
  void SetBalanceView(const platform::BalanceView* view) { balance_view_.store(view); }
  // Idempotent replays that miss the cache and the event feed read the journal through
  // this, on `pool`'s threads (both not owned; set together, cleared before either dies).
  void SetJournalReader(journal::JournalReader* reader, ReadPool* pool) {
    read_pool_.store(pool);
    journal_reader_.store(reader);
  }
  void Handle(http::Request&& request, http::Respond respond) override;
  http::Response RejectedResponse(int status, std::string_view code,
                                  std::string_view message) override;

 private:
  struct Impl;
  struct Exchange;
  using ExchangePtr = std::shared_ptr<Exchange>;
  std::unique_ptr<Impl> impl_;
  // The request pipeline (router.cc, router_v1.cc): each stage answers through Finish and
  // returns false (or nothing) when it did, so the next stage never runs.
  void Finish(const ExchangePtr& ex, http::Response res) const;
  bool ServeOperational(const http::Request& req, const ExchangePtr& ex);
  bool ServePreflight(const http::Request& req, const ExchangePtr& ex);
  void ServeOAuth(http::Request&& req, const ExchangePtr& ex);
  void ServeV1(http::Request&& req, const ExchangePtr& ex);
  bool CheckAddressLimit(const http::Request& req, const ExchangePtr& ex);
  std::optional<kernel::Principal> Authenticate(const http::Request& req, const ExchangePtr& ex);
  bool Authorize(const kernel::Principal& principal, const RouteSpec& route, const ExchangePtr& ex);
  bool Build(const http::Request& req, const RouteSpec& route,
             const std::vector<std::string_view>& params, const kernel::Principal& principal,
             const ExchangePtr& ex, BuiltOp* out);
  bool ServeFromView(const RouteSpec& route, const BuiltOp& built, const ExchangePtr& ex);
  void Submit(BuiltOp&& built, const kernel::Principal& principal, const ExchangePtr& ex);
  void ServeEvents(const http::Request& req, const kernel::Principal& principal,
                   const ExchangePtr& ex);
  // POST /v1/policies/dry-run (policy_dry_run.cc): on the read pool, over the journal.
  void ServePolicyDryRun(BuiltOp&& built, const kernel::Principal& principal,
                         const ExchangePtr& ex);

  std::atomic<runtime::Executor*> executor_{nullptr};
  std::atomic<EventFeed*> event_feed_{nullptr};
  std::atomic<journal::JournalReader*> journal_reader_{nullptr};
  std::atomic<ReadPool*> read_pool_{nullptr};
  std::atomic<const platform::BalanceView*> balance_view_{nullptr};
};

}  // namespace cb::api
