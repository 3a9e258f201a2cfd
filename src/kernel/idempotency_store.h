#pragma once
// The Idempotency-Key records every enveloped REST write leaves (kernel/envelope.h): what
// decides between replaying the recorded answer and a 409, with the byte accounting that
// bounds them per caller, per tenant and in all. The answer's bytes stay in the journal (the
// record's `seq`); memory holds only the entry. Keys are the caller's own (CallerScope): the
// same key from another API key, app or user of the tenant is another record. The store is
// a projection: its owner applies the record and expiry events (execution and replay alike)
// and writes its snapshot from ForEachLive. Writer thread only.
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "base/sha256.h"
#include "base/time.h"
#include "kernel/ids.h"
#include "kernel/principal.h"

namespace cb::kernel {

struct IdempotencyEntry {
  Hash256 request_sha256{};
  uint16_t http_status = 0;
  uint64_t seq = 0;  // the journal event holding the answer
  TimestampNs created = 0;
};

// Whose key a record is: kind (1) | API key, user or app id (16) | context (16): see
// CallerScope in idempotency_store.cc. A user's delegated token and the same user's own
// token are different callers; two sign-ins of one user, app and customer are one.
constexpr size_t kCallerScopeBytes = 33;
std::string CallerScope(const Principal& p);
// The scope tokens' records had before: per consent. Every sign-in makes a new consent, so
// a retry after signing in again (a step-up) missed its record and ran again; CallerScope
// now keys a token by its user (or app), app and customer instead. Looked up as a fallback
// for records written before (they expire within the TTL).
std::string CallerScopeV1(const Principal& p);
// The scope of records written before callers were recorded: all zero bytes.
const std::string& LegacyCallerScope();

class IdempotencyStore {
 public:
  explicit IdempotencyStore(uint64_t ttl_ns) : ttl_ns_(ttl_ns) {}

  // `caller` is kCallerScopeBytes (CallerScope or LegacyCallerScope).
  const IdempotencyEntry* Find(TenantId tenant, std::string_view caller,
                               std::string_view key) const;
  uint64_t bytes() const { return bytes_; }
  uint64_t bytes(TenantId tenant) const;
  uint64_t bytes(TenantId tenant, std::string_view caller) const;
  // Some record from before caller scoping is still held (a second look-up is worth it).
  bool has_legacy() const { return legacy_records_ > 0; }
  size_t count() const { return entries_.size(); }
  uint64_t ttl_ns() const { return ttl_ns_; }

  // Some entry is past the TTL at `now` (an expiry event would free it).
  bool Expirable(TimestampNs now) const;
  // What the TTL lets go of at `now`: a function of event time only, so replay expires
  // exactly what execution did.
  void ExpireAt(TimestampNs now);
  void ExpireCreatedBefore(TimestampNs cutoff);
  // A new record (after ExpireAt(entry.created)); the key must not be held.
  void Record(TenantId tenant, std::string_view caller, std::string_view key,
              const IdempotencyEntry& entry);
  void Clear();

  // Live records, oldest first: f(tenant id bytes, caller, key, entry).
  template <typename F>
  void ForEachLive(F&& f) const {
    for (const auto& [created, map_key] : order_) {
      auto it = entries_.find(map_key);
      if (it == entries_.end() || it->second.created != created) continue;
      const std::string_view k = map_key;
      f(k.substr(0, 16), k.substr(16, kCallerScopeBytes), k.substr(16 + kCallerScopeBytes),
        it->second);
    }
  }

 private:
  // tenant (16 bytes) | caller scope (kCallerScopeBytes) | key
  void BuildKey(TenantId tenant, std::string_view caller, std::string_view key) const;

  uint64_t ttl_ns_;
  std::unordered_map<std::string, IdempotencyEntry> entries_;
  std::deque<std::pair<TimestampNs, std::string>> order_;  // oldest first
  uint64_t bytes_ = 0;
  std::unordered_map<u128, uint64_t, U128Hash> bytes_by_tenant_;
  // By tenant (16 bytes) + caller scope: the first bytes of a map key.
  std::unordered_map<std::string, uint64_t> bytes_by_caller_;
  uint64_t legacy_records_ = 0;  // with LegacyCallerScope()
  // Look-up keys are built here, not in a fresh string each time: writer thread only.
  mutable std::string scratch_key_;
};

}  // namespace cb::kernel
