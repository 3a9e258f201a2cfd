// The edge's stages in-process: route registry, then the request pipeline up to the point
// where it would submit to the shard (no executor here, so a well-formed request ends in
// "the server is starting"). The Node suites cover the same answers through a real server.
#include "api/router.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>

#include "api/module.h"
#include "api/route_table.h"
#include "gateway/metrics.h"
#include "platform/key_directory.h"

namespace cb::api {
namespace {

// A module's table, registered in a death test's own process (threadsafe style re-runs the
// binary for the test alone, so the registry there is fresh).
bool NoBuild(const RouteCall&, BuiltOp*, DecodeError*) { return false; }
std::unique_ptr<runtime::Service> NoService(const ModuleDeps&) { return nullptr; }

constexpr RouteSpec kShadowedRoutes[] = {{.method = "GET",
                                          .pattern = "/v1/accounts/special",
                                          .service = "shadow",
                                          .scope = kernel::kScopeAccountsRead,
                                          .build = NoBuild}};
std::span<const RouteSpec> ShadowedRoutes() { return kShadowedRoutes; }

constexpr RouteSpec kUnknownScopeRoutes[] = {{.method = "GET",
                                              .pattern = "/v1/gadgets/{id}",
                                              .service = "gadget",
                                              .scope_name = "gadgets.read",
                                              .build = NoBuild}};
std::span<const RouteSpec> UnknownScopeRoutes() { return kUnknownScopeRoutes; }

ServiceModule TestModule(std::string_view name, std::span<const RouteSpec> (*routes)(),
                         std::span<const ScopeSpec> scopes = {}) {
  return ServiceModule{.name = name,
                       .service_id = 900,
                       .event_type_first = 9000,
                       .event_type_last = 9009,
                       .routes = routes,
                       .scopes = scopes,
                       .create = NoService};
}

TEST(RouteRegistryDeathTest, AModulesRouteAnEarlierRouteWouldAlwaysWinStopsTheServer) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        static const ServiceModule m = TestModule("shadow", ShadowedRoutes);
        const ServiceModule* list[] = {&m};
        RegisterModules(list);
        (void)AllRoutes();
      },
      "GET /v1/accounts/special is shadowed by /v1/accounts/\\{id\\}");
}

TEST(RouteRegistryDeathTest, ARouteNamingAnUnregisteredScopeStopsTheServer) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        static const ServiceModule m = TestModule("gadget", UnknownScopeRoutes);
        const ServiceModule* list[] = {&m};
        RegisterModules(list);
        (void)AllRoutes();
      },
      "names the unregistered scope \"gadgets.read\"");
}

TEST(RouteRegistryDeathTest, AModuleScopeMustCarryTheModulesName) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  static constexpr ScopeSpec kScopes[] = {{"widgets.read", kernel::ScopeClass::kRead}};
  EXPECT_DEATH(
      {
        static const ServiceModule m = TestModule("gadget", UnknownScopeRoutes, kScopes);
        const ServiceModule* list[] = {&m};
        RegisterModules(list);
      },
      "");
}

TEST(RouteRegistryTest, AModulesOwnScopeResolvesForItsRoutes) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  static constexpr ScopeSpec kScopes[] = {{"gadgets.read", kernel::ScopeClass::kRead}};
  // In a child process too (the registry is process-wide): exits 0 when all held.
  EXPECT_EXIT(
      {
        static const ServiceModule m = TestModule("gadget", UnknownScopeRoutes, kScopes);
        const ServiceModule* list[] = {&m};
        RegisterModules(list);
        std::vector<std::string_view> params;
        bool known = false;
        const RouteSpec* r = FindRoute("GET", "/v1/gadgets/g1", &params, &known);
        const bool ok = r != nullptr && r->scope == kernel::ScopeNamed("gadgets.read") &&
                        kernel::ScopesOfRole(kernel::Role::kReadOnly).Covers(r->scope) &&
                        DumpRoutes().find("scope=gadgets.read") != std::string::npos;
        std::exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(RouteTableTest, LiteralSegmentsWinOverIdsAndParamsAreReturned) {
  std::vector<std::string_view> params;
  bool known = false;
  const RouteSpec* batch = FindRoute("POST", "/v1/transfers/batch", &params, &known);
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->pattern, "/v1/transfers/batch");
  EXPECT_TRUE(params.empty());
  const RouteSpec* post = FindRoute("POST", "/v1/transfers/tr_abc/post", &params, &known);
  ASSERT_NE(post, nullptr);
  EXPECT_EQ(post->pattern, "/v1/transfers/{id}/post");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0], "tr_abc");
  EXPECT_TRUE(post->step_up);
}

