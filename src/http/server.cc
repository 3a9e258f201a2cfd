#include "http/server.h"

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <cstdio>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "base/check.h"
#include "http/server_session.h"

namespace cb::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

constexpr int kIoThreadsMax = 16;
// After a failed accept (e.g. EMFILE) wait before retrying instead of spinning on the error.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// Trace ids for rejections, which never reached a handler that could pick one.
std::atomic<uint64_t> rejected_seq_next{1};

}  // namespace

std::string_view Request::path() const {
  const std::string_view whole = target;
  return whole.substr(0, whole.find('?'));
}

std::string_view Request::query() const {
  const std::string_view whole = target;
  const size_t mark = whole.find('?');
  return mark == std::string_view::npos ? std::string_view() : whole.substr(mark + 1);
}

std::string_view Request::header(std::string_view name) const {
  for (const Header& h : headers) {
    if (h.name.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; same && i < name.size(); ++i)
      same = LowerAscii(h.name[i]) == LowerAscii(name[i]);
    if (same) return h.value;
  }
  return {};
}

// `code` and `message` are the server's own constants and the trace id is ours: nothing here
// needs JSON escaping.
Response Handler::RejectedResponse(int status, std::string_view code, std::string_view message) {
  char trace_id[32];
  const uint64_t seq = rejected_seq_next.fetch_add(1, std::memory_order_relaxed);
  std::snprintf(trace_id, sizeof(trace_id), "rj-%016llx", static_cast<unsigned long long>(seq));
  Response response;
  response.status = status;
  response.body = R"({"error":{"type":")";
  response.body += status >= 500 ? "api_error" : "invalid_request_error";
  response.body += R"(","code":")";
  response.body += code;
  response.body += R"(","message":")";
  response.body += message;
  response.body += R"(","param":null,"trace_id":")";
  response.body += trace_id;
  response.body += R"("}})";
  response.headers.push_back({"X-Request-Id", trace_id});
  response.headers.push_back({"Cache-Control", "no-store"});
  return response;
}

// Member order is destruction order in reverse: the loops (and with them every session,
// socket and SSL stream) go before the TLS context and `shared`, which sessions point into.
struct Server::Impl {
  Impl(const ServerOptions& options, Handler* handler) {
    shared.options = options;
    shared.handler = handler;
  }

  // Connections go to the loops in turn; each stays on its loop for life.
  void Accept() {
    internal::IoLoop& loop = *loops[accept_next++ % loops.size()];
    acceptor->async_accept(loop.context(), [this, &loop](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;  // Stop() closed the acceptor.
      if (ec) {
        retry_timer->expires_after(kAcceptRetryDelay);
        retry_timer->async_wait([this](beast::error_code timer_ec) {
          if (!timer_ec) Accept();
        });
        return;
      }
      beast::error_code peer_ec;
      const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
      std::string ip = peer_ec ? std::string() : peer.address().to_string();
      if (ip.empty() ||
          shared.connections.load(std::memory_order_relaxed) >= shared.options.connections_max ||
          !shared.per_ip.Acquire(ip, shared.options.connections_per_ip_max)) {
        beast::error_code ignored;  // Shedding load (or a peer already gone): just close.
        socket.close(ignored);
      } else {
        internal::StartSession(std::move(socket), loop, shared, std::move(ip));
      }
      Accept();
    });
  }

  void Stop() {
    if (stopped) return;
    stopped = true;
    for (const std::thread& thread : threads)
      CB_CHECK(thread.get_id() != std::this_thread::get_id());
    // From here on a Respond from any thread is dropped without touching the io_context.
    shared.gate->Close();
    // Open sessions are dropped, not drained; their pending handlers never run again.
    for (auto& loop : loops) loop->context().stop();
    for (std::thread& thread : threads) thread.join();
    threads.clear();
    // No io thread is left. Undelivered responses go first (they hold sessions, whose sockets
    // belong to the loops); destroying a loop's io_context destroys its queued handlers, which
    // own the rest of the sessions: sockets close and connections() drops to 0.
    for (auto& loop : loops) loop->ClearInbox();
    retry_timer.reset();
    acceptor.reset();
    loops.clear();
    CB_CHECK(shared.connections.load() == 0);
  }

  internal::ServerShared shared;
  std::optional<asio::ssl::context> tls;
  std::vector<std::unique_ptr<internal::IoLoop>> loops;
  size_t accept_next = 0;  // acceptor's handler only
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> retry_timer;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool stopped = false;
};

