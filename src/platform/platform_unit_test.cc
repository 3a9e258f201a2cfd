// Platform: exact money parsing, ids, key authentication, and the service driven through a
// real shard (files on disk), including replay and snapshot determinism.
#include <gtest/gtest.h>

#include <random>

#include "base/temp_dir.h"
#include "journal/disk.h"
#include "platform/ids.h"
#include "platform/key_directory.h"
#include "platform/money.h"
#include "platform/service.h"
#include "runtime/shard.h"

namespace cb::platform {
namespace {

using runtime::Command;
using runtime::Reply;

TEST(Money, ParsesExactlyAtTheCurrencyScale) {
  EXPECT_EQ(*ParseAmount("12.34", 2), u128{1234});
  EXPECT_EQ(*ParseAmount("12.3", 2), u128{1230});
  EXPECT_EQ(*ParseAmount("12", 2), u128{1200});
  EXPECT_EQ(*ParseAmount("7", 0), u128{7});
  EXPECT_EQ(*ParseAmount("0.001", 3), u128{1});
  for (const char* bad : {"1.234", "0", "0.00", "-1", "+1", "1e3", " 1", "1 ", ".5", "5.", "",
                          "1.2.3", "1,00", "0x10", "１"}) {
    EXPECT_FALSE(ParseAmount(bad, 2).ok()) << bad;
  }
  EXPECT_FALSE(ParseAmount("7.5", 0).ok());
}

TEST(Money, OverflowIsAnErrorNotAWrap) {
  const std::string max = U128ToString(kU128Max);  // 39 digits
  EXPECT_EQ(*ParseAmount(max, 0), kU128Max);
  std::string over = max;
  over.back() = static_cast<char>(over.back() + 1);
  EXPECT_FALSE(ParseAmount(over, 0).ok());
  EXPECT_FALSE(ParseAmount(max, 2).ok());  // scaling overflows
}

TEST(Money, FormatsWithFullScaleAndSign) {
  EXPECT_EQ(FormatAmount(0, 2), "0.00");
  EXPECT_EQ(FormatAmount(5, 2), "0.05");
  EXPECT_EQ(FormatAmount(1234, 2), "12.34");
  EXPECT_EQ(FormatAmount(5, 0), "5");
  std::string s;
  AppendSignedAmount(&s, 100, 600, 2);
  EXPECT_EQ(s, "-5.00");
  s.clear();
  AppendSignedAmount(&s, 7, 7, 3);
  EXPECT_EQ(s, "0.000");
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10000; i++) {
    const u128 v = (static_cast<u128>(rng()) << 40 | rng()) + 1;
    for (uint8_t scale : {0, 2, 3}) {
      EXPECT_EQ(*ParseAmount(FormatAmount(v, scale), scale), v);
    }
  }
}

TEST(Ids, RoundTripAndRejectMalformed) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 1000; i++) {
    const u128 v = MakeU128(rng(), rng()) | 1;
    const std::string text = FormatId(prefix::kAccount, v);
    ASSERT_EQ(text.size(), prefix::kAccount.size() + kIdBase32Chars);
    u128 back = 0;
    ASSERT_TRUE(ParseId(text, prefix::kAccount, &back));
    EXPECT_EQ(back, v);
    std::string lower = text;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    lower.replace(0, 5, "acct_");
    EXPECT_TRUE(ParseId(lower, prefix::kAccount, &back));
    EXPECT_FALSE(ParseId(text, prefix::kTransfer, &back));
  }
  u128 out = 0;
  const std::string good = FormatId(prefix::kTransfer, 12345);
  EXPECT_FALSE(ParseId(good.substr(0, good.size() - 1), prefix::kTransfer, &out));
  EXPECT_FALSE(ParseId(good + "0", prefix::kTransfer, &out));
  for (char c : {'I', 'L', 'O', 'U', '-', '_'}) {
    std::string bad = good;
    bad.back() = c;
    EXPECT_FALSE(ParseId(bad, prefix::kTransfer, &out)) << c;
  }
  EXPECT_FALSE(ParseId(FormatId(prefix::kTransfer, 0), prefix::kTransfer, &out));
  EXPECT_FALSE(ParseId(FormatId(prefix::kTransfer, kU128Max), prefix::kTransfer, &out));
  std::string overflow = good;
  overflow[prefix::kTransfer.size()] = '8';  // more than 128 bits
  EXPECT_FALSE(ParseId(overflow, prefix::kTransfer, &out));
}

TEST(Ids, RandomIdsAreNonZeroAndDistinct) {
  std::set<u128> seen;
  for (int i = 0; i < 5000; i++) {
    const u128 v = RandomU128();
    EXPECT_NE(v, 0u);
    EXPECT_TRUE(seen.insert(v).second);
  }
}

