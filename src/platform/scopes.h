#pragma once
// OAuth scopes: what a principal may do. API keys get them from their role, tokens carry
// them. Every /v1 route names one scope; the edge checks it and the handler checks again.
// Bits are stored in events (consent permissions, app scopes): append only, never reuse.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "platform/model.h"

namespace cb::platform {

using ScopeSet = uint32_t;

constexpr ScopeSet kScopeAccountsRead = 1u << 0;
constexpr ScopeSet kScopeAccountsWrite = 1u << 1;  // open, freeze, close accounts
constexpr ScopeSet kScopeBalancesRead = 1u << 2;
constexpr ScopeSet kScopeTransactionsRead = 1u << 3;  // history and transfers
constexpr ScopeSet kScopePaymentsWrite = 1u << 4;     // transfers, post/void, batches
constexpr ScopeSet kScopeCustomersRead = 1u << 5;
constexpr ScopeSet kScopeCustomersWrite = 1u << 6;
constexpr ScopeSet kScopeConsentsRead = 1u << 7;
constexpr ScopeSet kScopeConsentsWrite = 1u << 8;
constexpr ScopeSet kScopeEventsRead = 1u << 9;
constexpr ScopeSet kScopeAdmin = 1u << 10;  // tenants, API keys, apps, users, signing keys
// OpenID Connect.
constexpr ScopeSet kScopeOpenId = 1u << 16;
constexpr ScopeSet kScopeProfile = 1u << 17;
constexpr ScopeSet kScopeEmail = 1u << 18;
constexpr ScopeSet kScopeOfflineAccess = 1u << 19;

constexpr ScopeSet kScopesAllApi = (1u << 11) - 1;
constexpr ScopeSet kScopesOidc = kScopeOpenId | kScopeProfile | kScopeEmail | kScopeOfflineAccess;
constexpr ScopeSet kScopesRead = kScopeAccountsRead | kScopeBalancesRead | kScopeTransactionsRead |
                                 kScopeCustomersRead | kScopeConsentsRead | kScopeEventsRead;
// What a customer can delegate to an app through a consent (open banking AIS + PIS).
constexpr ScopeSet kScopesConsentable =
    kScopeAccountsRead | kScopeBalancesRead | kScopeTransactionsRead | kScopePaymentsWrite;

// Every scope's name, in table order (what `corebank routes` lists).
std::vector<std::string_view> AllScopeNames();
// "accounts.read", ...; nullptr for anything but a single known bit.
const char* ScopeName(ScopeSet one_bit);
// Space-separated scope list (RFC 6749 §3.3). False on an unknown name (set in *unknown).
bool ParseScopes(std::string_view text, ScopeSet* out, std::string* unknown = nullptr);
// Space-separated, in bit order.
std::string FormatScopes(ScopeSet scopes);
// The scopes an API key's role grants.
ScopeSet ScopesOfRole(Role role);

}  // namespace cb::platform
