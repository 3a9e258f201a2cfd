#pragma once
// The features risk policies read (risk_input.h), computed on the shard from the movements
// decisions let through: deterministic (the batch clock only; ordered containers), fixed
// memory per account and per customer-currency, rebuilt by replay (DecisionRecorded events
// carry what Count needs) and kept in snapshots.
//
// Windows are rings of time buckets: 1 h = six 10-minute buckets, 24 h = twenty-four 1-hour
// buckets, 30 d = thirty 1-day buckets. A window is the current bucket and the ones before
// it, so "the last hour" covers between 50 and 60 minutes: the price of fixed memory.
// Memory: an account that has moved money holds 1,864 bytes (its out windows, 24 h in window,
// 16 recent payees and 16 recent payers); a customer 1,224 bytes per currency (out windows
// and its last 32 amounts for the z-score). docs/risk/features.md says the same.
#include <array>
#include <cstdint>
#include <unordered_map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "base/status.h"
#include "base/time.h"
#include "base/uint128.h"
#include "kernel/ids.h"
#include "risk/risk_input.h"

namespace cb::risk {

// count and sum of a ring of buckets of `kBucketNs`.
template <size_t kBuckets, TimestampNs kBucketNs>
struct Window {
  std::array<uint32_t, kBuckets> epoch{};  // bucket number + 1 (0 = empty), per slot
  std::array<uint32_t, kBuckets> count{};
  std::array<int64_t, kBuckets> sum{};

  void Add(TimestampNs at, int64_t amount);
  // Over the buckets of [now - window, now].
  void Total(TimestampNs now, int64_t* count_out, int64_t* sum_out) const;
};

using Window1h = Window<6, 600 * kNsPerSecond>;
using Window24h = Window<24, 3600 * kNsPerSecond>;
using Window30d = Window<30, 86400 * kNsPerSecond>;

struct OutWindows {
  Window1h h1;
  Window24h h24;
  Window30d d30;
  void Add(TimestampNs at, int64_t amount);
};

// A bounded set of recent counterparties (fan-out, fan-in, first-seen): the most recent
// kPeersMax, evicting the least recently seen.
constexpr size_t kPeersMax = 16;
struct Peers {
  std::array<uint64_t, kPeersMax> id{};  // low 64 bits of the account id (0 = empty)
  std::array<TimestampNs, kPeersMax> last_ns{};
  void Touch(uint64_t peer, TimestampNs at);
  bool Seen(uint64_t peer) const;
  int64_t DistinctSince(TimestampNs since) const;
};

struct AccountStats {
  OutWindows out;
  Window24h in;
  Peers payees, payers;
  TimestampNs last_activity_ns = 0;
};

constexpr size_t kAmountHistoryMax = 32;
struct CustomerStats {
  OutWindows out;
  std::array<int64_t, kAmountHistoryMax> amounts{};  // ring of recent outgoing amounts
  uint64_t amounts_count = 0;                        // total ever added (ring index)
};

// Snapshots copy the stats as bytes: padding would make them nondeterministic.
static_assert(std::has_unique_object_representations_v<AccountStats>);
static_assert(std::has_unique_object_representations_v<CustomerStats>);

// What one executed movement contributes.
struct Executed {
  u128 from_account = 0, to_account = 0;
  u128 customer = 0;  // payer's customer; 0 = the account is its own
  uint32_t ledger = 0;
  int64_t amount_minor = 0;
  TimestampNs at = 0;
};

// The accounts and times Compute needs besides the stats.
struct FeatureQuery {
  u128 from_account = 0, to_account = 0;
  u128 customer = 0;
  uint32_t ledger = 0;
  int64_t amount_minor = 0;
  TimestampNs now = 0;
  TimestampNs from_account_created = 0, to_account_created = 0;
};

class FeatureStore {
 public:
  FeatureValues Compute(const FeatureQuery& q) const;
  void Count(const Executed& e);

  void Clear();
  size_t accounts() const { return accounts_.size(); }
  // Appends a deterministic encoding; Decode reads it back (DataLoss if malformed).
  void Encode(std::string* out) const;
  Status Decode(std::string_view bytes);

 private:
  // Customers are per currency (ledger): sums across currencies mean nothing.
  using CustomerKey = std::pair<u128, uint32_t>;
  struct CustomerKeyHash {
    size_t operator()(const CustomerKey& k) const {
      return kernel::U128Hash{}(k.first) ^ (static_cast<size_t>(k.second) * 0x9E3779B97F4A7C15ull);
    }
  };
  // Hashed, not ordered: a decision looks up three of them and a tree walk over thousands of
  // ~2 KiB nodes is a cache miss per level. Encode sorts the keys (snapshots stay
  // deterministic); nothing iterates them otherwise.
  std::unordered_map<u128, AccountStats, kernel::U128Hash> accounts_;
  std::unordered_map<CustomerKey, CustomerStats, CustomerKeyHash> customers_;
};

// a + b, saturating (features are counts and sums, never money that moves).
int64_t SaturatingAdd(int64_t a, int64_t b);

// The robust z-score of `x` against `history` (median and median absolute deviation),
// times 1000, in integers: 0.6745 * (x - median) / MAD. 0 with fewer than 5 samples or a
// zero MAD.
int64_t RobustZscoreMilli(int64_t x, const int64_t* history, size_t n);

}  // namespace cb::risk
