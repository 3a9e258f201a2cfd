#pragma once
// Durable timers (ADR 0012). A service schedules (key, when, payload) inside a batch; the
// schedule is a journal event, so it survives restarts and kill -9. At the start of every
// batch whose clock has reached `when`, the shard fires due timers in (when, scheduling seq)
// order: a TimerFired event and the service's OnTimer events go into the same batch, so a
// timer fires exactly once in effect (a batch lost before it was durable fires it again after
// recovery; a durable one never). Replay applies the same events and reproduces the table.
// Writer thread only.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "base/status.h"
#include "base/time.h"
#include "journal/format.h"

namespace cb::runtime {

// Event types the runtime itself journals: above the ledger's, below the services'
// (kServiceEventTypeFirst). Fixed little-endian layouts, documented beside the codec.
constexpr uint16_t kKernelEventTypeFirst = 128;
enum class KernelEventType : uint16_t {
  kTimerScheduled = 128,
  kTimerCancelled = 129,
  kTimerFired = 130,
  kCursorAdvanced = 131,  // subscribers.h
  kCursorDeleted = 132,   // subscribers.h
};
constexpr uint16_t kKernelEventVersion = 1;

struct Timer {
  uint32_t service_id = 0;
  std::string key;  // the service's name for it, unique per service
  TimestampNs when = 0;
  uint64_t order = 0;  // seq of the event that scheduled it: ties fire in scheduling order
  std::string payload;
};

class TimerTable {
 public:
  explicit TimerTable(size_t timers_per_service_max = kTimersPerServiceMax)
      : timers_per_service_max_(timers_per_service_max) {}

  static constexpr size_t kKeyBytesMax = 128;
  static constexpr size_t kPayloadBytesMax = 4096;
  static constexpr size_t kTimersMax = 1'000'000;
  static constexpr size_t kTimersPerServiceMax = 500'000;  // one service cannot take them all
  static constexpr uint64_t kPayloadBytesTotalMax = 256ull << 20;  // over every timer
  static constexpr size_t kFiredPerBatchMax = 1024;  // the rest fire in the next batches

  // Emits TimerScheduled into `out` (its event will get sequence `seq`) and applies it. A key
  // the service already uses is rescheduled (the old when and payload are replaced).
  // InvalidArgument: empty or oversized key or payload; ResourceExhausted: kTimersMax, the
  // service's share or kPayloadBytesTotalMax reached.
  Status Schedule(uint32_t service_id, std::string_view key, TimestampNs when,
                  std::string_view payload, uint64_t seq, journal::RecordBuilder* out);
  // Emits TimerCancelled and removes it; false (nothing emitted) when no such timer.
  bool Cancel(uint32_t service_id, std::string_view key, journal::RecordBuilder* out);
  // Removes the first timer due at `now` and emits its TimerFired; nullopt if none is due.
  std::optional<Timer> PopDue(TimestampNs now, journal::RecordBuilder* out);

  std::optional<TimestampNs> NextDue() const;
  const Timer* Find(uint32_t service_id, std::string_view key) const;
  // Every scheduled timer, in (service, key) order (checks and tools).
  template <typename F>
  void ForEach(F&& visit) const {
    for (const auto& [k, t] : by_key_) visit(t);
  }
  size_t size() const { return by_key_.size(); }

  // Replay of a kernel timer event (`seq` is its journal sequence).
  Status Apply(const journal::EventView& event, uint64_t seq);
  void Clear();
  // u32 count | count × (u32 service | u16 key_bytes | u32 payload_bytes | u64 when |
  // u64 order | key | payload), in key order.
  void EncodeTo(std::string* out) const;
  // Consumes the table's bytes from the front of `*bytes`.
  Status DecodeFrom(std::string_view* bytes);

 private:
  using Key = std::pair<uint32_t, std::string>;
  using DueKey = std::tuple<TimestampNs, uint64_t, uint32_t, std::string>;
  void Put(Timer timer);
  bool Erase(uint32_t service_id, std::string_view key);

  std::map<Key, Timer> by_key_;
  std::set<DueKey> by_due_;
  uint64_t payload_bytes_ = 0;  // of every timer held
  size_t timers_per_service_max_;
  std::map<uint32_t, size_t> per_service_;  // timers held by each service
};

}  // namespace cb::runtime
