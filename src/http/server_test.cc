#include "http/server.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/batch_scope.h"
#include "http/request_parser.h"
#include "http/server_session.h"

namespace cb::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using ClientResponse = bhttp::response<bhttp::string_body>;

// Every wait in these tests is bounded, so a bug fails a test instead of hanging it.
constexpr auto kWaitMax = std::chrono::seconds(5);

bool WaitFor(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kWaitMax;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A raw keep-alive connection: writes whatever bytes a test gives it and parses responses
// with Beast, keeping bytes of a following response buffered between reads.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  void Send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // nullopt when the connection failed or no full response came within kWaitMax.
  std::optional<ClientResponse> Read(bool head_request = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(head_request);
    bool done = false;
    boost::system::error_code ec;
    bhttp::async_read(socket_, buffer_, parser, [&](boost::system::error_code read_ec, size_t) {
      done = true;
      ec = read_ec;
    });
    if (!RunUntil(done) || ec) return std::nullopt;
    return parser.release();
  }

  std::optional<ClientResponse> Get(const std::string& target, const std::string& headers = "") {
    Send("GET " + target + " HTTP/1.1\r\nHost: t\r\n" + headers + "\r\n");
    return Read();
  }

  // True when response bytes are waiting to be read (checked without blocking).
  bool Readable() {
    boost::system::error_code ec;
    return buffer_.size() > 0 || socket_.available(ec) > 0;
  }

  // True when the server closed the connection (EOF or reset) before sending anything more.
  bool ServerClosed() {
    if (buffer_.size() > 0) return false;
    char byte = 0;
    bool done = false;
    boost::system::error_code ec;
    socket_.async_read_some(asio::buffer(&byte, 1), [&](boost::system::error_code read_ec, size_t) {
      done = true;
      ec = read_ec;
    });
    if (!RunUntil(done)) return false;
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  bool RunUntil(const bool& done) {
    ioc_.restart();
    ioc_.run_for(kWaitMax);
    if (done) return true;
    socket_.cancel();
    ioc_.restart();
    ioc_.run();
    return false;
  }

  asio::io_context ioc_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// Runs the test's function for every request; echoes by default.
class TestHandler final : public Handler {
 public:
  using Fn = std::function<void(Request&&, Respond)>;

  void Handle(Request&& request, Respond respond) override {
    calls.fetch_add(1);
    Fn fn;
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn = fn_;
    }
    if (fn) return fn(std::move(request), std::move(respond));
    respond(Echo(request));
  }

  void Set(Fn fn) {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = std::move(fn);
  }

  static Response Echo(const Request& request) {
    Response response;
    response.content_type = "text/plain";
    response.headers.push_back({"X-Method", request.method});
    response.headers.push_back({"X-Path", std::string(request.path())});
    response.headers.push_back({"X-Query", std::string(request.query())});
    response.headers.push_back({"X-Remote-Ip", request.remote_ip});
    response.headers.push_back({"X-Custom-Echo", std::string(request.header("x-custom"))});
    response.body = request.body;
    return response;
  }

  std::atomic<int> calls{0};

 private:
  std::mutex mu_;
  Fn fn_;
};

// Answers on its own threads after a delay, like a handler that hands work to an executor.
class DelayedResponder {
 public:
  ~DelayedResponder() {
    for (std::thread& thread : threads_) thread.join();
  }
  void After(std::chrono::milliseconds delay, Respond respond, Response response) {
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back(
        [delay, respond = std::move(respond), response = std::move(response)]() mutable {
          std::this_thread::sleep_for(delay);
          respond(std::move(response));
        });
  }

 private:
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

Response BodyResponse(std::string body, int status = 200) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

ServerOptions TestOptions() {
  ServerOptions options;
  options.port = 0;
  options.io_threads = 2;  // Exercise two loops, not just the single-loop path.
  return options;
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(const ServerOptions& options = TestOptions()) {
    std::string error;
    server_ = Server::Start(options, &handler_, &error);
    ASSERT_NE(server_, nullptr) << error;
    ASSERT_NE(server_->port(), 0);
  }

  // Declared before the server so that it outlives it (and the responder threads end first).
  TestHandler handler_;
  DelayedResponder delayed_;
  std::unique_ptr<Server> server_;
};

void ExpectErrorCode(const ClientResponse& res, const std::string& code) {
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  const std::string prefix = R"({"error":{"type":")";
  EXPECT_EQ(res.body().substr(0, prefix.size()), prefix) << res.body();
  EXPECT_NE(res.body().find(R"("code":")" + code + R"(")"), std::string::npos) << res.body();
  EXPECT_NE(res.body().find(R"("param":null,"trace_id":")"), std::string::npos) << res.body();
}

TEST_F(ServerTest, GetIsEchoedWithPathQueryAndRemoteIp) {
  StartServer();
  Client client(server_->port());
  std::optional<ClientResponse> res = client.Get("/a/b?x=1&y=2", "X-CUSTOM: Mixed\r\n");
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ(res->version(), 11);
  EXPECT_TRUE(res->keep_alive());
  EXPECT_EQ((*res)["X-Method"], "GET");
  EXPECT_EQ((*res)["X-Path"], "/a/b");
  EXPECT_EQ((*res)["X-Query"], "x=1&y=2");
  EXPECT_EQ((*res)["X-Remote-Ip"], "127.0.0.1");
  EXPECT_EQ((*res)["X-Custom-Echo"], "Mixed");  // Sent as X-CUSTOM, looked up as x-custom.
  EXPECT_EQ((*res)[bhttp::field::content_type], "text/plain");
  EXPECT_EQ((*res)[bhttp::field::content_length], "0");
}

TEST_F(ServerTest, PostBodyIsEchoed) {
  StartServer();
  Client client(server_->port());
  client.Send("POST /transfers HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world");
  std::optional<ClientResponse> res = client.Read();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ((*res)["X-Method"], "POST");
  EXPECT_EQ((*res)["X-Query"], "");
  EXPECT_EQ(res->body(), "hello world");
}

TEST_F(ServerTest, ChunkedBodyIsReassembled) {
  StartServer();
  Client client(server_->port());
  client.Send(
      "POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  std::optional<ClientResponse> res = client.Read();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->body(), "hello world");
}

TEST_F(ServerTest, BodySentAfter100ContinueIsRead) {
  StartServer();
  Client client(server_->port());
  client.Send("POST /c HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  std::optional<ClientResponse> interim = client.Read();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->result_int(), 100);
  client.Send("body");
  std::optional<ClientResponse> res = client.Read();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ(res->body(), "body");
}

TEST_F(ServerTest, HeadResponseHasLengthButNoBody) {
  handler_.Set([](Request&&, Respond respond) { respond(BodyResponse("0123456789")); });
  StartServer();
  Client client(server_->port());
  client.Send("HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n");
  std::optional<ClientResponse> res = client.Read(/*head_request=*/true);
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ((*res)[bhttp::field::content_length], "10");
  // Had the body been sent, it would be parsed as the next response and fail.
  std::optional<ClientResponse> next = client.Get("/y");
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body(), "0123456789");
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  Client client(server_->port());
  for (int i = 0; i < 5; ++i) {
    std::optional<ClientResponse> res = client.Get("/n?i=" + std::to_string(i));
    ASSERT_TRUE(res.has_value()) << i;
    EXPECT_EQ((*res)["X-Query"], "i=" + std::to_string(i));
    EXPECT_TRUE(res->keep_alive());
  }
  EXPECT_EQ(server_->connections(), 1u);
  EXPECT_EQ(handler_.calls.load(), 5);
}

TEST_F(ServerTest, PipelinedRequestsComeBackInOrder) {
  // The first answer is the slowest: order must come from the server, not from timing.
  handler_.Set([this](Request&& request, Respond respond) {
    const auto delay = std::chrono::milliseconds(request.path() == "/1" ? 100 : 0);
    delayed_.After(delay, std::move(respond), TestHandler::Echo(request));
  });
  StartServer();
  Client client(server_->port());
  client.Send(
      "POST /1 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\none"
      "GET /2 HTTP/1.1\r\nHost: t\r\n\r\n"
      "POST /3 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nthree");
  for (const char* expected : {"/1", "/2", "/3"}) {
    std::optional<ClientResponse> res = client.Read();
    ASSERT_TRUE(res.has_value()) << expected;
    EXPECT_EQ((*res)["X-Path"], expected);
  }
  EXPECT_EQ(handler_.calls.load(), 3);
}

TEST_F(ServerTest, HandlerMayRespondFromAnotherThreadAfterDelay) {
  handler_.Set([this](Request&& request, Respond respond) {
    delayed_.After(std::chrono::milliseconds(50), std::move(respond),
                   BodyResponse("later:" + request.body, 201));
  });
  StartServer();
  Client client(server_->port());
  client.Send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi");
  std::optional<ClientResponse> res = client.Read();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result_int(), 201);
  EXPECT_EQ(res->body(), "later:hi");
  EXPECT_TRUE(res->keep_alive());
}

// The executor releases a batch's replies inside a BatchScope: each connection's loop is woken
// once, when the scope closes, and then every response goes out.
TEST_F(ServerTest, RepliesReleasedInsideABatchScopeGoOutWhenItCloses) {
  constexpr int kConnections = 8;
  std::mutex mu;
  std::condition_variable arrived;
  std::vector<std::pair<Respond, std::string>> held;
  handler_.Set([&](Request&& request, Respond respond) {
    std::lock_guard<std::mutex> lock(mu);
    held.emplace_back(std::move(respond), std::string(request.path()));
    arrived.notify_all();
  });
  StartServer();
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_unique<Client>(server_->port()));
    clients.back()->Send("GET /c" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n");
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(arrived.wait_for(lock, std::chrono::seconds(10),
                                 [&] { return held.size() == kConnections; }));
  }
  std::thread releaser([&] {
    BatchScope scope;
    for (auto& [respond, path] : held) respond(BodyResponse("done:" + path));
    // Nothing is written while the scope is open: the loops have not been woken.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (auto& client : clients) EXPECT_FALSE(client->Readable());
  });
  releaser.join();
  for (int i = 0; i < kConnections; ++i) {
    std::optional<ClientResponse> res = clients[i]->Read();
    ASSERT_TRUE(res.has_value()) << i;
    EXPECT_EQ(res->body(), "done:/c" + std::to_string(i));
  }
}

// A wake-up deferred to a BatchScope's end keeps the server's loops alive: Stop() waits for
// the scope to close instead of destroying a loop the wake-up is about to touch.
TEST_F(ServerTest, StopWaitsForADeferredWakeUpToRun) {
  std::mutex mu;
  std::condition_variable arrived;
  Respond held;
  handler_.Set([&](Request&&, Respond respond) {
    std::lock_guard<std::mutex> lock(mu);
    held = std::move(respond);
    arrived.notify_all();
  });
  StartServer();
  Client client(server_->port());
  client.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(arrived.wait_for(lock, std::chrono::seconds(10), [&] { return held != nullptr; }));
  }
  std::atomic<bool> responded{false};
  std::atomic<bool> scope_closed{false};
  std::thread releaser([&] {
    {
      BatchScope scope;
      held(BodyResponse("late"));
      responded.store(true);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      scope_closed.store(true);
    }
  });
  while (!responded.load()) std::this_thread::yield();
  server_->Stop();
  EXPECT_TRUE(scope_closed.load());  // Stop() returned only after the deferred wake-up ran
  releaser.join();
}

