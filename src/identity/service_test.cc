// The identity service driven through a real Shard (journal on disk) beside the platform
// service: the OAuth protocol's state changes (codes once, refresh rotation with reuse
// detection, lockout, consent binding) and that replay and snapshots rebuild the same state.
#include "identity/service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/temp_dir.h"
#include "identity/events.h"
#include "jose/jose.h"
#include "journal/disk.h"
#include "platform/ids.h"
#include "runtime/service_set.h"
#include "runtime/shard.h"

namespace cb::identity {
namespace {

using kernel::Principal;
using runtime::Reply;

constexpr TimestampNs kT0 = 1'700'000'000ull * kNsPerSecond;
const std::string kRedirect = "https://app.example/cb";
const std::string kVerifier = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";

std::string Challenge(std::string_view verifier) {
  const Hash256 h = Sha256Of(verifier.data(), verifier.size());
  return jose::Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(h.data()), 32));
}
Hash256 H(std::string_view s) { return Sha256Of(s.data(), s.size()); }

// One shard process with both services, in destruction-safe order.
struct Node {
  explicit Node(IdentityOptions options = {}) : platform(&keys, {}), identity(&platform, options) {
    services.Add(0, &platform, runtime::kServiceEventTypeFirst, kEventTypeFirst - 1);
    services.Add(kIdentityServiceId, &identity, kEventTypeFirst, kEventTypeLast);
    platform.SetAccessPolicy(&identity);
  }
  platform::KeyDirectory keys;
  platform::PlatformService platform;
  IdentityService identity;
  runtime::ServiceSet services;
  std::unique_ptr<runtime::Shard> shard;
  runtime::RecoveryInfo info;
};

class IdentityServiceTest : public ::testing::Test {
 protected:
  IdentityServiceTest() {
    options_.data_dir = JoinPath(tmp_.path(), "data");
    options_.segment_bytes = 1u << 20;
    options_.durability = journal::Durability::kNone;
  }

  std::unique_ptr<Node> Open() {
    auto node = std::make_unique<Node>(identity_options_);
    runtime::ShardOptions o = options_;
    o.service = &node->services;
    auto shard = runtime::Shard::Open(disk_.get(), o, &node->info);
    EXPECT_TRUE(shard.ok()) << shard.status().ToString();
    node->shard = std::move(*shard);
    return node;
  }

  Reply Run(Node* node, std::shared_ptr<runtime::ServiceOp> op) {
    runtime::Command command = runtime::ServiceCmd{std::move(op)};
    const runtime::Command* ptrs[] = {&command};
    runtime::PreparedBatch batch;
    std::vector<Reply> replies;
    now_ += kNsPerSecond;
    node->shard->ExecuteBatch(ptrs, now_, &batch, &replies);
    runtime::PreparedBatch* const batches[] = {&batch};
    EXPECT_TRUE(node->shard->Commit(batches).ok());
    return std::move(replies.at(0));
  }

  Reply RunIdentity(Node* node, IdentityOpBody body, const Principal& who) {
    auto op = std::make_shared<IdentityOp>();
    op->caller = who;
    op->trace_id = "t";
    op->body = std::move(body);
    return Run(node, std::move(op));
  }
  OAuthResult OAuth(Node* node, IdentityOpBody body) {
    Reply r = RunIdentity(node, std::move(body), admin_);
    const auto* res = std::any_cast<OAuthResult>(&r.service_result);
    CB_CHECK(res != nullptr);
    return *res;
  }
  Reply Platform(Node* node, platform::OpBody body) {
    auto op = std::make_shared<platform::PlatformOp>();
    op->caller = admin_;
    op->body = std::move(body);
    return Run(node, std::move(op));
  }

