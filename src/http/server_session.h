#pragma once
// Internal to src/http: what Server shares with its connections. Includes Asio, so only
// server.cc and server_session.cc include it; everyone else includes http/server.h.
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <thread>

#include "http/server.h"

namespace cb::http::internal {

// Lets a Respond called on a foreign thread race safely with Stop(): the call touches the
// io_context only between Enter() and Exit(), and Close() waits those windows out before the
// io_context is destroyed. The windows are short (a weak_ptr lock, a CAS, a post), so Close()
// spins; the hot path is one uncontended-in-practice atomic add and sub, no lock.
class RespondGate {
 public:
  [[nodiscard]] bool Enter() {
    if ((state_.fetch_add(kInside, std::memory_order_acquire) & kClosed) != 0) {
      Exit();
      return false;
    }
    return true;
  }
  void Exit() { state_.fetch_sub(kInside, std::memory_order_release); }
  void Close() {
    state_.fetch_or(kClosed, std::memory_order_acq_rel);
    while (state_.load(std::memory_order_acquire) != kClosed) std::this_thread::yield();
  }

 private:
  // Bit 0: closed. Bits 1..63: callers inside, counted in steps of kInside.
  static constexpr uint64_t kClosed = 1;
  static constexpr uint64_t kInside = 2;
  std::atomic<uint64_t> state_{0};
};

// Outlives every session: Server::Impl destroys the io_context (and with it the sessions)
// before this.
struct ServerShared {
  ServerOptions options;
  Handler* handler = nullptr;
  boost::asio::ssl::context* tls = nullptr;  // Null: plain TCP.
  // Shared with every Respond, which may outlive the server.
  std::shared_ptr<RespondGate> gate = std::make_shared<RespondGate>();
  std::atomic<uint32_t> connections{0};
};

// Takes over an accepted socket whose executor is its own strand.
void StartSession(boost::asio::ip::tcp::socket&& socket, ServerShared& shared);

}  // namespace cb::http::internal
