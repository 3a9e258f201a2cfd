#include "http/health_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <memory>
#include <string>

namespace cb::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Response = bhttp::response<bhttp::string_body>;

// One keep-alive connection to the server under test; every request reuses it.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  Response Send(bhttp::verb method, const std::string& target, const std::string& request_id = "",
                const std::string& content_length = "") {
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    req.keep_alive(true);
    if (!request_id.empty()) req.set("X-Request-Id", request_id);
    if (!content_length.empty()) req.set(bhttp::field::content_length, content_length);
    bhttp::write(socket_, req);
    Response res;
    bhttp::read(socket_, buffer_, res);
    return res;
  }

  Response Get(const std::string& target) { return Send(bhttp::verb::get, target); }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

class HealthServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HealthServerOptions options;
    options.listen_address = "127.0.0.1";
    options.port = 0;
    options.io_threads = 2;  // Exercise the strands, not just the single-thread path.
    std::string error;
    server_ = HealthServer::Start(
        options, [this] { return healthy_.load(); }, [this] { return ready_.load(); }, &error);
    ASSERT_NE(server_, nullptr) << error;
    ASSERT_NE(server_->port(), 0);
  }

  std::atomic<bool> healthy_{true};
  std::atomic<bool> ready_{false};
  std::unique_ptr<HealthServer> server_;
};

void ExpectJsonWithRequestId(const Response& res) {
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  EXPECT_FALSE(res["X-Request-Id"].empty());
}

TEST_F(HealthServerTest, HealthzAnswersOkWhileHealthy) {
  Client client(server_->port());
  Response res = client.Get("/healthz");
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_EQ(res.body(), R"({"status":"ok"})");
  ExpectJsonWithRequestId(res);
}

TEST_F(HealthServerTest, HealthzAnswers503WhenUnhealthy) {
  healthy_ = false;
  Client client(server_->port());
  Response res = client.Get("/healthz");
  EXPECT_EQ(res.result(), bhttp::status::service_unavailable);
  EXPECT_EQ(res.body(), R"({"status":"unhealthy"})");
  ExpectJsonWithRequestId(res);
}

TEST_F(HealthServerTest, ReadyzFlipsFrom503To200OnOneKeepAliveConnection) {
  Client client(server_->port());
  Response starting = client.Get("/readyz");
  EXPECT_EQ(starting.result(), bhttp::status::service_unavailable);
  EXPECT_EQ(starting.body(), R"({"status":"starting"})");
  ExpectJsonWithRequestId(starting);

  ready_ = true;
  Response ready = client.Get("/readyz?verbose=1");
  EXPECT_EQ(ready.result(), bhttp::status::ok);
  EXPECT_EQ(ready.body(), R"({"status":"ready"})");
  EXPECT_TRUE(ready.keep_alive());
  ExpectJsonWithRequestId(ready);
}

TEST_F(HealthServerTest, UnknownPathIs404WithErrorShape) {
  Client client(server_->port());
  Response res = client.Send(bhttp::verb::get, "/nope", "trace-abc.1");
  EXPECT_EQ(res.result(), bhttp::status::not_found);
  EXPECT_EQ(res["X-Request-Id"], "trace-abc.1");
  const std::string prefix =
      R"({"error":{"type":"invalid_request_error","code":"route_not_found","message":")";
  EXPECT_EQ(res.body().substr(0, prefix.size()), prefix) << res.body();
  EXPECT_NE(res.body().find(R"(","param":null,"trace_id":"trace-abc.1"}})"), std::string::npos)
      << res.body();
  ExpectJsonWithRequestId(res);
}

TEST_F(HealthServerTest, WrongMethodIs405WithErrorShape) {
  Client client(server_->port());
  Response res = client.Send(bhttp::verb::post, "/healthz");
  EXPECT_EQ(res.result(), bhttp::status::method_not_allowed);
  EXPECT_EQ(res[bhttp::field::allow], "GET");
  EXPECT_NE(res.body().find(R"("code":"method_not_allowed")"), std::string::npos) << res.body();
  EXPECT_NE(res.body().find(R"("type":"invalid_request_error")"), std::string::npos);
  ExpectJsonWithRequestId(res);
}

TEST_F(HealthServerTest, UnsafeRequestIdIsReplacedNotEchoed) {
  Client client(server_->port());
  Response res = client.Send(bhttp::verb::get, "/healthz", R"(a"b)");
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_NE(res["X-Request-Id"], R"(a"b)");
  ExpectJsonWithRequestId(res);
}

TEST_F(HealthServerTest, OversizedBodyIs413AndConnectionCloses) {
  Client client(server_->port());
  Response res = client.Send(bhttp::verb::get, "/healthz", "", "100000");
  EXPECT_EQ(res.result(), bhttp::status::payload_too_large);
  EXPECT_NE(res.body().find(R"("code":"body_too_large")"), std::string::npos) << res.body();
  EXPECT_FALSE(res.keep_alive());
}

TEST(HealthServerTimeoutTest, IdleConnectionIsClosedAfterReadTimeout) {
  HealthServerOptions options;
  options.port = 0;
  options.read_timeout_ms = 100;
  std::string error;
  auto server = HealthServer::Start(
      options, [] { return true; }, [] { return true; }, &error);
  ASSERT_NE(server, nullptr) << error;
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
  // Send nothing: the server must hang up on its own. Bound the wait so a bug fails, not hangs.
  char byte = 0;
  bool done = false;
  boost::system::error_code ec;
  socket.async_read_some(asio::buffer(&byte, 1), [&](boost::system::error_code read_ec, size_t) {
    done = true;
    ec = read_ec;
  });
  ioc.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(done) << "server kept an idle connection open past read_timeout_ms";
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
}

TEST(HealthServerStartTest, InvalidAddressFailsWithMessage) {
  HealthServerOptions options;
  options.listen_address = "not-an-ip";
  options.port = 0;
  std::string error;
  auto server = HealthServer::Start(
      options, [] { return true; }, [] { return true; }, &error);
  EXPECT_EQ(server, nullptr);
  EXPECT_NE(error.find("invalid listen address"), std::string::npos) << error;
}

TEST(HealthServerStartTest, PortInUseFailsAndStopIsIdempotent) {
  HealthServerOptions options;
  options.port = 0;
  std::string error;
  auto first = HealthServer::Start(
      options, [] { return true; }, [] { return true; }, &error);
  ASSERT_NE(first, nullptr) << error;
  options.port = first->port();
  auto second = HealthServer::Start(
      options, [] { return true; }, [] { return true; }, &error);
  EXPECT_EQ(second, nullptr);
  EXPECT_NE(error.find("bind"), std::string::npos) << error;
  first->Stop();
  first->Stop();
}

}  // namespace
}  // namespace cb::http