  // Tenant, customer with two accounts, another customer's account, an app and a user.
  void Setup(Node* node, bool rotation = true) {
    std::string token;
    Reply r = Run(node, platform::MakeBootstrapOp("root", &token));
    ASSERT_EQ(r.http_status, 201) << r.body;
    admin_ = *node->keys.Authenticate(token);
    platform::CreateCustomerOp c;
    c.id = customer_ = CustomerId(kernel::RandomU128());
    c.name = "Ada";
    ASSERT_EQ(Platform(node, c).http_status, 201);
    c.id = other_customer_ = CustomerId(kernel::RandomU128());
    c.name = "Bob";
    ASSERT_EQ(Platform(node, c).http_status, 201);
    for (AccountId* a : {&account_, &second_account_, &other_account_}) {
      platform::OpenAccountOp o;
      o.id = *a = AccountId(kernel::RandomU128());
      o.settlement_id = AccountId(kernel::RandomU128());
      o.customer = a == &other_account_ ? other_customer_ : customer_;
      o.currency = "EUR";
      ASSERT_EQ(Platform(node, o).http_status, 201);
    }
    CreateAppOp app;
    app.id = app_ = AppId(kernel::RandomU128());
    app.spec.name = "tpp";
    app.spec.redirect_uris = {kRedirect};
    app.spec.grant_types = kGrantAuthorizationCode | kGrantRefreshToken;
    app.spec.scopes = kernel::kScopeAccountsRead | kernel::kScopeBalancesRead;
    app.spec.refresh_rotation = rotation;
    app.secret_sha256 = H("secret");
    ASSERT_EQ(RunIdentity(node, app, admin_).http_status, 201);
    CreateUserOp u;
    u.id = user_ = UserId(kernel::RandomU128());
    u.username = "ada";
    u.password_hash = "$argon2id$test";
    u.customer = customer_;
    ASSERT_EQ(RunIdentity(node, u, admin_).http_status, 201);
  }

  // Authorization request, password login, approval: returns the code.
  std::string Authorize(Node* node, std::vector<AccountId> accounts, bool* ok = nullptr) {
    AuthRequest r;
    r.id = RequestId(kernel::RandomU128());
    r.tenant = admin_.tenant;
    r.client = app_;
    r.redirect_uri = kRedirect;
    r.scopes = kernel::kScopeAccountsRead | kernel::kScopeBalancesRead | kernel::kScopeOpenId;
    r.code_challenge = Challenge(kVerifier);
    r.expires = now_ + 600 * kNsPerSecond;
    EXPECT_TRUE(OAuth(node, CreateAuthRequestOp{r}).error.empty());
    LoginOp login;
    login.request = r.id;
    login.user = user_;
    login.password_ok = true;
    login.session_id = session_ = SessionId(kernel::RandomU128());
    login.session_secret_sha256 = H("session");
    login.device_sha256 = H("device");
    login.session_ttl_ns = 3600 * kNsPerSecond;
    EXPECT_TRUE(OAuth(node, login).error.empty());
    const std::string code = "code-" + std::to_string(codes_++);
    DecideOp d;
    d.request = r.id;
    d.session = session_;
    d.approve = true;
    d.accounts = std::move(accounts);
    d.code_sha256 = H(code);
    d.new_consent = ConsentId(kernel::RandomU128());
    d.consent_ttl_ns = 86400 * kNsPerSecond;
    d.code_ttl_ns = 60 * kNsPerSecond;
    const OAuthResult res = OAuth(node, d);
    if (ok != nullptr) *ok = res.error.empty();
    if (res.error.empty()) {
      EXPECT_EQ(res.redirect_uri, kRedirect);
    }
    return code;
  }

  OAuthResult Redeem(Node* node, const std::string& code, const std::string& refresh,
                     std::string verifier = kVerifier) {
    RedeemCodeOp op;
    op.client = app_;
    op.code_sha256 = H(code);
    op.redirect_uri = kRedirect;
    op.code_verifier = std::move(verifier);
    op.grant_id = GrantId(kernel::RandomU128());
    op.refresh_sha256 = H(refresh);
    op.refresh_ttl_ns = 30 * 86400 * kNsPerSecond;
    return OAuth(node, op);
  }
  OAuthResult Refresh(Node* node, const std::string& token, const std::string& next,
                      std::optional<ScopeSet> scopes = std::nullopt) {
    RefreshOp op;
    op.client = app_;
    op.refresh_sha256 = H(token);
    op.new_refresh_sha256 = H(next);
    op.scopes = scopes;
    return OAuth(node, op);
  }

