#include "kernel/principal.h"

namespace cb::kernel {

const char* RoleName(Role r) {
  switch (r) {
    case Role::kAdmin:
      return "admin";
    case Role::kOperator:
      return "operator";
    case Role::kReadOnly:
      return "read_only";
  }
  return "unknown";
}

bool ParseRole(std::string_view s, Role* out) {
  if (s == "admin") {
    *out = Role::kAdmin;
  } else if (s == "operator") {
    *out = Role::kOperator;
  } else if (s == "read_only") {
    *out = Role::kReadOnly;
  } else {
    return false;
  }
  return true;
}

ScopeSet ScopesOfRole(Role role) {
  switch (role) {
    case Role::kAdmin:
      return ApiScopes();
    case Role::kOperator:
      return ScopesOfClass(ScopeClass::kRead) | ScopesOfClass(ScopeClass::kWrite);
    case Role::kReadOnly:
      return ScopesOfClass(ScopeClass::kRead);
  }
  return ScopeSet();
}

}  // namespace cb::kernel
