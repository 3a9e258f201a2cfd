#pragma once
// `corebank serve` configuration: defaults, then a TOML file (--config), then environment
// variables (COREBANK_*), then command-line flags; the last one set wins. Every option is
// documented in docs/configuration.md.
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace cb::app {

struct ServeConfig {
  std::string data_dir = "./var";
  std::string listen = "127.0.0.1:8080";
  std::string durable = "fdatasync";  // fdatasync | none
  uint64_t snapshot_interval_s = 300;
  int io_threads = 2;
  std::string tls_cert_file;
  std::string tls_key_file;
  bool bootstrap = true;  // first start with an empty data dir creates the sandbox tenant
  uint32_t body_bytes_max = 4 * 1024 * 1024;
  uint32_t request_timeout_ms = 30'000;
  uint32_t read_timeout_ms = 30'000;
  uint32_t connections_max = 10'000;
  uint32_t connections_per_ip_max = 256;
  uint32_t rate_per_key_per_s = 0;  // 0: unlimited
  uint32_t rate_per_key_burst = 0;
  uint32_t rate_per_ip_per_s = 0;
  uint32_t rate_per_ip_burst = 0;
  uint64_t idempotency_tenant_bytes_max = 512ull << 20;
  uint64_t idempotency_caller_bytes_max = 256ull << 20;
  uint32_t auth_requests_per_app_max = 5'000;
  uint32_t rate_unauth_per_ip_per_s = 100;  // OAuth endpoints and pages; 0: off
  uint32_t rate_unauth_per_ip_burst = 200;
  uint32_t rate_sign_in_per_ip_per_s = 5;  // password and TOTP form posts; 0: off
  uint32_t rate_sign_in_per_ip_burst = 30;
  std::vector<std::string> cors_origins;
  std::string access_log = "stdout";  // stdout | off | a file path
  uint64_t idempotency_ttl_hours = 24;
  uint64_t idempotency_bytes_max = 1ull << 30;
  bool journal_zero_fill = false;  // zero-filled segments (cheaper fdatasync), see ADR 0001
  // OAuth / OIDC (docs/oauth.md). The issuer is our public base URL; empty: derived from
  // the listen address (http://127.0.0.1:8080).
  std::string issuer;
  uint64_t access_token_ttl_s = 300;  // 60 .. 600
  bool step_up_payments = true;       // payments with a user's token need the second factor
  // GET balances from the durable read view on the io threads (ADR 0013); false: every read
  // goes through the writer, as before (for A/B benchmarks).
  bool read_path = true;
  uint64_t read_path_accounts_max = 1u << 20;  // accounts the view holds; later ones: writer
  // On a data directory where no risk policy was ever activated, activate the built-in
  // default bundle (policies/default) at start; false: decisions allow until one is.
  bool default_policy = true;
  // Sanctions lists (OFAC SDN, UN consolidated) loaded at start (ADR 0016); "": the shared
  // data directory the binary was built beside. A directory that does not exist: no lists
  // (screening is off unless an earlier start journaled some).
  std::string sanctions_dir;
  // The clearing scheme external payments are sent to (issue 15; `corebank scheme` in the
  // sandbox), an http:// URL; "": none, external payments answer 422 rail_unavailable.
  std::string scheme_url;
  // A submitted external payment without the scheme's answer this long fails (`no_answer`)
  // and its reservation is voided (1 s .. 1 day).
  uint32_t scheme_answer_timeout_ms = 60'000;
  // POST /v1/screenings returns hits scoring at least this (0 < x <= 1).
  double screening_review_threshold = 0.80;
  // Benchmarks only (COREBANK_RISK_DECISIONS=0, no config-file key): movements skip the risk
  // core entirely, no decision is made or recorded. The A/B number of issue 14's benchmark.
  bool risk_decisions = true;
};

// Reads `path` (TOML) over `config`. Unknown keys are errors: a typo must not be ignored.
Status LoadServeConfigFile(const std::string& path, ServeConfig* config);
// Applies COREBANK_* environment variables over `config`.
Status ApplyServeEnv(ServeConfig* config);
Status ValidateServeConfig(const ServeConfig& config);

}  // namespace cb::app