  TempDir tmp_;
  std::unique_ptr<Disk> disk_ = NewPosixDisk();
  runtime::ShardOptions options_;
  IdentityOptions identity_options_;
  TimestampNs now_ = kT0;
  Principal admin_;
  CustomerId customer_, other_customer_;
  AccountId account_, second_account_, other_account_;
  AppId app_;
  UserId user_;
  SessionId session_;
  int codes_ = 0;
};

TEST_F(IdentityServiceTest, AtItsCapAnAppsOldestOpenRequestMakesRoomAndOtherAppsAreUntouched) {
  identity_options_.auth_requests_per_client_max = 2;
  auto node = Open();
  Setup(node.get());
  CreateAppOp other;
  other.id = AppId(kernel::RandomU128());
  other.spec.name = "other";
  other.spec.redirect_uris = {kRedirect};
  other.spec.grant_types = kGrantAuthorizationCode;
  other.spec.scopes = kernel::kScopeAccountsRead;
  other.secret_sha256 = H("other");
  ASSERT_EQ(RunIdentity(node.get(), other, admin_).http_status, 201);
  std::vector<RequestId> ids;
  auto request = [&](AppId client) {
    AuthRequest r;
    r.id = RequestId(kernel::RandomU128());
    ids.push_back(r.id);
    r.tenant = admin_.tenant;
    r.client = client;
    r.redirect_uri = kRedirect;
    r.scopes = kernel::kScopeAccountsRead;
    r.code_challenge = Challenge(kVerifier);
    r.expires = now_ + 600 * kNsPerSecond;
    return OAuth(node.get(), CreateAuthRequestOp{r}).error;
  };
  EXPECT_EQ(request(app_), "");
  EXPECT_EQ(request(app_), "");
  EXPECT_EQ(request(other.id), "");
  // The app's share is full: a new request still starts, and the oldest open one ends.
  EXPECT_EQ(request(app_), "");
  EXPECT_EQ(node->identity.state().request_count(app_), 2u);
  EXPECT_TRUE(node->identity.state().FindRequest(ids[0])->finished);
  EXPECT_FALSE(node->identity.state().FindRequest(ids[1])->finished);
  EXPECT_FALSE(node->identity.state().FindRequest(ids[3])->finished);
  // Another app's request was never the one pushed out.
  EXPECT_FALSE(node->identity.state().FindRequest(ids[2])->finished);
  EXPECT_EQ(node->identity.state().request_count(other.id), 1u);
}

TEST_F(IdentityServiceTest, CodeRedeemsOnceAndASecondRedemptionRevokesItsGrant) {
  auto node = Open();
  Setup(node.get());
  const std::string code = Authorize(node.get(), {account_});
  const OAuthResult first = Redeem(node.get(), code, "rt-1");
  ASSERT_TRUE(first.error.empty()) << first.error_description;
  EXPECT_TRUE(first.refresh_issued);
  EXPECT_EQ(first.grant.user, user_);
  EXPECT_EQ(first.grant.customer, customer_);
  EXPECT_FALSE(first.grant.consent.zero());
  EXPECT_FALSE(node->identity.state().FindGrant(first.grant.grant)->revoked);

  const OAuthResult replay = Redeem(node.get(), code, "rt-2");
  EXPECT_EQ(replay.error, "invalid_grant");
  EXPECT_TRUE(node->identity.state().FindGrant(first.grant.grant)->revoked);
  EXPECT_EQ(node->identity.state().FindGrant(first.grant.grant)->revoked_reason, "code_replay");
  EXPECT_EQ(Refresh(node.get(), "rt-1", "rt-3").error, "invalid_grant");  // its refresh too
}

