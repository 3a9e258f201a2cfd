// `corebank serve` and `corebank admin create-key`.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "api/event_feed.h"
#include "api/read_pool.h"
#include "api/router.h"
#include "app/commands.h"
#include "app/offline_node.h"
#include "app/platform_stack.h"
#include "app/serve_config.h"
#include "base/check.h"
#include "credentials/password.h"
#include "gateway/access_log.h"
#include "gateway/metrics.h"
#include "http/server.h"
#include "identity/tokens.h"
#include "journal/disk.h"
#include "kms/kms.h"
#include "oauth/handler.h"
#include "platform/balance_view.h"
#include "platform/balance_view_feed.h"
#include "platform/ids.h"
#include "platform/json_out.h"
#include "risk/monitor.h"
#include "runtime/executor.h"
#include "runtime/periodic.h"
#include "runtime/subscribers.h"

#ifndef COREBANK_OPENAPI_PATH
#define COREBANK_OPENAPI_PATH ""
#endif

namespace cb::app {

extern const char* const kOpenApiYaml;  // generated from api/openapi.yaml (openapi_embed.cc)

namespace {

// Journal reads beside the writer: two threads keep one slow read (an event page of a tenant
// drowned by others) from holding up replays; the queue bounds what waits.
constexpr size_t kReadThreads = 2;
constexpr size_t kReadQueueMax = 1024;
constexpr size_t kReadsPerTenantMax = 128;          // one tenant's share of the queue
constexpr uint64_t kUsageFlushIntervalMs = 10'000;  // app usage counters to the journal

// Directories 0700 and regular files 0600 under (and including) `dir`; says what it changed
// when `report` (an existing data dir: a new one is just being created with the umask's mode).
Status RestrictToOwner(const std::string& dir, bool report) {
  namespace fs = std::filesystem;
  size_t tightened = 0;
  auto restrict_one = [&tightened](const fs::path& p, bool is_dir) -> Status {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || S_ISLNK(st.st_mode) || (st.st_mode & 0077) == 0) {
      return Status::Ok();
    }
    if (::chmod(p.c_str(), is_dir ? 0700 : 0600) != 0) {
      return Status::PermissionDenied("cannot restrict " + p.string() + " to its owner");
    }
    tightened++;
    return Status::Ok();
  };
  CB_RETURN_IF_ERROR(restrict_one(dir, true));
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const bool is_dir = it->is_directory(ec);
    if (!is_dir && !it->is_regular_file(ec)) continue;
    CB_RETURN_IF_ERROR(restrict_one(it->path(), is_dir));
  }
  if (ec) return Status::Internal("walking " + dir + ": " + ec.message());
  if (report && tightened > 0) {
    std::printf("corebank: %zu paths under %s were readable by others; now owner-only\n", tightened,
                dir.c_str());
  }
  return Status::Ok();
}

bool SplitListen(const std::string& listen, std::string* host, uint16_t* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = listen.substr(0, colon);
  const std::string p = listen.substr(colon + 1);
  if (p.empty() || p.size() > 5) return false;
  uint32_t v = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v > 65535) return false;
  *port = static_cast<uint16_t>(v);
  return true;
}

// Writes `content` to `path` with mode 0600: temp file, fsync, rename, directory fsync.
Status WriteSecretFile(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("open " + tmp + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::Unavailable("write " + path + ": " + std::strerror(errno));
  }
  const std::string dir =
      path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/'));
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Status Bootstrap(runtime::Executor* executor, const std::string& data_dir, std::string* path_out) {
  std::string token;
  auto op = platform::MakeBootstrapOp("sandbox", &token);
  const auto& t = std::get<platform::CreateTenantOp>(op->body);
  std::string json = R"({"tenant_id": ")" + kernel::FormatId(kernel::prefix::kTenant, t.id.value) +
                     R"(", "api_key": ")" + token + "\"}\n";
  // The file first: if we crash after the tenant is durable, the key is not lost. If we
  // crash before, the next start bootstraps again and overwrites it.
  *path_out = data_dir + "/bootstrap.json";
  CB_RETURN_IF_ERROR(WriteSecretFile(*path_out, json));
  runtime::Reply r = RunOp(executor, std::move(op));
  if (!r.status.ok()) return r.status;
  if (r.http_status != 201) return Status::Internal("bootstrap failed: " + r.body);
  return Status::Ok();
}

