#pragma once
// Internal to src/http: what Server shares with its connections. Includes Asio, so only
// server.cc and server_session.cc include it; everyone else includes http/server.h.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

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

// A connection as its loop sees it: the part a response from another thread needs.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // On the session's loop thread, for the response that won Claim(seq).
  virtual void OnHandlerResponse(uint64_t seq, Response&& response) = 0;
};

// One io thread with its own io_context: a connection lives on one loop for its whole life,
// so its handlers never run concurrently and need no strand. Responses from other threads
// (the shard's reply callbacks) go to the loop's inbox; one post wakes the loop for all that
// arrived meanwhile, instead of a post and a wake-up per response.
class IoLoop {
 public:
  // `gate` is the server's; it outlives the loop.
  explicit IoLoop(RespondGate* gate) : ioc_(1), gate_(gate) {}
  IoLoop(const IoLoop&) = delete;
  IoLoop& operator=(const IoLoop&) = delete;

  boost::asio::io_context& context() { return ioc_; }
  bool InThisThread() { return ioc_.get_executor().running_in_this_thread(); }

  // Any thread. Queues the response and wakes the loop if it is not already due to drain;
  // inside a BatchScope the wake-up happens once, when the scope closes.
  void Deliver(std::shared_ptr<SessionBase> session, uint64_t seq, Response&& response);
  // After the loop's thread stopped: drops queued deliveries (their sessions close).
  void ClearInbox();

 private:
  struct Delivery {
    std::shared_ptr<SessionBase> session;
    uint64_t seq = 0;
    Response response;
  };
  void Wake();
  void Drain();

  boost::asio::io_context ioc_;
  // A wake-up deferred to a BatchScope's end holds the gate open until it has run, so Stop()
  // cannot destroy the loop under it.
  RespondGate* gate_;
  std::mutex inbox_mu_;
  std::vector<Delivery> inbox_;     // guarded by inbox_mu_
  bool drain_posted_ = false;       // guarded by inbox_mu_
  std::vector<Delivery> draining_;  // loop thread only; keeps its capacity
};

// Open connections per client address: one address cannot take every connection slot.
class PerIpConnections {
 public:
  // False (nothing counted) when `ip` already has `max` open connections.
  bool Acquire(const std::string& ip, uint32_t max);
  void Release(const std::string& ip);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, uint32_t> open_;
};

// Outlives every session: Server::Impl destroys the loops (and with them the sessions)
// before this.
struct ServerShared {
  ServerOptions options;
  Handler* handler = nullptr;
  boost::asio::ssl::context* tls = nullptr;  // Null: plain TCP.
  // Shared with every Respond, which may outlive the server.
  std::shared_ptr<RespondGate> gate = std::make_shared<RespondGate>();
  std::atomic<uint32_t> connections{0};
  PerIpConnections per_ip;
};

// Takes over a socket accepted onto `loop`'s io_context, from `ip` (already counted in
// shared.per_ip; the session releases it when it ends).
void StartSession(boost::asio::ip::tcp::socket&& socket, IoLoop& loop, ServerShared& shared,
                  std::string ip);

}  // namespace cb::http::internal