TEST_F(IdentityServiceTest, PkceVerifierAndRedirectUriMustMatchTheRequest) {
  auto node = Open();
  Setup(node.get());
  const std::string code = Authorize(node.get(), {account_});
  EXPECT_EQ(Redeem(node.get(), code, "rt", "wrong" + kVerifier.substr(5)).error, "invalid_grant");
  RedeemCodeOp op;
  op.client = app_;
  op.code_sha256 = H(code);
  op.redirect_uri = "https://evil.example/cb";
  op.code_verifier = kVerifier;
  op.grant_id = GrantId(kernel::RandomU128());
  EXPECT_EQ(OAuth(node.get(), op).error, "invalid_grant");
  // Neither attempt used the code up: the legitimate client still redeems it.
  EXPECT_TRUE(Redeem(node.get(), code, "rt").error.empty());
}

TEST_F(IdentityServiceTest, RotatedRefreshTokenUsedAgainRevokesTheWholeGrant) {
  auto node = Open();
  Setup(node.get());
  const OAuthResult first = Redeem(node.get(), Authorize(node.get(), {account_}), "rt-1");
  const OAuthResult second = Refresh(node.get(), "rt-1", "rt-2");
  ASSERT_TRUE(second.error.empty()) << second.error_description;
  EXPECT_TRUE(second.refresh_issued);
  EXPECT_EQ(second.grant.grant, first.grant.grant);
  EXPECT_EQ(Refresh(node.get(), "rt-1", "rt-x").error, "invalid_grant");  // reuse
  EXPECT_EQ(node->identity.state().FindGrant(first.grant.grant)->revoked_reason, "refresh_reuse");
  EXPECT_EQ(Refresh(node.get(), "rt-2", "rt-3").error, "invalid_grant");  // the family is dead
}

TEST_F(IdentityServiceTest, WithoutRotationTheSameRefreshTokenKeepsWorking) {
  auto node = Open();
  Setup(node.get(), /*rotation=*/false);
  Redeem(node.get(), Authorize(node.get(), {account_}), "rt-1");
  for (int i = 0; i < 3; i++) {
    const OAuthResult r = Refresh(node.get(), "rt-1", "unused-" + std::to_string(i));
    EXPECT_TRUE(r.error.empty()) << r.error_description;
    EXPECT_FALSE(r.refresh_issued);
  }
}

TEST_F(IdentityServiceTest, RefreshCannotWidenTheScopeButMayNarrowIt) {
  auto node = Open();
  Setup(node.get());
  Redeem(node.get(), Authorize(node.get(), {account_}), "rt-1");
  EXPECT_EQ(
      Refresh(node.get(), "rt-1", "rt-2", kernel::kScopeAccountsRead | kernel::kScopePaymentsWrite)
          .error,
      "invalid_scope");
  const OAuthResult narrow = Refresh(node.get(), "rt-1", "rt-3", kernel::kScopeAccountsRead);
  ASSERT_TRUE(narrow.error.empty()) << narrow.error_description;
  EXPECT_EQ(narrow.grant.scopes, kernel::kScopeAccountsRead);
}

TEST_F(IdentityServiceTest, FiveWrongPasswordsLockTheUserEvenForTheRightOne) {
  auto node = Open();
  Setup(node.get());
  AuthRequest r;
  r.id = RequestId(kernel::RandomU128());
  r.tenant = admin_.tenant;
  r.client = app_;
  r.redirect_uri = kRedirect;
  r.scopes = kernel::kScopeAccountsRead;
  r.code_challenge = Challenge(kVerifier);
  r.expires = now_ + 3600 * kNsPerSecond;
  ASSERT_TRUE(OAuth(node.get(), CreateAuthRequestOp{r}).error.empty());
  LoginOp login;
  login.request = r.id;
  login.user = user_;
  login.session_ttl_ns = 3600 * kNsPerSecond;
  for (int i = 1; i <= 5; i++) {
    const OAuthResult res = OAuth(node.get(), login);
    EXPECT_EQ(res.error, "access_denied");
    EXPECT_EQ(res.locked, i == 5) << i;
  }
  login.password_ok = true;
  login.session_id = SessionId(kernel::RandomU128());
  login.session_secret_sha256 = H("s");
  const OAuthResult locked = OAuth(node.get(), login);
  EXPECT_TRUE(locked.locked);
  EXPECT_EQ(node->identity.state().session_count(), 0u);
  now_ += 16 * 60 * kNsPerSecond;  // past the 15-minute lockout
  const OAuthResult later = OAuth(node.get(), login);
  EXPECT_TRUE(later.error.empty()) << later.error_description;
  EXPECT_EQ(node->identity.state().FindUser(user_)->lockout.failures_in_row, 0u);
  EXPECT_TRUE(later.new_device);  // first login from this device cookie
}