TEST_F(ServerTest, SecondRespondForOneRequestIsDropped) {
  handler_.Set([](Request&& request, Respond respond) {
    respond(BodyResponse("first:" + request.target));
    respond(BodyResponse("second:" + request.target));
  });
  StartServer();
  Client client(server_->port());
  std::optional<ClientResponse> a = client.Get("/a");
  std::optional<ClientResponse> b = client.Get("/b");
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->body(), "first:/a");
  EXPECT_EQ(b->body(), "first:/b");
}

TEST_F(ServerTest, UnsafeHandlerHeadersAreDropped) {
  handler_.Set([](Request&&, Respond respond) {
    Response response;
    response.headers.push_back({"X-Bad", "a\r\nSet-Cookie: evil=1"});
    response.headers.push_back({"Content-Length", "999"});
    response.headers.push_back({"X-Good", "ok"});
    response.body = "b";
    respond(std::move(response));
  });
  StartServer();
  Client client(server_->port());
  std::optional<ClientResponse> res = client.Get("/x");
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ((*res)["X-Good"], "ok");
  EXPECT_EQ((*res)["X-Bad"], "");
  EXPECT_EQ((*res)["Set-Cookie"], "");
  EXPECT_EQ((*res)[bhttp::field::content_length], "1");
}

TEST_F(ServerTest, ConnectionCloseRequestIsAnsweredWithCloseAndClosed) {
  StartServer();
  Client client(server_->port());
  std::optional<ClientResponse> res = client.Get("/x", "Connection: close\r\n");
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ((*res)[bhttp::field::connection], "close");
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(ServerTest, Http10ResponseFollowsRequestVersionAndCloses) {
  StartServer();
  Client client(server_->port());
  client.Send("GET /old HTTP/1.0\r\n\r\n");
  std::optional<ClientResponse> res = client.Read();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->version(), 10);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(ServerTest, OversizedBodyIs413AndConnectionCloses) {
  ServerOptions options = TestOptions();
  options.body_bytes_max = 1024;
  StartServer(options);
  Client client(server_->port());
  // The whole body is sent: the server must still get its answer through before closing.
  client.Send("POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" +
              std::string(5000, 'x'));
  std::optional<ClientResponse> res = client.Read();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result_int(), 413);
  ExpectErrorCode(*res, "body_too_large");
  EXPECT_EQ((*res)[bhttp::field::connection], "close");
  EXPECT_FALSE((*res)["X-Request-Id"].empty());
  EXPECT_TRUE(client.ServerClosed());
  EXPECT_EQ(handler_.calls.load(), 0);
}

