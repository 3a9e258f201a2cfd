#include "risk/features.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#include "base/check.h"

namespace cb::risk {

namespace {

constexpr TimestampNs kHourNs = 3600 * kNsPerSecond;
constexpr TimestampNs kDayNs = 24 * kHourNs;

int64_t DaysBetween(TimestampNs from, TimestampNs to) {
  if (from == 0) return -1;
  if (to <= from) return 0;
  return static_cast<int64_t>((to - from) / kDayNs);
}

}  // namespace

// A sum that would overflow stays at the extreme (a feature, not money).
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

template <size_t kBuckets, TimestampNs kBucketNs>
void Window<kBuckets, kBucketNs>::Add(TimestampNs at, int64_t amount) {
  const uint64_t bucket = at / kBucketNs;
  const size_t slot = bucket % kBuckets;
  const uint32_t stamp = static_cast<uint32_t>(bucket + 1);
  if (epoch[slot] != stamp) {
    epoch[slot] = stamp;
    count[slot] = 0;
    sum[slot] = 0;
  }
  if (count[slot] != UINT32_MAX) count[slot]++;
  sum[slot] = SaturatingAdd(sum[slot], amount);
}

template <size_t kBuckets, TimestampNs kBucketNs>
void Window<kBuckets, kBucketNs>::Total(TimestampNs now, int64_t* count_out,
                                        int64_t* sum_out) const {
  const uint64_t current = now / kBucketNs + 1;
  int64_t c = 0;
  int64_t s = 0;
  for (size_t i = 0; i < kBuckets; i++) {
    // In the window: one of the last kBuckets buckets (not a future one: clocks only grow).
    if (epoch[i] == 0 || epoch[i] > current || current - epoch[i] >= kBuckets) continue;
    c += count[i];
    s = SaturatingAdd(s, sum[i]);
  }
  *count_out = c;
  *sum_out = s;
}

template struct Window<6, 600 * kNsPerSecond>;
template struct Window<24, 3600 * kNsPerSecond>;
template struct Window<30, 86400 * kNsPerSecond>;

void OutWindows::Add(TimestampNs at, int64_t amount) {
  h1.Add(at, amount);
  h24.Add(at, amount);
  d30.Add(at, amount);
}

void Peers::Touch(uint64_t peer, TimestampNs at) {
  if (peer == 0) peer = 1;  // 0 marks an empty slot
  size_t oldest = 0;
  for (size_t i = 0; i < kPeersMax; i++) {
    if (id[i] == peer) {
      last_ns[i] = at;
      return;
    }
    if (last_ns[i] < last_ns[oldest]) oldest = i;
  }
  id[oldest] = peer;
  last_ns[oldest] = at;
}

bool Peers::Seen(uint64_t peer) const {
  if (peer == 0) peer = 1;
  return std::find(id.begin(), id.end(), peer) != id.end();
}

int64_t Peers::DistinctSince(TimestampNs since) const {
  int64_t n = 0;
  for (size_t i = 0; i < kPeersMax; i++) {
    if (id[i] != 0 && last_ns[i] >= since) n++;
  }
  return n;
}

int64_t RobustZscoreMilli(int64_t x, const int64_t* history, size_t n) {
  constexpr size_t kSamplesMin = 5;
  if (n < kSamplesMin) return 0;
  CB_CHECK(n <= kAmountHistoryMax);
  std::array<int64_t, kAmountHistoryMax> v{};
  std::copy(history, history + n, v.begin());
  // Lower median (integers, no averaging of the middle two): deterministic and exact.
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>((n - 1) / 2),
                   v.begin() + static_cast<ptrdiff_t>(n));
  const int64_t median = v[(n - 1) / 2];
  for (size_t i = 0; i < n; i++) {
    const __int128 d = static_cast<__int128>(history[i]) - median;
    const __int128 a = d < 0 ? -d : d;
    v[i] = a > INT64_MAX ? INT64_MAX : static_cast<int64_t>(a);
  }
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>((n - 1) / 2),
                   v.begin() + static_cast<ptrdiff_t>(n));
  const int64_t mad = v[(n - 1) / 2];
  if (mad == 0) return 0;
  // 0.6745 * (x - median) / MAD, x1000 = 6745 * (x - median) / (10 * MAD), in 128 bits.
  const __int128 z = static_cast<__int128>(6745) * (static_cast<__int128>(x) - median) /
                     (static_cast<__int128>(10) * mad);
  if (z > INT64_MAX) return INT64_MAX;
  if (z < INT64_MIN) return INT64_MIN;
  return static_cast<int64_t>(z);
}

