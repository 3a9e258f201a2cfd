#include "http/health_server.h"

#include <atomic>
#include <cstdio>
#include <exception>
#include <string_view>
#include <utility>

#include "http/server.h"

namespace cb::http {
namespace {

constexpr size_t kRequestIdBytesMax = 64;

// A probe that throws counts as failing: the orchestrator needs "not OK", not a dead thread.
bool RunProbe(const HealthServer::Probe& probe) {
  try {
    return probe();
  } catch (const std::exception&) {
    return false;
  }
}

bool IsRequestIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

// Request in, response out, synchronously on the io thread: probes are cheap.
class HealthHandler final : public Handler {
 public:
  HealthHandler(HealthServer::Probe healthy_fn, HealthServer::Probe ready_fn)
      : healthy_fn_(std::move(healthy_fn)), ready_fn_(std::move(ready_fn)) {}

  void Handle(Request&& request, Respond respond) override {
    respond(Route(request, RequestIdFor(request)));
  }

  Response RejectedResponse(int status, std::string_view code, std::string_view message) override {
    return ErrorResponse(status, code, message, MintRequestId());
  }

 private:
  Response Route(const Request& request, std::string request_id) {
    const std::string_view path = request.path();
    const bool is_healthz = path == "/healthz";
    const bool is_readyz = path == "/readyz";
    if (!is_healthz && !is_readyz) {
      return ErrorResponse(
          404, "route_not_found",
          "No route for this path; this server serves GET /healthz and GET /readyz.",
          std::move(request_id));
    }
    if (request.method != "GET") {
      Response response = ErrorResponse(405, "method_not_allowed",
                                        "Only GET is allowed on this path.", std::move(request_id));
      response.headers.push_back({"Allow", "GET"});
      return response;
    }
    if (is_healthz) {
      if (!RunProbe(healthy_fn_)) {
        return JsonResponse(503, R"({"status":"unhealthy"})", std::move(request_id));
      }
      return JsonResponse(200, R"({"status":"ok"})", std::move(request_id));
    }
    if (!RunProbe(ready_fn_)) {
      return JsonResponse(503, R"({"status":"starting"})", std::move(request_id));
    }
    return JsonResponse(200, R"({"status":"ready"})", std::move(request_id));
  }

  // Echo the caller's X-Request-Id when it is short and safe to embed in JSON unescaped;
  // otherwise mint one.
  std::string RequestIdFor(const Request& request) {
    const std::string_view given = request.header("X-Request-Id");
    bool usable = !given.empty() && given.size() <= kRequestIdBytesMax;
    for (size_t i = 0; usable && i < given.size(); ++i) usable = IsRequestIdChar(given[i]);
    if (usable) return std::string(given);
    return MintRequestId();
  }

  std::string MintRequestId() {
    char buffer[32];
    const uint64_t seq = request_seq_next_.fetch_add(1, std::memory_order_relaxed);
    std::snprintf(buffer, sizeof(buffer), "hz-%016llx", static_cast<unsigned long long>(seq));
    return buffer;
  }

  static Response JsonResponse(int status, std::string body, std::string request_id) {
    Response response;
    response.status = status;
    response.headers.push_back({"Cache-Control", "no-store"});
    response.headers.push_back({"X-Request-Id", std::move(request_id)});
    response.body = std::move(body);
    return response;
  }

  // `code` and `message` are our own constants; request_id passed IsRequestIdChar. Nothing
  // here needs JSON escaping, which is why the message does not echo the client's path.
  static Response ErrorResponse(int status, std::string_view code, std::string_view message,
                                std::string request_id) {
    std::string body = R"({"error":{"type":"invalid_request_error","code":")";
    body += code;
    body += R"(","message":")";
    body += message;
    body += R"(","param":null,"trace_id":")";
    body += request_id;
    body += R"("}})";
    return JsonResponse(status, std::move(body), std::move(request_id));
  }

  HealthServer::Probe healthy_fn_;
  HealthServer::Probe ready_fn_;
  std::atomic<uint64_t> request_seq_next_{1};
};

}  // namespace

// The server is declared after the handler it points to, so it stops first.
struct HealthServer::Impl {
  HealthHandler handler;
  std::unique_ptr<Server> server;
};

HealthServer::HealthServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HealthServer::~HealthServer() { Stop(); }

uint16_t HealthServer::port() const { return impl_->server->port(); }

void HealthServer::Stop() { impl_->server->Stop(); }

std::unique_ptr<HealthServer> HealthServer::Start(const HealthServerOptions& options,
                                                  Probe healthy_fn, Probe ready_fn,
                                                  std::string* error) {
  if (!healthy_fn || !ready_fn) {
    if (error != nullptr) *error = "health server: probes must not be empty";
    return nullptr;
  }
  ServerOptions server_options;
  server_options.name = "health server";
  server_options.listen_address = options.listen_address;
  server_options.port = options.port;
  server_options.io_threads = options.io_threads;
  server_options.header_bytes_max = options.header_bytes_max;
  server_options.body_bytes_max = options.body_bytes_max;
  server_options.read_timeout_ms = options.read_timeout_ms;
  // Probes answer synchronously, so the request timeout never fires; any positive value works.
  server_options.request_timeout_ms = options.read_timeout_ms;
  server_options.connections_max = options.connections_max;

  auto impl = std::unique_ptr<Impl>(
      new Impl{.handler = HealthHandler(std::move(healthy_fn), std::move(ready_fn)), .server = {}});
  impl->server = Server::Start(server_options, &impl->handler, error);
  if (impl->server == nullptr) return nullptr;
  return std::unique_ptr<HealthServer>(new HealthServer(std::move(impl)));
}

}  // namespace cb::http