TEST_F(ServerTest, OversizedChunkedBodyIs413) {
  ServerOptions options = TestOptions();
  options.body_bytes_max = 8;
  StartServer(options);
  Client client(server_->port());
  client.Send(
      "POST /big HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  std::optional<ClientResponse> res = client.Read();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result_int(), 413);
  ExpectErrorCode(*res, "body_too_large");
  EXPECT_EQ(handler_.calls.load(), 0);
}

TEST_F(ServerTest, OversizedHeaderIs431AndConnectionCloses) {
  ServerOptions options = TestOptions();
  options.header_bytes_max = 1024;
  StartServer(options);
  Client client(server_->port());
  std::optional<ClientResponse> res = client.Get("/x", "X-Big: " + std::string(2000, 'h') + "\r\n");
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result_int(), 431);
  ExpectErrorCode(*res, "headers_too_large");
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(client.ServerClosed());
  EXPECT_EQ(handler_.calls.load(), 0);
}

TEST_F(ServerTest, GarbageIs400AndConnectionCloses) {
  StartServer();
  Client client(server_->port());
  client.Send("\x01\x02 definitely not http\r\n\r\n");
  std::optional<ClientResponse> res = client.Read();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result_int(), 400);
  ExpectErrorCode(*res, "malformed_request");
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(client.ServerClosed());
  EXPECT_EQ(handler_.calls.load(), 0);
}