FeatureValues FeatureStore::Compute(const FeatureQuery& q) const {
  FeatureValues f;
  f.v.fill(0);
  int64_t c = 0;
  int64_t s = 0;
  const TimestampNs now = q.now;
  const auto account = accounts_.find(q.from_account);
  if (account != accounts_.end()) {
    const AccountStats& a = account->second;
    a.out.h1.Total(now, &c, &s);
    f.set(Feature::kAccountCount1h, c);
    f.set(Feature::kAccountSum1h, s);
    a.out.h24.Total(now, &c, &s);
    f.set(Feature::kAccountCount24h, c);
    f.set(Feature::kAccountSum24h, s);
    a.out.d30.Total(now, &c, &s);
    f.set(Feature::kAccountCount30d, c);
    f.set(Feature::kAccountSum30d, s);
    a.in.Total(now, &c, &s);
    f.set(Feature::kInboundCount24h, c);
    f.set(Feature::kInboundSum24h, s);
    const TimestampNs day_ago = now > kDayNs ? now - kDayNs : 0;
    f.set(Feature::kPayeesDistinct24h, a.payees.DistinctSince(day_ago));
    f.set(Feature::kFirstSeenCounterparty,
          a.payees.Seen(static_cast<uint64_t>(q.to_account)) ? 0 : 1);
    f.set(Feature::kDaysSinceLastActivity, DaysBetween(a.last_activity_ns, now));
  } else {
    f.set(Feature::kFirstSeenCounterparty, 1);
    f.set(Feature::kDaysSinceLastActivity, -1);
  }
  const auto payee = accounts_.find(q.to_account);
  if (payee != accounts_.end()) {
    const AccountStats& p = payee->second;
    p.in.Total(now, &c, &s);
    f.set(Feature::kPayeeInboundCount24h, c);
    f.set(Feature::kPayeeInboundSum24h, s);
    f.set(Feature::kPayersDistinct24h, p.payers.DistinctSince(now > kDayNs ? now - kDayNs : 0));
  }
  const auto customer =
      customers_.find(CustomerKey(q.customer != 0 ? q.customer : q.from_account, q.ledger));
  if (customer != customers_.end()) {
    const CustomerStats& cs = customer->second;
    cs.out.h1.Total(now, &c, &s);
    f.set(Feature::kCustomerCount1h, c);
    f.set(Feature::kCustomerSum1h, s);
    cs.out.h24.Total(now, &c, &s);
    f.set(Feature::kCustomerCount24h, c);
    f.set(Feature::kCustomerSum24h, s);
    cs.out.d30.Total(now, &c, &s);
    f.set(Feature::kCustomerCount30d, c);
    f.set(Feature::kCustomerSum30d, s);
    const size_t n = std::min<size_t>(cs.amounts_count, kAmountHistoryMax);
    f.set(Feature::kAmountZscoreMilli, RobustZscoreMilli(q.amount_minor, cs.amounts.data(), n));
  }
  f.set(Feature::kAccountAgeDays, DaysBetween(q.from_account_created, now));
  f.set(Feature::kPayeeAccountAgeDays, DaysBetween(q.to_account_created, now));
  f.set(Feature::kHourOfDay, static_cast<int64_t>((now / kHourNs) % 24));
  f.set(Feature::kDeviceAgeDays, -1);
  return f;
}

