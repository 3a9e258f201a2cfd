#include "http/server_session.h"

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <charconv>
#include <chrono>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "base/batch_scope.h"
#include "base/check.h"
#include "http/request_parser.h"

namespace cb::http::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using beast::error_code;

// Sizes the first allocation of Request::headers; more headers still fit (header_bytes_max
// bounds them).
constexpr size_t kHeadersReserve = 16;
// After the last response on a connection we stop sending and drain what the client still
// sends, so closing does not RST away a response it has not read yet. Bounded in time and bytes.
constexpr uint32_t kLingerMsMax = 2'000;
constexpr size_t kLingerBytesMax = 1 << 20;
constexpr size_t kLingerChunkBytes = 4096;
constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
  });
}

// Lambdas, not function pointers: every response runs these over every header byte, and a
// predicate passed by pointer is not inlined.
bool IsHeaderName(std::string_view name) {
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return c > ' ' && c < 127 && c != ':'; });
}

bool IsHeaderValue(std::string_view value) {
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c != '\r' && c != '\n' && c != '\0'; });
}

// Handler-supplied headers must not split the response or fight the framing we own.
bool IsWritableHeader(const Header& header) {
  if (header.name.empty()) return false;
  if (!IsHeaderName(header.name)) return false;
  if (!IsHeaderValue(header.value)) return false;
  return !EqualsIgnoreCase(header.name, "Content-Length") &&
         !EqualsIgnoreCase(header.name, "Transfer-Encoding") &&
         !EqualsIgnoreCase(header.name, "Connection");
}

void AppendNumber(std::string& out, uint64_t value) {
  char digits[24];
  const std::to_chars_result result = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, result.ptr);
}

// Status line and headers into `out` (reused per connection, so no allocation once warm).
// Returns whether the body goes on the wire.
bool SerializeHead(const Response& response, int version, bool is_head, bool keep_alive,
                   std::string& out) {
  CB_CHECK(response.status >= 100);
  CB_CHECK(response.status <= 999);
  // RFC 9110 6.4.1: 1xx and 204 carry no body and no Content-Length.
  const bool bodiless_status = response.status < 200 || response.status == 204;
  out.clear();
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  AppendNumber(out, static_cast<uint64_t>(response.status));
  out += ' ';
  const beast::string_view reason =
      bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));
  out.append(reason.data(), reason.size());
  out += "\r\n";
  if (!response.content_type.empty() && IsHeaderValue(response.content_type)) {
    out += "Content-Type: ";
    out += response.content_type;
    out += "\r\n";
  }
  for (const Header& header : response.headers) {
    if (!IsWritableHeader(header)) continue;
    out += header.name;
    out += ": ";
    out += header.value;
    out += "\r\n";
  }
  if (!bodiless_status) {
    out += "Content-Length: ";
    AppendNumber(out, response.body.size());
    out += "\r\n";
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else if (version == 10) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  return !bodiless_status && !is_head;
}

bool AsksToClose(const Response& response) {
  for (const Header& header : response.headers) {
    if (EqualsIgnoreCase(header.name, "Connection") && EqualsIgnoreCase(header.value, "close")) {
      return true;
    }
  }
  return false;
}

// One connection. Only reads, writes and closes; every member is touched on its loop's
// thread only, except answered_seq_. One request at a time: the next is read only after the
// previous response is written, and pipelined bytes wait in buffer_.
template <bool kTls>
class Session final : public SessionBase {
 public:
  using Stream = std::conditional_t<kTls, asio::ssl::stream<tcp::socket>, tcp::socket>;