// Answers must not tell which usernames exist: an unknown one fails the same way, through
// the same journaled step, and locks out after the same number of attempts.
TEST_F(IdentityServiceTest, UnknownUsernameFailsAndLocksOutExactlyLikeAKnownOne) {
  auto node = Open();
  Setup(node.get());
  AuthRequest r;
  r.id = RequestId(kernel::RandomU128());
  r.tenant = admin_.tenant;
  r.client = app_;
  r.redirect_uri = kRedirect;
  r.scopes = kernel::kScopeAccountsRead;
  r.code_challenge = Challenge(kVerifier);
  r.expires = now_ + 3600 * kNsPerSecond;
  ASSERT_TRUE(OAuth(node.get(), CreateAuthRequestOp{r}).error.empty());
  LoginOp known;
  known.request = r.id;
  known.user = user_;
  known.username_sha256 = H("tenant|ada");
  LoginOp unknown = known;
  unknown.user = UserId();
  unknown.username_sha256 = H("tenant|nobody");
  unknown.password_ok = true;  // a right password for no user is still a failure
  for (int i = 1; i <= 5; i++) {
    const OAuthResult a = OAuth(node.get(), known);
    const OAuthResult b = OAuth(node.get(), unknown);
    EXPECT_EQ(a.error, b.error) << i;
    EXPECT_EQ(a.error_description, b.error_description) << i;
    EXPECT_EQ(a.locked, b.locked) << i;
    EXPECT_EQ(b.locked, i == 5) << i;
  }
  EXPECT_TRUE(OAuth(node.get(), unknown).locked);
  // Another unknown username is not locked by this one's failures.
  LoginOp other = unknown;
  other.username_sha256 = H("tenant|someone-else");
  EXPECT_FALSE(OAuth(node.get(), other).locked);
  // The lockout is state like any other: a restart (replay, then snapshot) keeps it.
  node.reset();
  node = Open();
  EXPECT_TRUE(node->identity.state()
                  .UnknownUserLockout(admin_.tenant, unknown.username_sha256)
                  .locked_until_ns > now_);
  const std::string before = node->identity.state().EncodeSnapshot();
  const runtime::SnapshotJob job = node->shard->CaptureSnapshot();
  ASSERT_TRUE(node->shard->WriteSnapshot(job).ok());
  node.reset();
  node = Open();
  EXPECT_EQ(node->identity.state().EncodeSnapshot(), before);
  EXPECT_TRUE(OAuth(node.get(), unknown).locked);
}

TEST_F(IdentityServiceTest, ConsentCoversOnlyTheChosenAccountsAndEndsWhenRevoked) {
  auto node = Open();
  Setup(node.get());
  bool ok = false;
  Authorize(node.get(), {other_account_}, &ok);  // another customer's account
  EXPECT_FALSE(ok);
  const OAuthResult t = Redeem(node.get(), Authorize(node.get(), {account_}), "rt");
  ASSERT_TRUE(t.error.empty());
  Principal p = admin_;
  p.kind = kernel::PrincipalKind::kAccessToken;
  p.client = app_;
  p.user = user_;
  p.customer = customer_;
  p.consent = t.grant.consent;
  EXPECT_TRUE(node->identity.ConsentActive(p, now_));
  EXPECT_TRUE(node->identity.ConsentCovers(p, account_, kernel::kScopeBalancesRead));
  EXPECT_FALSE(node->identity.ConsentCovers(p, second_account_, kernel::kScopeBalancesRead));
  EXPECT_FALSE(node->identity.ConsentCovers(p, account_, kernel::kScopePaymentsWrite));

  // The platform applies it: the consented account's balance, not the other one's.
  auto get = [&](AccountId id) {
    auto op = std::make_shared<platform::PlatformOp>();
    op->caller = p;
    op->caller.scopes = kernel::kScopeBalancesRead;
    op->body = platform::GetBalancesOp{id, std::nullopt};
    return Run(node.get(), std::move(op));
  };
  EXPECT_EQ(get(account_).http_status, 200);
  EXPECT_EQ(get(second_account_).http_status, 403);  // own, not consented
  EXPECT_EQ(get(other_account_).http_status, 404);   // someone else's

  RevokeConsentOp revoke{t.grant.consent};
  EXPECT_EQ(RunIdentity(node.get(), revoke, admin_).http_status, 200);
  EXPECT_FALSE(node->identity.ConsentActive(p, now_));
  EXPECT_EQ(get(account_).http_status, 403);  // consent_inactive
  EXPECT_EQ(Refresh(node.get(), "rt", "rt-2").error, "invalid_grant");
}

