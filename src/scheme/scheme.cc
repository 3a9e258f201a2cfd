// The scheme process: options, wiring and the subcommand (scheme.h).
#include "scheme/scheme.h"

#include <signal.h>

#include <cstdio>
#include <random>

#include "base/check.h"
#include "http/server.h"
#include "journal/disk.h"
#include "ledger/currency.h"
#include "payments/iban.h"
#include "scheme/scheme_engine.h"
#include "scheme/scheme_http.h"

namespace cb::scheme {
namespace {

// "HOST:PORT" with a port of digits (0..65535).
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

Result<SchemeConfig> ConfigOf(const SchemeOptions& options) {
  SchemeConfig config;
  if (options.reject_permille > 1000) {
    return Status::InvalidArgument("--reject-permille must be 0..1000");
  }
  config.rules.reject_permille = options.reject_permille;
  config.rules.seed = options.seed;
  const std::optional<ledger::CurrencyInfo> currency = ledger::FindCurrency(options.currency);
  if (!currency || currency->scale > payments::iso::kExponentMax) {
    return Status::InvalidArgument("--currency must be an ISO 4217 code, got '" + options.currency +
                                   "'");
  }
  config.rules.currency = options.currency;
  config.exponent = currency->scale;
  const std::string iban_text =
      options.settlement_iban.empty() ? kDefaultSettlementIban : options.settlement_iban;
  Result<payments::Iban> iban = payments::ParseIban(iban_text);
  if (!iban.ok()) return Status::InvalidArgument("--settlement-iban: " + iban.status().message());
  config.settlement_iban = iban->electronic();
  config.delay_ms = options.delay_ms;
  return config;
}

}  // namespace

struct Scheme::Parts {
  std::unique_ptr<Disk> disk;
  SystemClock clock;
  std::unique_ptr<SchemeEngine> engine;
  std::unique_ptr<SchemeHttpHandler> handler;
  std::unique_ptr<http::Server> server;
};

Scheme::Scheme(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
Scheme::~Scheme() { Stop(); }

uint16_t Scheme::port() const { return parts_->server->port(); }

void Scheme::Stop() {
  // Requests first (nothing new reaches the engine), then the engine drains its queue.
  if (parts_->server) parts_->server->Stop();
  if (parts_->engine) parts_->engine->Stop();
}

Result<std::unique_ptr<Scheme>> Scheme::Start(const SchemeOptions& options, std::string* report) {
  if (options.data_dir.empty()) return Status::InvalidArgument("--data is required");
  if (options.delay_ms > 24u * 3600 * 1000) {
    return Status::InvalidArgument("--delay-ms must be at most a day (86400000)");
  }
  if (options.io_threads < 1 || options.io_threads > 64) {
    return Status::InvalidArgument("io threads must be 1..64");
  }
  http::ServerOptions server_options;
  if (!SplitListen(options.listen, &server_options.listen_address, &server_options.port)) {
    return Status::InvalidArgument("--listen must be HOST:PORT, got '" + options.listen + "'");
  }
  CB_ASSIGN_OR_RETURN(const SchemeConfig config, ConfigOf(options));

  auto parts = std::make_unique<Parts>();
  parts->disk = NewPosixDisk();
  // The instance id only has to differ between data directories: any entropy will do.
  std::random_device entropy;
  const uint64_t instance_random = (uint64_t{entropy()} << 32) ^ entropy();
  CB_ASSIGN_OR_RETURN(
      parts->engine, SchemeEngine::Open(parts->disk.get(), options.data_dir, config, EngineLimits{},
                                        &parts->clock, instance_random, report));
  parts->handler = std::make_unique<SchemeHttpHandler>(parts->engine.get(), config);
  server_options.io_threads = options.io_threads;
  server_options.body_bytes_max = static_cast<uint32_t>(kBodyBytesMax);
  // A long poll holds its request up to kWaitMsMax: the server's deadline must be later.
  server_options.request_timeout_ms = kWaitMsMax + 5'000;
  server_options.name = "scheme";
  parts->engine->Start();
  std::string error;
  parts->server = http::Server::Start(server_options, parts->handler.get(), &error);
  if (!parts->server) {
    parts->engine->Stop();
    return Status::Unavailable(error);
  }
  return std::unique_ptr<Scheme>(new Scheme(std::move(parts)));
}

int RunScheme(const SchemeOptions& options) {
  // Signals go to sigwait below, not to whichever thread the kernel picks.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::string report;
  Result<std::unique_ptr<Scheme>> scheme = Scheme::Start(options, &report);
  if (!scheme.ok()) {
    std::fprintf(stderr, "scheme: %s\n", scheme.status().ToString().c_str());
    return scheme.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::string host;
  uint16_t unused_port = 0;
  CB_CHECK(SplitListen(options.listen, &host, &unused_port));  // Start checked it
  std::printf("scheme: %s\n", report.c_str());
  std::printf("scheme: listening on http://%s:%u (data %s)\n", host.c_str(),
              static_cast<unsigned>((*scheme)->port()), options.data_dir.c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  std::printf("scheme: signal %d, stopping\n", sig);
  std::fflush(stdout);
  (*scheme)->Stop();
  return 0;
}

}  // namespace cb::scheme
