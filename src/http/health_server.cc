#include "http/health_server.h"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace cb::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

constexpr int kIoThreadsMax = 16;
constexpr size_t kRequestIdBytesMax = 64;
// After a failed accept (e.g. EMFILE) wait before retrying instead of spinning on the error.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

struct Shared {
  HealthServerOptions options;
  HealthServer::Probe healthy_fn;
  HealthServer::Probe ready_fn;
  std::atomic<uint32_t> connections{0};
  std::atomic<uint64_t> request_seq_next{1};
};

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

// Echo the caller's X-Request-Id when it is short and safe to embed in JSON unescaped;
// otherwise mint one from a per-server counter.
std::string RequestIdFor(const Request& req, Shared& shared) {
  const std::string_view given = req["X-Request-Id"];
  bool usable = !given.empty() && given.size() <= kRequestIdBytesMax;
  for (size_t i = 0; usable && i < given.size(); ++i) usable = IsRequestIdChar(given[i]);
  if (usable) return std::string(given);
  char buffer[32];
  const uint64_t seq = shared.request_seq_next.fetch_add(1, std::memory_order_relaxed);
  std::snprintf(buffer, sizeof(buffer), "hz-%016llx", static_cast<unsigned long long>(seq));
  return buffer;
}

Response JsonResponse(bhttp::status status, std::string body, const std::string& request_id) {
  Response res{status, 11};
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::cache_control, "no-store");
  res.set("X-Request-Id", request_id);
  res.body() = std::move(body);
  return res;
}

// `code` and `message` are our own constants; request_id passed IsRequestIdChar. Nothing here
// needs JSON escaping, which is why the message does not echo the client's path.
Response ErrorResponse(bhttp::status status, std::string_view code, std::string_view message,
                       const std::string& request_id) {
  std::string body = R"({"error":{"type":"invalid_request_error","code":")";
  body += code;
  body += R"(","message":")";
  body += message;
  body += R"(","param":null,"trace_id":")";
  body += request_id;
  body += R"("}})";
  return JsonResponse(status, std::move(body), request_id);
}

// Request in, response out; the session only reads, writes and closes.
Response HandleRequest(const Request& req, Shared& shared, const std::string& request_id) {
  std::string_view path = req.target();
  path = path.substr(0, path.find('?'));
  const bool is_healthz = path == "/healthz";
  const bool is_readyz = path == "/readyz";
  if (!is_healthz && !is_readyz) {
    return ErrorResponse(bhttp::status::not_found, "route_not_found",
                         "No route for this path; this server serves GET /healthz and GET /readyz.",
                         request_id);
  }
  if (req.method() != bhttp::verb::get) {
    Response res = ErrorResponse(bhttp::status::method_not_allowed, "method_not_allowed",
                                 "Only GET is allowed on this path.", request_id);
    res.set(bhttp::field::allow, "GET");
    return res;
  }
  if (is_healthz) {
    if (!RunProbe(shared.healthy_fn)) {
      return JsonResponse(bhttp::status::service_unavailable, R"({"status":"unhealthy"})",
                          request_id);
    }
    return JsonResponse(bhttp::status::ok, R"({"status":"ok"})", request_id);
  }
  if (!RunProbe(shared.ready_fn)) {
    return JsonResponse(bhttp::status::service_unavailable, R"({"status":"starting"})", request_id);
  }
  return JsonResponse(bhttp::status::ok, R"({"status":"ready"})", request_id);
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Shared& shared)
      : stream_(std::move(socket)),
        shared_(shared),
        // Room for one full request; the parser enforces the finer header/body limits.
        buffer_(size_t{shared.options.header_bytes_max} + shared.options.body_bytes_max) {
    shared_.connections.fetch_add(1, std::memory_order_relaxed);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() { shared_.connections.fetch_sub(1, std::memory_order_relaxed); }

  void Start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->header_limit(shared_.options.header_bytes_max);
    parser_->body_limit(shared_.options.body_bytes_max);
    stream_.expires_after(std::chrono::milliseconds(shared_.options.read_timeout_ms));
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t /*bytes*/) {
    if (ec == bhttp::error::end_of_stream) return Close();
    // Timeout: tcp_stream already closed the socket. Aborted: Stop() is tearing us down.
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted) return;
    if (ec == bhttp::error::body_limit) {
      return WriteError(bhttp::status::payload_too_large, "body_too_large",
                        "Request body exceeds the limit for this server.");
    }
    if (ec == bhttp::error::header_limit) {
      return WriteError(bhttp::status::request_header_fields_too_large, "headers_too_large",
                        "Request headers exceed the limit for this server.");
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
      return WriteError(bhttp::status::bad_request, "malformed_request",
                        "The request is not valid HTTP/1.1.");
    }
    if (ec) return Close();  // Connection reset and the like: nobody to answer.

    Request req = parser_->release();
    const std::string request_id = RequestIdFor(req, shared_);
    Response res = HandleRequest(req, shared_, request_id);
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    Write(std::move(res));
  }

  // After a parse error the stream position is unknown, so answer and close.
  void WriteError(bhttp::status status, std::string_view code, std::string_view message) {
    char request_id[32];
    const uint64_t seq = shared_.request_seq_next.fetch_add(1, std::memory_order_relaxed);
    std::snprintf(request_id, sizeof(request_id), "hz-%016llx",
                  static_cast<unsigned long long>(seq));
    Response res = ErrorResponse(status, code, message, request_id);
    res.keep_alive(false);
    Write(std::move(res));
  }

  void Write(Response res) {
    res.prepare_payload();
    response_.emplace(std::move(res));
    stream_.expires_after(std::chrono::milliseconds(shared_.options.read_timeout_ms));
    bhttp::async_write(stream_, *response_,
                       beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return Close();
    const bool keep_alive = response_->keep_alive();
    response_.reset();
    if (!keep_alive) return Close();
    Read();
  }

  void Close() {
    // Best effort: the peer may already be gone, and the socket closes with the session anyway.
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  Shared& shared_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<Response> response_;
};

}  // namespace

