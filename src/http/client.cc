// HttpClient (client.h) on Boost.Beast: async operations run to completion on a private
// io_context, so every step has the deadline a blocking call cannot.
#include "http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>

namespace cb::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct HttpClient::Impl {
  std::string host, port;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  void Drop() {
    if (stream) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream.reset();
    }
    buffer.clear();
  }

  // Runs the queued operation until it completes; false (and the connection dropped) on error.
  bool Run(beast::error_code& ec) {
    ioc.restart();
    ioc.run();
    if (ec) Drop();
    return !ec;
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::Create(std::string_view base_url) {
  constexpr std::string_view kScheme = "http://";
  if (!base_url.starts_with(kScheme)) return Status::InvalidArgument("only http:// URLs");
  std::string_view rest = base_url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find('/') != std::string_view::npos) {
    return Status::InvalidArgument("a base URL is http://host:port, without a path");
  }
  auto impl = std::make_unique<Impl>();
  size_t colon = rest.rfind(':');
  if (rest.front() == '[') {  // [::1]:8091
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument("bad IPv6 host");
    impl->host = std::string(rest.substr(1, close - 1));
    colon = close + 1 < rest.size() && rest[close + 1] == ':' ? close + 1 : std::string_view::npos;
  } else {
    impl->host = std::string(rest.substr(0, colon));
  }
  impl->port = colon == std::string_view::npos ? "80" : std::string(rest.substr(colon + 1));
  if (impl->host.empty() || impl->port.empty()) return Status::InvalidArgument("bad host:port");
  for (char c : impl->port) {
    if (c < '0' || c > '9') return Status::InvalidArgument("bad port");
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

Result<ClientResponse> HttpClient::Call(
    std::string_view method, std::string_view target, std::string_view body,
    std::string_view content_type, uint32_t timeout_ms, size_t body_bytes_max,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  Impl& m = *impl_;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  beast::error_code ec;
  auto timed_out = [&] { return ec == beast::error::timeout; };
  if (!m.stream) {
    tcp::resolver resolver(m.ioc);
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(m.host, m.port, [&](beast::error_code e, tcp::resolver::results_type r) {
      ec = e;
      endpoints = std::move(r);
    });
    if (!m.Run(ec)) return Status::Unavailable("resolve " + m.host + ": " + ec.message());
    m.stream.emplace(m.ioc);
    m.stream->expires_at(deadline);
    m.stream->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    if (!m.Run(ec)) {
      if (timed_out()) return Status::Unavailable("connect timed out");
      return Status::Unavailable("connect: " + ec.message());
    }
  }
  bhttp::request<bhttp::string_body> req;
  req.method(bhttp::string_to_verb(std::string(method)));
  req.target(std::string(target));
  req.version(11);
  req.set(bhttp::field::host, m.host + ":" + m.port);
  req.set(bhttp::field::user_agent, "corebank");
  if (!content_type.empty()) req.set(bhttp::field::content_type, content_type);
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::string(body);
  req.prepare_payload();
  m.stream->expires_at(deadline);
  bhttp::async_write(*m.stream, req, [&](beast::error_code e, size_t) { ec = e; });
  if (!m.Run(ec)) {
    if (timed_out()) return Status::Unavailable("write timed out");
    return Status::Unavailable("write: " + ec.message());
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(body_bytes_max);
  parser.header_limit(16 * 1024);
  m.stream->expires_at(deadline);
  bhttp::async_read(*m.stream, m.buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
  if (!m.Run(ec)) {
    if (timed_out()) return Status::Unavailable("read timed out");
    if (ec == bhttp::error::body_limit) return Status::ResourceExhausted("answer too large");
    return Status::Unavailable("read: " + ec.message());
  }
  bhttp::response<bhttp::string_body> res = parser.release();
  if (!res.keep_alive()) m.Drop();
  return ClientResponse{res.result_int(), std::move(res.body())};
}

}  // namespace cb::http
