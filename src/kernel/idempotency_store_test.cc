#include "kernel/idempotency_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cb::kernel {
namespace {

constexpr uint64_t kTtlNs = 1000;

IdempotencyEntry Entry(uint64_t seq, TimestampNs created, uint16_t status = 201) {
  IdempotencyEntry e;
  e.request_sha256[0] = static_cast<uint8_t>(seq);
  e.http_status = status;
  e.seq = seq;
  e.created = created;
  return e;
}

Principal Key(u128 id) {
  Principal p;
  p.tenant = TenantId(7);
  p.kind = PrincipalKind::kApiKey;
  p.key = ApiKeyId(id);
  return p;
}

TEST(IdempotencyStoreTest, KeysAreTheCallersOwn) {
  IdempotencyStore s(kTtlNs);
  const Principal a = Key(1), b = Key(2);
  s.Record(a.tenant, CallerScope(a), "k", Entry(10, 100));
  ASSERT_NE(s.Find(a.tenant, CallerScope(a), "k"), nullptr);
  EXPECT_EQ(s.Find(a.tenant, CallerScope(a), "k")->seq, 10u);
  EXPECT_EQ(s.Find(b.tenant, CallerScope(b), "k"), nullptr);  // another key of the tenant
  EXPECT_EQ(s.Find(TenantId(8), CallerScope(a), "k"), nullptr);
  EXPECT_FALSE(s.has_legacy());
}

TEST(IdempotencyStoreTest, DelegatedAndOwnTokensOfOneUserAreDifferentCallers) {
  Principal own;
  own.kind = PrincipalKind::kAccessToken;
  own.user = UserId(5);
  own.client = AppId(6);
  Principal delegated = own;
  delegated.consent = ConsentId(9);
  delegated.customer = CustomerId(4);
  EXPECT_NE(CallerScope(own), CallerScope(delegated));
  Principal app = own;
  app.user = UserId();
  EXPECT_NE(CallerScope(own), CallerScope(app));
  EXPECT_EQ(CallerScope(own).size(), kCallerScopeBytes);
}

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// The bytes are in every journal's idempotency records since issue 12: they must never
// change, or a retried request would miss its record and run again (V1: tokens' records
// written before the per-customer scope, still looked up).
TEST(IdempotencyStoreTest, CallerScopeBytesAreFixed) {
  const std::string zeros15(30, '0'), zeros16(32, '0');
  EXPECT_EQ(Hex(CallerScope(Key(1))), "01" + std::string("01") + zeros15 + zeros16);
  EXPECT_EQ(CallerScopeV1(Key(1)), CallerScope(Key(1)));
  Principal user;
  user.kind = PrincipalKind::kAccessToken;
  user.user = UserId(5);
  user.client = AppId(6);
  user.consent = ConsentId(9);
  user.customer = CustomerId(4);
  EXPECT_EQ(Hex(CallerScopeV1(user)), "02" + std::string("05") + zeros15 + "09" + zeros15);
  // SHA-256("cb-idem-v2" | app 6 | customer 4), its first 16 bytes.
  uint8_t context[42] = {'c', 'b', '-', 'i', 'd', 'e', 'm', '-', 'v', '2', 6};
  context[26] = 4;
  const Hash256 h = Sha256Of(context, sizeof(context));
  EXPECT_EQ(Hex(CallerScope(user)),
            "12" + std::string("05") + zeros15 +
                Hex(std::string(reinterpret_cast<const char*>(h.data()), 16)));
  Principal app;
  app.kind = PrincipalKind::kAccessToken;
  app.client = AppId(0x0102);
  EXPECT_EQ(Hex(CallerScopeV1(app)), "03" + std::string("0201") + std::string(28, '0') + zeros16);
  EXPECT_EQ(Hex(CallerScope(app)).substr(0, 34), "13" + std::string("0201") + std::string(28, '0'));
  EXPECT_EQ(LegacyCallerScope(), std::string(kCallerScopeBytes, '\0'));
}

// Every sign-in makes a new consent: a retry after signing in again (a step-up) must find
// the record of the first attempt, or it would pay twice.
TEST(IdempotencyStoreTest, TokensOfOneUserAppAndCustomerShareRecordsAcrossConsents) {
  Principal first;
  first.kind = PrincipalKind::kAccessToken;
  first.user = UserId(5);
  first.client = AppId(6);
  first.customer = CustomerId(4);
  first.consent = ConsentId(9);
  Principal again = first;
  again.consent = ConsentId(10);
  EXPECT_EQ(CallerScope(first), CallerScope(again));
  EXPECT_NE(CallerScopeV1(first), CallerScopeV1(again));
  Principal other_app = first;
  other_app.client = AppId(7);
  EXPECT_NE(CallerScope(first), CallerScope(other_app));
  Principal other_customer = first;
  other_customer.customer = CustomerId(3);
  EXPECT_NE(CallerScope(first), CallerScope(other_customer));
}

TEST(IdempotencyStoreTest, ARecordCostsItsEntryAndItsKey) {
  IdempotencyStore s(kTtlNs);
  const Principal a = Key(1);
  s.Record(a.tenant, CallerScope(a), "k", Entry(1, 100));
  EXPECT_EQ(s.bytes(), 128u + 16u + kCallerScopeBytes + 1u);  // entry + tenant|caller|key
  s.Record(a.tenant, CallerScope(a), "key-2", Entry(2, 100));
  EXPECT_EQ(s.bytes(), 2 * (128u + 16u + kCallerScopeBytes) + 1u + 5u);
}

TEST(IdempotencyStoreTest, BytesAreCountedPerCallerTenantAndInAllAndFreedByExpiry) {
  IdempotencyStore s(kTtlNs);
  const Principal a = Key(1), b = Key(2);
  s.Record(a.tenant, CallerScope(a), "k1", Entry(1, 100));
  s.Record(a.tenant, CallerScope(a), "k2", Entry(2, 200));
  s.Record(b.tenant, CallerScope(b), "k1", Entry(3, 300));
  EXPECT_EQ(s.count(), 3u);
  EXPECT_EQ(s.bytes(a.tenant), s.bytes());
  EXPECT_EQ(s.bytes(a.tenant, CallerScope(a)) + s.bytes(b.tenant, CallerScope(b)), s.bytes());
  EXPECT_GT(s.bytes(a.tenant, CallerScope(a)), s.bytes(b.tenant, CallerScope(b)));
  EXPECT_FALSE(s.Expirable(100 + kTtlNs));
  EXPECT_TRUE(s.Expirable(101 + kTtlNs));
  s.ExpireAt(250 + kTtlNs);  // lets k1 and k2 of `a` go
  EXPECT_EQ(s.count(), 1u);
  EXPECT_EQ(s.bytes(a.tenant, CallerScope(a)), 0u);
  EXPECT_EQ(s.Find(a.tenant, CallerScope(a), "k1"), nullptr);
  EXPECT_NE(s.Find(b.tenant, CallerScope(b), "k1"), nullptr);
  s.ExpireCreatedBefore(301);
  EXPECT_EQ(s.count(), 0u);
  EXPECT_EQ(s.bytes(), 0u);
  EXPECT_EQ(s.bytes(a.tenant), 0u);
}

TEST(IdempotencyStoreTest, AKeyRecordedAgainAfterExpiryKeepsItsNewEntry) {
  IdempotencyStore s(kTtlNs);
  const Principal a = Key(1);
  s.Record(a.tenant, CallerScope(a), "k", Entry(1, 100));
  s.ExpireAt(101 + kTtlNs);
  s.Record(a.tenant, CallerScope(a), "k", Entry(2, 101 + kTtlNs));
  s.ExpireCreatedBefore(200);  // the old queue slot is gone already; the new entry stays
  ASSERT_NE(s.Find(a.tenant, CallerScope(a), "k"), nullptr);
  EXPECT_EQ(s.Find(a.tenant, CallerScope(a), "k")->seq, 2u);
}

TEST(IdempotencyStoreTest, LegacyRecordsAreCountedAndSnapshotsListTheLiveOnesOldestFirst) {
  IdempotencyStore s(kTtlNs);
  const Principal a = Key(1);
  s.Record(a.tenant, LegacyCallerScope(), "old", Entry(1, 100));
  s.Record(a.tenant, CallerScope(a), "new", Entry(2, 200));
  EXPECT_TRUE(s.has_legacy());
  std::vector<std::string> keys;
  s.ForEachLive([&](std::string_view tenant, std::string_view caller, std::string_view key,
                    const IdempotencyEntry& e) {
    EXPECT_EQ(tenant, IdBytes(a.tenant.value));
    EXPECT_EQ(caller.size(), kCallerScopeBytes);
    EXPECT_NE(e.seq, 0u);
    keys.emplace_back(key);
  });
  EXPECT_EQ(keys, (std::vector<std::string>{"old", "new"}));
  s.ExpireCreatedBefore(150);
  EXPECT_FALSE(s.has_legacy());
}

TEST(IdempotencyStoreDeathTest, RecordingAHeldKeyAgainIsABrokenInvariant) {
  IdempotencyStore s(kTtlNs);
  const Principal a = Key(1);
  s.Record(a.tenant, CallerScope(a), "k", Entry(1, 100));
  EXPECT_DEATH(s.Record(a.tenant, CallerScope(a), "k", Entry(2, 100)), "");
}

}  // namespace
}  // namespace cb::kernel