TEST(KeyDirectory, AuthenticatesOnlyTheExactLiveKey) {
  KeyDirectory dir;
  Tenant t;
  t.id = TenantId(RandomU128());
  t.seq = 1;
  dir.PutTenant(t);
  ApiKey k;
  k.id = ApiKeyId(RandomU128());
  k.tenant = t.id;
  k.role = Role::kOperator;
  const NewKeySecret secret = MakeKeySecret(k.id);
  k.secret_sha256 = secret.secret_sha256;
  dir.PutKey(k);
  const auto p = dir.Authenticate(secret.token);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->tenant, t.id);
  EXPECT_EQ(p->role, Role::kOperator);
  std::string wrong = secret.token;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_FALSE(dir.Authenticate(wrong).has_value());
  EXPECT_FALSE(dir.Authenticate(secret.token.substr(1)).has_value());
  EXPECT_FALSE(dir.Authenticate("").has_value());
  EXPECT_FALSE(dir.Authenticate(MakeKeySecret(ApiKeyId(RandomU128())).token).has_value());
  dir.RevokeKey(k.id);
  EXPECT_FALSE(dir.Authenticate(secret.token).has_value());
}

// The service through a real shard: each Run is one batch, executed and committed.
class PlatformServiceTest : public ::testing::Test {
 protected:
  PlatformServiceTest() { Reopen(); }

  void Reopen() {
    shard_.reset();
    keys_ = std::make_unique<KeyDirectory>();
    service_ = std::make_unique<PlatformService>(keys_.get(), PlatformOptions{});
    runtime::ShardOptions options;
    options.data_dir = JoinPath(tmp_.path(), "data");
    options.service = service_.get();
    runtime::RecoveryInfo info;
    auto shard = runtime::Shard::Open(disk_.get(), options, &info);
    CB_CHECK(shard.ok());
    shard_ = std::move(*shard);
    snapshot_used_ = info.snapshot_used;
  }

  Reply Run(std::shared_ptr<PlatformOp> op) {
    std::vector<Command> commands{runtime::ServiceCmd{std::move(op)}};
    std::vector<const Command*> ptrs{&commands[0]};
    runtime::PreparedBatch batch;
    std::vector<Reply> replies;
    now_ += kNsPerSecond;
    shard_->ExecuteBatch(ptrs, now_, &batch, &replies);
    runtime::PreparedBatch* const batches[] = {&batch};
    CB_CHECK(shard_->Commit(batches).ok());
    return replies.at(0);
  }

  std::shared_ptr<PlatformOp> Op(OpBody body, std::string key = "") {
    auto op = std::make_shared<PlatformOp>();
    op->caller = caller_;
    op->body = std::move(body);
    op->idempotency_key = std::move(key);
    op->request_sha256 = Sha256Of(op->idempotency_key.data(), op->idempotency_key.size());
    return op;
  }

  void Bootstrap() {
    std::string token;
    const Reply r = Run(MakeBootstrapOp("sandbox", &token));
    ASSERT_EQ(r.http_status, 201) << r.body;
    const auto p = keys_->Authenticate(token);
    ASSERT_TRUE(p.has_value());
    caller_ = *p;
  }

  AccountId OpenFundedAccount(CustomerId customer, const char* amount_minor_text) {
    OpenAccountOp open;
    open.id = AccountId(RandomU128());
    open.customer = customer;
    open.currency = "EUR";
    EXPECT_EQ(Run(Op(open)).http_status, 201);
    const u128 amount = *ParseU128(amount_minor_text);
    if (amount > 0) {
      SandboxDepositOp dep{TransferId(RandomU128()), open.id, amount, "EUR"};
      EXPECT_EQ(Run(Op(dep)).http_status, 201);
    }
    return open.id;
  }

  CustomerId NewCustomer() {
    CreateCustomerOp c;
    c.id = CustomerId(RandomU128());
    c.name = "Ada";
    EXPECT_EQ(Run(Op(c)).http_status, 201);
    return c.id;
  }

  std::unique_ptr<Disk> disk_ = NewPosixDisk();
  TempDir tmp_;
  std::unique_ptr<KeyDirectory> keys_;
  std::unique_ptr<PlatformService> service_;
  std::unique_ptr<runtime::Shard> shard_;
  std::string snapshot_used_;
  Principal caller_;
  TimestampNs now_ = 1'800'000'000ull * kNsPerSecond;
};

TEST_F(PlatformServiceTest, TransfersMoveMoneyAndRefuseOverdrafts) {
  Bootstrap();
  const CustomerId c = NewCustomer();
  const AccountId a = OpenFundedAccount(c, "10000");  // 100.00 EUR
  const AccountId b = OpenFundedAccount(c, "0");
  TransferSpec spec;
  spec.id = TransferId(RandomU128());
  spec.from.id = a;
  spec.to.id = b;
  spec.amount_minor = 1234;
  spec.currency = "EUR";
  Reply r = Run(Op(CreateTransferOp{spec}, "t1"));
  ASSERT_EQ(r.http_status, 201) << r.body;
  EXPECT_NE(r.body.find(R"("current":"87.66")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("current":"12.34")"), std::string::npos) << r.body;

  spec.id = TransferId(RandomU128());
  spec.amount_minor = 1'000'000;
  r = Run(Op(CreateTransferOp{spec}, "t2"));
  EXPECT_EQ(r.http_status, 422);
  EXPECT_NE(r.body.find("insufficient_funds"), std::string::npos) << r.body;

  spec.currency = "USD";
  spec.amount_minor = 1;
  spec.id = TransferId(RandomU128());
  r = Run(Op(CreateTransferOp{spec}, "t3"));
  EXPECT_EQ(r.http_status, 422);
  EXPECT_NE(r.body.find("currency_mismatch"), std::string::npos) << r.body;
}

