#include "app/serve_config.h"

#include <cstdlib>
#include <set>
#include <toml.hpp>

#include "http/client.h"

namespace cb::app {

namespace {

template <typename T>
void Read(const toml::value& table, const char* key, T* out) {
  if (table.contains(key)) *out = toml::find<T>(table, key);
}

bool ParseU64(const char* text, uint64_t* out) {
  if (text == nullptr || *text == '\0') return false;
  uint64_t v = 0;
  for (const char* p = text; *p; p++) {
    if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(*p - '0');
  }
  *out = v;
  return true;
}

}  // namespace

Status LoadServeConfigFile(const std::string& path, ServeConfig* c) {
  try {
    const toml::value t = toml::parse(path);
    static const std::set<std::string> kKnown = {"data_dir",
                                                 "listen",
                                                 "durable",
                                                 "snapshot_interval_s",
                                                 "io_threads",
                                                 "tls_cert_file",
                                                 "tls_key_file",
                                                 "bootstrap",
                                                 "body_bytes_max",
                                                 "request_timeout_ms",
                                                 "read_timeout_ms",
                                                 "connections_max",
                                                 "connections_per_ip_max",
                                                 "rate_per_key_per_s",
                                                 "rate_per_key_burst",
                                                 "rate_per_ip_per_s",
                                                 "rate_per_ip_burst",
                                                 "rate_unauth_per_ip_per_s",
                                                 "rate_unauth_per_ip_burst",
                                                 "rate_sign_in_per_ip_per_s",
                                                 "rate_sign_in_per_ip_burst",
                                                 "cors_origins",
                                                 "access_log",
                                                 "idempotency_ttl_hours",
                                                 "idempotency_bytes_max",
                                                 "idempotency_tenant_bytes_max",
                                                 "idempotency_caller_bytes_max",
                                                 "auth_requests_per_app_max",
                                                 "journal_zero_fill",
                                                 "issuer",
                                                 "access_token_ttl_s",
                                                 "step_up_payments",
                                                 "read_path",
                                                 "read_path_accounts_max",
                                                 "default_policy",
                                                 "sanctions_dir",
                                                 "scheme_url",
                                                 "scheme_answer_timeout_ms",
                                                 "screening_review_threshold"};
    for (const auto& [key, value] : t.as_table()) {
      if (!kKnown.contains(key))
        return Status::InvalidArgument(path + ": unknown option '" + key + "'");
    }
    Read(t, "data_dir", &c->data_dir);
    Read(t, "listen", &c->listen);
    Read(t, "durable", &c->durable);
    Read(t, "snapshot_interval_s", &c->snapshot_interval_s);
    Read(t, "io_threads", &c->io_threads);
    Read(t, "tls_cert_file", &c->tls_cert_file);
    Read(t, "tls_key_file", &c->tls_key_file);
    Read(t, "bootstrap", &c->bootstrap);
    Read(t, "body_bytes_max", &c->body_bytes_max);
    Read(t, "request_timeout_ms", &c->request_timeout_ms);
    Read(t, "read_timeout_ms", &c->read_timeout_ms);
    Read(t, "connections_max", &c->connections_max);
    Read(t, "connections_per_ip_max", &c->connections_per_ip_max);
    Read(t, "rate_per_key_per_s", &c->rate_per_key_per_s);
    Read(t, "rate_per_key_burst", &c->rate_per_key_burst);
    Read(t, "rate_per_ip_per_s", &c->rate_per_ip_per_s);
    Read(t, "rate_per_ip_burst", &c->rate_per_ip_burst);
    Read(t, "rate_unauth_per_ip_per_s", &c->rate_unauth_per_ip_per_s);
    Read(t, "rate_unauth_per_ip_burst", &c->rate_unauth_per_ip_burst);
    Read(t, "rate_sign_in_per_ip_per_s", &c->rate_sign_in_per_ip_per_s);
    Read(t, "rate_sign_in_per_ip_burst", &c->rate_sign_in_per_ip_burst);
    Read(t, "cors_origins", &c->cors_origins);
    Read(t, "access_log", &c->access_log);
    Read(t, "idempotency_ttl_hours", &c->idempotency_ttl_hours);
    Read(t, "idempotency_bytes_max", &c->idempotency_bytes_max);
    Read(t, "idempotency_tenant_bytes_max", &c->idempotency_tenant_bytes_max);
    Read(t, "idempotency_caller_bytes_max", &c->idempotency_caller_bytes_max);
    Read(t, "auth_requests_per_app_max", &c->auth_requests_per_app_max);
    Read(t, "journal_zero_fill", &c->journal_zero_fill);
    Read(t, "issuer", &c->issuer);
    Read(t, "access_token_ttl_s", &c->access_token_ttl_s);
    Read(t, "step_up_payments", &c->step_up_payments);
    Read(t, "read_path", &c->read_path);
    Read(t, "read_path_accounts_max", &c->read_path_accounts_max);
    Read(t, "default_policy", &c->default_policy);
    Read(t, "sanctions_dir", &c->sanctions_dir);
    Read(t, "scheme_url", &c->scheme_url);
    Read(t, "scheme_answer_timeout_ms", &c->scheme_answer_timeout_ms);
    Read(t, "screening_review_threshold", &c->screening_review_threshold);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("config: ") + e.what());
  }
  return Status::Ok();
}

