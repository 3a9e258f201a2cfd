// Idempotency records belong to the caller that made them, and each tenant has its own
// share of the store: one tenant filling it cannot make another's POSTs fail.
#include <gtest/gtest.h>

#include "platform/service_test_util.h"

namespace cb::platform {
namespace {

using namespace cb::platform::testing;

class IdempotencyScopeTest : public PlatformServiceTest {
 protected:
  CreateCustomerOp NewCustomer(std::string name) {
    CreateCustomerOp c;
    c.id = CustomerId(RandomU128());
    c.name = std::move(name);
    return c;
  }
};

TEST_F(IdempotencyScopeTest, SameKeyFromAnotherCallerIsItsOwnRequestNotAReplay) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  const Principal other_key = CreateKey(node.get(), root, Role::kOperator);
  Reply first = Run(node.get(), Op(root, NewCustomer("ada"), "shared-key", "body"));
  ASSERT_EQ(first.http_status, 201) << first.body;
  // The same key and body from another API key of the tenant: executed for that caller.
  Reply second = Run(node.get(), Op(other_key, NewCustomer("ada"), "shared-key", "body"));
  ASSERT_EQ(second.http_status, 201) << second.body;
  EXPECT_FALSE(second.replayed);
  EXPECT_NE(Field(second.body, "id"), Field(first.body, "id"));
  // Each caller's retry replays its own answer.
  Reply again = Run(node.get(), Op(other_key, NewCustomer("ada"), "shared-key", "body"));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(Field(ClientBody(node.get(), again), "id"), Field(second.body, "id"));
  // A customer's token of an app, bound to a consent, is yet another caller.
  Principal delegated = root;
  delegated.kind = PrincipalKind::kAccessToken;
  delegated.client = kernel::AppId(7);
  delegated.user = kernel::UserId(9);
  delegated.consent = kernel::ConsentId(11);
  delegated.customer = kernel::CustomerId(13);
  EXPECT_NE(CallerScope(delegated), CallerScope(root));
  Principal undelegated = delegated;
  undelegated.consent = kernel::ConsentId(0);
  undelegated.customer = kernel::CustomerId();
  EXPECT_NE(CallerScope(delegated), CallerScope(undelegated));
}

// A record written before keys were scoped per caller has no caller: a retry after the
// upgrade (within the TTL) must still replay it, not pay a second time.
TEST_F(IdempotencyScopeTest, RecordFromBeforeCallerScopingStillReplays) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  Reply first = Run(node.get(), Op(root, NewCustomer("ada"), "old-key", "body"));
  ASSERT_EQ(first.http_status, 201) << first.body;
  // The same answer as an old journal would hold it: no caller.
  pb::IdempotencyRecorded legacy;
  legacy.set_tenant_id(IdBytes(root.tenant.value));
  legacy.set_key("legacy-key");
  const Hash256 request = Sha256Of("body", 4);
  legacy.set_request_sha256(request.data(), request.size());
  legacy.set_http_status(201);
  legacy.set_created_ns(now_);
  const std::string payload = legacy.SerializeAsString();
  const journal::EventView ev{static_cast<uint16_t>(EventType::kIdempotencyRecorded),
                              kEventVersion,
                              {reinterpret_cast<const uint8_t*>(payload.data()), payload.size()}};
  ASSERT_TRUE(node->service.ApplyEvent(ev, first.seq_first, now_).ok());
  const size_t customers = node->service.state().Lists(root.tenant)->customers.size();
  Reply retry = Run(node.get(), Op(root, NewCustomer("ada"), "legacy-key", "body"));
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.replay_seq, first.seq_first);
  EXPECT_EQ(node->service.state().Lists(root.tenant)->customers.size(), customers);
  // A different body under the old key is still a reuse.
  Reply other = Run(node.get(), Op(root, NewCustomer("eve"), "legacy-key", "other body"));
  EXPECT_EQ(other.http_status, 409) << other.body;
  // And after a snapshot restore (which writes the old record's empty caller as zeros).
  const runtime::SnapshotJob job = node->shard->CaptureSnapshot();
  ASSERT_TRUE(node->shard->WriteSnapshot(job).ok());
  node.reset();
  node = Open();
  ASSERT_NE(node, nullptr);
  ASSERT_FALSE(node->info.snapshot_used.empty());
  Reply again = Run(node.get(), Op(root, NewCustomer("ada"), "legacy-key", "body"));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.replay_seq, first.seq_first);
}