  Session(tcp::socket&& socket, IoLoop& loop, ServerShared& shared, std::string ip)
      : stream_(MakeStream(std::move(socket), shared)),
        timer_(stream_.get_executor()),
        loop_(loop),
        shared_(shared),
        buffer_(size_t{shared.options.header_bytes_max} + shared.options.body_bytes_max),
        remote_ip_(std::move(ip)) {
    shared_.connections.fetch_add(1, std::memory_order_relaxed);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() {
    shared_.per_ip.Release(remote_ip_);
    shared_.connections.fetch_sub(1, std::memory_order_relaxed);
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::Begin, Self()));
  }

  void OnHandlerResponse(uint64_t seq, Response&& response) override {
    // Claim() let exactly this request's response through, and nothing but the timeout 503
    // (which claims too) or Stop() (which runs no handlers) ends kHandling.
    CB_CHECK(seq == request_seq_);
    CB_CHECK(phase_ == Phase::kHandling);
    if (AsksToClose(response)) keep_alive_ = false;
    Write(std::move(response));
  }

 private:
  std::shared_ptr<Session> Self() {
    return std::static_pointer_cast<Session>(this->shared_from_this());
  }

  enum class Phase { kHandshake, kReading, kContinue, kHandling, kWriting, kClosing, kClosed };

  static Stream MakeStream(tcp::socket&& socket, ServerShared& shared) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *shared.tls);
    } else {
      (void)shared;
      return std::move(socket);
    }
  }

  tcp::socket& Socket() { return beast::get_lowest_layer(stream_); }

  void Begin() {
    error_code ec;
    // Latency over packet count: each response goes out in one gather write anyway.
    Socket().set_option(tcp::no_delay(true), ec);

    if constexpr (kTls) {
      phase_ = Phase::kHandshake;
      SetDeadline(shared_.options.read_timeout_ms);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              beast::bind_front_handler(&Session::OnHandshake, Self()));
    } else {
      ReadRequest();
    }
  }

  void OnHandshake(error_code ec) {
    if (phase_ == Phase::kClosed) return;
    if (ec) return Close();  // TLS below 1.3, bad client hello, peer gone: nobody to answer.
    ReadRequest();
  }

  void ReadRequest() {
    phase_ = Phase::kReading;
    SetDeadline(shared_.options.read_timeout_ms);
    request_ = Request{};
    request_.headers.reserve(kHeadersReserve);
    parser_.emplace(request_);
    parser_->header_limit(shared_.options.header_bytes_max);
    parser_->body_limit(shared_.options.body_bytes_max);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnReadHeader, Self()));
  }

  void OnReadHeader(error_code ec, size_t /*bytes*/) {
    if (phase_ == Phase::kClosed) return;  // The deadline or Stop() closed the socket.
    if (ec) return OnReadError(ec);
    if (!parser_->is_done()) {
      // Body bytes that came with the header are parsed now, without another async hop.
      parser_->eager(true);
      while (buffer_.size() > 0 && !parser_->is_done()) {  // Each pass consumes or breaks.
        error_code put_ec;
        const size_t used = parser_->put(buffer_.data(), put_ec);
        buffer_.consume(used);
        if (put_ec && put_ec != bhttp::error::need_more) return OnReadError(put_ec);
        if (put_ec || used == 0) break;
      }
    }
    if (parser_->is_done()) return Dispatch();
    if (parser_->expect_continue()) {
      // The client waits for this before sending the body; limits were already checked.
      phase_ = Phase::kContinue;
      asio::async_write(stream_, asio::buffer(kContinueResponse.data(), kContinueResponse.size()),
                        beast::bind_front_handler(&Session::OnContinueWritten, Self()));
      return;
    }
    ReadBody();
  }

  void OnContinueWritten(error_code ec, size_t /*bytes*/) {
    if (phase_ == Phase::kClosed) return;
    if (ec) return Close();
    phase_ = Phase::kReading;
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnReadBody, Self()));
  }

  void OnReadBody(error_code ec, size_t /*bytes*/) {
    if (phase_ == Phase::kClosed) return;
    if (ec) return OnReadError(ec);
    Dispatch();
  }

  void OnReadError(error_code ec) {
    if (ec == bhttp::error::end_of_stream) return Close();  // Clean close between requests.
    if (ec == bhttp::error::body_limit ||
        (ec == bhttp::error::buffer_overflow && parser_->is_header_done())) {
      return Reject(413, "body_too_large", "Request body exceeds the limit for this server.");
    }
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      return Reject(431, "headers_too_large", "Request headers exceed the limit for this server.");
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
      return Reject(400, "malformed_request", "The request is not valid HTTP/1.1.");
    }
    Close();  // Connection reset, TLS error and the like: nobody to answer.
  }

  // After a parse error the stream position is unknown, so answer and close.
  void Reject(int status, std::string_view code, std::string_view message) {
    version_ = parser_->is_header_done() ? parser_->version() : 11;
    keep_alive_ = false;
    is_head_ = false;
    parser_.reset();
    Write(shared_.handler->RejectedResponse(status, code, message));
  }

  void Dispatch() {
    version_ = parser_->version();
    keep_alive_ = parser_->keep_alive();
    is_head_ = parser_->is_head();
    parser_.reset();
    request_.remote_ip = remote_ip_;
    const uint64_t seq = ++request_seq_;
    phase_ = Phase::kHandling;
    SetDeadline(shared_.options.request_timeout_ms);
    Respond respond = [gate = shared_.gate, weak = this->weak_from_this(), loop = &loop_,
                       seq](Response&& response) {
      if (!gate->Enter()) return;  // The server is stopping or gone.
      if (std::shared_ptr<SessionBase> self = weak.lock();
          self && static_cast<Session*>(self.get())->Claim(seq)) {
        // Inline when the handler answers on the loop's thread; otherwise via its inbox.
        if (loop->InThisThread()) {
          self->OnHandlerResponse(seq, std::move(response));
        } else {
          loop->Deliver(std::move(self), seq, std::move(response));
        }
      }
      gate->Exit();
    };
    // Nothing after this line: an inline respond may already be writing.
    shared_.handler->Handle(std::move(request_), std::move(respond));
  }

  // Any thread. True exactly once per request: for the handler's response or for the timeout
  // 503, whichever comes first; the loser is dropped.
  bool Claim(uint64_t seq) {
    uint64_t expected = seq - 1;
    return answered_seq_.compare_exchange_strong(expected, seq, std::memory_order_acq_rel);
  }

  void Write(Response&& response) {
    phase_ = Phase::kWriting;
    SetDeadline(shared_.options.read_timeout_ms);
    const bool send_body = SerializeHead(response, version_, is_head_, keep_alive_, head_);
    body_ = std::move(response.body);
    const std::array<asio::const_buffer, 2> buffers{
        asio::buffer(head_), send_body ? asio::buffer(body_) : asio::const_buffer()};
    asio::async_write(stream_, buffers, beast::bind_front_handler(&Session::OnWrite, Self()));
  }

  void OnWrite(error_code ec, size_t /*bytes*/) {
    if (phase_ == Phase::kClosed) return;
    std::string().swap(body_);  // Do not pin the largest body ever sent to the connection.
    if (ec) return Close();
    if (!keep_alive_) return CloseGracefully();
    ReadRequest();
  }

  void CloseGracefully() {
    phase_ = Phase::kClosing;
    SetDeadline(std::min(shared_.options.read_timeout_ms, kLingerMsMax));
    if constexpr (kTls) {
      stream_.async_shutdown(beast::bind_front_handler(&Session::OnShutdown, Self()));
    } else {
      error_code ignored;  // The peer may be gone already; the drain below notices.
      Socket().shutdown(tcp::socket::shutdown_send, ignored);
      linger_bytes_ = 0;
      buffer_.clear();
      Linger();
    }
  }

  void OnShutdown(error_code /*ec*/) { Close(); }  // Either way the connection is done.

  void Linger() {
    Socket().async_read_some(buffer_.prepare(std::min(kLingerChunkBytes, buffer_.max_size())),
                             beast::bind_front_handler(&Session::OnLinger, Self()));
  }

  void OnLinger(error_code ec, size_t bytes) {
    if (phase_ == Phase::kClosed) return;
    linger_bytes_ += bytes;
    if (ec || linger_bytes_ > kLingerBytesMax) return Close();  // EOF is the usual end.
    Linger();
  }

  void Close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    error_code ignored;  // Closing cannot fail in a way we could act on.
    Socket().close(ignored);
    timer_.cancel();
  }

  // One timer per connection for every deadline. It is re-armed only when a deadline moves
  // earlier; when it fires early it re-arms for the current deadline. With equal read and
  // request timeouts a busy connection costs no timer operation per request.
  void SetDeadline(uint32_t timeout_ms) {
    deadline_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
    if (timer_waits_ == 0 || deadline_ < timer_expiry_) ArmTimer();
  }

  void ArmTimer() {
    timer_expiry_ = deadline_;
    timer_.expires_at(deadline_);  // Cancels a later wait; its handler sees operation_aborted.
    ++timer_waits_;
    timer_.async_wait(beast::bind_front_handler(&Session::OnTimer, Self()));
  }

  void OnTimer(error_code ec) {
    --timer_waits_;
    if (phase_ == Phase::kClosed || ec == asio::error::operation_aborted) return;
    if (timer_waits_ > 0) return;  // A newer wait covers the deadline.
    if (Clock::now() < deadline_) return ArmTimer();
    switch (phase_) {
      case Phase::kHandling:
        // If the claim fails the handler's response is already queued to this strand.
        if (Claim(request_seq_)) {
          Write(shared_.handler->RejectedResponse(
              503, "request_timeout", "The server did not answer this request in time."));
        }
        return;
      case Phase::kHandshake:
      case Phase::kReading:
      case Phase::kContinue:
      case Phase::kWriting:
      case Phase::kClosing:
        return Close();  // Slow or idle client.
      case Phase::kClosed:
        return;
    }
  }

  Stream stream_;
  asio::steady_timer timer_;
  IoLoop& loop_;
  ServerShared& shared_;
  beast::flat_buffer buffer_;  // Outlives requests: pipelined bytes wait here.
  Request request_;
  std::optional<RequestParser> parser_;  // Single use; re-emplaced per request.
  std::string remote_ip_;
  std::string head_;
  std::string body_;
  Phase phase_ = Phase::kReading;
  int version_ = 11;
  bool keep_alive_ = true;
  bool is_head_ = false;
  uint64_t request_seq_ = 0;
  std::atomic<uint64_t> answered_seq_{0};
  Clock::time_point deadline_;
  Clock::time_point timer_expiry_;
  int timer_waits_ = 0;
  size_t linger_bytes_ = 0;
};

}  // namespace

