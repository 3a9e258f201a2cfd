#include "gateway/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "base/check.h"
#include "base/json_string.h"
#include "base/time.h"

namespace cb::gateway {
namespace {

// Log fields are cut before escaping: no line grows without bound.
void AppendJsonString(std::string* out, std::string_view s) {
  if (s.size() > kAccessLogFieldBytesMax) s = s.substr(0, kAccessLogFieldBytesMax);
  cb::AppendJsonString(out, s);
}

void AppendStringField(std::string* out, std::string_view name, std::string_view value) {
  out->push_back(',');
  out->push_back('"');
  out->append(name);
  out->append("\":");
  AppendJsonString(out, value);
}

void AppendUintField(std::string* out, std::string_view name, uint64_t value) {
  out->push_back(',');
  out->push_back('"');
  out->append(name);
  out->append("\":");
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, r.ptr);
}

}  // namespace

void AppendAccessLogLine(const AccessLogEntry& e, std::string* out) {
  out->append("{\"ts\":\"");
  out->append(FormatRfc3339(e.ts_ns));  // Digits, '-', ':', 'T', '.', 'Z': nothing to escape.
  out->append("\",\"level\":\"info\",\"msg\":\"request\"");
  AppendStringField(out, "trace_id", e.trace_id);
  AppendStringField(out, "request_id", e.request_id);
  AppendStringField(out, "method", e.method);
  AppendStringField(out, "route", e.route);
  AppendUintField(out, "status", e.status);
  AppendUintField(out, "duration_us", e.duration_us);
  AppendUintField(out, "bytes_in", e.bytes_in);
  AppendUintField(out, "bytes_out", e.bytes_out);
  AppendStringField(out, "remote_ip", e.remote_ip);
  AppendStringField(out, "key_id", e.key_id);
  AppendStringField(out, "tenant", e.tenant);
  out->append("}\n");
}

struct AccessLog::Impl {
  Impl(const AccessLogOptions& options_in, int fd_in, bool owns_fd_in)
      : options(options_in), fd(fd_in), owns_fd(owns_fd_in) {}

  const AccessLogOptions options;
  const int fd;  // -1 when disabled.
  const bool owns_fd;

  std::mutex mu;
  std::condition_variable wake;
  std::string pending;  // Guarded by mu.
  bool stop = false;    // Guarded by mu.

  // Held across swap-and-write, so lines reach the sink in the order they were logged even
  // when Flush() races the writer thread.
  std::mutex write_mu;
  std::string writing;  // Guarded by write_mu.

  std::atomic<uint64_t> dropped_count{0};
  std::atomic<uint64_t> write_error_count{0};
  std::thread writer;

  void WritePending() {
    std::lock_guard<std::mutex> write_lock(write_mu);
    {
      std::lock_guard<std::mutex> lock(mu);
      writing.swap(pending);
    }
    size_t done = 0;
    while (done < writing.size()) {
      const ssize_t n = ::write(fd, writing.data() + done, writing.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // A full disk or closed pipe must not take requests down: count the loss and go on.
        write_error_count.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      done += static_cast<size_t>(n);
    }
    writing.clear();
  }

  void WriterLoop() {
    const auto interval = std::chrono::milliseconds(options.flush_interval_ms);
    std::unique_lock<std::mutex> lock(mu);
    while (!stop) {
      wake.wait_for(lock, interval, [&] { return stop || pending.size() >= options.flush_bytes; });
      lock.unlock();
      WritePending();
      lock.lock();
    }
  }
};

Result<std::unique_ptr<AccessLog>> AccessLog::Open(const AccessLogOptions& options) {
  CB_CHECK(options.flush_interval_ms >= 1);
  CB_CHECK(options.flush_bytes >= 1);
  int fd = -1;
  bool owns_fd = false;
  switch (options.sink) {
    case AccessLogOptions::Sink::kStdout:
      fd = STDOUT_FILENO;
      break;
    case AccessLogOptions::Sink::kFile:
      if (options.path.empty()) return Status::InvalidArgument("access log: empty file path");
      fd = ::open(options.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0) {
        return Status::Unavailable("access log: cannot open " + options.path + ": " +
                                   std::strerror(errno));
      }
      owns_fd = true;
      break;
    case AccessLogOptions::Sink::kDisabled:
      break;
  }
  auto impl = std::make_unique<Impl>(options, fd, owns_fd);
  if (fd >= 0) impl->writer = std::thread([p = impl.get()] { p->WriterLoop(); });
  return std::unique_ptr<AccessLog>(new AccessLog(std::move(impl)));
}

AccessLog::AccessLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AccessLog::~AccessLog() {
  if (impl_->writer.joinable()) {
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      impl_->stop = true;
    }
    impl_->wake.notify_one();
    impl_->writer.join();
  }
  Flush();
  if (impl_->owns_fd) ::close(impl_->fd);
}

void AccessLog::Log(const AccessLogEntry& entry) {
  if (impl_->fd < 0) return;
  // Formatting happens outside the lock; the buffer keeps its capacity across calls.
  thread_local std::string line;
  line.clear();
  AppendAccessLogLine(entry, &line);
  bool wake_writer;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->pending.size() + line.size() > impl_->options.buffer_bytes_max) {
      impl_->dropped_count.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    impl_->pending.append(line);
    wake_writer = impl_->pending.size() >= impl_->options.flush_bytes;
  }
  if (wake_writer) impl_->wake.notify_one();
}

void AccessLog::Flush() {
  if (impl_->fd < 0) return;
  impl_->WritePending();
}

uint64_t AccessLog::dropped_count() const {
  return impl_->dropped_count.load(std::memory_order_relaxed);
}

uint64_t AccessLog::write_error_count() const {
  return impl_->write_error_count.load(std::memory_order_relaxed);
}

}  // namespace cb::gateway