Status ApplyServeEnv(ServeConfig* c) {
  auto str = [](const char* name, std::string* out) {
    if (const char* v = std::getenv(name)) *out = v;
  };
  str("COREBANK_DATA_DIR", &c->data_dir);
  str("COREBANK_LISTEN", &c->listen);
  str("COREBANK_DURABLE", &c->durable);
  str("COREBANK_TLS_CERT_FILE", &c->tls_cert_file);
  str("COREBANK_TLS_KEY_FILE", &c->tls_key_file);
  str("COREBANK_ACCESS_LOG", &c->access_log);
  str("COREBANK_ISSUER", &c->issuer);
  str("COREBANK_SANCTIONS_DIR", &c->sanctions_dir);
  str("COREBANK_SCHEME_URL", &c->scheme_url);
  if (const char* v = std::getenv("COREBANK_SCREENING_REVIEW_THRESHOLD")) {
    char* end = nullptr;
    c->screening_review_threshold = std::strtod(v, &end);
    if (end == v || *end != '\0') {
      return Status::InvalidArgument("COREBANK_SCREENING_REVIEW_THRESHOLD must be a number");
    }
  }
  struct U32 {
    const char* name;
    uint32_t* out;
  };
  const U32 u32s[] = {{"COREBANK_RATE_PER_KEY_PER_S", &c->rate_per_key_per_s},
                      {"COREBANK_RATE_PER_KEY_BURST", &c->rate_per_key_burst},
                      {"COREBANK_RATE_PER_IP_PER_S", &c->rate_per_ip_per_s},
                      {"COREBANK_RATE_PER_IP_BURST", &c->rate_per_ip_burst},
                      {"COREBANK_RATE_UNAUTH_PER_IP_PER_S", &c->rate_unauth_per_ip_per_s},
                      {"COREBANK_RATE_UNAUTH_PER_IP_BURST", &c->rate_unauth_per_ip_burst},
                      {"COREBANK_RATE_SIGN_IN_PER_IP_PER_S", &c->rate_sign_in_per_ip_per_s},
                      {"COREBANK_RATE_SIGN_IN_PER_IP_BURST", &c->rate_sign_in_per_ip_burst},
                      {"COREBANK_BODY_BYTES_MAX", &c->body_bytes_max},
                      {"COREBANK_REQUEST_TIMEOUT_MS", &c->request_timeout_ms},
                      {"COREBANK_SCHEME_ANSWER_TIMEOUT_MS", &c->scheme_answer_timeout_ms}};
  for (const U32& u : u32s) {
    const char* v = std::getenv(u.name);
    if (v == nullptr) continue;
    uint64_t x = 0;
    if (!ParseU64(v, &x) || x > UINT32_MAX) {
      return Status::InvalidArgument(std::string(u.name) + " must be an integer");
    }
    *u.out = static_cast<uint32_t>(x);
  }
  if (const char* v = std::getenv("COREBANK_JOURNAL_ZERO_FILL")) {
    const std::string s = v;
    if (s != "0" && s != "1")
      return Status::InvalidArgument("COREBANK_JOURNAL_ZERO_FILL must be 0 or 1");
    c->journal_zero_fill = s == "1";
  }
  if (const char* v = std::getenv("COREBANK_ACCESS_TOKEN_TTL_S")) {
    if (!ParseU64(v, &c->access_token_ttl_s)) {
      return Status::InvalidArgument("COREBANK_ACCESS_TOKEN_TTL_S must be an integer");
    }
  }
  if (const char* v = std::getenv("COREBANK_STEP_UP_PAYMENTS")) {
    const std::string s = v;
    if (s != "0" && s != "1")
      return Status::InvalidArgument("COREBANK_STEP_UP_PAYMENTS must be 0 or 1");
    c->step_up_payments = s == "1";
  }
  if (const char* v = std::getenv("COREBANK_READ_PATH")) {
    const std::string s = v;
    if (s != "0" && s != "1") return Status::InvalidArgument("COREBANK_READ_PATH must be 0 or 1");
    c->read_path = s == "1";
  }
  if (const char* v = std::getenv("COREBANK_RISK_DECISIONS")) {
    const std::string s = v;
    if (s != "0" && s != "1") {
      return Status::InvalidArgument("COREBANK_RISK_DECISIONS must be 0 or 1");
    }
    c->risk_decisions = s == "1";
  }
  if (const char* v = std::getenv("COREBANK_DEFAULT_POLICY")) {
    const std::string s = v;
    if (s != "0" && s != "1") {
      return Status::InvalidArgument("COREBANK_DEFAULT_POLICY must be 0 or 1");
    }
    c->default_policy = s == "1";
  }
  if (const char* v = std::getenv("COREBANK_READ_PATH_ACCOUNTS_MAX")) {
    if (!ParseU64(v, &c->read_path_accounts_max)) {
      return Status::InvalidArgument("COREBANK_READ_PATH_ACCOUNTS_MAX must be an integer");
    }
  }
  if (const char* v = std::getenv("COREBANK_SNAPSHOT_INTERVAL_S")) {
    if (!ParseU64(v, &c->snapshot_interval_s)) {
      return Status::InvalidArgument("COREBANK_SNAPSHOT_INTERVAL_S must be an integer");
    }
  }
  return Status::Ok();
}

