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
#include <deque>
#include <future>
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
  runtime::SubscriberOptions Options() const override {
    runtime::SubscriberOptions o;
    // Each Handle waits for the scheme's durable receipts: the next one runs while this
    // one's `accepted` commits, so a message waits for one Handle, not a Handle and a commit.
    o.overlap_commit = true;
    return o;
  }
  bool Wants(uint16_t type) const override {
    return type == static_cast<uint16_t>(EventType::kPaymentMessage);
  }

  std::vector<std::shared_ptr<const runtime::ServiceOp>> Handle(
      std::span<const runtime::CommittedEvent> events) override {
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
    // Messages are independent: up to kSenders go at once, each sender a thread of its own
    // kept for the next Handle, on its own kept-alive connection (one at a time would be
    // bound by the scheme's durable receipt of each).
    {
      std::unique_lock<std::mutex> lock(mu_);
      StartSendersLocked();
      for (Job& j : jobs) queue_.push_back(&j);
      jobs_left_ = jobs.size();
      work_cv_.notify_all();
      done_cv_.wait(lock, [this] { return jobs_left_ == 0 || stopping_; });
      // Stopping: a sender may still hold a job; it ends with done = false, and nothing of
      // this Handle is committed. Wait for those before `jobs` goes away.
      queue_.clear();
      done_cv_.wait(lock, [this] { return busy_ == 0; });
    }
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
    work_cv_.notify_all();
    done_cv_.notify_all();
  }

  ~Outbox() override {
    Stop();
    for (std::thread& t : senders_) t.join();
  }

 private:
  static constexpr size_t kSenders = 16;

  struct Job {
    u128 id = 0;
    std::string xml, refusal;
    bool done = false;
  };

  void StartSendersLocked() {
    if (!senders_.empty()) return;
    for (size_t k = 0; k < kSenders; k++) senders_.emplace_back([this, k] { SenderLoop(k); });
  }

  // Takes jobs until Stop; `sender` picks its connection (clients_[sender]).
  void SenderLoop(size_t sender) {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      Job* job = queue_.front();
      queue_.pop_front();
      busy_++;
      lock.unlock();
      const bool done = Deliver(sender, job->xml, &job->refusal);
      lock.lock();
      job->done = done;
      busy_--;
      if (done) jobs_left_--;
      if (jobs_left_ == 0 || busy_ == 0) done_cv_.notify_all();
    }
  }

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
  std::condition_variable cv_;       // a sender's backoff: Stop ends it
  std::condition_variable work_cv_;  // a job queued, or stop
  std::condition_variable done_cv_;  // a job done, or stop
  std::deque<Job*> queue_;           // this Handle's jobs not yet taken; under mu_
  size_t jobs_left_ = 0;             // this Handle's jobs not yet done; under mu_
  size_t busy_ = 0;                  // senders inside Deliver; under mu_
  std::vector<std::thread> senders_;
  bool stopping_ = false;
};

class FeedPoller final : public runtime::Poller {
 public:
  explicit FeedPoller(std::string scheme_url)
      : url_(std::move(scheme_url)), rng_(std::random_device{}()) {}
  std::string_view name() const override { return "payments.scheme_feed"; }