void IoLoop::Deliver(std::shared_ptr<SessionBase> session, uint64_t seq, Response&& response) {
  // Inside a batch of replies the wake-up waits for the batch's end (one for all of them).
  const bool defer = BatchScope::Active();
  bool post = false;
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    inbox_.push_back(Delivery{std::move(session), seq, std::move(response)});
    post = !defer && !drain_posted_;
    if (post) drain_posted_ = true;
  }
  if (post) asio::post(ioc_, [this] { Drain(); });
  // Deliver runs inside a Respond's gate window; the deferred wake-up takes its own, released
  // after it ran. If the gate is closing, the server is stopping and drops the inbox anyway.
  if (defer && !BatchScope::Registered(this) && gate_->Enter()) {
    BatchScope::AtEnd(this, [](void* key) {
      IoLoop* loop = static_cast<IoLoop*>(key);
      RespondGate* gate = loop->gate_;
      loop->Wake();
      gate->Exit();  // the loop may be gone after this
    });
  }
}

void IoLoop::Wake() {
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    if (drain_posted_ || inbox_.empty()) return;
    drain_posted_ = true;
  }
  asio::post(ioc_, [this] { Drain(); });
}

void IoLoop::Drain() {
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    draining_.swap(inbox_);
    drain_posted_ = false;
  }
  for (Delivery& d : draining_) d.session->OnHandlerResponse(d.seq, std::move(d.response));
  draining_.clear();
}

void IoLoop::ClearInbox() {
  std::vector<Delivery> dropped;
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    dropped.swap(inbox_);
    drain_posted_ = false;
  }
  draining_.clear();
}

void StartSession(tcp::socket&& socket, IoLoop& loop, ServerShared& shared, std::string ip) {
  if (shared.tls != nullptr) {
    std::make_shared<Session<true>>(std::move(socket), loop, shared, std::move(ip))->Start();
  } else {
    std::make_shared<Session<false>>(std::move(socket), loop, shared, std::move(ip))->Start();
  }
}

bool PerIpConnections::Acquire(const std::string& ip, uint32_t max) {
  std::lock_guard<std::mutex> lock(mu_);
  uint32_t& open = open_[ip];
  if (open >= max) {
    if (open == 0) open_.erase(ip);
    return false;
  }
  open++;
  return true;
}

void PerIpConnections::Release(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(ip);
  CB_CHECK(it != open_.end() && it->second > 0);
  if (--it->second == 0) open_.erase(it);
}

}  // namespace cb::http::internal
