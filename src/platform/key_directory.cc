#include "platform/key_directory.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <mutex>

#include "base/check.h"

namespace cb::platform {

namespace {
constexpr std::string_view kKeyPrefix = "sk_";
constexpr size_t kSecretHexChars = 64;
}  // namespace

NewKeySecret MakeKeySecret(ApiKeyId id) {
  uint8_t raw[kSecretHexChars / 2];
  CB_CHECK(RAND_bytes(raw, sizeof(raw)) == 1);
  const std::string secret = HexEncode(raw, sizeof(raw));
  NewKeySecret out;
  out.token = FormatId(kKeyPrefix, id.value) + "_" + secret;
  out.secret_sha256 = Sha256Of(secret.data(), secret.size());
  return out;
}

std::optional<Principal> KeyDirectory::Authenticate(std::string_view bearer) const {
  const size_t id_end = kKeyPrefix.size() + kIdBase32Chars;
  if (bearer.size() != id_end + 1 + kSecretHexChars || bearer[id_end] != '_') return std::nullopt;
  u128 id = 0;
  if (!ParseId(bearer.substr(0, id_end), kKeyPrefix, &id)) return std::nullopt;
  const std::string_view secret = bearer.substr(id_end + 1);
  // Hash before the lookup so a miss and a hit cost the same.
  const Hash256 presented = Sha256Of(secret.data(), secret.size());
  std::shared_lock lock(mu_);
  auto it = keys_.find(id);
  if (it == keys_.end()) return std::nullopt;
  const ApiKey& key = it->second;
  if (CRYPTO_memcmp(presented.data(), key.secret_sha256.data(), presented.size()) != 0) {
    return std::nullopt;
  }
  if (key.revoked) return std::nullopt;
  auto t = tenants_.find(key.tenant.value);
  if (t == tenants_.end()) return std::nullopt;
  Principal p;
  p.tenant = key.tenant;
  p.tenant_seq = t->second.seq;
  p.sandbox = t->second.sandbox;
  p.root = t->second.root;
  p.kind = PrincipalKind::kApiKey;
  p.key = key.id;
  p.role = key.role;
  p.scopes = ScopesOfRole(key.role);
  return p;
}

std::optional<Principal> KeyDirectory::TenantPrincipal(TenantId tenant) const {
  std::shared_lock lock(mu_);
  auto t = tenants_.find(tenant.value);
  if (t == tenants_.end()) return std::nullopt;
  Principal p;
  p.tenant = tenant;
  p.tenant_seq = t->second.seq;
  p.sandbox = t->second.sandbox;
  p.root = t->second.root;
  return p;
}

void KeyDirectory::PutTenant(const Tenant& t) {
  std::unique_lock lock(mu_);
  tenants_[t.id.value] = {t.seq, t.sandbox, t.root};
}

void KeyDirectory::PutKey(const ApiKey& k) {
  std::unique_lock lock(mu_);
  keys_[k.id.value] = k;
}

void KeyDirectory::RevokeKey(ApiKeyId id) {
  std::unique_lock lock(mu_);
  auto it = keys_.find(id.value);
  if (it != keys_.end()) it->second.revoked = true;
}

void KeyDirectory::Clear() {
  std::unique_lock lock(mu_);
  tenants_.clear();
  keys_.clear();
}

}  // namespace cb::platform