void FeatureStore::Count(const Executed& e) {
  AccountStats& from = accounts_[e.from_account];
  from.out.Add(e.at, e.amount_minor);
  from.payees.Touch(static_cast<uint64_t>(e.to_account), e.at);
  from.last_activity_ns = std::max(from.last_activity_ns, e.at);
  AccountStats& to = accounts_[e.to_account];
  to.in.Add(e.at, e.amount_minor);
  to.payers.Touch(static_cast<uint64_t>(e.from_account), e.at);
  to.last_activity_ns = std::max(to.last_activity_ns, e.at);
  CustomerStats& c =
      customers_[CustomerKey(e.customer != 0 ? e.customer : e.from_account, e.ledger)];
  c.out.Add(e.at, e.amount_minor);
  c.amounts[c.amounts_count % kAmountHistoryMax] = e.amount_minor;
  c.amounts_count++;
}

void FeatureStore::Clear() {
  accounts_.clear();
  customers_.clear();
}

// Encoding: "RF1" | u64 accounts | (u128 id | AccountStats bytes)* | u64 customers |
// (u128 id | u32 ledger | CustomerStats bytes)*. The stats are fixed-size arrays of
// integers written as they are in memory: little-endian machines only (CB_CHECK'd).
namespace {

constexpr std::string_view kMagic = "RF1";

template <typename T>
void Put(std::string* out, const T& v) {
  static_assert(std::is_trivially_copyable_v<T>);
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

template <typename T>
bool Get(std::string_view* in, T* v) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (in->size() < sizeof(T)) return false;
  std::memcpy(v, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return true;
}

}  // namespace

void FeatureStore::Encode(std::string* out) const {
  static_assert(std::endian::native == std::endian::little);
  out->append(kMagic);
  std::vector<const std::pair<const u128, AccountStats>*> accounts;
  accounts.reserve(accounts_.size());
  for (const auto& entry : accounts_) accounts.push_back(&entry);
  std::sort(accounts.begin(), accounts.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  Put(out, static_cast<uint64_t>(accounts.size()));
  for (const auto* entry : accounts) {
    Put(out, entry->first);
    Put(out, entry->second);
  }
  std::vector<const std::pair<const CustomerKey, CustomerStats>*> customers;
  customers.reserve(customers_.size());
  for (const auto& entry : customers_) customers.push_back(&entry);
  std::sort(customers.begin(), customers.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  Put(out, static_cast<uint64_t>(customers.size()));
  for (const auto* entry : customers) {
    Put(out, entry->first.first);
    Put(out, entry->first.second);
    Put(out, entry->second);
  }
}

Status FeatureStore::Decode(std::string_view in) {
  Clear();
  auto bad = [] { return Status::DataLoss("undecodable risk features"); };
  if (in.substr(0, kMagic.size()) != kMagic) return bad();
  in.remove_prefix(kMagic.size());
  uint64_t n = 0;
  if (!Get(&in, &n) || n > in.size() / sizeof(AccountStats)) return bad();
  for (uint64_t i = 0; i < n; i++) {
    u128 id = 0;
    AccountStats a;
    if (!Get(&in, &id) || !Get(&in, &a)) return bad();
    accounts_.emplace(id, a);
  }
  if (!Get(&in, &n) || n > in.size() / sizeof(CustomerStats)) return bad();
  for (uint64_t i = 0; i < n; i++) {
    u128 id = 0;
    uint32_t ledger = 0;
    CustomerStats c;
    if (!Get(&in, &id) || !Get(&in, &ledger) || !Get(&in, &c)) return bad();
    customers_.emplace(CustomerKey(id, ledger), c);
  }
  if (!in.empty()) return bad();
  return Status::Ok();
}

}  // namespace cb::risk
