#pragma once
// A tiny HTTP/1.1 server for liveness and readiness probes (GET /healthz, GET /readyz).
// Beast stays in health_server.cc so including this header costs nothing.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace cb::http {

struct HealthServerOptions {
  std::string listen_address = "127.0.0.1";
  uint16_t port = 8080;  // 0 binds an ephemeral port; read it back with port().
  int io_threads = 1;
  // Probes carry no payload; anything larger is a misbehaving client.
  uint32_t header_bytes_max = 8 * 1024;
  uint32_t body_bytes_max = 8 * 1024;
  // An idle keep-alive connection is closed after this long so it cannot leak.
  uint32_t read_timeout_ms = 30'000;
  // Connections past this are closed right after accept.
  uint32_t connections_max = 64;
};

// GET /healthz: 200 {"status":"ok"}, or 503 {"status":"unhealthy"} when healthy_fn() is false.
// GET /readyz:  200 {"status":"ready"} when ready_fn() is true, else 503 {"status":"starting"}.
// Unknown path: 404 route_not_found; other method on a known path: 405 method_not_allowed,
// both as {"error":{"type","code","message","param","trace_id"}}. Every response carries
// Content-Type: application/json and X-Request-Id (the client's if well-formed, else ours).
// The probes run on the server's io threads and must be cheap and thread-safe.
class HealthServer {
 public:
  using Probe = std::function<bool()>;

  // Binds and starts serving on options.io_threads threads. Returns nullptr and sets *error
  // (if non-null) when the address is invalid or the bind/listen fails.
  [[nodiscard]] static std::unique_ptr<HealthServer> Start(const HealthServerOptions& options,
                                                           Probe healthy_fn, Probe ready_fn,
                                                           std::string* error);

  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;
  ~HealthServer();  // Stops.

  // The bound port (the real one when options.port was 0).
  uint16_t port() const;

  // Closes the listener and all connections and joins the io threads. Idempotent; must not be
  // called from a probe (it would join its own thread).
  void Stop();

 private:
  struct Impl;
  explicit HealthServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace cb::http