// Makes sure a current signing key exists and the KMS holds it (a fresh data dir, or a KMS
// directory that was lost: then a new key replaces the unusable one).
Status EnsureSigningKey(runtime::Executor* executor, kms::Kms* kms,
                        const identity::IdentityState& state, bool rotate, std::string* kid_out) {
  std::string current;
  for (const identity::SigningKeyInfo& k : state.ReadSigningKeys()) {
    if (k.retired == 0) current = k.kid;
  }
  if (!rotate && !current.empty() && kms->HasKey(current)) {
    *kid_out = current;
    return Status::Ok();
  }
  auto op = std::make_shared<identity::IdentityOp>();
  identity::AddSigningKeyOp add;
  CB_ASSIGN_OR_RETURN(add.kid, kms->CreateSigningKey(&add.public_jwk));
  add.retire_current = !current.empty();
  *kid_out = add.kid;
  op->body = std::move(add);
  runtime::Reply r = RunOp(executor, std::move(op));
  if (!r.status.ok()) return r.status;
  const auto* res = std::any_cast<identity::OAuthResult>(&r.service_result);
  if (res == nullptr || !res->error.empty()) {
    return Status::Internal("signing key not added: " + (res ? res->error_description : ""));
  }
  return Status::Ok();
}

std::string LoadOpenApi() {
  if (kOpenApiYaml != nullptr && kOpenApiYaml[0] != '\0') return kOpenApiYaml;
  return "openapi: 3.1.0\n";
}

}  // namespace

// Runs one op synchronously through the executor (start-up and admin commands).
runtime::Reply RunOp(runtime::Executor* executor, std::shared_ptr<const runtime::ServiceOp> op) {
  std::promise<runtime::Reply> done;
  auto future = done.get_future();
  Status st = executor->Submit(runtime::ServiceCmd{std::move(op)},
                               [&done](runtime::Reply&& r) { done.set_value(std::move(r)); });
  if (!st.ok()) {
    runtime::Reply r;
    r.status = st;
    return r;
  }
  return future.get();
}