// Request smuggling: a proxy and this server must never disagree about where a request ends.
TEST_F(ServerTest, TransferEncodingOtherThanExactlyChunkedIs400) {
  StartServer();
  for (const std::string headers :
       {"Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding: chunked, chunked\r\n",
        "Transfer-Encoding: identity\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "Content-Length: 5\r\nContent-Length: 5\r\n", "Content-Length: 5, 5\r\n",
        "Content-Length: +5\r\n"}) {
    Client client(server_->port());
    client.Send("POST /x HTTP/1.1\r\nHost: t\r\n" + headers + "\r\n5\r\nhello\r\n0\r\n\r\n");
    std::optional<ClientResponse> res = client.Read();
    ASSERT_TRUE(res.has_value()) << headers;
    EXPECT_EQ(res->result_int(), 400) << headers;
    ExpectErrorCode(*res, "malformed_request");
    EXPECT_TRUE(client.ServerClosed()) << headers;
  }
  Client http10(server_->port());  // HTTP/1.0 has no chunked coding
  http10.Send("POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  std::optional<ClientResponse> old = http10.Read();
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->result_int(), 400);
  EXPECT_EQ(handler_.calls.load(), 0);
  Client ok(server_->port());  // exactly "chunked" (any case) is fine
  ok.Send(
      "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\n\r\n");
  std::optional<ClientResponse> res = ok.Read();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result_int(), 200);
}

TEST_F(ServerTest, ConnectionsPerAddressAreCapped) {
  ServerOptions options = TestOptions();
  options.connections_per_ip_max = 2;
  StartServer(options);
  auto first = std::make_unique<Client>(server_->port());
  Client second(server_->port());
  ASSERT_TRUE(first->Get("/1").has_value());
  ASSERT_TRUE(second.Get("/2").has_value());
  Client third(server_->port());  // a third from 127.0.0.1: closed at once
  EXPECT_TRUE(third.ServerClosed());
  EXPECT_EQ(server_->connections(), 2u);
  first.reset();
  ASSERT_TRUE(WaitFor([&] { return server_->connections() < 2; }));
  Client fourth(server_->port());
  std::optional<ClientResponse> res = fourth.Get("/4");
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result_int(), 200);
}

