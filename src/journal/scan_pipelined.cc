#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "journal/scan.h"

namespace cb::journal {

namespace {

// One record copied out of the reader's segment buffer (which it reuses for the next
// segment), so the reader never waits for the consumer to finish a segment.
struct CopiedRecord {
  Position position;
  RecordHeader header;
  std::vector<uint8_t> events;
};

// Bounded hand-off from the reader thread to the consumer, in journal order.
class RecordQueue {
 public:
  explicit RecordQueue(size_t bytes_max) : bytes_max_(bytes_max) {}

  // Reader side. False if the consumer stopped: the reader must stop too.
  bool Push(const RecordRef& rec) {
    std::unique_lock<std::mutex> lock(mu_);
    // At least one record always fits, so a record larger than the bound still flows.
    space_cv_.wait(lock, [&] { return stopped_ || items_.empty() || bytes_ < bytes_max_; });
    if (stopped_) return false;
    CopiedRecord item;
    if (!free_.empty()) {
      item.events = std::move(free_.back());
      free_.pop_back();
    }
    lock.unlock();
    item.position = rec.position;
    item.header = *rec.header;
    item.events.assign(rec.events.begin(), rec.events.end());
    lock.lock();
    bytes_ += item.events.size();
    items_.push_back(std::move(item));
    lock.unlock();
    data_cv_.notify_one();
    return true;
  }
  void Finish(Result<ScanEnd> end) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      end_ = std::move(end);
    }
    data_cv_.notify_one();
  }

  // Consumer side. False once the reader finished and every record was taken.
  bool Pop(CopiedRecord* out) {
    std::unique_lock<std::mutex> lock(mu_);
    data_cv_.wait(lock, [&] { return !items_.empty() || end_.has_value(); });
    if (items_.empty()) return false;
    if (out->events.capacity() > 0) free_.push_back(std::move(out->events));
    *out = std::move(items_.front());
    items_.pop_front();
    bytes_ -= out->events.size();
    lock.unlock();
    space_cv_.notify_one();
    return true;
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
    }
    space_cv_.notify_one();
  }
  Result<ScanEnd> TakeEnd() {
    std::lock_guard<std::mutex> lock(mu_);
    CB_CHECK(end_.has_value());
    return std::move(*end_);
  }

 private:
  const size_t bytes_max_;
  std::mutex mu_;
  std::condition_variable data_cv_;
  std::condition_variable space_cv_;
  std::deque<CopiedRecord> items_;
  std::vector<std::vector<uint8_t>> free_;  // event buffers to reuse (no page faults)
  size_t bytes_ = 0;
  bool stopped_ = false;
  std::optional<Result<ScanEnd>> end_;
};

}  // namespace

Result<ScanEnd> ScanJournalPipelined(Disk* disk, const std::string& dir, const ScanStart& start,
                                     const std::function<Status(const RecordRef&)>& on_record,
                                     size_t buffer_bytes_max) {
  RecordQueue queue(buffer_bytes_max);
  std::thread reader([&] {
    auto end = ScanJournal(disk, dir, start, [&](const RecordRef& rec) -> Status {
      if (!queue.Push(rec)) return Status::Aborted("journal scan stopped by its consumer");
      return Status::Ok();
    });
    queue.Finish(std::move(end));
  });
  Status consumer_status;
  CopiedRecord item;
  while (queue.Pop(&item)) {
    const RecordRef ref{item.position, &item.header, item.events};
    consumer_status = on_record(ref);
    if (!consumer_status.ok()) break;
  }
  queue.Stop();
  reader.join();
  // The consumer's error comes first: it stopped at an earlier record than anything the
  // reader found after it, exactly as in the sequential scan.
  if (!consumer_status.ok()) return consumer_status;
  return queue.TakeEnd();
}

}  // namespace cb::journal