int RunServe(const ServeConfig& config) {
  if (Status st = ValidateServeConfig(config); !st.ok()) {
    std::fprintf(stderr, "serve: %s\n", st.ToString().c_str());
    return 2;
  }
  std::string host;
  uint16_t port = 0;
  if (!SplitListen(config.listen, &host, &port)) {
    std::fprintf(stderr, "serve: --listen must be host:port, got '%s'\n", config.listen.c_str());
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  gateway::AccessLogOptions lopts;
  if (config.access_log == "off") {
    lopts.sink = gateway::AccessLogOptions::Sink::kDisabled;
  } else if (config.access_log != "stdout") {
    lopts.sink = gateway::AccessLogOptions::Sink::kFile;
    lopts.path = config.access_log;
  }
  auto access_log = gateway::AccessLog::Open(lopts);
  if (!access_log.ok()) {
    std::fprintf(stderr, "serve: access log: %s\n", access_log.status().ToString().c_str());
    return 1;
  }

  platform::PlatformOptions popts;
  popts.idempotency_ttl_ns = config.idempotency_ttl_hours * 3600 * kNsPerSecond;
  popts.idempotency_bytes_max = config.idempotency_bytes_max;
  popts.idempotency_tenant_bytes_max = config.idempotency_tenant_bytes_max;
  popts.idempotency_caller_bytes_max = config.idempotency_caller_bytes_max;
  identity::IdentityOptions iopts;
  iopts.auth_requests_per_client_max = config.auth_requests_per_app_max;
  risk::RiskOptions ropts;
  ropts.screening_score_min = config.screening_review_threshold;
  api::ModuleSettings module_settings;
  if (!config.scheme_url.empty()) module_settings["scheme_url"] = config.scheme_url;
  module_settings["scheme_answer_timeout_ms"] = std::to_string(config.scheme_answer_timeout_ms);
  PlatformStack stack(popts, iopts, ropts, std::move(module_settings));
  if (!config.risk_decisions) {
    stack.risk.set_deciding(false);
    std::fprintf(stderr,
                 "corebank: WARNING: risk decisions are OFF (COREBANK_RISK_DECISIONS=0): money "
                 "moves without a decision. For benchmarks only.\n");
  }
  gateway::MetricsRegistry registry;
  api::ApiOptions aopts;
  aopts.per_key = {config.rate_per_key_per_s, config.rate_per_key_burst};
  aopts.per_ip = {config.rate_per_ip_per_s, config.rate_per_ip_burst};
  aopts.unauthenticated_per_ip = {config.rate_unauth_per_ip_per_s, config.rate_unauth_per_ip_burst};
  aopts.sign_in_per_ip = {config.rate_sign_in_per_ip_per_s, config.rate_sign_in_per_ip_burst};
  aopts.cors_origins = config.cors_origins;
  aopts.openapi_yaml = LoadOpenApi();
  aopts.step_up_payments = config.step_up_payments;
  api::ApiHandler handler(aopts, &stack.keys, &registry, access_log->get());

  http::ServerOptions hopts;
  hopts.listen_address = host;
  hopts.port = port;
  hopts.io_threads = config.io_threads;
  hopts.body_bytes_max = config.body_bytes_max;
  hopts.request_timeout_ms = config.request_timeout_ms;
  hopts.read_timeout_ms = config.read_timeout_ms;
  hopts.connections_max = config.connections_max;
  hopts.connections_per_ip_max = config.connections_per_ip_max;
  hopts.tls_cert_file = config.tls_cert_file;
  hopts.tls_key_file = config.tls_key_file;
  std::string error;
  auto server = http::Server::Start(hopts, &handler, &error);
  if (!server) {
    std::fprintf(stderr, "serve: cannot listen on %s: %s\n", config.listen.c_str(), error.c_str());
    return 1;
  }
  const char* scheme = config.tls_cert_file.empty() ? "http" : "https";
  std::printf("corebank: listening on %s://%s:%u\n", scheme, host.c_str(),
              static_cast<unsigned>(server->port()));

  // The identity edge: keys in the KMS, tokens, passwords, the OAuth endpoints.
  std::error_code mkdir_error;
  const bool data_dir_existed = std::filesystem::exists(config.data_dir, mkdir_error);
  std::filesystem::create_directories(config.data_dir, mkdir_error);
  if (mkdir_error) {
    std::fprintf(stderr, "serve: data dir %s: %s\n", config.data_dir.c_str(),
                 mkdir_error.message().c_str());
    return 1;
  }
  // Journal, snapshots, keys and bootstrap credentials live here: the owner only, whatever
  // the umask. New files are created 0600 and directories 0700; what an older version wrote
  // more openly is tightened here, once.
  if (Status st = RestrictToOwner(config.data_dir, /*report=*/data_dir_existed); !st.ok()) {
    std::fprintf(stderr, "serve: %s\n", st.ToString().c_str());
    return 1;
  }
  auto kms = kms::OpenLocalKms(config.data_dir + "/kms");
  if (!kms.ok()) {
    std::fprintf(stderr, "serve: kms: %s\n", kms.status().ToString().c_str());
    return 1;
  }
  const std::string issuer = !config.issuer.empty() ? config.issuer
                                                    : std::string(scheme) + "://" + host + ":" +
                                                          std::to_string(server->port());
  identity::TokenConfig tcfg;
  tcfg.issuer = issuer;
  tcfg.api_audience = issuer + "/v1";
  tcfg.access_ttl_s = config.access_token_ttl_s;
  identity::TokenIssuer token_issuer(tcfg, kms->get(), &stack.identity.state());
  identity::TokenVerifier token_verifier(tcfg, &stack.identity.state());
  credentials::PasswordHasherPool passwords({.thread_count = 1, .queue_capacity = 64});
  oauth::OAuthOptions oopts;
  oopts.issuer = issuer;
  oopts.secure_cookies = !config.tls_cert_file.empty();
  oauth::OAuthHandler oauth_handler(oopts, {.identity = &stack.identity.state(),
                                            .issuer = &token_issuer,
                                            .verifier = &token_verifier,
                                            .kms = kms->get(),
                                            .passwords = &passwords,
                                            .keys = &stack.keys});
  api::ApiIdentityDeps identity_deps;
  identity_deps.oauth = &oauth_handler;
  identity_deps.verifier = &token_verifier;
  identity_deps.edge = {&stack.identity.state(), kms->get(), "corebank"};
  identity_deps.passwords = &passwords;
  handler.SetIdentity(&identity_deps);
  std::printf("corebank: recovering from %s ...\n", config.data_dir.c_str());
  std::fflush(stdout);

  auto disk = NewPosixDisk();
  // Where journal records are, for the readers beside the writer (replays, the event feed).
  journal::PositionIndex journal_positions;
  runtime::ShardOptions sopts;
  sopts.data_dir = config.data_dir;
  sopts.journal_positions = &journal_positions;
  sopts.durability =
      config.durable == "none" ? journal::Durability::kNone : journal::Durability::kFdatasync;
  sopts.service = &stack.services;
  sopts.journal_zero_fill = config.journal_zero_fill && config.durable == "fdatasync";
  runtime::RecoveryInfo info;
  const uint64_t t0 = MonotonicNowNs();
  auto shard = runtime::Shard::Open(disk.get(), sopts, &info);
  if (!shard.ok()) {
    std::fprintf(stderr, "serve: recovery failed: %s\n", shard.status().ToString().c_str());
    return 1;
  }
  for (const auto& r : info.snapshots_rejected) {
    std::printf("corebank: snapshot skipped: %s\n", r.c_str());
  }
  if (info.torn_tail)
    std::printf("corebank: torn journal tail dropped at %s\n", info.torn_detail.c_str());
  std::printf("corebank: recovered seq_next=%" PRIu64 " events_replayed=%" PRIu64
              " snapshot=%s in %.3f s\n",
              info.seq_next, info.events_replayed,
              info.snapshot_used.empty() ? "none" : info.snapshot_used.c_str(),
              static_cast<double>(MonotonicNowNs() - t0) / 1e9);

  runtime::ExecutorOptions eopts;
  eopts.snapshot_interval_ms = config.snapshot_interval_s * 1000;
  // GET balances from the io threads (ADR 0013): a view of the durable state, filled from
  // the recovered state here, then by the executor after each durable batch.
  std::unique_ptr<platform::BalanceView> balance_view;
  std::unique_ptr<platform::BalanceViewFeed> balance_feed;
  if (config.read_path) {
    balance_view = std::make_unique<platform::BalanceView>(config.read_path_accounts_max);
    balance_feed = std::make_unique<platform::BalanceViewFeed>(balance_view.get(),
                                                               &(*shard)->state(), &stack.service);
    balance_feed->Load();
    eopts.view = balance_feed.get();
    std::printf("corebank: balances read path on (view of up to %" PRIu64 " accounts)\n",
                config.read_path_accounts_max);
  }
  // Read before the writer runs: from Start on, risk state is the writer's.
  const bool policy_never_activated = stack.risk.policies().history().empty();
  std::string policy_line = "no risk policy active: every movement is allowed (and recorded)";
  if (const risk::Bundle* b = stack.risk.policies().active()) {
    policy_line = "risk policy " + b->name + " version " + std::to_string(b->version) + " active";
  }
  // Copied now for the same reason: the lists the journal names (name -> hash).
  std::map<std::string, risk::SanctionsListRecord> sanctions_recorded =
      stack.risk.sanctions_lists();
  runtime::Executor executor(shard->get(), eopts);
  executor.Start();

  const bool empty = stack.service.state().tenant_order().empty();
  std::string bootstrap_path = config.data_dir + "/bootstrap.json";
  if (empty && config.bootstrap) {
    if (Status st = Bootstrap(&executor, config.data_dir, &bootstrap_path); !st.ok()) {
      std::fprintf(stderr, "serve: bootstrap failed: %s\n", st.ToString().c_str());
      executor.Stop();
      return 1;
    }
    std::printf("corebank: created the sandbox tenant; its admin API key is in %s (mode 0600)\n",
                bootstrap_path.c_str());
  }
  if (config.default_policy && policy_never_activated) {
    std::string answer;
    if (Status st = ActivateDefaultPolicy(&executor, &answer); !st.ok()) {
      std::fprintf(stderr, "serve: default risk policy: %s\n", st.ToString().c_str());
      executor.Stop();
      return 1;
    }
    policy_line = "activated the built-in default risk policy (policies/default)";
  }
  std::printf("corebank: %s\n", policy_line.c_str());
  const std::string sanctions_dir =
      config.sanctions_dir.empty() ? std::string(CB_DEFAULT_SANCTIONS_DIR) : config.sanctions_dir;
  // At start a list that does not load stops the server; on SIGHUP the old lists stay.
  const auto load_sanctions = [&](bool reload) {
    std::string line;
    const uint64_t t_lists = MonotonicNowNs();
    const Status st = LoadSanctionsLists(disk.get(), &executor, config.data_dir, sanctions_dir,
                                         &sanctions_recorded, &line);
    if (!st.ok()) {
      std::fprintf(stderr, "%s: sanctions lists: %s\n", reload ? "corebank: reload" : "serve",
                   st.ToString().c_str());
    } else {
      std::printf("corebank: %s%s (%.2f s)\n", reload ? "reload: " : "", line.c_str(),
                  static_cast<double>(MonotonicNowNs() - t_lists) / 1e9);
    }
    std::fflush(stdout);
    return st.ok();
  };
  if (!load_sanctions(false)) {
    executor.Stop();
    return 1;
  }
  std::string kid;
  if (Status st = EnsureSigningKey(&executor, kms->get(), stack.identity.state(), false, &kid);
      !st.ok()) {
    std::fprintf(stderr, "serve: signing key: %s\n", st.ToString().c_str());
    executor.Stop();
    return 1;
  }
  std::printf("corebank: OAuth issuer %s, signing key %s\n", issuer.c_str(), kid.c_str());
  oauth_handler.SetExecutor(&executor);
  // Usage counters (counted at the edge) reach the journal every few seconds, and at stop.
  runtime::PeriodicTasks periodic;
  periodic.Add("usage-flush", kUsageFlushIntervalMs,
               [&oauth_handler] { oauth_handler.FlushUsage(); });
  periodic.Start();
  journal::JournalReader reader(disk.get(), runtime::JournalDir(config.data_dir),
                                &journal_positions);
  api::EventFeed feed(&reader);
  // The modules' after-commit subscribers, each on its own thread (ADR 0012).
  std::vector<std::unique_ptr<runtime::Subscriber>> subscribers;
  std::vector<std::unique_ptr<runtime::SubscriberRunner>> subscriber_runners;
  // The risk monitor (built in, docs/risk/monitoring.md): alerts on committed movements.
  if (stack.risk.deciding()) {
    subscribers.push_back(std::make_unique<risk::MonitorSubscriber>(stack.risk.archive()));
    runtime::SubscriberOptions monitor_options;
    // Few movements a commit: each may raise an alert per monitor, all in one batch.
    monitor_options.events_per_handle_max = risk::MonitorSubscriber::kMovementsPerCommitMax;
    // Most movements raise no alert: those move its cursor without a commit each time.
    monitor_options.commit_without_ops = false;
    // Alerts may come 10 ms later; reading every group commit would cost the CPU it saves.
    monitor_options.caught_up_delay_ms = 10;
    subscriber_runners.push_back(std::make_unique<runtime::SubscriberRunner>(
        &executor, &reader, subscribers.back().get(), monitor_options));
    subscriber_runners.back()->Start();
  }
  for (const PlatformStack::Module& m : stack.modules) {
    if (m.module->subscribers == nullptr) continue;
    for (auto& sub : m.module->subscribers(m.service.get())) {
      // A name is a durable cursor: two subscribers sharing one would split its events.
      for (const auto& other : subscribers) CB_CHECK(other->name() != sub->name());
      subscriber_runners.push_back(std::make_unique<runtime::SubscriberRunner>(
          &executor, &reader, sub.get(), sub->Options()));
      subscribers.push_back(std::move(sub));
      subscriber_runners.back()->Start();
    }
  }
  // Modules' pollers of outside sources (a clearing scheme's feed).
  std::vector<std::unique_ptr<runtime::Poller>> pollers;
  std::vector<std::unique_ptr<runtime::PollerRunner>> poller_runners;
  for (const PlatformStack::Module& m : stack.modules) {
    if (m.module->pollers == nullptr) continue;
    for (auto& p : m.module->pollers(m.service.get())) {
      poller_runners.push_back(std::make_unique<runtime::PollerRunner>(&executor, p.get()));
      pollers.push_back(std::move(p));
      poller_runners.back()->Start();
    }
  }
  // Blocking journal reads (replays that miss the cache, the event feed) run here.
  api::ReadPool read_pool(kReadThreads, kReadQueueMax, kReadsPerTenantMax);
  handler.SetJournalReader(&reader, &read_pool);
  handler.SetEventFeed(&feed);
  handler.SetBalanceView(balance_view.get());
  handler.SetExecutor(&executor);
  const auto& tenants = stack.service.state().tenant_order();
  if (!tenants.empty() && stack.service.state().FindTenant(tenants.front())->sandbox) {
    // The local default: say so, so nobody mistakes it for a bank holding real money.
    std::printf(
        "corebank: the bootstrap tenant is a SANDBOX (test money via /v1/sandbox/deposits); "
        "production tenants are created explicitly with POST /v1/tenants "
        "{\"name\": ..., \"sandbox\": false}\n");
  }
  // Every other sandbox tenant too: before issue 12 a tenant was a sandbox by default, and a
  // sandbox's operators can mint money.
  size_t other_sandboxes = 0;
  for (size_t i = 1; i < tenants.size(); i++) {
    other_sandboxes += stack.service.state().FindTenant(tenants[i])->sandbox ? 1 : 0;
  }
  if (other_sandboxes > 0) {
    std::printf("corebank: %zu more tenants are sandboxes (GET /v1/tenants lists them)\n",
                other_sandboxes);
  }
  std::printf("corebank: ready. Authenticate with: Authorization: Bearer <api_key from %s>\n",
              empty && !config.bootstrap ? "`corebank admin create-key`" : bootstrap_path.c_str());
  std::fflush(stdout);

  int sig = 0;
  // SIGHUP reloads the sanctions lists (journaled only if they changed); anything else stops.
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) load_sanctions(true);
  std::printf("corebank: signal %d, stopping\n", sig);
  std::fflush(stdout);
  server->Stop();
  // Callbacks that outlive their requests go first, while what they use still lives: the
  // password pool's (they submit to the executor through the OAuth handler and the router),
  // then the read pool's; their answers go to the stopped server and are dropped.
  passwords.Stop();
  periodic.Stop();                                         // flushes what was counted
  for (auto& runner : poller_runners) runner->Stop();      // waits for its op in flight
  for (auto& runner : subscriber_runners) runner->Stop();  // waits for a commit in flight
  handler.SetIdentity(nullptr);
  oauth_handler.SetExecutor(nullptr);
  handler.SetExecutor(nullptr);
  handler.SetBalanceView(nullptr);
  handler.SetEventFeed(nullptr);
  handler.SetJournalReader(nullptr, nullptr);
  read_pool.Stop();  // its queued reads answer into the stopped server and are dropped
  executor.Stop();
  (*access_log)->Flush();
  return 0;
}

