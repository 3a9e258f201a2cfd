#include "kernel/scopes.h"

#include <array>
#include <atomic>

#include "base/check.h"

namespace cb::kernel {

namespace {
struct Entry {
  std::string name;  // empty: free
  ScopeClass cls = ScopeClass::kRead;
};

struct Builtin {
  ScopeSet bit;
  const char* name;
  ScopeClass cls;
};
constexpr Builtin kBuiltins[] = {
    {kScopeAccountsRead, "accounts.read", ScopeClass::kRead},
    {kScopeAccountsWrite, "accounts.write", ScopeClass::kWrite},
    {kScopeBalancesRead, "balances.read", ScopeClass::kRead},
    {kScopeTransactionsRead, "transactions.read", ScopeClass::kRead},
    {kScopePaymentsWrite, "payments.write", ScopeClass::kWrite},
    {kScopeCustomersRead, "customers.read", ScopeClass::kRead},
    {kScopeCustomersWrite, "customers.write", ScopeClass::kWrite},
    {kScopeConsentsRead, "consents.read", ScopeClass::kRead},
    {kScopeConsentsWrite, "consents.write", ScopeClass::kWrite},
    {kScopeEventsRead, "events.read", ScopeClass::kRead},
    {kScopeAdmin, "admin", ScopeClass::kAdmin},
    {kScopeRiskRead, "risk.read", ScopeClass::kRead},
    {kScopeRiskWrite, "risk.write", ScopeClass::kWrite},
    {kScopeOpenId, "openid", ScopeClass::kOidc},
    {kScopeProfile, "profile", ScopeClass::kOidc},
    {kScopeEmail, "email", ScopeClass::kOidc},
    {kScopeOfflineAccess, "offline_access", ScopeClass::kOidc},
};
// Modules' scopes take bits from here up (the wire's 32 bits stay the built-ins').
constexpr uint32_t kFirstNamedBit = 32;
constexpr size_t kScopeTextCharsMax = 1024;
constexpr size_t kScopeNameCharsMax = 64;

struct Registry {
  std::array<Entry, ScopeSet::kBitsMax> entries;
  std::array<ScopeSet, 5> by_class{};  // indexed by ScopeClass: ScopesOfRole per request
  uint32_t next_named_bit = kFirstNamedBit;
  std::atomic<bool> closed{false};
  Registry() {
    for (const Builtin& b : kBuiltins) {
      for (uint32_t i = 0; i < kFirstNamedBit; i++) {
        if (b.bit == ScopeSet::Bit(i)) entries[i] = Entry{b.name, b.cls};
      }
      by_class[static_cast<size_t>(b.cls)] |= b.bit;
    }
  }
};

Registry& Reg() {
  static Registry r;
  return r;
}

bool ValidName(std::string_view name) {
  if (name.size() < 3 || name.size() > kScopeNameCharsMax) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

int IndexOf(std::string_view name) {
  const Registry& r = Reg();
  for (uint32_t i = 0; i < ScopeSet::kBitsMax; i++) {
    if (!r.entries[i].name.empty() && r.entries[i].name == name) return static_cast<int>(i);
  }
  return -1;
}
}  // namespace

Result<ScopeSet> RegisterScope(std::string_view name, ScopeClass cls) {
  Registry& r = Reg();
  if (r.closed.load(std::memory_order_acquire)) {
    return Status::FailedPrecondition("scope registration is closed");
  }
  if (cls != ScopeClass::kRead && cls != ScopeClass::kWrite && cls != ScopeClass::kAdmin) {
    return Status::InvalidArgument("a module's scope is read, write or admin");
  }
  if (!ValidName(name)) {
    return Status::InvalidArgument("scope name must be 3..64 characters of [a-z0-9._-]");
  }
  if (IndexOf(name) >= 0) return Status::AlreadyExists("scope already registered");
  if (r.next_named_bit >= ScopeSet::kBitsMax)
    return Status::ResourceExhausted("no scope bits left");
  const uint32_t bit = r.next_named_bit++;
  r.entries[bit] = Entry{std::string(name), cls};
  r.by_class[static_cast<size_t>(cls)] |= ScopeSet::Bit(bit);
  return ScopeSet::Bit(bit);
}

void CloseScopeRegistration() { Reg().closed.store(true, std::memory_order_release); }

std::vector<std::string_view> AllScopeNames() {
  std::vector<std::string_view> out;
  for (const Entry& e : Reg().entries) {
    if (!e.name.empty()) out.push_back(e.name);
  }
  return out;
}

// O(1): the envelope checks every op's scope with it on the writer thread.
const char* ScopeName(ScopeSet one) {
  const uint32_t i = one.SingleIndex();
  if (i >= ScopeSet::kBitsMax) return nullptr;
  const Entry& e = Reg().entries[i];
  return e.name.empty() ? nullptr : e.name.c_str();
}

ScopeSet ScopeNamed(std::string_view name) {
  const int i = IndexOf(name);
  return i < 0 ? ScopeSet() : ScopeSet::Bit(static_cast<uint32_t>(i));
}

ScopeSet ScopesOfClass(ScopeClass cls) { return Reg().by_class[static_cast<size_t>(cls)]; }

ScopeSet ApiScopes() {
  return ScopesOfClass(ScopeClass::kRead) | ScopesOfClass(ScopeClass::kWrite) |
         ScopesOfClass(ScopeClass::kAdmin);
}

bool ParseScopes(std::string_view text, ScopeSet* out, std::string* unknown) {
  *out = ScopeSet();
  if (text.size() > kScopeTextCharsMax) {
    if (unknown != nullptr) *unknown = "(too long)";
    return false;
  }
  while (!text.empty()) {
    const size_t sp = text.find(' ');
    const std::string_view word = text.substr(0, sp);
    text = sp == std::string_view::npos ? std::string_view() : text.substr(sp + 1);
    if (word.empty()) continue;  // tolerate doubled spaces
    const int i = IndexOf(word);
    if (i < 0) {
      if (unknown != nullptr) *unknown = std::string(word);
      return false;
    }
    *out |= ScopeSet::Bit(static_cast<uint32_t>(i));
  }
  return true;
}

std::string FormatScopes(ScopeSet scopes) {
  std::string out;
  const Registry& r = Reg();
  for (uint32_t i = 0; i < ScopeSet::kBitsMax; i++) {
    if (r.entries[i].name.empty() || !scopes.Test(i)) continue;
    if (!out.empty()) out.push_back(' ');
    out.append(r.entries[i].name);
  }
  return out;
}

std::vector<std::string_view> NamedScopes(ScopeSet scopes) {
  std::vector<std::string_view> out;
  const Registry& r = Reg();
  for (uint32_t i = kFirstNamedBit; i < ScopeSet::kBitsMax; i++) {
    if (!r.entries[i].name.empty() && scopes.Test(i)) out.push_back(r.entries[i].name);
  }
  return out;
}

}  // namespace cb::kernel
