#pragma once
// What the edge needs to authenticate a request without asking the writer thread: API
// keys (hashed) and their tenants. The platform state updates it when key and tenant
// events are applied (execution and replay); io threads read it under a shared lock.
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <unordered_map>

#include "kernel/principal.h"
#include "platform/ids.h"
#include "platform/model.h"

namespace cb::platform {

class KeyDirectory {
 public:
  // Parses "sk_<key id base32>_<64 hex secret>", finds the key and compares the secret's
  // SHA-256 in constant time. nullopt for any mismatch (the caller answers 401 either way).
  std::optional<Principal> Authenticate(std::string_view bearer) const;
  // A principal for a tenant with no credential details yet (tokens fill in the rest);
  // nullopt if the tenant does not exist.
  std::optional<Principal> TenantPrincipal(TenantId tenant) const;

  void PutTenant(const Tenant& t);
  void PutKey(const ApiKey& k);
  void RevokeKey(ApiKeyId id);
  void Clear();

 private:
  struct TenantView {
    uint32_t seq = 0;
    bool sandbox = false;
    bool root = false;
  };
  mutable std::shared_mutex mu_;
  std::unordered_map<u128, TenantView, U128Hash> tenants_;
  std::unordered_map<u128, ApiKey, U128Hash> keys_;
};

// Key material: "sk_" + key id (26 base32) + "_" + 64 hex chars (32 random bytes).
struct NewKeySecret {
  std::string token;  // shown once to the caller
  Hash256 secret_sha256{};
};
NewKeySecret MakeKeySecret(ApiKeyId id);

}  // namespace cb::platform
