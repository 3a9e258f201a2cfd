#pragma once
// OAuth scopes / API permissions, by name. The built-in ones keep the bit numbers they have
// always had in events (the `scopes` uint32 of identity's events); a module registers its
// own by name at start (RegisterScope) and gets a bit above them, stored in events by name.
// A route or app naming a scope nobody registered is refused. Capacity is kScopesMax, far
// beyond what the services use; registration fails loudly at start past it.
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cb::kernel {

class ScopeSet {
 public:
  static constexpr uint32_t kBitsMax = 128;
  constexpr ScopeSet() = default;
  static constexpr ScopeSet Bit(uint32_t index) {
    ScopeSet s;
    if (index < 64) s.lo_ = uint64_t{1} << index;
    if (index >= 64 && index < kBitsMax) s.hi_ = uint64_t{1} << (index - 64);
    return s;
  }
  // The built-in bits as stored in events (bits 0..31).
  static constexpr ScopeSet FromWire(uint32_t bits) {
    ScopeSet s;
    s.lo_ = bits;
    return s;
  }
  constexpr uint32_t wire_bits() const { return static_cast<uint32_t>(lo_); }
  // Whether any scope above the wire bits is set (those are stored by name).
  constexpr bool has_named() const { return (lo_ >> 32) != 0 || hi_ != 0; }

  constexpr ScopeSet operator|(ScopeSet o) const { return Make(lo_ | o.lo_, hi_ | o.hi_); }
  constexpr ScopeSet operator&(ScopeSet o) const { return Make(lo_ & o.lo_, hi_ & o.hi_); }
  constexpr ScopeSet operator~() const { return Make(~lo_, ~hi_); }
  constexpr ScopeSet& operator|=(ScopeSet o) { return *this = *this | o; }
  constexpr ScopeSet& operator&=(ScopeSet o) { return *this = *this & o; }
  constexpr bool operator==(const ScopeSet&) const = default;
  constexpr bool empty() const { return lo_ == 0 && hi_ == 0; }
  constexpr explicit operator bool() const { return !empty(); }
  // Every scope of `o` is in this set.
  constexpr bool Covers(ScopeSet o) const { return (*this & o) == o; }
  constexpr bool Test(uint32_t index) const { return !(*this & Bit(index)).empty(); }
  // The index of the one scope in the set; kBitsMax when it holds none or several.
  constexpr uint32_t SingleIndex() const {
    if (std::popcount(lo_) + std::popcount(hi_) != 1) return kBitsMax;
    return lo_ != 0 ? static_cast<uint32_t>(std::countr_zero(lo_))
                    : 64 + static_cast<uint32_t>(std::countr_zero(hi_));
  }

 private:
  static constexpr ScopeSet Make(uint64_t lo, uint64_t hi) {
    ScopeSet s;
    s.lo_ = lo;
    s.hi_ = hi;
    return s;
  }
  uint64_t lo_ = 0;
  uint64_t hi_ = 0;
};

// Built-in scopes (wire bits: never renumber).
constexpr ScopeSet kScopeAccountsRead = ScopeSet::Bit(0);
constexpr ScopeSet kScopeAccountsWrite = ScopeSet::Bit(1);  // open, freeze, close accounts
constexpr ScopeSet kScopeBalancesRead = ScopeSet::Bit(2);
constexpr ScopeSet kScopeTransactionsRead = ScopeSet::Bit(3);  // history and transfers
constexpr ScopeSet kScopePaymentsWrite = ScopeSet::Bit(4);     // transfers, post/void, batches
constexpr ScopeSet kScopeCustomersRead = ScopeSet::Bit(5);
constexpr ScopeSet kScopeCustomersWrite = ScopeSet::Bit(6);
constexpr ScopeSet kScopeConsentsRead = ScopeSet::Bit(7);
constexpr ScopeSet kScopeConsentsWrite = ScopeSet::Bit(8);
constexpr ScopeSet kScopeEventsRead = ScopeSet::Bit(9);
constexpr ScopeSet kScopeAdmin = ScopeSet::Bit(10);      // tenants, API keys, apps, users, keys
constexpr ScopeSet kScopeRiskRead = ScopeSet::Bit(11);   // decisions, cases, alerts
constexpr ScopeSet kScopeRiskWrite = ScopeSet::Bit(12);  // analysts: resolve holds, work cases
// OpenID Connect: not API permissions.
constexpr ScopeSet kScopeOpenId = ScopeSet::Bit(16);
constexpr ScopeSet kScopeProfile = ScopeSet::Bit(17);
constexpr ScopeSet kScopeEmail = ScopeSet::Bit(18);
constexpr ScopeSet kScopeOfflineAccess = ScopeSet::Bit(19);
constexpr ScopeSet kScopesOidc = kScopeOpenId | kScopeProfile | kScopeEmail | kScopeOfflineAccess;
// What a customer may delegate to an app through a consent.
constexpr ScopeSet kScopesConsentable =
    kScopeAccountsRead | kScopeBalancesRead | kScopeTransactionsRead | kScopePaymentsWrite;

// What a scope grants, which decides the roles that hold it (ScopesOfRole).
enum class ScopeClass : uint8_t {
  kRead = 1,   // read-only keys hold it
  kWrite = 2,  // operator and admin keys
  kAdmin = 3,  // admin keys only
  kOidc = 4,   // an OpenID Connect claim scope, held by no key
};

// A module's scope, at start, before any route is registered: a name of 3..64 characters
// [a-z0-9._-] not already taken, of class read, write or admin. FailedPrecondition once
// registration is closed. Names are stored in events: never reuse a retired module's name
// for another meaning (old grants would hold it again).
Result<ScopeSet> RegisterScope(std::string_view name, ScopeClass cls);
// Closes registration (the route registry does it when built): from then on the table is
// read from any thread without locks.
void CloseScopeRegistration();

// Every registered scope's name in bit order.
std::vector<std::string_view> AllScopeNames();
// The name of one scope; null if `one` is not exactly one registered scope.
const char* ScopeName(ScopeSet one);
// The one registered scope called `name`; empty if none.
ScopeSet ScopeNamed(std::string_view name);
// The registered scopes of a class (ScopesOfRole, the API set).
ScopeSet ScopesOfClass(ScopeClass cls);
// Every API permission (not the OIDC claim scopes).
ScopeSet ApiScopes();
// Space-separated names; false and the offending word in *unknown for an unregistered one.
bool ParseScopes(std::string_view text, ScopeSet* out, std::string* unknown = nullptr);
std::string FormatScopes(ScopeSet scopes);
// The scopes above the wire bits, by name (how events store them; ScopeNamed reads them
// back, and a name no longer registered, a removed module's, grants nothing).
std::vector<std::string_view> NamedScopes(ScopeSet scopes);

}  // namespace cb::kernel
