#include "runtime/timers.h"

#include <cstring>

#include "base/check.h"
#include "runtime/kernel_codec.h"

namespace cb::runtime {

using internal::ByteReader;
using internal::PutLe;

namespace {

// TimerScheduled: u32 service | u16 key_bytes | u16 reserved (0) | u64 when | key | payload
// TimerCancelled, TimerFired: u32 service | u16 key_bytes | u16 reserved (0) | key
constexpr size_t kHeadBytes = 4 + 2 + 2;

void Emit(journal::RecordBuilder* out, KernelEventType type, const std::string& bytes) {
  uint8_t* dst = out->AddEvent(static_cast<uint16_t>(type), kKernelEventVersion,
                               static_cast<uint32_t>(bytes.size()));
  std::memcpy(dst, bytes.data(), bytes.size());
}

std::string Head(uint32_t service_id, std::string_view key) {
  std::string b;
  PutLe<uint32_t>(&b, service_id);
  PutLe<uint16_t>(&b, static_cast<uint16_t>(key.size()));
  PutLe<uint16_t>(&b, 0);
  return b;
}

}  // namespace

Status TimerTable::Schedule(uint32_t service_id, std::string_view key, TimestampNs when,
                            std::string_view payload, uint64_t seq, journal::RecordBuilder* out) {
  if (key.empty() || key.size() > kKeyBytesMax) {
    return Status::InvalidArgument("timer key must be 1 to 128 bytes");
  }
  if (payload.size() > kPayloadBytesMax) {
    return Status::InvalidArgument("timer payload over 4096 bytes");
  }
  const Timer* existing = Find(service_id, key);
  if (existing == nullptr &&
      (by_key_.size() >= kTimersMax || per_service_[service_id] >= timers_per_service_max_)) {
    return Status::ResourceExhausted("too many timers scheduled");
  }
  const uint64_t freed = existing == nullptr ? 0 : existing->payload.size();
  if (payload_bytes_ - freed + payload.size() > kPayloadBytesTotalMax) {
    return Status::ResourceExhausted("timer payloads over their total budget");
  }
  CB_CHECK(seq != 0);
  std::string b = Head(service_id, key);
  PutLe<uint64_t>(&b, when);
  b.append(key);
  b.append(payload);
  Emit(out, KernelEventType::kTimerScheduled, b);
  Put(Timer{.service_id = service_id,
            .key = std::string(key),
            .when = when,
            .order = seq,
            .payload = std::string(payload)});
  return Status::Ok();
}

bool TimerTable::Cancel(uint32_t service_id, std::string_view key, journal::RecordBuilder* out) {
  if (Find(service_id, key) == nullptr) return false;
  std::string b = Head(service_id, key);
  b.append(key);
  Emit(out, KernelEventType::kTimerCancelled, b);
  CB_CHECK(Erase(service_id, key));
  return true;
}

std::optional<Timer> TimerTable::PopDue(TimestampNs now, journal::RecordBuilder* out) {
  if (by_due_.empty() || std::get<0>(*by_due_.begin()) > now) return std::nullopt;
  const auto& [when, order, service_id, key] = *by_due_.begin();
  auto it = by_key_.find(Key(service_id, key));
  CB_CHECK(it != by_key_.end());
  Timer fired = std::move(it->second);
  CB_CHECK(payload_bytes_ >= fired.payload.size());
  payload_bytes_ -= fired.payload.size();
  CB_CHECK(per_service_[fired.service_id] > 0);
  per_service_[fired.service_id]--;
  std::string b = Head(fired.service_id, fired.key);
  b.append(fired.key);
  Emit(out, KernelEventType::kTimerFired, b);
  by_key_.erase(it);
  by_due_.erase(by_due_.begin());
  return fired;
}

std::optional<TimestampNs> TimerTable::NextDue() const {
  if (by_due_.empty()) return std::nullopt;
  return std::get<0>(*by_due_.begin());
}

const Timer* TimerTable::Find(uint32_t service_id, std::string_view key) const {
  auto it = by_key_.find(Key(service_id, std::string(key)));
  return it == by_key_.end() ? nullptr : &it->second;
}

void TimerTable::Put(Timer timer) {
  Erase(timer.service_id, timer.key);  // a reschedule replaces
  payload_bytes_ += timer.payload.size();
  per_service_[timer.service_id]++;
  by_due_.emplace(timer.when, timer.order, timer.service_id, timer.key);
  Key k(timer.service_id, timer.key);
  by_key_.emplace(std::move(k), std::move(timer));
}

bool TimerTable::Erase(uint32_t service_id, std::string_view key) {
  auto it = by_key_.find(Key(service_id, std::string(key)));
  if (it == by_key_.end()) return false;
  const Timer& t = it->second;
  CB_CHECK(by_due_.erase(DueKey(t.when, t.order, t.service_id, t.key)) == 1);
  CB_CHECK(payload_bytes_ >= t.payload.size());
  payload_bytes_ -= t.payload.size();
  CB_CHECK(per_service_[t.service_id] > 0);
  per_service_[t.service_id]--;
  by_key_.erase(it);
  return true;
}

Status TimerTable::Apply(const journal::EventView& event, uint64_t seq) {
  if (event.version != kKernelEventVersion) return Status::DataLoss("timer event version");
  ByteReader r(
      std::string_view(reinterpret_cast<const char*>(event.payload.data()), event.payload.size()));
  const auto service_id = r.Get<uint32_t>();
  const auto key_bytes = r.Get<uint16_t>();
  if (r.Get<uint16_t>() != 0) return Status::DataLoss("timer event: reserved bytes set");
  const auto type = static_cast<KernelEventType>(event.type);
  if (type == KernelEventType::kTimerScheduled) {
    const auto when = r.Get<uint64_t>();
    const std::string_view key = r.Bytes(key_bytes);
    const std::string_view payload = r.rest();
    if (!r.ok() || key.empty() || key.size() > kKeyBytesMax || payload.size() > kPayloadBytesMax) {
      return Status::DataLoss("undecodable TimerScheduled");
    }
    Put(Timer{.service_id = service_id,
              .key = std::string(key),
              .when = when,
              .order = seq,
              .payload = std::string(payload)});
    return Status::Ok();
  }
  const std::string_view key = r.Bytes(key_bytes);
  if (!r.ok() || !r.rest().empty()) return Status::DataLoss("undecodable timer event");
  // The writer emits a cancel or a firing only for a timer it holds: replay must hold it too.
  if (!Erase(service_id, key)) return Status::DataLoss("timer event for an unknown timer");
  return Status::Ok();
}

void TimerTable::Clear() {
  by_key_.clear();
  by_due_.clear();
  payload_bytes_ = 0;
  per_service_.clear();
}

void TimerTable::EncodeTo(std::string* out) const {
  PutLe<uint32_t>(out, static_cast<uint32_t>(by_key_.size()));
  for (const auto& [k, t] : by_key_) {
    PutLe<uint32_t>(out, t.service_id);
    PutLe<uint16_t>(out, static_cast<uint16_t>(t.key.size()));
    PutLe<uint32_t>(out, static_cast<uint32_t>(t.payload.size()));
    PutLe<uint64_t>(out, t.when);
    PutLe<uint64_t>(out, t.order);
    out->append(t.key);
    out->append(t.payload);
  }
}

Status TimerTable::DecodeFrom(std::string_view* bytes) {
  Clear();
  ByteReader r(*bytes);
  const auto count = r.Get<uint32_t>();
  if (!r.ok() || count > kTimersMax) return Status::DataLoss("timer table header");
  for (uint32_t i = 0; i < count; i++) {
    Timer t;
    t.service_id = r.Get<uint32_t>();
    const auto key_bytes = r.Get<uint16_t>();
    const auto payload_bytes = r.Get<uint32_t>();
    t.when = r.Get<uint64_t>();
    t.order = r.Get<uint64_t>();
    if (!r.ok() || key_bytes == 0 || key_bytes > kKeyBytesMax || payload_bytes > kPayloadBytesMax) {
      return Status::DataLoss("timer table entry");
    }
    t.key = std::string(r.Bytes(key_bytes));
    t.payload = std::string(r.Bytes(payload_bytes));
    if (!r.ok()) return Status::DataLoss("timer table truncated");
    if (Find(t.service_id, t.key) != nullptr) return Status::DataLoss("timer listed twice");
    Put(std::move(t));
  }
  *bytes = r.rest();
  return Status::Ok();
}

}  // namespace cb::runtime
