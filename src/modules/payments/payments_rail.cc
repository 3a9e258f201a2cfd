// The payments module's I/O with its clearing scheme (docs/payments/scheme.md), off the
// writer: the outbox subscriber POSTs each committed outbound message, retrying until the
// scheme has it (it answers a resent MsgId with its first answer, so the effect is exactly
// once); the feed poller reads the scheme's messages to us in order and hands each to the
// service, which books it and moves its cursor in one batch.
#include "modules/payments/payments_rail.h"

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "base/json_string.h"
#include "base/time.h"
#include "http/client.h"
#include "modules/payments/payments_internal.h"

namespace cb::modules::payments {

namespace {

constexpr uint32_t kCallTimeoutMs = 5'000;
constexpr uint64_t kBackoffFirstMs = 50;
constexpr uint64_t kBackoffMaxMs = 5'000;
constexpr uint32_t kFeedWaitMs = 500;   // the long poll; also bounds how long Stop waits
constexpr uint32_t kFeedSlackMs = 500;  // beyond the long poll, before a feed call gives up
constexpr size_t kFeedPageMax = 200;

std::shared_ptr<PaymentOp> SystemOp() { return std::make_shared<PaymentOp>(); }

// Exponential backoff with full jitter in its upper half: many payments retrying after a
// scheme outage do not all knock at once.
uint64_t BackoffMs(uint32_t attempt, std::mt19937_64& rng) {
  const uint64_t base = std::min(kBackoffMaxMs, kBackoffFirstMs << std::min<uint32_t>(attempt, 10));
  return base / 2 + rng() % (base / 2 + 1);
}

class Outbox final : public runtime::Subscriber {
 public:
  explicit Outbox(std::string scheme_url)
      : url_(std::move(scheme_url)), rng_(std::random_device{}()) {}
  std::string_view name() const override { return "payments.outbox"; }
  bool Wants(uint16_t type) const override {
    return type == static_cast<uint16_t>(EventType::kPaymentMessage);
  }

  std::vector<std::shared_ptr<const runtime::ServiceOp>> Handle(
      std::span<const runtime::CommittedEvent> events) override {
    struct Job {
      u128 id = 0;
      std::string xml, refusal;
      bool done = false;
    };
    std::vector<Job> jobs;
    for (const runtime::CommittedEvent& ev : events) {
      pb::PaymentMessage m;
      u128 id = 0;
      if (!m.ParseFromArray(ev.payload.data(), static_cast<int>(ev.payload.size())) ||
          m.direction() != static_cast<uint32_t>(Direction::kOutbound) ||
          !kernel::IdFromBytes(m.id(), &id)) {
        continue;
      }
      jobs.push_back(Job{id, m.xml(), "", false});
    }
    // Messages are independent: up to kSenders go at once, each sender on its own kept-alive
    // connection (one at a time would be bound by the scheme's durable receipt of each).
    std::atomic<size_t> next{0};
    auto send = [&](size_t sender) {
      for (size_t i = next++; i < jobs.size(); i = next++) {
        jobs[i].done = Deliver(sender, jobs[i].xml, &jobs[i].refusal);
        if (!jobs[i].done) return;  // stopping
      }
    };
    const size_t senders = std::min(kSenders, jobs.size());
    std::vector<std::thread> threads;
    for (size_t k = 1; k < senders; k++) threads.emplace_back(send, k);
    if (senders > 0) send(0);
    for (std::thread& t : threads) t.join();
    std::vector<std::shared_ptr<const runtime::ServiceOp>> ops;
    for (Job& j : jobs) {
      if (!j.done) return {};  // stopping: handed over again at start
      auto op = SystemOp();
      if (j.refusal.empty()) {
        // The scheme has it: from now the payment's answer deadline runs (`accepted`).
        op->body = SchemeDeliveredOp{j.id};
      } else {
        op->body = SchemeRefusedOp{j.id, "The scheme refused the message: " + j.refusal};
      }
      ops.push_back(std::move(op));
    }
    return ops;
  }

  void Stop() override {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }

 private:
  static constexpr size_t kSenders = 16;

  // Until the scheme has it (2xx, also for a duplicate) or refuses it for good (4xx: the
  // reason in *refusal). False when stopping. `sender` owns clients_[sender].
  bool Deliver(size_t sender, const std::string& xml, std::string* refusal) {
    std::unique_ptr<http::HttpClient>& client = clients_[sender];
    for (uint32_t attempt = 0;; attempt++) {
      if (client == nullptr) {
        Result<std::unique_ptr<http::HttpClient>> c = http::HttpClient::Create(url_);
        if (c.ok()) client = std::move(*c);
      }
      Status failure = Status::Unavailable("no client");
      if (client != nullptr) {
        Result<http::ClientResponse> r =
            client->Call("POST", "/v1/messages", xml, "application/xml", kCallTimeoutMs, 64 * 1024);
        if (r.ok() && r->status >= 200 && r->status < 300) return true;
        if (r.ok() && r->status >= 400 && r->status < 500 && r->status != 408 && r->status != 429) {
          *refusal = std::to_string(r->status) + " " + TruncateUtf8(r->body, 200);
          return true;
        }
        failure = r.ok() ? Status::Unavailable(std::to_string(r->status)) : r.status();
      }
      if (attempt % 20 == 0) {
        std::fprintf(stderr,
                     "corebank: payments outbox: the scheme did not take a message (%s); "
                     "retrying\n",
                     failure.ToString().c_str());
      }
      std::unique_lock<std::mutex> lock(mu_);
      const uint64_t wait_ms = BackoffMs(attempt, rng_);
      cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stopping_; });
      if (stopping_) return false;
    }
  }

