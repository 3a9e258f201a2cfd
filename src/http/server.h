#pragma once
// A reusable asynchronous HTTP/1.1 server (keep-alive, pipelining-safe, optional TLS 1.3).
// The server reads, writes and closes; a Handler turns a Request into a Response. Beast, Asio
// and OpenSSL stay in the .cc files so including this header costs nothing.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cb::http {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;  // "GET", "POST", ... as sent (upper case).
  std::string target;  // As sent: path + optional "?query".
  std::vector<Header> headers;
  std::string body;
  std::string remote_ip;  // Peer address, e.g. "127.0.0.1".

  std::string_view path() const;   // Target before '?'.
  std::string_view query() const;  // After '?', "" if none.
  // Case-insensitive header lookup; the first match, "" when absent.
  std::string_view header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";  // Empty: no Content-Type header.
  // Extra headers (X-Request-Id, Retry-After, ...). The server owns framing: Content-Length,
  // Transfer-Encoding and Connection are dropped from here, except that "Connection: close"
  // makes the server close after this response. A name or value with CR, LF or NUL is dropped
  // (no response splitting).
  std::vector<Header> headers;
  std::string body;  // Not sent for HEAD requests and 1xx/204 statuses.
};

// Called exactly once per request, from ANY thread; the server posts the write back to the
// connection's strand. Calling it after the connection (or the whole server) is gone is safe:
// the response is dropped. Later calls for the same request are dropped too.
using Respond = std::function<void(Response&&)>;

class Handler {
 public:
  virtual ~Handler() = default;

  // Runs on an io thread; must not block (hand slow work to another thread and respond from
  // there) and must not throw. The connection reads nothing more until `respond` is called.
  virtual void Handle(Request&& request, Respond respond) = 0;

  // Builds the response for a request the server rejected before it reached Handle:
  // status 413 code "body_too_large", 431 "headers_too_large", 400 "malformed_request",
  // 503 "request_timeout" (the handler did not answer within request_timeout_ms). The default
  // is {"error":{"type","code","message","param","trace_id"}} with a minted X-Request-Id.
  // Runs on an io thread; `code` and `message` need no JSON escaping.
  virtual Response RejectedResponse(int status, std::string_view code, std::string_view message);
};

struct ServerOptions {
  std::string listen_address = "127.0.0.1";
  uint16_t port = 8080;  // 0 = ephemeral; read back with port().
  int io_threads = 2;
  uint32_t header_bytes_max = 16 * 1024;
  uint32_t body_bytes_max = 4 * 1024 * 1024;
  uint32_t read_timeout_ms = 30'000;      // Idle keep-alive, slow client (read or write).
  uint32_t request_timeout_ms = 30'000;   // Handler must answer within this; else 503.
  uint32_t connections_max = 10'000;      // Connections past this are closed right after accept.
  uint32_t connections_per_ip_max = 256;  // Per client address, likewise.
  // PEM files; when both are set, serve TLS 1.3 only. Setting just one is an error.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Prefixes Start() errors, e.g. "health server: bind 127.0.0.1:8080: Address in use".
  std::string name = "http server";
};

class Server {
 public:
  // Binds and starts serving on options.io_threads threads. `handler` must outlive the
  // server. Returns nullptr and sets *error (if non-null) when the options are invalid, the
  // TLS files cannot be loaded, or the bind/listen fails.
  [[nodiscard]] static std::unique_ptr<Server> Start(const ServerOptions& options, Handler* handler,
                                                     std::string* error);

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();  // Stop().

  // The bound port (the real one when options.port was 0).
  uint16_t port() const;

  // Closes the listener and all connections (requests in flight get no answer) and joins the
  // io threads. Idempotent; call from one thread, never from an io thread (a handler).
  void Stop();

  // Connections open now.
  uint32_t connections() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace cb::http
