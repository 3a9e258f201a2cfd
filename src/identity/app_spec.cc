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

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// https anywhere; plain http only to the loopback interface (RFC 8252 §7.3, native apps and
// tests). No fragment (RFC 6749 §3.1.2), no whitespace or control characters. The host is
// parsed, never prefix-matched: in "http://localhost:@evil.com/" the host is evil.com.
bool ValidRedirectUri(std::string_view uri) {
  if (uri.empty() || uri.size() > kRedirectUriCharsMax) return false;
  for (char c : uri) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '#' || c == '\\') return false;
  }
  const bool https = StartsWith(uri, "https://");
  if (!https && !StartsWith(uri, "http://")) return false;
  std::string_view rest = uri.substr(https ? 8 : 7);
  // RFC 3986 §3.2: the authority ends at the first '/', '?' or '#'.
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  // No userinfo (it only ever serves to disguise the host) and no percent-encoded host.
  if (authority.empty() || authority.find_first_of("@%") != std::string_view::npos) return false;
  std::string_view host = authority, port;
  if (host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    port = host.substr(close + 1);
    host = host.substr(0, close + 1);
  } else if (const size_t colon = host.find(':'); colon != std::string_view::npos) {
    port = host.substr(colon);
    host = host.substr(0, colon);
  }
  if (!port.empty() &&
      (port[0] != ':' || port.size() < 2 || port.size() > 6 || !AllDigits(port.substr(1)))) {
    return false;
  }
  if (host.empty()) return false;
  if (https) return true;
  return host == "127.0.0.1" || host == "[::1]" || host == "localhost";
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
  if ((spec->scopes & kernel::ApiScopes()).empty() ||
      !(kernel::ApiScopes() | kernel::kScopesOidc).Covers(spec->scopes)) {
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
