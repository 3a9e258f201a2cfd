#include "kernel/idempotency_store.h"

#include <cstring>

#include "base/check.h"
#include "base/sha256.h"
#include "base/uint128.h"

namespace cb::kernel {

namespace {
// What one record costs in memory, beyond its key (the entry and the maps' overhead).
constexpr uint64_t kEntryBytes = 128;
constexpr size_t kPrefixBytes = 16 + kCallerScopeBytes;  // tenant | caller

u128 TenantOf(const std::string& map_key) {
  u128 tenant = 0;
  CB_CHECK(IdFromBytes(map_key.substr(0, 16), &tenant));
  return tenant;
}
}  // namespace

std::string CallerScopeV1(const Principal& p) {
  std::string out(kCallerScopeBytes, '\0');
  auto* bytes = reinterpret_cast<uint8_t*>(out.data());
  u128 id = p.key.value;
  uint8_t kind = 1;  // the recorded actor kinds: 1 API key, 2 user, 3 app
  if (p.kind != PrincipalKind::kApiKey) {
    kind = !p.user.zero() ? 2 : 3;
    id = !p.user.zero() ? p.user.value : p.client.value;
  }
  bytes[0] = kind;
  StoreLe(bytes + 1, id);
  StoreLe(bytes + 17, p.consent.value);
  return out;
}

// kind(1) | id(16) | context(16). API keys as before (kind 1, the key, zero context). Tokens:
// kind 0x12 (a user's) or 0x13 (an app's own), the user or app, and the first 16 bytes of
// SHA-256("cb-idem-v2" | app | customer): one key space per user, app and customer, the
// same across sign-ins (and so across consents), apart between apps and customers.
std::string CallerScope(const Principal& p) {
  if (p.kind == PrincipalKind::kApiKey) return CallerScopeV1(p);
  std::string out(kCallerScopeBytes, '\0');
  auto* bytes = reinterpret_cast<uint8_t*>(out.data());
  bytes[0] = !p.user.zero() ? 0x12 : 0x13;
  StoreLe(bytes + 1, !p.user.zero() ? p.user.value : p.client.value);
  uint8_t context[10 + 32] = {'c', 'b', '-', 'i', 'd', 'e', 'm', '-', 'v', '2'};
  StoreLe(context + 10, p.client.value);
  StoreLe(context + 26, p.customer.value);
  const Hash256 h = Sha256Of(context, sizeof(context));
  std::memcpy(bytes + 17, h.data(), 16);
  return out;
}

const std::string& LegacyCallerScope() {
  static const std::string kZero(kCallerScopeBytes, '\0');
  return kZero;
}

void IdempotencyStore::BuildKey(TenantId tenant, std::string_view caller,
                                std::string_view key) const {
  CB_CHECK(caller.size() == kCallerScopeBytes);
  scratch_key_.assign(16, '\0');
  StoreLe(reinterpret_cast<uint8_t*>(scratch_key_.data()), tenant.value);
  scratch_key_.append(caller);
  scratch_key_.append(key);
}

const IdempotencyEntry* IdempotencyStore::Find(TenantId tenant, std::string_view caller,
                                               std::string_view key) const {
  BuildKey(tenant, caller, key);  // every idempotent request looks here on the writer
  auto it = entries_.find(scratch_key_);
  return it == entries_.end() ? nullptr : &it->second;
}

uint64_t IdempotencyStore::bytes(TenantId tenant) const {
  auto it = bytes_by_tenant_.find(tenant.value);
  return it == bytes_by_tenant_.end() ? 0 : it->second;
}

uint64_t IdempotencyStore::bytes(TenantId tenant, std::string_view caller) const {
  BuildKey(tenant, caller, {});
  auto it = bytes_by_caller_.find(scratch_key_);
  return it == bytes_by_caller_.end() ? 0 : it->second;
}

bool IdempotencyStore::Expirable(TimestampNs now) const {
  return !order_.empty() && order_.front().first + ttl_ns_ < now;
}

void IdempotencyStore::ExpireAt(TimestampNs now) {
  if (now > ttl_ns_) ExpireCreatedBefore(now - ttl_ns_);
}

void IdempotencyStore::ExpireCreatedBefore(TimestampNs cutoff) {
  while (!order_.empty() && order_.front().first < cutoff) {
    auto it = entries_.find(order_.front().second);
    // A key re-recorded after an earlier expiry has a newer entry: leave that one.
    if (it != entries_.end() && it->second.created == order_.front().first) {
      const uint64_t cost = kEntryBytes + it->first.size();
      CB_CHECK(bytes_ >= cost);
      bytes_ -= cost;
      auto t = bytes_by_tenant_.find(TenantOf(it->first));
      CB_CHECK(t != bytes_by_tenant_.end() && t->second >= cost);
      if ((t->second -= cost) == 0) bytes_by_tenant_.erase(t);
      if (it->first.compare(16, kCallerScopeBytes, LegacyCallerScope()) == 0) {
        CB_CHECK(legacy_records_ > 0);
        legacy_records_--;
      }
      scratch_key_.assign(it->first, 0, kPrefixBytes);
      auto c = bytes_by_caller_.find(scratch_key_);
      CB_CHECK(c != bytes_by_caller_.end() && c->second >= cost);
      if ((c->second -= cost) == 0) bytes_by_caller_.erase(c);
      entries_.erase(it);
    }
    order_.pop_front();
  }
}

void IdempotencyStore::Record(TenantId tenant, std::string_view caller, std::string_view key,
                              const IdempotencyEntry& entry) {
  CB_CHECK(entry.seq != 0);
  BuildKey(tenant, caller, key);
  std::string map_key = scratch_key_;
  const uint64_t cost = kEntryBytes + map_key.size();
  bytes_ += cost;
  bytes_by_tenant_[tenant.value] += cost;
  scratch_key_.assign(map_key, 0, kPrefixBytes);
  bytes_by_caller_[scratch_key_] += cost;
  if (caller == LegacyCallerScope()) legacy_records_++;
  order_.emplace_back(entry.created, map_key);
  auto [it, inserted] = entries_.try_emplace(std::move(map_key), entry);
  CB_CHECK(inserted);  // handlers replay an existing key instead of recording it again
}

void IdempotencyStore::Clear() {
  entries_.clear();
  order_.clear();
  bytes_ = 0;
  bytes_by_tenant_.clear();
  bytes_by_caller_.clear();
  legacy_records_ = 0;
}

}  // namespace cb::kernel