TEST_F(PlatformServiceTest, IdempotencyReplaysByJournalSequenceOr409) {
  Bootstrap();
  CreateCustomerOp c;
  c.id = CustomerId(RandomU128());
  c.name = "Grace";
  auto op = Op(c, "same-key");
  const Reply first = Run(op);
  ASSERT_EQ(first.http_status, 201);
  EXPECT_FALSE(first.replayed);
  const Reply again = Run(op);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.http_status, 201);
  EXPECT_NE(again.replay_seq, 0u);
  // A different request under the same key.
  auto other = Op(c, "same-key");
  other->request_sha256 = Sha256Of("different", 9);
  const Reply conflict = Run(other);
  EXPECT_EQ(conflict.http_status, 409);
  EXPECT_NE(conflict.body.find("idempotency_key_reused"), std::string::npos);
  EXPECT_EQ(service_->state().idempotency_count(), 1u);
}

TEST_F(PlatformServiceTest, TenantsAreIsolatedAndRolesEnforced) {
  Bootstrap();
  const Principal root = caller_;
  const CustomerId c = NewCustomer();
  const AccountId a = OpenFundedAccount(c, "500");
  CreateTenantOp t;
  t.id = TenantId(RandomU128());
  t.name = "other bank";
  t.admin_key_id = ApiKeyId(RandomU128());
  const NewKeySecret secret = MakeKeySecret(t.admin_key_id);
  t.admin_secret_sha256 = secret.secret_sha256;
  t.admin_token = secret.token;
  ASSERT_EQ(Run(Op(t)).http_status, 201);
  caller_ = *keys_->Authenticate(secret.token);
  EXPECT_FALSE(caller_.root);
  Reply r = Run(Op(GetAccountOp{a}));
  EXPECT_EQ(r.http_status, 404) << r.body;
  r = Run(Op(GetBalancesOp{a, std::nullopt}));
  EXPECT_EQ(r.http_status, 404) << r.body;
  // Only the root tenant's admins create tenants.
  t.id = TenantId(RandomU128());
  t.admin_key_id = ApiKeyId(RandomU128());
  EXPECT_EQ(Run(Op(t)).http_status, 403);
  caller_ = root;
  caller_.role = Role::kReadOnly;
  EXPECT_EQ(Run(Op(CreateCustomerOp{CustomerId(RandomU128())})).http_status, 403);
}

TEST_F(PlatformServiceTest, ReplayAndSnapshotRebuildTheSameState) {
  Bootstrap();
  const CustomerId c = NewCustomer();
  const AccountId a = OpenFundedAccount(c, "10000");
  const AccountId b = OpenFundedAccount(c, "0");
  TransferSpec spec;
  spec.id = TransferId(RandomU128());
  spec.from.id = a;
  spec.to.id = b;
  spec.amount_minor = 500;
  spec.currency = "EUR";
  spec.pending = true;
  ASSERT_EQ(Run(Op(CreateTransferOp{spec}, "pending")).http_status, 201);
  PostVoidOp post{spec.id, false, u128{200}};
  const Reply posted = Run(Op(post, "post"));
  ASSERT_EQ(posted.http_status, 201) << posted.body;
  EXPECT_NE(posted.body.find(R"("posted_amount":"2.00")"), std::string::npos) << posted.body;
  CreateApiKeyOp key;
  key.id = ApiKeyId(RandomU128());
  key.role = Role::kReadOnly;
  const NewKeySecret secret = MakeKeySecret(key.id);
  key.secret_sha256 = secret.secret_sha256;
  key.token = secret.token;
  const Reply created_key = Run(Op(key, "key"));
  EXPECT_NE(created_key.body.find(secret.token), std::string::npos);

  const std::string platform_before = service_->CaptureSnapshot();
  const Hash256 ledger_before = shard_->state().StateHash();
  Reopen();  // full replay of the journal
  EXPECT_TRUE(snapshot_used_.empty());
  EXPECT_EQ(service_->CaptureSnapshot(), platform_before);
  EXPECT_EQ(shard_->state().StateHash(), ledger_before);
  EXPECT_TRUE(keys_->Authenticate(secret.token).has_value());

  ASSERT_TRUE(shard_->WriteSnapshot(shard_->CaptureSnapshot()).ok());
  Reopen();  // snapshot, no tail
  EXPECT_FALSE(snapshot_used_.empty());
  EXPECT_EQ(service_->CaptureSnapshot(), platform_before);
  EXPECT_EQ(shard_->state().StateHash(), ledger_before);
  // The recorded answer for the key never holds the secret (it stays in the journal).
  EXPECT_EQ(platform_before.find(secret.token), std::string::npos);
}

}  // namespace
}  // namespace cb::platform