int RunCreateKey(const std::string& data_dir, const std::string& tenant_text,
                 const std::string& role_text, const std::string& name) {
  kernel::TenantId tenant;
  kernel::Role role;
  if (!kernel::ParseId(tenant_text, kernel::prefix::kTenant, &tenant.value)) {
    std::fprintf(stderr, "admin create-key: --tenant must be a tenant id (ten_...)\n");
    return 2;
  }
  if (!kernel::ParseRole(role_text, &role)) {
    std::fprintf(stderr, "admin create-key: --role must be admin, operator or read_only\n");
    return 2;
  }
  auto node = OfflineNode::Open(data_dir);
  if (!node.ok()) {
    std::fprintf(stderr, "admin create-key: %s\n", node.status().ToString().c_str());
    return 1;
  }
  const platform::Tenant* t = (*node)->stack().service.state().FindTenant(tenant);
  if (t == nullptr) {
    std::fprintf(stderr, "admin create-key: no tenant %s\n", tenant_text.c_str());
    return 1;
  }
  runtime::Executor& executor = (*node)->executor();
  auto op = std::make_shared<platform::PlatformOp>();
  op->caller.tenant = tenant;
  op->caller.tenant_seq = t->seq;
  op->caller.sandbox = t->sandbox;
  op->caller.root = t->root;
  op->caller.role = kernel::Role::kAdmin;
  op->caller.scopes = kernel::ScopesOfRole(kernel::Role::kAdmin);
  platform::CreateApiKeyOp k = platform::NewApiKeyOp(role, name);
  const std::string token = k.token;
  op->body = std::move(k);
  runtime::Reply r = RunOp(&executor, op);
  if (!r.status.ok() || r.http_status != 201) {
    std::fprintf(stderr, "admin create-key: failed: %s %s\n", r.status.ToString().c_str(),
                 r.body.c_str());
    return 1;
  }
  // The secret goes to stdout for the operator and nowhere else.
  std::printf("%s\n", token.c_str());
  return 0;
}

}  // namespace cb::app

namespace cb::app {

int RunRotateSigningKey(const std::string& data_dir) {
  auto node = OfflineNode::Open(data_dir);
  if (!node.ok()) {
    std::fprintf(stderr, "admin rotate-signing-key: %s\n", node.status().ToString().c_str());
    return 1;
  }
  auto kms = kms::OpenLocalKms(data_dir + "/kms");
  if (!kms.ok()) {
    std::fprintf(stderr, "admin rotate-signing-key: kms: %s\n", kms.status().ToString().c_str());
    return 1;
  }
  std::string kid;
  const Status st = EnsureSigningKey(&(*node)->executor(), kms->get(),
                                     (*node)->stack().identity.state(), true, &kid);
  if (!st.ok()) {
    std::fprintf(stderr, "admin rotate-signing-key: %s\n", st.ToString().c_str());
    return 1;
  }
  std::printf(
      "admin rotate-signing-key: current key %s (the previous one stays published until "
      "its tokens expire)\n",
      kid.c_str());
  return 0;
}

}  // namespace cb::app
