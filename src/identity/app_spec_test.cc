// Redirect URIs are parsed, not prefix-matched: plain http only to a loopback host, and no
// userinfo that could disguise the host.
#include <gtest/gtest.h>

#include <string>

#include "identity/ops.h"

namespace cb::identity {
namespace {

// "" when the spec with this one redirect URI is valid, else the field it was refused for.
std::string RefusedField(const std::string& uri) {
  AppSpec spec;
  spec.name = "app";
  spec.grant_types = kGrantAuthorizationCode;
  spec.scopes = kernel::kScopeAccountsRead;
  spec.redirect_uris = {uri};
  std::string param, message;
  return ValidateAppSpec(&spec, &param, &message) ? "" : param;
}

TEST(AppSpecTest, LoopbackHttpAndAnyHttpsHostAreAccepted) {
  for (const char* uri : {"https://app.example/cb", "https://app.example:8443/cb?x=1",
                          "http://127.0.0.1:5000/cb", "http://127.0.0.1/cb", "http://[::1]:8080/cb",
                          "http://localhost:3000/callback", "http://localhost"}) {
    EXPECT_EQ(RefusedField(uri), "") << uri;
  }
}

TEST(AppSpecTest, HostsDisguisedAsLoopbackAreRefused) {
  for (const char* uri :
       {"http://localhost:@evil.com/", "http://localhost@evil.com/", "http://127.0.0.1:80@evil.com",
        "http://localhost.evil.com/", "http://127.0.0.1.nip.io/", "http://[::1].evil.com/",
        "http://localhost:80x/", "http://%6cocalhost/", "http://localhost\\@evil.com/",
        "https://user:pass@app.example/cb", "https:///cb", "http://evil.com/", "ftp://localhost/",
        "http://localhost:/", "http://[::1/", "http://localhost/#frag"}) {
    EXPECT_EQ(RefusedField(uri), "redirect_uris") << uri;
  }
}

}  // namespace
}  // namespace cb::identity
