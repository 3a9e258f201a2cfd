// The published feed, entries and long polls (scheme_feed.h).
#include "scheme/scheme_feed.h"

#include <algorithm>
#include <chrono>

#include "base/check.h"
#include "base/time.h"

namespace cb::scheme {

void Feed::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  CB_CHECK(!thread_.joinable());
  CB_CHECK(!stop_);
  thread_ = std::thread([this] { WaiterLoop(); });
}

void Feed::Stop() {
  std::vector<Waiter> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    left.swap(waiters_);
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (Waiter& w : left) w.done(Status::Unavailable("the scheme is stopping"));
}

void Feed::Publish(std::span<const FeedItem> items, std::span<const BookedEntry> entries) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const FeedItem& item : items) {
      CB_CHECK(item.seq == items_.size() + 1);  // the writer publishes in sequence, no gaps
      items_.push_back(item);
    }
    for (const BookedEntry& e : entries) {
      CB_CHECK(e.amount_minor > 0);
      // Booking stamps never go back (the writer's stamp is monotonic): ranges are searched.
      CB_CHECK(entries_.empty() || e.booked_ns >= entries_.back().booked_ns);
      const __int128 before = balance_after_minor_.empty() ? 0 : balance_after_minor_.back();
      balance_after_minor_.push_back(before + (e.credit ? e.amount_minor : -e.amount_minor));
      entries_.push_back(e);
    }
  }
  if (!items.empty()) cv_.notify_all();
}

uint64_t Feed::last_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return items_.size();
}

Result<FeedPage> Feed::Read(uint64_t after, uint32_t limit) {
  CB_CHECK(limit >= 1);
  std::vector<FeedItem> picked;
  FeedPage page;
  {
    std::lock_guard<std::mutex> lock(mu_);
    page.last_seq = items_.size();
    size_t xml_bytes = 0;
    for (uint64_t seq = after + 1; seq <= items_.size() && picked.size() < limit; seq++) {
      const FeedItem& item = items_[seq - 1];
      if (!picked.empty() && xml_bytes + item.xml_bytes > kPageXmlBytesMax) break;
      xml_bytes += item.xml_bytes;
      picked.push_back(item);
    }
  }
  // The XML is read outside the lock: those bytes are durable and never rewritten.
  page.messages.reserve(picked.size());
  for (const FeedItem& item : picked) {
    FeedMessage m;
    m.seq = item.seq;
    m.type = item.type;
    m.xml.resize(item.xml_bytes);
    CB_RETURN_IF_ERROR(
        log_->ReadAt(item.xml_offset,
                     std::span<uint8_t>(reinterpret_cast<uint8_t*>(m.xml.data()), m.xml.size())));
    page.messages.push_back(std::move(m));
  }
  return page;
}

void Feed::Wait(uint64_t after, uint32_t limit, uint64_t deadline_steady_ns,
                std::function<void(Result<FeedPage>)> done) {
  CB_CHECK(limit >= 1);
  std::unique_lock<std::mutex> lock(mu_);
  Status refused;
  if (stop_) {
    refused = Status::Unavailable("the scheme is stopping");
  } else if (waiters_.size() >= kWaitersMax) {
    refused = Status::Unavailable("too many long polls waiting; retry");
  }
  if (refused.ok()) {
    waiters_.push_back(Waiter{after, limit, deadline_steady_ns, std::move(done)});
    lock.unlock();
    cv_.notify_all();
  } else {
    lock.unlock();  // `done` writes a response: never under the lock
    done(std::move(refused));
  }
}

void Feed::WaiterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    const uint64_t now = MonotonicNowNs();
    std::vector<Waiter> ready;
    uint64_t next_deadline = UINT64_MAX;
    for (size_t i = 0; i < waiters_.size();) {
      Waiter& w = waiters_[i];
      if (items_.size() > w.after || w.deadline_steady_ns <= now) {
        ready.push_back(std::move(w));
        waiters_[i] = std::move(waiters_.back());
        waiters_.pop_back();
        continue;
      }
      next_deadline = std::min(next_deadline, w.deadline_steady_ns);
      i++;
    }
    if (!ready.empty()) {
      lock.unlock();
      for (Waiter& w : ready) w.done(Read(w.after, w.limit));
      lock.lock();
      continue;
    }
    // Woken by Publish (a message), Wait (a new deadline) or Stop; never by polling.
    if (next_deadline == UINT64_MAX) {
      cv_.wait(lock);
    } else {
      cv_.wait_for(lock, std::chrono::nanoseconds(next_deadline - now));
    }
  }
}

Result<EntryRange> Feed::Entries(TimestampNs from_ns, TimestampNs to_ns, size_t entries_max) const {
  CB_CHECK(from_ns <= to_ns);
  std::lock_guard<std::mutex> lock(mu_);
  auto booked_before = [](const BookedEntry& e, TimestampNs t) { return e.booked_ns < t; };
  const auto first = std::lower_bound(entries_.begin(), entries_.end(), from_ns, booked_before);
  const auto last = std::partition_point(
      first, entries_.end(), [to_ns](const BookedEntry& e) { return e.booked_ns <= to_ns; });
  const size_t count = static_cast<size_t>(last - first);
  if (count > entries_max) {
    return Status::InvalidArgument("the range holds " + std::to_string(count) +
                                   " entries, more than " + std::to_string(entries_max) +
                                   " in one message; ask for a shorter range");
  }
  EntryRange range;
  const size_t begin = static_cast<size_t>(first - entries_.begin());
  range.opening_minor = begin == 0 ? 0 : balance_after_minor_[begin - 1];
  range.closing_minor = count == 0 ? range.opening_minor : balance_after_minor_[begin + count - 1];
  range.entries.assign(first, last);
  return range;
}

}  // namespace cb::scheme