  std::string url_;
  std::unique_ptr<http::HttpClient> clients_[kSenders];
  std::mt19937_64 rng_;  // under mu_
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

class FeedPoller final : public runtime::Poller {
 public:
  explicit FeedPoller(std::string scheme_url)
      : url_(std::move(scheme_url)), rng_(std::random_device{}()) {}
  std::string_view name() const override { return "payments.scheme_feed"; }

  void Run(runtime::PollerContext& ctx) override {
    uint64_t after = 0;
    uint32_t failures = 0;
    // Where the service has booked up to: the cursor is its state, journaled with what it
    // booked, so a restart reads on from exactly there.
    for (;;) {
      auto op = SystemOp();
      op->body = FeedCursorOp{};
      runtime::Reply r = ctx.SubmitAndWait(op);
      if (r.status.ok() && r.http_status == 200) {
        after = std::strtoull(r.body.c_str(), nullptr, 10);
        break;
      }
      if (!ctx.Sleep(BackoffMs(failures++, rng_))) return;
    }
    std::unique_ptr<http::HttpClient> client;
    failures = 0;
    while (!ctx.stopping()) {
      if (client == nullptr) {
        Result<std::unique_ptr<http::HttpClient>> c = http::HttpClient::Create(url_);
        if (!c.ok()) {
          std::fprintf(stderr, "corebank: payments feed: %s\n", c.status().ToString().c_str());
          return;  // a malformed URL does not mend itself
        }
        client = std::move(*c);
      }
      const std::string target = "/v1/messages?after=" + std::to_string(after) +
                                 "&limit=" + std::to_string(kFeedPageMax) +
                                 "&wait_ms=" + std::to_string(kFeedWaitMs);
      // The scheme answers with every message it had by then (at least): a page that is not
      // full reads the feed through this time, which is how an answer deadline passes.
      const TimestampNs asked = clock_.NowNs();  // the executor's clock: batch timestamps
      Result<http::ClientResponse> res =
          client->Call("GET", target, "", "", kFeedWaitMs + kFeedSlackMs, 64u << 20);
      if (!res.ok() || res->status != 200 || !Book(ctx, res->body, asked, &after)) {
        if (failures % 20 == 0) {
          std::fprintf(
              stderr, "corebank: payments feed: reading the scheme failed (%s); retrying\n",
              res.ok() ? std::to_string(res->status).c_str() : res.status().ToString().c_str());
        }
        if (!ctx.Sleep(BackoffMs(failures++, rng_))) return;
        continue;
      }
      failures = 0;
    }
  }

 private:
  // Hands each message of a page to the service in order; false on a malformed page or a
  // refused op (read again from *after).
  bool Book(runtime::PollerContext& ctx, const std::string& body, TimestampNs asked,
            uint64_t* after) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(body, ec);
    const boost::json::array* data = nullptr;
    if (!ec && v.is_object()) {
      if (const boost::json::value* d = v.as_object().if_contains("data")) data = d->if_array();
    }
    if (data == nullptr) return false;
    auto page = SystemOp();
    FeedPageOp ops;
    uint64_t last = *after;
    for (const boost::json::value& item : *data) {
      const boost::json::object* o = item.if_object();
      if (o == nullptr) return false;
      const boost::json::value* seq = o->if_contains("seq");
      const boost::json::value* type = o->if_contains("message_type");
      const boost::json::value* xml = o->if_contains("xml");
      if (seq == nullptr || !(seq->is_uint64() || (seq->is_int64() && seq->get_int64() > 0)) ||
          type == nullptr || !type->is_string() || xml == nullptr || !xml->is_string()) {
        return false;
      }
      const uint64_t s =
          seq->is_uint64() ? seq->get_uint64() : static_cast<uint64_t>(seq->get_int64());
      if (s <= last) continue;
      ops.messages.push_back(
          FeedMessageOp{s, std::string(type->get_string()), std::string(xml->get_string())});
      last = s;
    }
    if (data->size() < kFeedPageMax) ops.read_through_ns = asked;
    // An empty page is still sent when it reads the feed through a time: the service
    // journals it only if an answer deadline has passed by then.
    if (ops.messages.empty() && ops.read_through_ns == 0) return true;
    // One command for the page: one commit instead of one per message.
    page->body = std::move(ops);
    runtime::Reply r = ctx.SubmitAndWait(page);
    if (!r.status.ok() || r.http_status != 200) return false;
    *after = last;
    return true;
  }

  std::string url_;
  std::mt19937_64 rng_;
  SystemClock clock_;
};

}  // namespace

std::vector<std::unique_ptr<runtime::Subscriber>> RailSubscribers(const PaymentsConfig& config) {
  std::vector<std::unique_ptr<runtime::Subscriber>> out;
  if (!config.scheme_url.empty()) out.push_back(std::make_unique<Outbox>(config.scheme_url));
  return out;
}

std::vector<std::unique_ptr<runtime::Poller>> RailPollers(const PaymentsConfig& config) {
  std::vector<std::unique_ptr<runtime::Poller>> out;
  if (!config.scheme_url.empty()) out.push_back(std::make_unique<FeedPoller>(config.scheme_url));
  return out;
}

}  // namespace cb::modules::payments
