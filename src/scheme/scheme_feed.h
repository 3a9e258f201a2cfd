#pragma once
// What the scheme has published, as readers see it: the feed (sequence -> message, its XML
// read back from the log) and the entries of the settlement account. The writer adds to it
// only after the group holding them is durable ("messages are durable before they are on the
// feed"). Long polls wait on a condition variable that Publish signals, served by one
// waiter thread so that no io thread ever blocks.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "base/status.h"
#include "scheme/scheme_record.h"
#include "scheme/scheme_service.h"
#include "scheme/scheme_store.h"

namespace cb::scheme {

// Long polls waiting at once; more are refused (Unavailable: retry).
inline constexpr size_t kWaitersMax = 1024;
// XML bytes in one feed page: a page stops before a message that would pass it (it always
// holds one message, and every message is one we built, a few KiB).
inline constexpr size_t kPageXmlBytesMax = size_t{16} << 20;

struct FeedItem {
  uint64_t seq = 0;
  payments::iso::MessageType type = payments::iso::MessageType::kPacs002;
  uint64_t xml_offset = 0;  // in the log
  uint32_t xml_bytes = 0;
};

// Entries booked in a range, and the account's balance around it. Balances are 128-bit: a
// sum of 18-digit amounts can pass int64; the camt builder refuses what does not fit.
struct EntryRange {
  std::vector<BookedEntry> entries;
  __int128 opening_minor = 0;  // every entry booked before the range
  __int128 closing_minor = 0;  // ... and in it
};

class Feed {
 public:
  explicit Feed(SchemeLog* log) : log_(log) {}
  ~Feed() { Stop(); }
  Feed(const Feed&) = delete;
  Feed& operator=(const Feed&) = delete;

  void Start();  // the waiter thread
  // Answers every waiting poll with Unavailable and joins the thread. Idempotent.
  void Stop();

  // Items in sequence order, following the last one; entries in booking order. Wakes polls.
  void Publish(std::span<const FeedItem> items, std::span<const BookedEntry> entries);
  uint64_t last_seq() const;

  // Messages with seq > after, oldest first, at most `limit` (and kPageXmlBytesMax).
  Result<FeedPage> Read(uint64_t after, uint32_t limit);
  // Answers (on the waiter thread) with Read(after, limit) once a message past `after` is
  // published or at `deadline_steady_ns` (MonotonicNowNs), whichever comes first. A refusal
  // (kWaitersMax waiting, or stopping: Unavailable) is answered at once, on this thread.
  void Wait(uint64_t after, uint32_t limit, uint64_t deadline_steady_ns,
            std::function<void(Result<FeedPage>)> done);

  // Entries with booked_ns in [from_ns, to_ns]; InvalidArgument past `entries_max`.
  Result<EntryRange> Entries(TimestampNs from_ns, TimestampNs to_ns, size_t entries_max) const;

 private:
  struct Waiter {
    uint64_t after;
    uint32_t limit;
    uint64_t deadline_steady_ns;
    std::function<void(Result<FeedPage>)> done;
  };
  void WaiterLoop();

  SchemeLog* log_;
  mutable std::mutex mu_;
  std::condition_variable cv_;   // Publish, Wait and Stop signal it
  std::vector<FeedItem> items_;  // items_[i].seq == i + 1
  std::vector<BookedEntry> entries_;
  std::vector<__int128> balance_after_minor_;  // per entry
  std::vector<Waiter> waiters_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace cb::scheme
