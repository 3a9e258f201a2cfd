#pragma once
// The example counter module (docs/adding-a-service.md): named counters per tenant, a
// durable timer that resets one, and a subscriber that counts opened accounts.
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>

#include "api/route_table.h"
#include "base/sha256.h"
#include "kernel/envelope.h"
#include "runtime/service.h"

namespace cb::modules::counter {

constexpr uint32_t kServiceId = 100;
constexpr uint16_t kEventTypeFirst = 1024;
constexpr uint16_t kEventTypeLast = 1039;
enum class EventType : uint16_t { kIncremented = 1024, kReset = 1025 };
constexpr uint16_t kEventVersion = 1;

// Its own scopes (registered by name; operator keys hold write, read-only keys read).
inline constexpr std::string_view kScopeRead = "counters.read";
inline constexpr std::string_view kScopeWrite = "counters.write";

constexpr size_t kNameCharsMax = 64;  // [a-z0-9_]
constexpr size_t kCountersPerTenantMax = 1000;
constexpr int64_t kByMax = 1'000'000;
constexpr uint64_t kResetAfterSMax = 86'400;
constexpr std::string_view kAccountsOpened = "accounts_opened";  // the subscriber's counter

struct IncrementOp {
  std::string name;
  int64_t by = 1;
  uint64_t reset_after_s = 0;  // 0: never
};
struct GetOp {
  std::string name;
};
// The subscriber's: one more account opened in `tenant`. Never built by the edge.
struct CountAccountOp {
  u128 tenant = 0;
};

struct CounterOp final : runtime::ServiceOp {
  kernel::Principal caller;
  std::string trace_id;
  std::string idempotency_key;
  Hash256 request_sha256{};
  std::variant<IncrementOp, GetOp, CountAccountOp> body;
  uint32_t service_id() const override { return kServiceId; }
};

bool ValidName(std::string_view name);

// counter_routes.cc
std::span<const api::RouteSpec> Routes();

class CounterService final : public runtime::Service {
 public:
  // After RegisterModules: its scopes are resolved here once (a missing one is a bug).
  explicit CounterService(kernel::EnvelopeRunner* envelope);

  void Execute(const runtime::ServiceOp& op, runtime::ServiceContext& ctx,
               runtime::Reply* reply) override;
  bool HasTimers() const override { return true; }
  void OnTimer(const runtime::Timer& timer, runtime::ServiceContext& ctx) override;
  Status ApplyEvent(const journal::EventView& event, uint64_t seq,
                    TimestampNs record_timestamp) override;
  void Clear() override { counters_.clear(); }
  std::string CaptureSnapshot() const override;
  Status LoadSnapshot(std::string_view bytes) override;

  // Writer thread only (the simulator checks the subscriber's counter with it).
  std::optional<int64_t> ValueOf(u128 tenant, const std::string& name) const {
    auto it = counters_.find(Key(tenant, name));
    if (it == counters_.end()) return std::nullopt;
    return it->second.value;
  }

 private:
  struct Counter {
    int64_t value = 0;
    TimestampNs resets_at = 0;
  };
  using Key = std::pair<u128, std::string>;  // tenant, name

  std::string Increment(const Key& key, int64_t by, uint64_t reset_after_s, bool by_subscriber,
                        runtime::ServiceContext& ctx, uint16_t* status);
  size_t CountersOf(u128 tenant) const;
  static std::string Render(const std::string& name, const Counter& c);

  kernel::EnvelopeRunner* envelope_;
  kernel::ScopeSet scope_read_;
  kernel::ScopeSet scope_write_;
  std::map<Key, Counter> counters_;  // ordered: the snapshot is deterministic
};

}  // namespace cb::modules::counter