// Member order is destruction order in reverse: the io_context goes before `shared`, so
// sessions still queued in it (holding Shared&) are destroyed while Shared is alive.
struct HealthServer::Impl {
  Impl(const HealthServerOptions& options, Probe healthy_fn, Probe ready_fn)
      : shared{.options = options,
               .healthy_fn = std::move(healthy_fn),
               .ready_fn = std::move(ready_fn)},
        ioc(shared.options.io_threads),
        acceptor(asio::make_strand(ioc)),
        retry_timer(acceptor.get_executor()) {}

  void Accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;  // Stop() closed the acceptor.
      if (ec) {
        retry_timer.expires_after(kAcceptRetryDelay);
        retry_timer.async_wait([this](beast::error_code timer_ec) {
          if (!timer_ec) Accept();
        });
        return;
      }
      if (shared.connections.load(std::memory_order_relaxed) >= shared.options.connections_max) {
        beast::error_code ignored;  // Shedding load: the close result changes nothing.
        socket.close(ignored);
      } else {
        std::make_shared<Session>(std::move(socket), shared)->Start();
      }
      Accept();
    });
  }

  void Stop() {
    if (stopped) return;
    stopped = true;
    // Open sessions are dropped, not drained: probes are idempotent and cheap to retry.
    // Their handlers never run again and are destroyed with the io_context.
    ioc.stop();
    for (std::thread& thread : threads) thread.join();
    threads.clear();
    // No io thread is left, so touching the acceptor from here cannot race.
    beast::error_code ignored;  // Closing a listener cannot fail in a way we could act on.
    acceptor.close(ignored);
  }

  Shared shared;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool stopped = false;
};

HealthServer::HealthServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HealthServer::~HealthServer() { Stop(); }

uint16_t HealthServer::port() const { return impl_->port; }

void HealthServer::Stop() { impl_->Stop(); }

std::unique_ptr<HealthServer> HealthServer::Start(const HealthServerOptions& options,
                                                  Probe healthy_fn, Probe ready_fn,
                                                  std::string* error) {
  auto fail = [error](std::string message) -> std::unique_ptr<HealthServer> {
    if (error != nullptr) *error = std::move(message);
    return nullptr;
  };
  if (!healthy_fn || !ready_fn) return fail("health server: probes must not be empty");
  if (options.io_threads < 1 || options.io_threads > kIoThreadsMax) {
    return fail("health server: io_threads must be in [1, " + std::to_string(kIoThreadsMax) + "]");
  }
  if (options.header_bytes_max == 0 || options.read_timeout_ms == 0 ||
      options.connections_max == 0) {
    return fail("health server: header_bytes_max, read_timeout_ms, connections_max must be > 0");
  }

  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.listen_address, ec);
  if (ec) {
    return fail("health server: invalid listen address '" + options.listen_address +
                "': " + ec.message());
  }
  const tcp::endpoint endpoint(address, options.port);
  const std::string where = options.listen_address + ":" + std::to_string(options.port);

  auto impl = std::make_unique<Impl>(options, std::move(healthy_fn), std::move(ready_fn));
  tcp::acceptor& acceptor = impl->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec) {
    return fail("health server: open " + where + ": " + ec.message());
  }
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return fail("health server: SO_REUSEADDR " + where + ": " + ec.message());
  }
  if (acceptor.bind(endpoint, ec); ec) {
    return fail("health server: bind " + where + ": " + ec.message());
  }
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return fail("health server: listen " + where + ": " + ec.message());
  }
  const tcp::endpoint bound = acceptor.local_endpoint(ec);
  if (ec) return fail("health server: local_endpoint " + where + ": " + ec.message());
  impl->port = bound.port();

  impl->Accept();
  try {
    for (int i = 0; i < options.io_threads; ++i) {
      impl->threads.emplace_back([ioc = &impl->ioc] { ioc->run(); });
    }
  } catch (const std::system_error& e) {
    impl->Stop();
    return fail(std::string("health server: starting io thread: ") + e.what());
  }
  return std::unique_ptr<HealthServer>(new HealthServer(std::move(impl)));
}

}  // namespace cb::http