// A token's record written when tokens' records were per consent (CallerScopeV1): a retry
// after the upgrade (within the TTL) must replay it, not pay a second time.
TEST_F(IdempotencyScopeTest, TokenRecordFromBeforeThePerCustomerScopeStillReplays) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  Principal user = root;
  user.kind = PrincipalKind::kAccessToken;
  user.client = kernel::AppId(7);
  user.user = kernel::UserId(9);
  ASSERT_NE(CallerScope(user), CallerScopeV1(user));
  Reply first = Run(node.get(), Op(user, NewCustomer("ada"), "first-key", "body"));
  ASSERT_EQ(first.http_status, 201) << first.body;
  pb::IdempotencyRecorded old;
  old.set_tenant_id(IdBytes(root.tenant.value));
  old.set_key("v1-key");
  old.set_caller(CallerScopeV1(user));
  const Hash256 request = Sha256Of("body", 4);
  old.set_request_sha256(request.data(), request.size());
  old.set_http_status(201);
  old.set_created_ns(now_);
  const std::string payload = old.SerializeAsString();
  const journal::EventView ev{static_cast<uint16_t>(EventType::kIdempotencyRecorded),
                              kEventVersion,
                              {reinterpret_cast<const uint8_t*>(payload.data()), payload.size()}};
  ASSERT_TRUE(node->service.ApplyEvent(ev, first.seq_first, now_).ok());
  const size_t customers = node->service.state().Lists(root.tenant)->customers.size();
  Reply retry = Run(node.get(), Op(user, NewCustomer("ada"), "v1-key", "body"));
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.replay_seq, first.seq_first);
  EXPECT_EQ(node->service.state().Lists(root.tenant)->customers.size(), customers);
  // An API key of the tenant sending that key is another caller: executed for it.
  Reply key = Run(node.get(), Op(root, NewCustomer("ada"), "v1-key", "body"));
  EXPECT_FALSE(key.replayed);
}

TEST_F(IdempotencyScopeTest, FullTenantQuotaRefusesThatTenantOnlyUntilItsKeysExpire) {
  platform_options_.idempotency_tenant_bytes_max = 4000;
  platform_options_.idempotency_ttl_ns = 3600 * kNsPerSecond;
  auto node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  const Principal noisy = CreateTenant(node.get(), root, "noisy", true);
  const Principal quiet = CreateTenant(node.get(), root, "quiet", true);
  Reply r;
  int accepted = 0;
  for (int i = 0; i < 100; i++) {
    r = Run(node.get(), Op(noisy, NewCustomer("c"), "k-" + std::to_string(i), "b"));
    if (r.http_status != 201) break;
    accepted++;
  }
  EXPECT_GT(accepted, 5);
  EXPECT_EQ(r.http_status, 429) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "idempotency_quota_exceeded");
  EXPECT_LE(node->service.state().idempotency_bytes(noisy.tenant), 4000u + 400u);
  // Another tenant is not affected.
  EXPECT_EQ(Run(node.get(), Op(quiet, NewCustomer("q"), "q-1", "b")).http_status, 201);
  // Unkeyed work (reads) still runs for the noisy tenant.
  EXPECT_EQ(Run(node.get(), Op(noisy, ListCustomersOp{})).http_status, 200);
  // Once its keys are past the TTL they expire and the tenant may write again.
  now_ += 2 * 3600 * kNsPerSecond;
  EXPECT_EQ(Run(node.get(), Op(noisy, NewCustomer("c"), "later", "b")).http_status, 201);
  EXPECT_LT(node->service.state().idempotency_bytes(noisy.tenant), 1000u);
  // The expiry was journaled: a replay frees exactly the same entries.
  const std::string before = node->service.state().EncodeSnapshot();
  node.reset();
  node = Open();
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(CanonicalSnapshot(node->service.state().EncodeSnapshot()), CanonicalSnapshot(before));
  EXPECT_LT(node->service.state().idempotency_bytes(noisy.tenant), 1000u);
}

// One key filling its share leaves the tenant's other callers writing, and never keeps an
// admin from revoking it.
TEST_F(IdempotencyScopeTest, OneCallerFillsOnlyItsShareAndCanStillBeRevoked) {
  platform_options_.idempotency_caller_bytes_max = 3000;
  platform_options_.idempotency_tenant_bytes_max = 1 << 20;
  auto node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  const Principal noisy = CreateKey(node.get(), root, Role::kOperator);
  Reply r;
  for (int i = 0; i < 100; i++) {
    r = Run(node.get(), Op(noisy, NewCustomer("c"), "n-" + std::to_string(i), "b"));
    if (r.http_status != 201) break;
  }
  EXPECT_EQ(r.http_status, 429) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "idempotency_quota_exceeded");
  EXPECT_LE(node->service.state().idempotency_bytes(noisy.tenant, CallerScope(noisy)), 3500u);
  EXPECT_EQ(Run(node.get(), Op(root, NewCustomer("ok"), "r-1", "b")).http_status, 201);
  // The admin fills its own share too; revoking the noisy key still goes through.
  for (int i = 0; i < 100; i++) {
    if (Run(node.get(), Op(root, NewCustomer("c"), "a-" + std::to_string(i), "b")).http_status !=
        201) {
      break;
    }
  }
  EXPECT_EQ(Run(node.get(), Op(root, NewCustomer("x"), "a-full", "b")).http_status, 429);
  const Reply revoked = Run(node.get(), Op(root, RevokeApiKeyOp{noisy.key}, "revoke", "r"));
  EXPECT_EQ(revoked.http_status, 200) << revoked.body;
  EXPECT_TRUE(node->service.state().FindKey(noisy.key)->revoked);
}

}  // namespace
}  // namespace cb::platform