  void Run(runtime::PollerContext& ctx) override {
    // Where the service has booked up to: the cursor is its state, journaled with what it
    // booked, so a restart reads on from exactly there.
    uint64_t booked = 0;
    if (!ReadCursor(ctx, &booked)) return;
    // Pages are read on while the last ones are booked (a page booked only on top of the
    // one before it: FeedPageOp::read_after), so an answer does not wait for the booking of
    // the page before it. `read`: every message up to it is booked or being booked.
    uint64_t read = booked;
    std::deque<Booking> bookings;  // in flight, oldest first
    std::unique_ptr<http::HttpClient> client;
    uint32_t failures = 0;       // reading the scheme
    uint32_t book_failures = 0;  // booking what was read
    while (!ctx.stopping()) {
      if (!TakeAnswers(&bookings, &booked, &book_failures)) {
        // Refused or not durable, and every page behind it with it: read again from what
        // the service has.
        for (Booking& b : bookings) b.reply.wait();
        bookings.clear();
        if (book_failures % 20 == 0) {
          std::fprintf(stderr, "corebank: payments feed: a page was not booked; reading again\n");
        }
        if (!ctx.Sleep(BackoffMs(book_failures++, rng_)) || !ReadCursor(ctx, &booked)) break;
        read = booked;
        continue;
      }
      if (client == nullptr) {
        Result<std::unique_ptr<http::HttpClient>> c = http::HttpClient::Create(url_);
        if (!c.ok()) {
          std::fprintf(stderr, "corebank: payments feed: %s\n", c.status().ToString().c_str());
          break;  // a malformed URL does not mend itself
        }
        client = std::move(*c);
      }
      const std::string target = "/v1/messages?after=" + std::to_string(read) +
                                 "&limit=" + std::to_string(kFeedPageMax) +
                                 "&wait_ms=" + std::to_string(kFeedWaitMs);
      // The scheme answers with every message it had by then (at least): a page that is not
      // full reads the feed through this time, which is how an answer deadline passes.
      const TimestampNs asked = clock_.NowNs();  // wall clock, as batch timestamps are
      Result<http::ClientResponse> res =
          client->Call("GET", target, "", "", kFeedWaitMs + kFeedSlackMs, 64u << 20);
      FeedPageOp page;
      uint64_t last = read;
      if (!res.ok() || res->status != 200 || !ParsePage(res->body, read, asked, &page, &last)) {
        if (failures % 20 == 0) {
          std::fprintf(
              stderr, "corebank: payments feed: reading the scheme failed (%s); retrying\n",
              res.ok() ? std::to_string(res->status).c_str() : res.status().ToString().c_str());
        }
        if (!ctx.Sleep(BackoffMs(failures++, rng_))) break;
        continue;
      }
      failures = 0;
      // An empty page is still sent when it reads the feed through a time: the service
      // journals it only if an answer deadline has passed by then.
      if (page.messages.empty() && page.read_through_ns == 0) continue;
      // One command for the page: one commit instead of one per message.
      page.read_after = read;
      auto op = SystemOp();
      op->body = std::move(page);
      bookings.push_back(Booking{ctx.Submit(std::move(op)), last});
      read = last;
    }
    // Stopping: the executor answers what was queued; wait for it before the runner goes.
    for (Booking& b : bookings) b.reply.wait();
  }

 private:
  static constexpr size_t kBookingsInFlightMax = 4;

  struct Booking {
    std::future<runtime::Reply> reply;
    uint64_t last = 0;  // the page's last seq: booked up to here once it answers 200
  };

  // The service's feed position into *booked; false when stopping.
  bool ReadCursor(runtime::PollerContext& ctx, uint64_t* booked) {
    for (uint32_t failures = 0;; failures++) {
      auto op = SystemOp();
      op->body = FeedCursorOp{};
      runtime::Reply r = ctx.SubmitAndWait(op);
      if (r.status.ok() && r.http_status == 200) {
        *booked = std::strtoull(r.body.c_str(), nullptr, 10);
        return true;
      }
      if (!ctx.Sleep(BackoffMs(failures, rng_))) return false;
    }
  }

  // Takes the answers of the bookings that have one (waiting for the oldest when
  // kBookingsInFlightMax are out); false when one was not booked.
  static bool TakeAnswers(std::deque<Booking>* bookings, uint64_t* booked,
                          uint32_t* book_failures) {
    while (!bookings->empty()) {
      std::future<runtime::Reply>& f = bookings->front().reply;
      if (bookings->size() < kBookingsInFlightMax &&
          f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        return true;
      }
      const runtime::Reply r = f.get();
      if (!r.status.ok() || r.http_status != 200) return false;
      *booked = bookings->front().last;
      *book_failures = 0;
      bookings->pop_front();
    }
    return true;
  }

  // The messages of a feed page past `after`, in order, into *page and their last seq into
  // *last (and `asked`, when the page holds all the scheme had published, as what it reads
  // the feed through); false on a malformed page.
  static bool ParsePage(const std::string& body, uint64_t after, TimestampNs asked,
                        FeedPageOp* page, uint64_t* last) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(body, ec);
    const boost::json::array* data = nullptr;
    if (!ec && v.is_object()) {
      if (const boost::json::value* d = v.as_object().if_contains("data")) data = d->if_array();
    }
    if (data == nullptr) return false;
    *last = after;
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
      if (s <= *last) continue;
      page->messages.push_back(
          FeedMessageOp{s, std::string(type->get_string()), std::string(xml->get_string())});
      *last = s;
    }
    // Everything the scheme had published when it answered (`last_seq`) is in this page or
    // booked before it: only then does the page read the feed through `asked`. A page cut by
    // the scheme's count or byte cap does not, nor does an answer without `last_seq`.
    const boost::json::value* published = v.as_object().if_contains("last_seq");
    if (published != nullptr && published->is_uint64() && *last >= published->get_uint64()) {
      page->read_through_ns = asked;
    } else if (published != nullptr && published->is_int64() && published->get_int64() >= 0 &&
               *last >= static_cast<uint64_t>(published->get_int64())) {
      page->read_through_ns = asked;
    }
    return true;
  }

  std::string url_;
  std::mt19937_64 rng_;
  SystemClock clock_;  // the wall clock, as the executor's batch timestamps (MarkFeedRead clamps)
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
