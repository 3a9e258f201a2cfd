#include "platform/scopes.h"

#include <iterator>

namespace cb::platform {

namespace {
struct Named {
  ScopeSet bit;
  const char* name;
};
constexpr Named kNames[] = {
    {kScopeAccountsRead, "accounts.read"},
    {kScopeAccountsWrite, "accounts.write"},
    {kScopeBalancesRead, "balances.read"},
    {kScopeTransactionsRead, "transactions.read"},
    {kScopePaymentsWrite, "payments.write"},
    {kScopeCustomersRead, "customers.read"},
    {kScopeCustomersWrite, "customers.write"},
    {kScopeConsentsRead, "consents.read"},
    {kScopeConsentsWrite, "consents.write"},
    {kScopeEventsRead, "events.read"},
    {kScopeAdmin, "admin"},
    {kScopeOpenId, "openid"},
    {kScopeProfile, "profile"},
    {kScopeEmail, "email"},
    {kScopeOfflineAccess, "offline_access"},
};
constexpr size_t kScopeTextCharsMax = 1024;
}  // namespace

std::vector<std::string_view> AllScopeNames() {
  std::vector<std::string_view> out;
  for (const Named& n : kNames) out.push_back(n.name);
  return out;
}

const char* ScopeName(ScopeSet one_bit) {
  for (const Named& n : kNames) {
    if (n.bit == one_bit) return n.name;
  }
  return nullptr;
}

bool ParseScopes(std::string_view text, ScopeSet* out, std::string* unknown) {
  *out = 0;
  if (text.size() > kScopeTextCharsMax) {
    if (unknown != nullptr) *unknown = "(too long)";
    return false;
  }
  while (!text.empty()) {
    const size_t sp = text.find(' ');
    const std::string_view word = text.substr(0, sp);
    text = sp == std::string_view::npos ? std::string_view() : text.substr(sp + 1);
    if (word.empty()) continue;  // tolerate doubled spaces
    bool found = false;
    for (const Named& n : kNames) {
      if (word == n.name) {
        *out |= n.bit;
        found = true;
        break;
      }
    }
    if (!found) {
      if (unknown != nullptr) *unknown = std::string(word);
      return false;
    }
  }
  return true;
}

std::string FormatScopes(ScopeSet scopes) {
  std::string out;
  for (const Named& n : kNames) {
    if (!(scopes & n.bit)) continue;
    if (!out.empty()) out.push_back(' ');
    out.append(n.name);
  }
  return out;
}

ScopeSet ScopesOfRole(Role role) {
  switch (role) {
    case Role::kAdmin:
      return kScopesAllApi;
    case Role::kOperator:
      return kScopesAllApi & ~kScopeAdmin;
    case Role::kReadOnly:
      return kScopesRead;
  }
  return 0;
}

}  // namespace cb::platform
