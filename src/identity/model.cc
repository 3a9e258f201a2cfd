#include "identity/model.h"

namespace cb::identity {

namespace {
struct Named {
  uint32_t bit;
  const char* name;
};
constexpr Named kGrantTypes[] = {{kGrantClientCredentials, "client_credentials"},
                                 {kGrantAuthorizationCode, "authorization_code"},
                                 {kGrantRefreshToken, "refresh_token"}};
constexpr Named kStaffRoles[] = {{kStaffAdmin, "admin"},
                                 {kStaffOperator, "operator"},
                                 {kStaffSupport, "support"},
                                 {kStaffAuditor, "auditor"},
                                 {kStaffApprover, "approver"}};

template <size_t N>
const char* NameOf(const Named (&table)[N], uint32_t bit) {
  for (const Named& n : table) {
    if (n.bit == bit) return n.name;
  }
  return nullptr;
}
template <size_t N>
bool BitOf(const Named (&table)[N], std::string_view name, uint32_t* bit) {
  for (const Named& n : table) {
    if (name == n.name) {
      *bit = n.bit;
      return true;
    }
  }
  return false;
}
constexpr std::string_view kAcrPassword = "urn:corebank:acr:pwd";
constexpr std::string_view kAcrMfa = "urn:corebank:acr:mfa";
}  // namespace

const char* GrantTypeName(uint32_t one_bit) { return NameOf(kGrantTypes, one_bit); }
bool ParseGrantType(std::string_view s, uint32_t* bit) { return BitOf(kGrantTypes, s, bit); }
const char* StaffRoleName(uint32_t one_bit) { return NameOf(kStaffRoles, one_bit); }
bool ParseStaffRole(std::string_view s, uint32_t* bit) { return BitOf(kStaffRoles, s, bit); }

const char* ClientAuthMethodName(ClientAuthMethod m) {
  switch (m) {
    case ClientAuthMethod::kSecretBasic:
      return "client_secret_basic";
    case ClientAuthMethod::kSecretPost:
      return "client_secret_post";
    case ClientAuthMethod::kPrivateKeyJwt:
      return "private_key_jwt";
  }
  return "client_secret_basic";
}

bool ParseClientAuthMethod(std::string_view s, ClientAuthMethod* out) {
  for (ClientAuthMethod m : {ClientAuthMethod::kSecretBasic, ClientAuthMethod::kSecretPost,
                             ClientAuthMethod::kPrivateKeyJwt}) {
    if (s == ClientAuthMethodName(m)) {
      *out = m;
      return true;
    }
  }
  return false;
}

const char* ConsentStatusName(ConsentStatus s) {
  switch (s) {
    case ConsentStatus::kAwaitingAuthorisation:
      return "awaiting_authorisation";
    case ConsentStatus::kAuthorised:
      return "authorised";
    case ConsentStatus::kRejected:
      return "rejected";
    case ConsentStatus::kRevoked:
      return "revoked";
    case ConsentStatus::kExpired:
      return "expired";
  }
  return "revoked";
}

ScopeSet ScopesOfStaffRoles(uint32_t roles) {
  ScopeSet s;
  if (roles & kStaffAdmin) s |= kernel::ApiScopes();
  if (roles & kStaffOperator) s |= kernel::ScopesOfRole(kernel::Role::kOperator);
  if (roles & kStaffSupport) {
    s |= kernel::kScopeCustomersRead | kernel::kScopeCustomersWrite | kernel::kScopeAccountsRead |
         kernel::kScopeBalancesRead | kernel::kScopeTransactionsRead;
  }
  if (roles & kStaffAuditor) s |= kernel::ScopesOfClass(kernel::ScopeClass::kRead);
  if (roles & kStaffApprover)
    s |= kernel::ScopesOfClass(kernel::ScopeClass::kRead) | kernel::kScopePaymentsWrite;
  return s;
}

const char* AcrValue(AuthLevel level) {
  return level == AuthLevel::kMfa ? kAcrMfa.data() : kAcrPassword.data();
}

bool ParseAcrValues(std::string_view text, AuthLevel* strongest) {
  *strongest = AuthLevel::kPassword;
  while (!text.empty()) {
    const size_t sp = text.find(' ');
    const std::string_view word = text.substr(0, sp);
    text = sp == std::string_view::npos ? std::string_view() : text.substr(sp + 1);
    if (word.empty()) continue;
    if (word == kAcrMfa) {
      *strongest = AuthLevel::kMfa;
    } else if (word != kAcrPassword) {
      return false;
    }
  }
  return true;
}

}  // namespace cb::identity
