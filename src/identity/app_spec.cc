// Validation of an app's settings, shared by /v1/apps and RFC 7591 registration.
#include <algorithm>

#include "identity/ops.h"
#include "jose/jose.h"

namespace cb::identity {

namespace {
constexpr size_t kNameCharsMax = 100;
constexpr size_t kRedirectUrisMax = 10;
constexpr size_t kRedirectUriCharsMax = 512;
constexpr uint32_t kRateLimitMax = 100'000;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// https anywhere; plain http only to the loopback interface (RFC 8252 §7.3, native apps and
// tests). No fragment (RFC 6749 §3.1.2), no whitespace or control characters.
bool ValidRedirectUri(std::string_view uri) {
  if (uri.empty() || uri.size() > kRedirectUriCharsMax) return false;
  for (char c : uri) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '#') return false;
  }
  if (StartsWith(uri, "https://")) return uri.size() > 8;
  for (std::string_view loopback : {"http://127.0.0.1:", "http://127.0.0.1/", "http://[::1]:",
                                    "http://[::1]/", "http://localhost:", "http://localhost/"}) {
    if (StartsWith(uri, loopback)) return true;
  }
  return false;
}
}  // namespace

bool ValidateAppSpec(AppSpec* spec, std::string* param, std::string* message) {
  auto fail = [&](std::string_view p, std::string_view m) {
    *param = std::string(p);
    *message = std::string(m);
    return false;
  };
  if (spec->name.empty() || spec->name.size() > kNameCharsMax) {
    return fail("name", "name is required, at most 100 characters.");
  }
  if (spec->redirect_uris.size() > kRedirectUrisMax) {
    return fail("redirect_uris", "At most 10 redirect URIs.");
  }
  for (const std::string& uri : spec->redirect_uris) {
    if (!ValidRedirectUri(uri)) {
      return fail("redirect_uris",
                  "Redirect URIs are absolute https URLs (http only to 127.0.0.1, [::1] or "
                  "localhost), without a fragment.");
    }
  }
  std::sort(spec->redirect_uris.begin(), spec->redirect_uris.end());
  spec->redirect_uris.erase(std::unique(spec->redirect_uris.begin(), spec->redirect_uris.end()),
                            spec->redirect_uris.end());
  if (spec->grant_types == 0) return fail("grant_types", "At least one grant type.");
  if ((spec->grant_types & kGrantAuthorizationCode) && spec->redirect_uris.empty()) {
    return fail("redirect_uris", "authorization_code needs at least one redirect URI.");
  }
  if ((spec->grant_types & kGrantRefreshToken) && !(spec->grant_types & kGrantAuthorizationCode)) {
    return fail("grant_types", "refresh_token comes with authorization_code.");
  }
  // OIDC scopes may be listed (clients often register them); they are always allowed.
  if ((spec->scopes & platform::kScopesAllApi) == 0 ||
      (spec->scopes & ~(platform::kScopesAllApi | platform::kScopesOidc)) != 0) {
    return fail("scope", "scope names at least one API scope.");
  }
  if (spec->auth_method == ClientAuthMethod::kPrivateKeyJwt) {
    auto keys = jose::ParseJwks(spec->jwks);
    if (!keys.ok() || keys->empty()) {
      return fail("jwks", "private_key_jwt needs a JWKS with at least one signing key: " +
                              (keys.ok() ? std::string("none usable") : keys.status().message()));
    }
  } else if (!spec->jwks.empty()) {
    return fail("jwks", "A JWKS is only for private_key_jwt.");
  }
  if (spec->rate_limit_per_s > kRateLimitMax) {
    return fail("rate_limit_per_s", "At most 100000 requests per second.");
  }
  return true;
}

}  // namespace cb::identity
