// `corebank serve` and `corebank admin create-key`.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <future>
#include <sstream>

#include "api/event_feed.h"
#include "api/router.h"
#include "app/commands.h"
#include "app/platform_stack.h"
#include "app/serve_config.h"
#include "gateway/access_log.h"
#include "gateway/metrics.h"
#include "http/server.h"
#include "journal/disk.h"
#include "platform/ids.h"
#include "platform/json_out.h"
#include "runtime/executor.h"

#ifndef COREBANK_OPENAPI_PATH
#define COREBANK_OPENAPI_PATH ""
#endif

namespace cb::app {

extern const char* const kOpenApiYaml;  // generated from api/openapi.yaml (openapi_embed.cc)

namespace {

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

// Runs one op synchronously through the executor (start-up and admin commands).
runtime::Reply RunOp(runtime::Executor* executor, std::shared_ptr<platform::PlatformOp> op) {
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

Status Bootstrap(runtime::Executor* executor, const std::string& data_dir, std::string* path_out) {
  std::string token;
  auto op = platform::MakeBootstrapOp("sandbox", &token);
  const auto& t = std::get<platform::CreateTenantOp>(op->body);
  std::string json = R"({"tenant_id": ")" +
                     platform::FormatId(platform::prefix::kTenant, t.id.value) +
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

std::string LoadOpenApi() {
  if (kOpenApiYaml != nullptr && kOpenApiYaml[0] != '\0') return kOpenApiYaml;
  return "openapi: 3.1.0\n";
}

}  // namespace

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
  PlatformStack stack(popts);
  gateway::MetricsRegistry registry;
  api::ApiOptions aopts;
  aopts.per_key = {config.rate_per_key_per_s, config.rate_per_key_burst};
  aopts.per_ip = {config.rate_per_ip_per_s, config.rate_per_ip_burst};
  aopts.cors_origins = config.cors_origins;
  aopts.openapi_yaml = LoadOpenApi();
  api::ApiHandler handler(aopts, &stack.keys, &registry, access_log->get());

  http::ServerOptions hopts;
  hopts.listen_address = host;
  hopts.port = port;
  hopts.io_threads = config.io_threads;
  hopts.body_bytes_max = config.body_bytes_max;
  hopts.request_timeout_ms = config.request_timeout_ms;
  hopts.read_timeout_ms = config.read_timeout_ms;
  hopts.connections_max = config.connections_max;
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
  std::printf("corebank: recovering from %s ...\n", config.data_dir.c_str());
  std::fflush(stdout);

  auto disk = NewPosixDisk();
  runtime::ShardOptions sopts;
  sopts.data_dir = config.data_dir;
  sopts.durability =
      config.durable == "none" ? journal::Durability::kNone : journal::Durability::kFdatasync;
  sopts.service = &stack.service;
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
  journal::JournalReader reader(disk.get(), runtime::JournalDir(config.data_dir));
  api::EventFeed feed(&reader);
  handler.SetJournalReader(&reader);
  handler.SetEventFeed(&feed);
  handler.SetExecutor(&executor);
  std::printf("corebank: ready. Authenticate with: Authorization: Bearer <api_key from %s>\n",
              empty && !config.bootstrap ? "`corebank admin create-key`" : bootstrap_path.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  std::printf("corebank: signal %d, stopping\n", sig);
  std::fflush(stdout);
  server->Stop();
  handler.SetExecutor(nullptr);
  handler.SetEventFeed(nullptr);
  handler.SetJournalReader(nullptr);
  executor.Stop();
  (*access_log)->Flush();
  return 0;
}

int RunCreateKey(const std::string& data_dir, const std::string& tenant_text,
                 const std::string& role_text, const std::string& name) {
  platform::TenantId tenant;
  platform::Role role;
  if (!platform::ParseId(tenant_text, platform::prefix::kTenant, &tenant.value)) {
    std::fprintf(stderr, "admin create-key: --tenant must be a tenant id (ten_...)\n");
    return 2;
  }
  if (!platform::ParseRole(role_text, &role)) {
    std::fprintf(stderr, "admin create-key: --role must be admin, operator or read_only\n");
    return 2;
  }
  auto disk = NewPosixDisk();
  PlatformStack stack;
  runtime::ShardOptions sopts;
  sopts.data_dir = data_dir;
  sopts.service = &stack.service;
  runtime::RecoveryInfo info;
  auto shard = runtime::Shard::Open(disk.get(), sopts, &info);
  if (!shard.ok()) {
    std::fprintf(stderr, "admin create-key: %s\n", shard.status().ToString().c_str());
    return 1;
  }
  const platform::Tenant* t = stack.service.state().FindTenant(tenant);
  if (t == nullptr) {
    std::fprintf(stderr, "admin create-key: no tenant %s\n", tenant_text.c_str());
    return 1;
  }
  runtime::Executor executor(shard->get(), runtime::ExecutorOptions{});
  executor.Start();
  auto op = std::make_shared<platform::PlatformOp>();
  op->caller.tenant = tenant;
  op->caller.tenant_seq = t->seq;
  op->caller.sandbox = t->sandbox;
  op->caller.root = t->root;
  op->caller.role = platform::Role::kAdmin;
  op->caller.scopes = platform::ScopesOfRole(platform::Role::kAdmin);
  platform::CreateApiKeyOp k = platform::NewApiKeyOp(role, name);
  const std::string token = k.token;
  op->body = std::move(k);
  runtime::Reply r = RunOp(&executor, op);
  executor.Stop();
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