TEST_F(IdentityServiceTest, ReplayAndSnapshotRebuildTheSameIdentityState) {
  std::string before;
  {
    auto node = Open();
    Setup(node.get());
    const OAuthResult t = Redeem(node.get(), Authorize(node.get(), {account_}), "rt-1");
    Refresh(node.get(), "rt-1", "rt-2");
    Refresh(node.get(), "rt-1", "rt-3");  // reuse: grant revoked
    Authorize(node.get(), {account_, second_account_});
    RevokeTokenOp rv;
    rv.client = app_;
    rv.jti = "jti-1";
    rv.jti_expires = now_ + 300 * kNsPerSecond;
    OAuth(node.get(), rv);
    before = node->identity.CaptureSnapshot();
    EXPECT_TRUE(node->identity.state().JtiRevoked("jti-1"));
    ASSERT_TRUE(node->shard->WriteSnapshot(node->shard->CaptureSnapshot()).ok());
  }
  {
    auto from_snapshot = Open();
    EXPECT_FALSE(from_snapshot->info.snapshot_used.empty());
    EXPECT_EQ(from_snapshot->identity.CaptureSnapshot(), before);
  }
  std::filesystem::remove_all(JoinPath(options_.data_dir, "snapshots"));
  auto replayed = Open();
  EXPECT_TRUE(replayed->info.snapshot_used.empty());
  EXPECT_EQ(replayed->identity.CaptureSnapshot(), before);
}

// A module's scope (registered by name, no fixed bit) granted to an app is stored in the
// app's event by name, and replay and snapshots give it back.
TEST_F(IdentityServiceTest, AModulesScopeGrantedToAnAppSurvivesReplayAndSnapshot) {
  static const kernel::ScopeSet widgets =
      *kernel::RegisterScope("widgets.read", kernel::ScopeClass::kRead);
  ASSERT_TRUE(widgets.has_named());
  const AppId id(kernel::RandomU128());
  {
    auto node = Open();
    Setup(node.get());
    CreateAppOp app;
    app.id = id;
    app.spec.name = "widget app";
    app.spec.redirect_uris = {kRedirect};
    app.spec.grant_types = kGrantAuthorizationCode;
    app.spec.scopes = kernel::kScopeAccountsRead | widgets;
    app.secret_sha256 = H("w");
    ASSERT_EQ(RunIdentity(node.get(), app, admin_).http_status, 201);
    ASSERT_EQ(node->identity.state().FindApp(id)->scopes, kernel::kScopeAccountsRead | widgets);
    ASSERT_TRUE(node->shard->WriteSnapshot(node->shard->CaptureSnapshot()).ok());
  }
  {
    auto from_snapshot = Open();
    ASSERT_NE(from_snapshot->identity.state().FindApp(id), nullptr);
    EXPECT_EQ(from_snapshot->identity.state().FindApp(id)->scopes,
              kernel::kScopeAccountsRead | widgets);
  }
  std::filesystem::remove_all(JoinPath(options_.data_dir, "snapshots"));
  auto replayed = Open();
  ASSERT_NE(replayed->identity.state().FindApp(id), nullptr);
  EXPECT_EQ(replayed->identity.state().FindApp(id)->scopes, kernel::kScopeAccountsRead | widgets);
}

}  // namespace
}  // namespace cb::identity