TEST(RouteTableTest, AnotherMethodOnAKnownPathIsKnownAndAnUnknownPathIsNot) {
  std::vector<std::string_view> params;
  bool known = false;
  EXPECT_EQ(FindRoute("DELETE", "/v1/accounts", &params, &known), nullptr);
  EXPECT_TRUE(known);
  EXPECT_EQ(FindRoute("GET", "/v1/nope", &params, &known), nullptr);
  EXPECT_FALSE(known);
  EXPECT_EQ(FindRoute("GET", "/v1/accounts/", &params, &known), nullptr);  // empty segment
}

TEST(RouteTableTest, EveryRouteIsOneServicesAndTheDumpListsEachOnce) {
  std::set<std::string> lines;
  const std::string dump = DumpRoutes();
  size_t routes = 0;
  for (size_t at = 0; at < dump.size();) {
    const size_t end = dump.find('\n', at);
    ASSERT_NE(end, std::string::npos);
    const std::string line = dump.substr(at, end - at);
    EXPECT_TRUE(lines.insert(line).second) << line;
    routes += line.rfind("route ", 0) == 0 ? 1 : 0;
    at = end + 1;
  }
  EXPECT_EQ(routes, AllRoutes().size());
  EXPECT_EQ(routes, PlatformRoutes().size() + IdentityRoutes().size() + RiskRoutes().size() +
                        EdgeRoutes().size());
  EXPECT_TRUE(lines.contains(
      "route POST /v1/transfers service=platform scope=payments.write step_up=true"));
  EXPECT_TRUE(lines.contains("route GET /v1/events service=edge scope=events.read step_up=false"));
  EXPECT_TRUE(lines.contains("route POST /v1/apps service=identity scope=admin step_up=false"));
  EXPECT_TRUE(lines.contains("scope accounts.read"));
}

// The pipeline with an API key directory and no executor or identity edge.
class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    platform::Tenant t;
    t.id = kernel::TenantId(7);
    t.seq = 1;
    t.sandbox = true;
    keys_.PutTenant(t);
    admin_key_ = AddKey(101, kernel::Role::kAdmin);
    read_key_ = AddKey(102, kernel::Role::kReadOnly);
  }

  std::string AddKey(u128 id, kernel::Role role) {
    platform::ApiKey k;
    k.id = kernel::ApiKeyId(id);
    k.tenant = kernel::TenantId(7);
    k.role = role;
    const platform::NewKeySecret secret = platform::MakeKeySecret(k.id);
    k.secret_sha256 = secret.secret_sha256;
    keys_.PutKey(k);
    return secret.token;
  }

  ApiHandler& Handler() {
    if (!handler_) handler_ = std::make_unique<ApiHandler>(options_, &keys_, &metrics_, nullptr);
    return *handler_;
  }

  // Every answer in this test comes back before Handle returns (nothing reaches a thread).
  http::Response Send(std::string method, std::string target, std::string key = "",
                      std::string body = "", std::vector<http::Header> headers = {}) {
    http::Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    req.remote_ip = "127.0.0.9";
    req.headers = std::move(headers);
    if (!key.empty()) req.headers.push_back({"Authorization", "Bearer " + key});
    std::optional<http::Response> got;
    Handler().Handle(std::move(req), [&got](http::Response&& r) { got = std::move(r); });
    CB_CHECK(got.has_value());
    return *got;
  }

  static std::string HeaderOf(const http::Response& r, std::string_view name) {
    for (const auto& h : r.headers) {
      if (h.name == name) return h.value;
    }
    return "";
  }

  static bool HasCode(const http::Response& r, std::string_view code) {
    return r.body.find("\"code\":\"" + std::string(code) + "\"") != std::string::npos;
  }

  platform::KeyDirectory keys_;
  gateway::MetricsRegistry metrics_;
  ApiOptions options_;
  std::unique_ptr<ApiHandler> handler_;
  std::string admin_key_, read_key_;
};