// A client that announces a large body and sends little must not make the server hold a
// buffer of that size: memory follows the bytes that arrive.
TEST(BodyReserveTest, AnnouncedLengthIsReservedOnlyUpToASmallCap) {
  EXPECT_EQ(internal::BodyReserveBytes(3), 3u);
  EXPECT_EQ(internal::BodyReserveBytes(16 * 1024), 16u * 1024);
  EXPECT_EQ(internal::BodyReserveBytes(4'000'000), 16u * 1024);
  EXPECT_EQ(internal::BodyReserveBytes(UINT64_MAX), 16u * 1024);
}

TEST_F(ServerTest, BodyLargerThanTheReservationIsStillReadWhole) {
  std::atomic<size_t> size{0};
  handler_.Set([&](Request&& request, Respond respond) {
    size = request.body.size();
    respond(BodyResponse("ok"));
  });
  StartServer();
  Client big(server_->port());
  const std::string body(100'000, 'z');
  big.Send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + body);
  ASSERT_TRUE(big.Read().has_value());
  EXPECT_EQ(size.load(), 100'000u);
}

TEST_F(ServerTest, RequestTimeoutIs503AndLateResponseIsDropped) {
  std::mutex mu;
  Respond held;
  handler_.Set([&](Request&& request, Respond respond) {
    if (request.path() == "/slow") {
      std::lock_guard<std::mutex> lock(mu);
      held = std::move(respond);  // Never answered in time.
      return;
    }
    respond(BodyResponse("fast"));
  });
  ServerOptions options = TestOptions();
  options.request_timeout_ms = 100;
  StartServer(options);
  Client client(server_->port());
  const auto start = std::chrono::steady_clock::now();
  std::optional<ClientResponse> timed_out = client.Get("/slow");
  ASSERT_TRUE(timed_out.has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  EXPECT_EQ(timed_out->result_int(), 503);
  ExpectErrorCode(*timed_out, "request_timeout");
  EXPECT_NE(timed_out->body().find(R"("type":"api_error")"), std::string::npos);
  EXPECT_TRUE(timed_out->keep_alive());  // The request was read whole; the stream is in sync.

  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_TRUE(held);
    held(BodyResponse("late"));  // Must not reach the wire.
  }
  std::optional<ClientResponse> next = client.Get("/fast");
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body(), "fast");
}

TEST_F(ServerTest, ConnectionsMaxIsEnforced) {
  ServerOptions options = TestOptions();
  options.connections_max = 2;
  StartServer(options);
  auto first = std::make_unique<Client>(server_->port());
  Client second(server_->port());
  ASSERT_TRUE(first->Get("/1").has_value());
  ASSERT_TRUE(second.Get("/2").has_value());
  EXPECT_EQ(server_->connections(), 2u);

  Client third(server_->port());
  EXPECT_TRUE(third.ServerClosed());
  EXPECT_EQ(server_->connections(), 2u);

  first.reset();
  ASSERT_TRUE(WaitFor([&] { return server_->connections() < 2; }));
  Client fourth(server_->port());
  std::optional<ClientResponse> res = fourth.Get("/4");
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result_int(), 200);
}

TEST_F(ServerTest, IdleConnectionIsClosedAfterReadTimeout) {
  ServerOptions options = TestOptions();
  options.read_timeout_ms = 100;
  StartServer(options);
  Client client(server_->port());
  ASSERT_TRUE(client.Get("/x").has_value());
  EXPECT_TRUE(client.ServerClosed());
  EXPECT_TRUE(WaitFor([&] { return server_->connections() == 0; }));
}

