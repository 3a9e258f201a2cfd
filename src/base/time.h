#pragma once
// Time as nanoseconds since the Unix epoch (UTC). Handlers never read the wall clock: they
// get the batch timestamp. Only the executor's clock (behind the Clock interface) does.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cb {

using TimestampNs = uint64_t;
constexpr uint64_t kNsPerSecond = 1'000'000'000ull;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimestampNs NowNs() = 0;
};

class SystemClock final : public Clock {
 public:
  TimestampNs NowNs() override;
};

// Monotonic clock for measuring durations (benchmarks, latencies), never for events.
uint64_t MonotonicNowNs();

// RFC 3339 in UTC: "2026-11-01T12:00:00Z" or with fractional seconds (up to 9 digits).
std::string FormatRfc3339(TimestampNs ts);
std::optional<TimestampNs> ParseRfc3339(std::string_view text);

}  // namespace cb