TEST_F(RouterTest, OperationalRoutesAnswerWithoutCredentialsAndOnlyToGet) {
  const http::Response health = Send("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
  EXPECT_EQ(Send("GET", "/readyz").status, 503);  // no executor yet: starting
  const http::Response post = Send("POST", "/healthz");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(HeaderOf(post, "Allow"), "GET");
}

TEST_F(RouterTest, EveryAnswerCarriesARequestIdATraceAndNoStore) {
  const http::Response r = Send("GET", "/v1/nope", "", "", {{"X-Request-Id", "req_mine"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(HasCode(r, "route_not_found"));
  EXPECT_EQ(HeaderOf(r, "X-Request-Id"), "req_mine");
  EXPECT_EQ(HeaderOf(r, "traceparent").size(), 55u);
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-store");
  const http::Response bad_id = Send("GET", "/v1/nope", "", "", {{"X-Request-Id", "a\"b"}});
  EXPECT_NE(HeaderOf(bad_id, "X-Request-Id"), "a\"b");  // not echoed into a header
}

TEST_F(RouterTest, AWrongMethodIs405AndAMalformedPathEscapeIs400) {
  const http::Response wrong = Send("DELETE", "/v1/accounts", admin_key_);
  EXPECT_EQ(wrong.status, 405);
  EXPECT_TRUE(HasCode(wrong, "method_not_allowed"));
  const http::Response escape = Send("GET", "/v1/accounts/%zz", admin_key_);
  EXPECT_EQ(escape.status, 400);
  EXPECT_TRUE(HasCode(escape, "parameter_invalid"));
}

TEST_F(RouterTest, MissingAndInvalidCredentialsAre401WithAChallenge) {
  const http::Response none = Send("GET", "/v1/accounts");
  EXPECT_EQ(none.status, 401);
  EXPECT_TRUE(HasCode(none, "authentication_required"));
  EXPECT_EQ(HeaderOf(none, "WWW-Authenticate"), "Bearer");
  const http::Response bad = Send("GET", "/v1/accounts", "sk_not_a_key");
  EXPECT_EQ(bad.status, 401);
  EXPECT_TRUE(HasCode(bad, "invalid_api_key"));
  const http::Response jwt = Send("GET", "/v1/accounts", "eyJh.eyJz.c2ln");
  EXPECT_EQ(jwt.status, 401);
  EXPECT_TRUE(HasCode(jwt, "invalid_token"));
  EXPECT_EQ(HeaderOf(jwt, "WWW-Authenticate").rfind(R"(Bearer error="invalid_token")", 0), 0u);
}

TEST_F(RouterTest, ARoleWithoutTheRoutesScopeIs403) {
  const http::Response r = Send("POST", "/v1/customers", read_key_, "{}",
                                {{"Idempotency-Key", "k1"}, {"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(HasCode(r, "insufficient_permissions"));
}

TEST_F(RouterTest, APostNeedsAnIdempotencyKeyAndJson) {
  const http::Response no_key =
      Send("POST", "/v1/customers", admin_key_, "{}", {{"Content-Type", "application/json"}});
  EXPECT_EQ(no_key.status, 400);
  EXPECT_TRUE(HasCode(no_key, "idempotency_key_missing"));
  const http::Response long_key =
      Send("POST", "/v1/customers", admin_key_, "{}",
           {{"Idempotency-Key", std::string(256, 'k')}, {"Content-Type", "application/json"}});
  EXPECT_EQ(long_key.status, 400);
  EXPECT_TRUE(HasCode(long_key, "parameter_invalid"));
  const http::Response text = Send("POST", "/v1/customers", admin_key_, "{}",
                                   {{"Idempotency-Key", "k2"}, {"Content-Type", "text/plain"}});
  EXPECT_EQ(text.status, 415);
  const http::Response get_body = Send("GET", "/v1/accounts", admin_key_, "{}");
  EXPECT_EQ(get_body.status, 400);
}

TEST_F(RouterTest, TheRoutesBuilderRefusesABadBodyAndAGoodOneWaitsForTheShard) {
  const std::vector<http::Header> json = {{"Idempotency-Key", "k3"},
                                          {"Content-Type", "application/json"}};
  const http::Response bad = Send("POST", "/v1/customers", admin_key_, R"({"nope":1})", json);
  EXPECT_EQ(bad.status, 400);
  const http::Response good = Send("POST", "/v1/customers", admin_key_,
                                   R"({"type":"individual","name":"Ada Lovelace"})", json);
  EXPECT_EQ(good.status, 503);  // decoded and built; no executor to run it
  EXPECT_TRUE(HasCode(good, "unavailable"));
  EXPECT_EQ(HeaderOf(good, "Retry-After"), "1");
}

TEST_F(RouterTest, IdentityRoutesWithoutTheIdentityEdgeAre503) {
  const http::Response r = Send("GET", "/v1/apps", admin_key_);
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(HasCode(r, "unavailable"));
}

TEST_F(RouterTest, TheAddressLimitAnswers429WithRetryAfter) {
  options_.per_ip = {.rate_per_s = 1, .burst = 1};
  EXPECT_EQ(Send("GET", "/v1/accounts", read_key_).status, 503);  // passes every stage
  const http::Response limited = Send("GET", "/v1/accounts", read_key_);
  EXPECT_EQ(limited.status, 429);
  EXPECT_TRUE(HasCode(limited, "rate_limited"));
  EXPECT_EQ(HeaderOf(limited, "Retry-After"), "1");
}

}  // namespace
}  // namespace cb::api
