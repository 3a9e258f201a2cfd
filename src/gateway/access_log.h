#pragma once
// Structured JSON access log, one line per request, written off the request path by a
// background thread. The entry has a fixed set of fields on purpose: there is no slot for a
// raw path, query string, body or header, so secrets and PII cannot end up in the log.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cb::gateway {

// The views only need to live for the Log() call. Strings longer than kFieldBytesMax are cut.
struct AccessLogEntry {
  uint64_t ts_ns = 0;  // Wall-clock UTC of the request's arrival.
  std::string_view trace_id;
  std::string_view request_id;
  std::string_view method;
  std::string_view route;  // The route template ("/v1/transfers/{id}"), never the raw target.
  uint32_t status = 0;
  uint64_t duration_us = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  std::string_view remote_ip;
  std::string_view key_id;  // The API key's public id, never the secret.
  std::string_view tenant;
};

constexpr size_t kAccessLogFieldBytesMax = 256;

// Appends one line, '\n'-terminated:
// {"ts":"<RFC 3339>","level":"info","msg":"request","trace_id":"..","request_id":"..",
//  "method":"..","route":"..","status":200,"duration_us":..,"bytes_in":..,"bytes_out":..,
//  "remote_ip":"..","key_id":"..","tenant":".."}
// Strings are JSON-escaped (quote, backslash, control characters) and invalid UTF-8 bytes
// become U+FFFD, so every line is valid JSON whatever a client sent.
void AppendAccessLogLine(const AccessLogEntry& entry, std::string* out);

struct AccessLogOptions {
  enum class Sink { kStdout, kFile, kDisabled };
  Sink sink = Sink::kStdout;
  std::string path = {};  // For kFile: opened for append, created if missing.
  uint32_t flush_interval_ms = 100;
  size_t flush_bytes = 64 * 1024;  // Wake the writer early once this much is waiting.
  // Past this many bytes waiting, lines are dropped and counted: logging never blocks a
  // request on a slow disk. (The writer holds one more buffer of up to this size.)
  size_t buffer_bytes_max = 8 * 1024 * 1024;
};

class AccessLog {
 public:
  // Fails (InvalidArgument/Unavailable) when the file cannot be opened.
  static Result<std::unique_ptr<AccessLog>> Open(const AccessLogOptions& options);
  ~AccessLog();  // Flushes everything logged, then closes the file.
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Thread-safe. Formats the line on the caller's thread, then appends it under a short lock.
  void Log(const AccessLogEntry& entry);
  // Returns once every line logged before the call has been written to the sink.
  void Flush();

  // Lines dropped because the buffer was full, and writes the sink failed (lines lost).
  uint64_t dropped_count() const;
  uint64_t write_error_count() const;

 private:
  struct Impl;
  explicit AccessLog(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace cb::gateway
