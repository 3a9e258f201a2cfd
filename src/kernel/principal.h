#pragma once
// Who is calling, as the edge resolved it (an API key or an access token); every service's
// handler checks it again on the writer thread. Services see the caller only through this.
#include <cstdint>
#include <string_view>

#include "kernel/ids.h"
#include "kernel/scopes.h"

namespace cb::kernel {

// Values are stored in events: append only.
enum class Role : uint8_t { kAdmin = 1, kOperator = 2, kReadOnly = 3 };
enum class PrincipalKind : uint8_t { kApiKey = 1, kAccessToken = 2 };
// Authentication levels (the token's `acr`), weakest first.
enum class AuthLevel : uint8_t { kNone = 0, kPassword = 1, kMfa = 2 };

const char* RoleName(Role r);
bool ParseRole(std::string_view s, Role* out);
// Every API scope for admin; all but `admin` for operator; the read scopes for read-only
// (built-in and registered by modules, kernel/scopes.h).
ScopeSet ScopesOfRole(Role role);

struct Principal {
  TenantId tenant;
  uint32_t tenant_seq = 0;
  bool sandbox = false;
  bool root = false;
  PrincipalKind kind = PrincipalKind::kApiKey;
  ApiKeyId key;  // API keys
  Role role = Role::kReadOnly;
  ScopeSet scopes;
  // Access tokens: the app, the user (zero for client credentials), and for tokens a
  // customer delegated to an app, that customer and the consent that bounds the token.
  AppId client;
  UserId user;
  CustomerId customer;
  ConsentId consent;
  GrantId grant;
  AuthLevel acr = AuthLevel::kNone;
  bool delegated() const { return !customer.zero(); }
};

}  // namespace cb::kernel