TEST_F(ServerTest, StopWithOpenConnectionsReturnsAndLaterRespondIsSafe) {
  std::mutex mu;
  Respond held;
  std::atomic<bool> received{false};
  handler_.Set([&](Request&&, Respond respond) {
    std::lock_guard<std::mutex> lock(mu);
    held = std::move(respond);
    received = true;
  });
  StartServer();
  Client busy(server_->port());
  Client idle(server_->port());
  busy.Send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(WaitFor([&] { return received.load(); }));
  ASSERT_TRUE(WaitFor([&] { return server_->connections() == 2; }));

  server_->Stop();
  EXPECT_EQ(server_->connections(), 0u);
  EXPECT_TRUE(busy.ServerClosed());
  EXPECT_TRUE(idle.ServerClosed());
  server_->Stop();  // Idempotent.

  std::lock_guard<std::mutex> lock(mu);
  Respond copy = held;
  held(BodyResponse("after stop"));
  server_.reset();
  copy(BodyResponse("after destruction"));
}

TEST(ServerStartTest, InvalidOptionsFailWithMessage) {
  TestHandler handler;
  std::string error;
  EXPECT_EQ(Server::Start(TestOptions(), nullptr, &error), nullptr);
  EXPECT_NE(error.find("handler"), std::string::npos) << error;

  ServerOptions options = TestOptions();
  options.listen_address = "not-an-ip";
  EXPECT_EQ(Server::Start(options, &handler, &error), nullptr);
  EXPECT_NE(error.find("invalid listen address"), std::string::npos) << error;

  options = TestOptions();
  options.tls_cert_file = "/nonexistent/cert.pem";
  EXPECT_EQ(Server::Start(options, &handler, &error), nullptr);
  EXPECT_NE(error.find("tls_key_file"), std::string::npos) << error;

  options.tls_key_file = "/nonexistent/key.pem";
  EXPECT_EQ(Server::Start(options, &handler, &error), nullptr);
  EXPECT_NE(error.find("loading TLS certificate '/nonexistent/cert.pem'"), std::string::npos)
      << error;
}

TEST(ServerStartTest, PortInUseFails) {
  TestHandler handler;
  std::string error;
  auto first = Server::Start(TestOptions(), &handler, &error);
  ASSERT_NE(first, nullptr) << error;
  ServerOptions options = TestOptions();
  options.port = first->port();
  EXPECT_EQ(Server::Start(options, &handler, &error), nullptr);
  EXPECT_NE(error.find("http server: bind"), std::string::npos) << error;
}

// Runs a shell command; returns its exit status and stdout.
std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, out};
  char chunk[4096];
  size_t n = 0;
  while ((n = fread(chunk, 1, sizeof(chunk), pipe)) > 0) out.append(chunk, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class TlsServerTest : public ServerTest {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/cb_http_tls_XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    cert_ = dir_ + "/cert.pem";
    key_ = dir_ + "/key.pem";
    const auto [status, out] = RunCommand(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=localhost -keyout " +
        key_ + " -out " + cert_ + " 2>&1");
    ASSERT_EQ(status, 0) << out;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string Url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  std::string dir_;
  std::string cert_;
  std::string key_;
};

TEST_F(TlsServerTest, ServesTls13AndRefusesTls12) {
  ServerOptions options = TestOptions();
  options.tls_cert_file = cert_;
  options.tls_key_file = key_;
  StartServer(options);

  // Two URLs in one curl run share one keep-alive TLS connection.
  const auto [status, out] =
      RunCommand("curl -sS -k --tlsv1.3 --max-time 5 -w ' %{http_code}\\n' " + Url("/a") +
                 " -d one " + Url("/b") + " 2>&1");
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out, "one 200\none 200\n");
  EXPECT_EQ(handler_.calls.load(), 2);

  const auto [old_status, old_out] =
      RunCommand("curl -sS -k --tls-max 1.2 --max-time 5 " + Url("/a") + " 2>&1");
  EXPECT_NE(old_status, 0) << old_out;
  EXPECT_EQ(handler_.calls.load(), 2);
  EXPECT_TRUE(WaitFor([&] { return server_->connections() == 0; }));
}

TEST_F(TlsServerTest, MismatchedKeyFailsStart) {
  const std::string other_key = dir_ + "/other.pem";
  const auto [status, out] =
      RunCommand("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out " +
                 other_key + " 2>&1");
  ASSERT_EQ(status, 0) << out;
  ServerOptions options = TestOptions();
  options.tls_cert_file = cert_;
  options.tls_key_file = other_key;
  std::string error;
  EXPECT_EQ(Server::Start(options, &handler_, &error), nullptr);
  EXPECT_NE(error.find("TLS key"), std::string::npos) << error;
}

}  // namespace
}  // namespace cb::http
