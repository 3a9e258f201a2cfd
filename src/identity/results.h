#pragma once
// What an OAuth op decided, handed to the edge in runtime::Reply::service_result. The edge
// turns it into a redirect, a page or signed tokens (signing needs the KMS, which stays off
// the writer thread).
#include <string>
#include <vector>

#include "identity/model.h"

namespace cb::identity {

// Everything a token minted from a grant says about who and what.
struct TokenGrant {
  TenantId tenant;
  AppId client;
  UserId user;
  CustomerId customer;  // customer users
  ConsentId consent;
  GrantId grant;
  SessionId session;
  ScopeSet scopes;
  AuthLevel acr = AuthLevel::kPassword;
  uint32_t amr = 0;
  TimestampNs auth_time = 0;
  std::string nonce;
};

struct ConsentView {
  struct AccountChoice {
    AccountId id;
    std::string label;  // "EUR current account …1234"
  };
  std::string app_name;
  ScopeSet scopes;               // what the app asks for (after the user's limits)
  ScopeSet consent_permissions;  // an app-created consent's permissions, else 0
  bool customer = false;         // a customer user: accounts to choose
  std::vector<AccountChoice> accounts;
};

struct OAuthResult {
  std::string error;  // empty: success; else an OAuth error code ("invalid_grant", ...)
  std::string error_description;
  // Logins.
  bool locked = false;
  TimestampNs locked_until = 0;
  bool new_device = false;
  // Decisions: where the browser goes next.
  std::string redirect_uri;
  std::string state;
  // Code redemption and refresh.
  TokenGrant grant;
  bool refresh_issued = false;
  // The consent page.
  ConsentView view;
};

}  // namespace cb::identity