namespace {

// TLS 1.3 only: no legacy ciphers or downgrade surface to configure.
std::string LoadTls(const ServerOptions& options, std::optional<asio::ssl::context>& tls) {
  try {
    tls.emplace(asio::ssl::context::tls_server);
  } catch (const boost::system::system_error& e) {
    return std::string("creating the TLS context: ") + e.what();
  }
  if (SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_3_VERSION) != 1) {
    return "TLS 1.3 is not supported by this OpenSSL";
  }
  beast::error_code ec;
  if (tls->use_certificate_chain_file(options.tls_cert_file, ec); ec) {
    return "loading TLS certificate '" + options.tls_cert_file + "': " + ec.message();
  }
  if (tls->use_private_key_file(options.tls_key_file, asio::ssl::context::pem, ec); ec) {
    return "loading TLS key '" + options.tls_key_file + "': " + ec.message();
  }
  if (SSL_CTX_check_private_key(tls->native_handle()) != 1) {
    return "TLS key '" + options.tls_key_file + "' does not match certificate '" +
           options.tls_cert_file + "'";
  }
  return "";
}

}  // namespace

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return impl_->port; }

void Server::Stop() { impl_->Stop(); }

uint32_t Server::connections() const {
  return impl_->shared.connections.load(std::memory_order_relaxed);
}

std::unique_ptr<Server> Server::Start(const ServerOptions& options, Handler* handler,
                                      std::string* error) {
  const std::string prefix = options.name + ": ";
  auto fail = [error, &prefix](const std::string& message) -> std::unique_ptr<Server> {
    if (error != nullptr) *error = prefix + message;
    return nullptr;
  };
  if (handler == nullptr) return fail("handler must not be null");
  if (options.io_threads < 1 || options.io_threads > kIoThreadsMax) {
    return fail("io_threads must be in [1, " + std::to_string(kIoThreadsMax) + "]");
  }
  if (options.header_bytes_max == 0 || options.read_timeout_ms == 0 ||
      options.request_timeout_ms == 0 || options.connections_max == 0 ||
      options.connections_per_ip_max == 0) {
    return fail(
        "header_bytes_max, read_timeout_ms, request_timeout_ms, connections_max, "
        "connections_per_ip_max must be > 0");
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return fail("set both tls_cert_file and tls_key_file, or neither");
  }

  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.listen_address, ec);
  if (ec) {
    return fail("invalid listen address '" + options.listen_address + "': " + ec.message());
  }
  const tcp::endpoint endpoint(address, options.port);
  const std::string where = options.listen_address + ":" + std::to_string(options.port);

  auto impl = std::make_unique<Impl>(options, handler);
  if (!options.tls_cert_file.empty()) {
    if (std::string tls_error = LoadTls(options, impl->tls); !tls_error.empty()) {
      return fail(tls_error);
    }
    impl->shared.tls = &*impl->tls;
  }
  for (int i = 0; i < options.io_threads; ++i) {
    impl->loops.push_back(std::make_unique<internal::IoLoop>(impl->shared.gate.get()));
  }
  impl->acceptor.emplace(impl->loops[0]->context());
  impl->retry_timer.emplace(impl->acceptor->get_executor());
  tcp::acceptor& acceptor = *impl->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec) {
    return fail("open " + where + ": " + ec.message());
  }
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return fail("SO_REUSEADDR " + where + ": " + ec.message());
  }
  if (acceptor.bind(endpoint, ec); ec) return fail("bind " + where + ": " + ec.message());
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return fail("listen " + where + ": " + ec.message());
  }
  const tcp::endpoint bound = acceptor.local_endpoint(ec);
  if (ec) return fail("local_endpoint " + where + ": " + ec.message());
  impl->port = bound.port();

  impl->Accept();
  try {
    for (int i = 0; i < options.io_threads; ++i) {
      impl->threads.emplace_back([ioc = &impl->loops[i]->context()] {
        pthread_setname_np(pthread_self(), "cb-io");
        // Runs until Stop(), even with no connection open.
        const auto work = asio::make_work_guard(*ioc);
        ioc->run();
      });
    }
  } catch (const std::system_error& e) {
    impl->Stop();
    return fail(std::string("starting io thread: ") + e.what());
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

}  // namespace cb::http