Status ValidateServeConfig(const ServeConfig& c) {
  if (c.durable != "fdatasync" && c.durable != "none") {
    return Status::InvalidArgument("durable must be fdatasync or none");
  }
  if (c.io_threads < 1 || c.io_threads > 16) return Status::InvalidArgument("io_threads: 1..16");
  if (c.access_token_ttl_s < 60 || c.access_token_ttl_s > 600) {
    return Status::InvalidArgument("access_token_ttl_s: 60 .. 600");
  }
  if (c.scheme_answer_timeout_ms < 1000 || c.scheme_answer_timeout_ms > 86'400'000) {
    return Status::InvalidArgument("scheme_answer_timeout_ms: 1000 .. 86400000");
  }
  // The outbox and the feed poller speak plain HTTP to a scheme on a private network (or
  // loopback, in the sandbox); the scheme's URL is the operator's, never a user's.
  if (!c.scheme_url.empty() && !http::HttpClient::Create(c.scheme_url).ok()) {
    return Status::InvalidArgument("scheme_url: http://host:port, without a path");
  }
  if (!c.issuer.empty() &&
      ((c.issuer.rfind("https://", 0) != 0 && c.issuer.rfind("http://", 0) != 0) ||
       c.issuer.back() == '/' || c.issuer.find('?') != std::string::npos ||
       c.issuer.find('#') != std::string::npos)) {
    return Status::InvalidArgument(
        "issuer: an http(s) URL without a trailing slash, query or fragment");
  }
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    return Status::InvalidArgument("tls_cert_file and tls_key_file go together");
  }
  if (c.body_bytes_max < 1024 || c.body_bytes_max > 64u << 20) {
    return Status::InvalidArgument("body_bytes_max: 1 KiB .. 64 MiB");
  }
  if ((c.rate_per_key_per_s > 0 && c.rate_per_key_burst == 0) ||
      (c.rate_per_ip_per_s > 0 && c.rate_per_ip_burst == 0) ||
      (c.rate_unauth_per_ip_per_s > 0 && c.rate_unauth_per_ip_burst == 0) ||
      (c.rate_sign_in_per_ip_per_s > 0 && c.rate_sign_in_per_ip_burst == 0)) {
    return Status::InvalidArgument("a rate limit needs a burst >= 1");
  }
  if (c.auth_requests_per_app_max == 0 || c.idempotency_tenant_bytes_max == 0 ||
      c.idempotency_caller_bytes_max == 0) {
    return Status::InvalidArgument(
        "auth_requests_per_app_max and the idempotency quotas must be > 0");
  }
  if (c.read_path_accounts_max < 1 || c.read_path_accounts_max > (1ull << 26)) {
    return Status::InvalidArgument("read_path_accounts_max: 1 .. 67108864");
  }
  if (!(c.screening_review_threshold > 0 && c.screening_review_threshold <= 1)) {
    return Status::InvalidArgument("screening_review_threshold: 0 < x <= 1");
  }
  if (c.idempotency_ttl_hours < 24) {
    return Status::InvalidArgument("idempotency_ttl_hours must be at least 24");
  }
  return Status::Ok();
}

}  // namespace cb::app
