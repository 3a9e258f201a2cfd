// PlatformService driven through a real Shard (journal on disk in a TempDir): the answers
// the REST API would send, and that a reopened shard (journal replay or snapshot + tail)
// rebuilds exactly the same platform and ledger state.
#include "platform/service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/temp_dir.h"
#include "journal/disk.h"
#include "journal/reader.h"
#include "platform/events.h"
#include "platform/ids.h"
#include "platform/service_test_util.h"
#include "runtime/shard.h"

namespace cb::platform {
namespace {

using namespace cb::platform::testing;
using runtime::Reply;

TEST_F(PlatformServiceTest, BootstrapCreatesTheRootTenantAndItsTokenAuthenticates) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  std::string token;
  auto op = MakeBootstrapOp("root", &token);
  const auto& t = std::get<CreateTenantOp>(op->body);
  EXPECT_EQ(token, t.admin_token);
  const Reply r = Run(node.get(), op);
  ASSERT_EQ(r.http_status, 201) << r.body;
  EXPECT_EQ(Field(r.body, "object"), "tenant");
  EXPECT_EQ(Field(r.body, "id"), FormatId(prefix::kTenant, t.id.value));
  EXPECT_EQ(Field(r.body, "name"), "root");
  EXPECT_EQ(Field(r.body, "sandbox"), "true");
  EXPECT_EQ(Field(r.body, "secret"), token);  // shown once
  EXPECT_EQ(Field(r.body, "role"), "admin");

  const auto p = node->keys.Authenticate(token);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->tenant, t.id);
  EXPECT_EQ(p->key, t.admin_key_id);
  EXPECT_TRUE(p->root);
  EXPECT_TRUE(p->sandbox);
  EXPECT_EQ(p->tenant_seq, 1u);
  EXPECT_EQ(p->role, Role::kAdmin);

  ASSERT_EQ(node->service.state().tenant_order().size(), 1u);
  const Tenant* tenant = node->service.state().FindTenant(t.id);
  ASSERT_NE(tenant, nullptr);
  EXPECT_TRUE(tenant->root);
  EXPECT_EQ(tenant->created, r.timestamp);

  // A second bootstrap (a caller of no tenant) is refused once a tenant exists.
  std::string token2;
  const Reply again = Run(node.get(), MakeBootstrapOp("root2", &token2));
  EXPECT_EQ(again.http_status, 401) << again.body;
  EXPECT_FALSE(node->keys.Authenticate(token2).has_value());
  EXPECT_EQ(node->service.state().tenant_order().size(), 1u);
}

TEST_F(PlatformServiceTest, CustomerAccountDepositAndTransfer) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  const CustomerId alice = CreateCustomer(node.get(), root, "alice");
  const CustomerId bob = CreateCustomer(node.get(), root, "bob");

  OpenAccountOp open;
  open.id = AccountId(RandomU128());
  open.settlement_id = AccountId(RandomU128());
  open.customer = alice;
  open.currency = "EUR";
  open.aliases = {"+491701234567"};
  const Reply opened = Run(node.get(), Op(root, open));
  ASSERT_EQ(opened.http_status, 201) << opened.body;
  EXPECT_EQ(Field(opened.body, "id"), FormatId(prefix::kAccount, open.id.value));
  EXPECT_EQ(Field(opened.body, "customer"), FormatId(prefix::kCustomer, alice.value));
  EXPECT_EQ(Field(opened.body, "currency"), "EUR");
  EXPECT_EQ(Field(opened.body, "current"), "0.00");
  EXPECT_EQ(Field(opened.body, "status"), "open");
  const AccountId a = open.id;
  const AccountId b = OpenAccount(node.get(), root, bob);

  const Reply dep = Deposit(node.get(), root, a, 10000);
  ASSERT_EQ(dep.http_status, 201) << dep.body;
  EXPECT_EQ(Field(dep.body, "amount"), "100.00");
  EXPECT_EQ(Field(dep.body, "description"), "sandbox deposit");
  EXPECT_EQ(Balance(node.get(), root, a), "100.00");

  TransferSpec spec = Spec(a, b, 3050);
  spec.description = "rent";
  const Reply tr = Transfer(node.get(), root, spec);
  ASSERT_EQ(tr.http_status, 201) << tr.body;
  EXPECT_EQ(Field(tr.body, "id"), FormatId(prefix::kTransfer, spec.id.value));
  EXPECT_EQ(Field(tr.body, "amount"), "30.50");
  EXPECT_EQ(Field(tr.body, "status"), "posted");
  EXPECT_EQ(Field(tr.body, "description"), "rent");
  EXPECT_EQ(Field(tr.body, "journal_seq"), std::to_string(tr.seq_first));
  EXPECT_EQ(Balance(node.get(), root, a), "69.50");
  EXPECT_EQ(Balance(node.get(), root, b), "30.50");

  // To an alias.
  TransferSpec by_alias = Spec(b, AccountId(), 50);
  by_alias.to.alias = "+491701234567";
  const Reply tr2 = Transfer(node.get(), root, by_alias);
  ASSERT_EQ(tr2.http_status, 201) << tr2.body;
  EXPECT_EQ(Field(tr2.body, "to_account"), FormatId(prefix::kAccount, a.value));
  EXPECT_EQ(Balance(node.get(), root, a), "70.00");

  const Reply get = Run(node.get(), Op(root, GetTransferOp{spec.id}));
  ASSERT_EQ(get.http_status, 200) << get.body;
  EXPECT_EQ(Field(get.body, "amount"), "30.50");
  EXPECT_EQ(Field(get.body, "journal_seq"), "null");

  // The ledger agrees with the answers.
  const auto& ledger = node->shard->state();
  const auto& la = ledger.account(ledger.AccountRow(a)).balances;
  EXPECT_TRUE(la.credits_posted == 10000 + 50);
  EXPECT_TRUE(la.debits_posted == 3050);
}

TEST_F(PlatformServiceTest, InsufficientFundsIs422AndChangesNothing) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  const CustomerId c = CreateCustomer(node.get(), root, "c");
  const AccountId a = OpenAccount(node.get(), root, c);
  const AccountId b = OpenAccount(node.get(), root, c);
  ASSERT_EQ(Deposit(node.get(), root, a, 10000).http_status, 201);
  const Hash256 hash = node->shard->state().StateHash();

  const TransferSpec spec = Spec(a, b, 10001);
  const Reply r = Transfer(node.get(), root, spec);
  EXPECT_EQ(r.http_status, 422) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "insufficient_funds");
  EXPECT_EQ(Field(r.body, "param"), "amount");
  EXPECT_EQ(Field(r.body, "trace_id"), "trace-1");
  EXPECT_EQ(r.seq_first, 0u);  // no event
  EXPECT_EQ(node->shard->state().StateHash(), hash);
  EXPECT_EQ(Run(node.get(), Op(root, GetTransferOp{spec.id})).http_status, 404);
  EXPECT_EQ(Balance(node.get(), root, a), "100.00");
  // The exact balance still goes through.
  EXPECT_EQ(Transfer(node.get(), root, Spec(a, b, 10000)).http_status, 201);
  EXPECT_EQ(Balance(node.get(), root, a), "0.00");
}

TEST_F(PlatformServiceTest, AnotherTenantCannotSeeOrUseTheFirstTenantsObjects) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  const CustomerId c = CreateCustomer(node.get(), root, "c");
  const AccountId a = OpenAccount(node.get(), root, c);
  const AccountId a2 = OpenAccount(node.get(), root, c);
  ASSERT_EQ(Deposit(node.get(), root, a, 500).http_status, 201);
  const TransferSpec spec = Spec(a, a2, 100);
  ASSERT_EQ(Transfer(node.get(), root, spec).http_status, 201);

  const Principal other = CreateTenant(node.get(), root, "other", /*sandbox=*/true);
  EXPECT_FALSE(other.root);
  EXPECT_EQ(other.tenant_seq, 2u);
  ASSERT_FALSE(other.tenant == root.tenant);

  Reply r = Run(node.get(), Op(other, GetAccountOp{a}));
  EXPECT_EQ(r.http_status, 404) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "account_not_found");
  EXPECT_EQ(Run(node.get(), Op(other, GetBalancesOp{a, std::nullopt})).http_status, 404);
  EXPECT_EQ(Run(node.get(), Op(other, GetCustomerOp{c})).http_status, 404);
  EXPECT_EQ(Run(node.get(), Op(other, GetTransferOp{spec.id})).http_status, 404);
  EXPECT_EQ(Run(node.get(), Op(other, GetTenantOp{root.tenant})).http_status, 404);
  ListTransactionsOp lt;
  lt.id = a;
  EXPECT_EQ(Run(node.get(), Op(other, lt)).http_status, 404);
  // Nor move its money or open accounts for its customers.
  const CustomerId oc = CreateCustomer(node.get(), other, "oc");
  const AccountId oa = OpenAccount(node.get(), other, oc);
  r = Transfer(node.get(), other, Spec(a, oa, 100));
  EXPECT_EQ(r.http_status, 404) << r.body;
  EXPECT_EQ(Field(r.body, "param"), "from_account");
  EXPECT_EQ(Deposit(node.get(), other, a, 100).http_status, 404);
  OpenAccountOp steal;
  steal.id = AccountId(RandomU128());
  steal.settlement_id = AccountId(RandomU128());
  steal.customer = c;
  steal.currency = "EUR";
  EXPECT_EQ(Run(node.get(), Op(other, steal)).http_status, 404);
  EXPECT_EQ(Run(node.get(), Op(other, PostVoidOp{spec.id, true, std::nullopt, ""})).http_status,
            404);
  // Its list holds only its own.
  const Reply list = Run(node.get(), Op(other, ListAccountsOp{}));
  ASSERT_EQ(list.http_status, 200) << list.body;
  EXPECT_FALSE(Contains(list.body, FormatId(prefix::kAccount, a.value)));
  EXPECT_TRUE(Contains(list.body, FormatId(prefix::kAccount, oa.value)));
  // Only root admins create or list tenants.
  std::string unused;
  auto create = MakeBootstrapOp("x", &unused);
  create->caller = other;
  r = Run(node.get(), create);
  EXPECT_EQ(r.http_status, 403) << r.body;
  EXPECT_EQ(Run(node.get(), Op(other, ListTenantsOp{})).http_status, 403);
  // The owner still sees everything.
  EXPECT_EQ(Balance(node.get(), root, a), "4.00");
}

TEST_F(PlatformServiceTest, ReadOnlyKeyCannotWrite) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  const CustomerId c = CreateCustomer(node.get(), root, "c");
  const AccountId a = OpenAccount(node.get(), root, c);
  const Principal ro = CreateKey(node.get(), root, Role::kReadOnly);
  EXPECT_EQ(ro.role, Role::kReadOnly);

  const Hash256 hash = node->shard->state().StateHash();
  const size_t customers = node->service.state().Lists(root.tenant)->customers.size();
  CreateCustomerOp cc;
  cc.id = CustomerId(RandomU128());
  cc.name = "no";
  Reply r = Run(node.get(), Op(ro, cc, "ro-key", "ro"));
  EXPECT_EQ(r.http_status, 403) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "insufficient_permissions");
  EXPECT_EQ(node->service.state().Lists(root.tenant)->customers.size(), customers);
  // A refused request records no idempotency entry (it never got to the handler).
  EXPECT_EQ(node->service.state().FindIdempotency(root.tenant, CallerScope(ro), "ro-key"), nullptr);
  EXPECT_EQ(Deposit(node.get(), ro, a, 100).http_status, 403);
  EXPECT_EQ(Transfer(node.get(), ro, Spec(a, a, 1)).http_status, 403);
  EXPECT_EQ(Run(node.get(), Op(ro, AccountActionOp{a, AccountAction::kFreeze})).http_status, 403);
  EXPECT_EQ(node->shard->state().StateHash(), hash);
  // Reads are fine.
  EXPECT_EQ(Run(node.get(), Op(ro, GetCustomerOp{c})).http_status, 200);
  EXPECT_EQ(Run(node.get(), Op(ro, GetAccountOp{a})).http_status, 200);
  // An operator can write but not manage keys.
  const Principal op = CreateKey(node.get(), root, Role::kOperator);
  EXPECT_EQ(Run(node.get(), Op(op, cc)).http_status, 201);
  EXPECT_EQ(Run(node.get(), Op(op, ListApiKeysOp{})).http_status, 403);
}

TEST_F(PlatformServiceTest, IdempotentRetryReplaysTheSameAnswer) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  const CustomerId c = CreateCustomer(node.get(), root, "c");
  const AccountId a = OpenAccount(node.get(), root, c);
  const AccountId b = OpenAccount(node.get(), root, c);
  ASSERT_EQ(Deposit(node.get(), root, a, 1000).http_status, 201);

  const TransferSpec spec = Spec(a, b, 100);
  const Reply first = Transfer(node.get(), root, spec, "key-1");
  ASSERT_EQ(first.http_status, 201) << first.body;
  EXPECT_FALSE(first.replayed);
  const uint64_t seq = node->shard->seq_next();
  const Hash256 hash = node->shard->state().StateHash();

  const Reply second = Transfer(node.get(), root, spec, "key-1");
  EXPECT_TRUE(second.replayed);
  EXPECT_EQ(second.http_status, 201);
  EXPECT_EQ(ClientBody(node.get(), second), first.body);
  const IdempotencyEntry* entry =
      node->service.state().FindIdempotency(root.tenant, CallerScope(root), "key-1");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(second.replay_seq, entry->seq);
  EXPECT_EQ(entry->http_status, 201);
  EXPECT_EQ(node->shard->seq_next(), seq);  // nothing executed, nothing written
  EXPECT_EQ(node->shard->state().StateHash(), hash);
  EXPECT_EQ(Balance(node.get(), root, a), "9.00");

  // Same key, another request: 409, and still nothing executed.
  const Reply other =
      Run(node.get(), Op(root, CreateTransferOp{Spec(a, b, 100)}, "key-1", "another request"));
  EXPECT_EQ(other.http_status, 409) << other.body;
  EXPECT_EQ(Field(other.body, "code"), "idempotency_key_reused");
  EXPECT_FALSE(other.replayed);
  EXPECT_EQ(node->shard->seq_next(), seq);
  EXPECT_EQ(Balance(node.get(), root, a), "9.00");

  // Errors (< 500) are recorded too and replay as they were.
  const TransferSpec too_much = Spec(a, b, 100000);
  const Reply e1 = Transfer(node.get(), root, too_much, "key-2");
  ASSERT_EQ(e1.http_status, 422);
  ASSERT_EQ(Deposit(node.get(), root, a, 1000000).http_status, 201);
  const Reply e2 = Transfer(node.get(), root, too_much, "key-2");
  EXPECT_TRUE(e2.replayed);
  EXPECT_EQ(e2.http_status, 422);
  EXPECT_EQ(ClientBody(node.get(), e2), e1.body);

  // Keys are per tenant: another tenant's "key-1" is its own.
  const Principal t2 = CreateTenant(node.get(), root, "t2", true);
  const CustomerId c2 = CreateCustomer(node.get(), t2, "c2");
  CreateCustomerOp cc;
  cc.id = CustomerId(RandomU128());
  cc.name = "z";
  const Reply own = Run(node.get(), Op(t2, cc, "key-1", "different"));
  EXPECT_EQ(own.http_status, 201) << own.body;
  EXPECT_FALSE(own.replayed);
  (void)c2;

  // The same key twice in one batch: the second replays the first.
  cc.id = CustomerId(RandomU128());
  const auto op = Op(root, cc, "key-3", "batch");
  const std::vector<Reply> both = RunBatch(node.get(), {op, op});
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].http_status, 201);
  EXPECT_FALSE(both[0].replayed);
  EXPECT_TRUE(both[1].replayed);
  EXPECT_EQ(ClientBody(node.get(), both[1]), both[0].body);
}

TEST_F(PlatformServiceTest, PendingPartialPostAndVoid) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  const CustomerId c = CreateCustomer(node.get(), root, "c");
  const AccountId a = OpenAccount(node.get(), root, c);
  const AccountId b = OpenAccount(node.get(), root, c);
  ASSERT_EQ(Deposit(node.get(), root, a, 10000).http_status, 201);

  TransferSpec hold = Spec(a, b, 5000, /*pending=*/true);
  hold.timeout_s = 3600;
  Reply r = Transfer(node.get(), root, hold);
  ASSERT_EQ(r.http_status, 201) << r.body;
  EXPECT_EQ(Field(r.body, "status"), "pending");
  EXPECT_EQ(Field(r.body, "pending"), "true");
  EXPECT_EQ(Field(r.body, "posted_amount"), "null");
  EXPECT_NE(Field(r.body, "timeout_at"), "null");
  EXPECT_EQ(Balance(node.get(), root, a, "current"), "100.00");
  EXPECT_EQ(Balance(node.get(), root, a, "available"), "50.00");
  EXPECT_EQ(Balance(node.get(), root, a, "pending_debits"), "50.00");
  EXPECT_EQ(Balance(node.get(), root, b, "pending_credits"), "50.00");

  // Post 20.00 of the 50.00.
  r = Run(node.get(), Op(root, PostVoidOp{hold.id, false, u128{2000}, "EUR"}));
  ASSERT_EQ(r.http_status, 201) << r.body;
  EXPECT_EQ(Field(r.body, "id"), FormatId(prefix::kTransfer, hold.id.value));
  EXPECT_EQ(Field(r.body, "status"), "posted");
  EXPECT_EQ(Field(r.body, "posted_amount"), "20.00");
  r = Run(node.get(), Op(root, GetTransferOp{hold.id}));
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_EQ(Field(r.body, "amount"), "50.00");
  EXPECT_EQ(Field(r.body, "status"), "posted");
  EXPECT_EQ(Field(r.body, "posted_amount"), "20.00");
  EXPECT_EQ(Balance(node.get(), root, a, "current"), "80.00");
  EXPECT_EQ(Balance(node.get(), root, a, "available"), "80.00");
  EXPECT_EQ(Balance(node.get(), root, a, "pending_debits"), "0.00");
  EXPECT_EQ(Balance(node.get(), root, b, "current"), "20.00");
  // The post record is not a transfer of its own.
  EXPECT_EQ(Run(node.get(), Op(root, GetTransferOp{PostRecordId(hold.id)})).http_status, 404);

  // A second post (same or another amount) is refused and never posts twice; a retry
  // that must see the first answer uses an Idempotency-Key.
  const uint64_t seq = node->shard->seq_next();
  r = Run(node.get(), Op(root, PostVoidOp{hold.id, false, u128{2000}, "EUR"}));
  EXPECT_EQ(r.http_status, 422) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "transfer_not_pending");
  r = Run(node.get(), Op(root, PostVoidOp{hold.id, false, u128{3000}, "EUR"}));
  EXPECT_EQ(r.http_status, 422) << r.body;
  EXPECT_EQ(node->shard->seq_next(), seq);
  // Voiding a posted transfer fails.
  r = Run(node.get(), Op(root, PostVoidOp{hold.id, true, std::nullopt, ""}));
  EXPECT_EQ(r.http_status, 422) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "transfer_not_pending");
  EXPECT_EQ(Balance(node.get(), root, a, "current"), "80.00");

  // Void releases the hold.
  const TransferSpec hold2 = Spec(a, b, 3000, true);
  ASSERT_EQ(Transfer(node.get(), root, hold2).http_status, 201);
  EXPECT_EQ(Balance(node.get(), root, a, "available"), "50.00");
  r = Run(node.get(), Op(root, PostVoidOp{hold2.id, true, std::nullopt, ""}));
  ASSERT_EQ(r.http_status, 201) << r.body;
  EXPECT_EQ(Field(r.body, "status"), "voided");
  EXPECT_EQ(Field(r.body, "posted_amount"), "null");
  EXPECT_EQ(Balance(node.get(), root, a, "available"), "80.00");
  EXPECT_EQ(Balance(node.get(), root, b, "pending_credits"), "0.00");
  r = Run(node.get(), Op(root, PostVoidOp{hold2.id, false, std::nullopt, ""}));
  EXPECT_EQ(r.http_status, 422) << r.body;

  // Posting more than is pending fails; full post without an amount posts all of it.
  const TransferSpec hold3 = Spec(a, b, 1000, true);
  ASSERT_EQ(Transfer(node.get(), root, hold3).http_status, 201);
  r = Run(node.get(), Op(root, PostVoidOp{hold3.id, false, u128{1001}, "EUR"}));
  EXPECT_EQ(r.http_status, 422) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "post_amount_exceeds_pending");
  r = Run(node.get(), Op(root, PostVoidOp{hold3.id, false, std::nullopt, ""}));
  ASSERT_EQ(r.http_status, 201) << r.body;
  EXPECT_EQ(Field(r.body, "posted_amount"), "10.00");
  EXPECT_EQ(Balance(node.get(), root, a, "current"), "70.00");

  // A non-pending transfer cannot be posted.
  const TransferSpec plain = Spec(a, b, 100);
  ASSERT_EQ(Transfer(node.get(), root, plain).http_status, 201);
  r = Run(node.get(), Op(root, PostVoidOp{plain.id, false, std::nullopt, ""}));
  EXPECT_EQ(r.http_status, 422) << r.body;
}

TEST_F(PlatformServiceTest, LinkedChainFailsAsAWholeOthersSucceed) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  const CustomerId c = CreateCustomer(node.get(), root, "c");
  const AccountId a = OpenAccount(node.get(), root, c);
  const AccountId b = OpenAccount(node.get(), root, c);
  const AccountId d = OpenAccount(node.get(), root, c);
  ASSERT_EQ(Deposit(node.get(), root, a, 10000).http_status, 201);

  BatchTransfersOp batch;
  batch.items.push_back(Spec(a, b, 1000));  // 0: alone, ok
  batch.items.push_back(Spec(a, b, 2000));  // 1: chain 1-2, ok on its own
  batch.items.back().linked = true;
  batch.items.push_back(Spec(b, d, 999999));  // 2: fails (insufficient funds): chain fails
  batch.items.push_back(Spec(a, d, 500));     // 3: chain 3-4, 4 names an unknown account
  batch.items.back().linked = true;
  batch.items.push_back(Spec(a, AccountId(RandomU128()), 1));  // 4
  batch.items.push_back(Spec(a, d, 300));                      // 5: alone, ok
  const Reply r = Run(node.get(), Op(root, batch));
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_EQ(Field(r.body, "object"), "batch_result");
  EXPECT_NE(Field(r.body, "journal_seq"), "null");

  auto result_of = [&r](size_t i) {
    const size_t at = r.body.find("{\"index\":" + std::to_string(i) + ",");
    CB_CHECK(at != std::string::npos);
    return std::pair{Field(r.body, "status", at), Field(r.body, "code", at)};
  };
  EXPECT_EQ(result_of(0).first, "created");
  EXPECT_EQ(result_of(1), (std::pair<std::string, std::string>{"failed", "linked_event_failed"}));
  EXPECT_EQ(result_of(2), (std::pair<std::string, std::string>{"failed", "insufficient_funds"}));
  EXPECT_EQ(result_of(3), (std::pair<std::string, std::string>{"failed", "linked_event_failed"}));
  EXPECT_EQ(result_of(4), (std::pair<std::string, std::string>{"failed", "account_not_found"}));
  EXPECT_EQ(result_of(5).first, "created");

  // Only items 0 and 5 moved money.
  EXPECT_EQ(Balance(node.get(), root, a), "87.00");
  EXPECT_EQ(Balance(node.get(), root, b), "10.00");
  EXPECT_EQ(Balance(node.get(), root, d), "3.00");
  for (size_t i : {1, 2, 3, 4}) {
    EXPECT_EQ(Run(node.get(), Op(root, GetTransferOp{batch.items[i].id})).http_status, 404) << i;
  }
  EXPECT_EQ(Run(node.get(), Op(root, GetTransferOp{batch.items[0].id})).http_status, 200);

  // A batch where everything fails writes nothing but its answer.
  BatchTransfersOp none;
  none.items.push_back(Spec(a, b, 999999));
  const uint64_t seq = node->shard->seq_next();
  const Reply r2 = Run(node.get(), Op(root, none));
  ASSERT_EQ(r2.http_status, 200) << r2.body;
  EXPECT_EQ(Field(r2.body, "journal_seq"), "null");
  EXPECT_EQ(node->shard->seq_next(), seq);
}

// --- replay -------------------------------------------------------------------------------

// What a test remembers of a populated node, to check a reopened one.
struct Populated {
  Principal root, other;
  std::string other_token, reader_token, revoked_token;
  AccountId a, b;
  std::shared_ptr<PlatformOp> idem_transfer;
  Reply idem_transfer_reply;
  std::shared_ptr<PlatformOp> idem_key;
  Reply idem_key_reply;
  TransferId pending;
};

class PlatformReplayTest : public PlatformServiceTest {
 protected:
  // Tenants, keys (one revoked), customers (one updated), accounts (one frozen, aliases),
  // transfers with descriptions, pending/post/void, a batch and idempotency records.
  Populated Populate(Node* node) {
    Populated p;
    p.root = Bootstrap(node);
    p.other = CreateTenant(node, p.root, "other", true, &p.other_token);
    CreateKey(node, p.root, Role::kReadOnly, &p.reader_token);
    const Principal revoked = CreateKey(node, p.root, Role::kOperator, &p.revoked_token);
    EXPECT_EQ(Run(node, Op(p.root, RevokeApiKeyOp{revoked.key})).http_status, 200);

    const CustomerId c1 = CreateCustomer(node, p.root, "c1");
    const CustomerId c2 = CreateCustomer(node, p.root, "c2");
    UpdateCustomerOp up;
    up.id = c2;
    up.email = "new@example.com";
    up.kyc_tier = 2;
    EXPECT_EQ(Run(node, Op(p.root, up, "upd", "upd")).http_status, 200);
    p.a = OpenAccount(node, p.root, c1, "EUR", {"alias-a", "a@example.com"});
    p.b = OpenAccount(node, p.root, c2);
    const AccountId usd = OpenAccount(node, p.root, c2, "USD");
    const AccountId frozen = OpenAccount(node, p.root, c1);
    EXPECT_EQ(Run(node, Op(p.root, AccountActionOp{frozen, AccountAction::kFreeze})).http_status,
              200);
    EXPECT_EQ(Deposit(node, p.root, p.a, 100000).http_status, 201);
    EXPECT_EQ(Deposit(node, p.root, usd, 777, "USD").http_status, 201);
    for (int i = 0; i < 12; i++) {
      TransferSpec s = Spec(i % 2 ? p.b : p.a, i % 2 ? p.a : p.b, 100 + i);
      s.description = "payment " + std::to_string(i);
      EXPECT_EQ(Transfer(node, p.root, s).http_status, i == 1 ? 422 : 201) << i;
      if (i == 1) {
        EXPECT_EQ(Deposit(node, p.root, p.b, 5000).http_status, 201);
      }
    }
    TransferSpec pend = Spec(p.a, p.b, 4000, true);
    pend.description = "hold";
    pend.timeout_s = 3600 * 24;
    EXPECT_EQ(Transfer(node, p.root, pend).http_status, 201);
    EXPECT_EQ(Run(node, Op(p.root, PostVoidOp{pend.id, false, u128{1500}, "EUR"})).http_status,
              201);
    p.pending = pend.id;
    const TransferSpec pend2 = Spec(p.a, p.b, 300, true);
    EXPECT_EQ(Transfer(node, p.root, pend2).http_status, 201);
    EXPECT_EQ(Run(node, Op(p.root, PostVoidOp{pend2.id, true, std::nullopt, ""})).http_status, 201);
    // Still pending at reopen.
    EXPECT_EQ(Transfer(node, p.root, Spec(p.a, p.b, 200, true)).http_status, 201);

    BatchTransfersOp batch;
    batch.items.push_back(Spec(p.a, p.b, 10));
    batch.items.back().description = "batch 0";
    batch.items.push_back(Spec(p.b, p.a, 1));
    batch.items.back().linked = true;
    batch.items.push_back(Spec(p.b, p.a, 99999999));
    EXPECT_EQ(Run(node, Op(p.root, batch, "batch-key", "batch")).http_status, 200);

    // The other tenant.
    const CustomerId oc = CreateCustomer(node, p.other, "oc");
    const AccountId oa = OpenAccount(node, p.other, oc, "EUR", {"alias-a"});  // own namespace
    const AccountId ob = OpenAccount(node, p.other, oc);
    EXPECT_EQ(Deposit(node, p.other, oa, 2500).http_status, 201);
    TransferSpec os = Spec(oa, ob, 250);
    os.description = "other tenant";
    EXPECT_EQ(Transfer(node, p.other, os).http_status, 201);

    // Idempotent requests to replay later.
    TransferSpec is = Spec(p.a, p.b, 123);
    is.description = "idempotent";
    p.idem_transfer = Op(p.root, CreateTransferOp{is}, "idem-transfer", "idem-transfer-body");
    p.idem_transfer_reply = Run(node, p.idem_transfer);
    EXPECT_EQ(p.idem_transfer_reply.http_status, 201);
    CreateApiKeyOp k;
    k.id = ApiKeyId(RandomU128());
    k.role = Role::kOperator;
    k.name = "idem key";
    NewKeySecret s = MakeKeySecret(k.id);
    k.secret_sha256 = s.secret_sha256;
    k.token = s.token;
    p.idem_key = Op(p.root, k, "idem-key", "idem-key-body");
    p.idem_key_reply = Run(node, p.idem_key);
    EXPECT_EQ(p.idem_key_reply.http_status, 201);
    return p;
  }

  // Closes the node's shard (its service state stays readable) and remembers the ledger.
  void Close(Node* node) {
    closed_hash_ = node->shard->state().StateHash();
    closed_seq_next_ = node->shard->seq_next();
    node->shard.reset();
  }

  // The reopened node holds what the closed one held: platform state and ledger hash.
  void ExpectSameState(Node* before_node, Node* after) {
    ASSERT_EQ(before_node->shard, nullptr) << "Close() it first";
    EXPECT_EQ(after->shard->state().StateHash(), closed_hash_);
    EXPECT_EQ(after->shard->seq_next(), closed_seq_next_);
    const PlatformState& x = before_node->service.state();
    const PlatformState& y = after->service.state();
    EXPECT_EQ(x.tenant_order(), y.tenant_order());
    EXPECT_EQ(x.idempotency_count(), y.idempotency_count());
    EXPECT_EQ(x.idempotency_bytes(), y.idempotency_bytes());
    for (TenantId t : x.tenant_order()) {
      const TenantLists* lx = x.Lists(t);
      const TenantLists* ly = y.Lists(t);
      ASSERT_NE(ly, nullptr);
      EXPECT_EQ(lx->keys, ly->keys);
      EXPECT_EQ(lx->customers, ly->customers);
      EXPECT_EQ(lx->accounts, ly->accounts);
    }
  }

  Hash256 closed_hash_{};
  uint64_t closed_seq_next_ = 0;
};

TEST_F(PlatformReplayTest, ReopenReplaysTheJournalToTheSamePlatformAndLedgerState) {
  std::unique_ptr<Node> node = Open();
  ASSERT_NE(node, nullptr);
  const Populated p = Populate(node.get());
  const std::string snapshot = node->service.CaptureSnapshot();
  const Hash256 hash = node->shard->state().StateHash();
  ASSERT_FALSE(snapshot.empty());
  const IdempotencyEntry* before_entry =
      node->service.state().FindIdempotency(p.root.tenant, CallerScope(p.root), "idem-transfer");
  ASSERT_NE(before_entry, nullptr);
  const uint64_t idem_seq = before_entry->seq;
  const std::string idem_body = RecordedBody(node.get(), idem_seq);
  EXPECT_EQ(idem_body, p.idem_transfer_reply.body);
  Close(node.get());

  std::unique_ptr<Node> again = Open();
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(again->info.snapshot_used.empty());
  EXPECT_EQ(again->info.events_replayed, closed_seq_next_ - 1);
  ExpectSameState(node.get(), again.get());
  EXPECT_EQ(again->service.CaptureSnapshot(), snapshot);
  EXPECT_EQ(again->shard->state().StateHash(), hash);
  const IdempotencyEntry* e =
      again->service.state().FindIdempotency(p.root.tenant, CallerScope(p.root), "idem-transfer");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->seq, idem_seq);
  EXPECT_EQ(RecordedBody(again.get(), e->seq), idem_body);

  // The rebuilt key directory authenticates the same tokens; revoked stays revoked.
  const auto root = again->keys.Authenticate(root_token_);
  ASSERT_TRUE(root.has_value());
  EXPECT_TRUE(root->root);
  const auto other = again->keys.Authenticate(p.other_token);
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->tenant_seq, 2u);
  const auto reader = again->keys.Authenticate(p.reader_token);
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ(reader->role, Role::kReadOnly);

  // A retried idempotent request gets the byte-identical answer, and nothing runs.
  const uint64_t seq = again->shard->seq_next();
  const Reply replay = Run(again.get(), p.idem_transfer);
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.http_status, p.idem_transfer_reply.http_status);
  EXPECT_EQ(ClientBody(again.get(), replay), p.idem_transfer_reply.body);
  EXPECT_EQ(again->shard->seq_next(), seq);
  // The pending transfer's partial post survived.
  const Reply get = Run(again.get(), Op(*root, GetTransferOp{p.pending}));
  EXPECT_EQ(Field(get.body, "posted_amount"), "15.00");
  EXPECT_EQ(Field(get.body, "description"), "hold");
  // And the reopened shard keeps working.
  EXPECT_EQ(Transfer(again.get(), *root, Spec(p.a, p.b, 1)).http_status, 201);
}

TEST_F(PlatformReplayTest, ReopenFromASnapshotPlusTailGivesTheSameState) {
  std::unique_ptr<Node> node = Open();
  ASSERT_NE(node, nullptr);
  const Populated p = Populate(node.get());
  ASSERT_TRUE(node->shard->WriteSnapshot(node->shard->CaptureSnapshot()).ok());
  // A tail after the snapshot: more transfers, a key, an idempotency record.
  for (int i = 0; i < 3; i++) {
    TransferSpec s = Spec(p.a, p.b, 7);
    s.description = "tail " + std::to_string(i);
    ASSERT_EQ(Transfer(node.get(), p.root, s, "tail-" + std::to_string(i)).http_status, 201);
  }
  CreateKey(node.get(), p.other, Role::kAdmin);
  const std::string snapshot = node->service.CaptureSnapshot();
  Close(node.get());

  std::unique_ptr<Node> again = Open();
  ASSERT_NE(again, nullptr);
  EXPECT_FALSE(again->info.snapshot_used.empty());
  EXPECT_TRUE(again->info.snapshots_rejected.empty());
  EXPECT_GT(again->info.events_replayed, 0u);
  EXPECT_LT(again->info.events_replayed, closed_seq_next_ - 1);
  ExpectSameState(node.get(), again.get());
  const Reply replay = Run(again.get(), p.idem_key);
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(ClientBody(again.get(), replay), RecordedBody(again.get(), replay.replay_seq));
  EXPECT_EQ(Field(ClientBody(again.get(), replay), "secret"), "null");
  const Reply replay2 = Run(again.get(), p.idem_transfer);
  EXPECT_TRUE(replay2.replayed);
  EXPECT_EQ(ClientBody(again.get(), replay2), p.idem_transfer_reply.body);
  EXPECT_TRUE(again->keys.Authenticate(root_token_).has_value());
  EXPECT_FALSE(again->keys.Authenticate(p.revoked_token).has_value());
  EXPECT_EQ(CanonicalSnapshot(again->service.CaptureSnapshot()), CanonicalSnapshot(snapshot));
}

TEST_F(PlatformReplayTest, SnapshotAtTheJournalEndRestoresEverythingWithoutReplay) {
  std::unique_ptr<Node> node = Open();
  ASSERT_NE(node, nullptr);
  const Populated p = Populate(node.get());
  ASSERT_TRUE(node->shard->WriteSnapshot(node->shard->CaptureSnapshot()).ok());
  const std::string snapshot = node->service.CaptureSnapshot();
  Close(node.get());

  std::unique_ptr<Node> again = Open();
  ASSERT_NE(again, nullptr);
  EXPECT_FALSE(again->info.snapshot_used.empty());
  EXPECT_EQ(again->info.events_replayed, 0u);
  ExpectSameState(node.get(), again.get());
  EXPECT_EQ(CanonicalSnapshot(again->service.CaptureSnapshot()), CanonicalSnapshot(snapshot));
  EXPECT_FALSE(again->keys.Authenticate(p.revoked_token).has_value());
  EXPECT_TRUE(again->keys.Authenticate(p.reader_token).has_value());
  const Reply replay = Run(again.get(), p.idem_transfer);
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(ClientBody(again.get(), replay), p.idem_transfer_reply.body);
  const auto other = again->keys.Authenticate(p.other_token);
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(other->root);
  // An alias lookup works in both tenants' namespaces.
  const Reply alias = Run(again.get(), Op(p.root, GetAliasOp{"alias-a"}));
  EXPECT_EQ(Field(alias.body, "account"), FormatId(prefix::kAccount, p.a.value));
}

// The service's snapshot bytes of a state should not depend on how the state was built
// (journal replay or an earlier snapshot).
// (EncodeSnapshot once iterated an unordered_map here; the records are now sorted by id.)
TEST_F(PlatformReplayTest, SnapshotBytesAreStableAcrossASnapshotRoundTrip) {
  std::unique_ptr<Node> node = Open();
  ASSERT_NE(node, nullptr);
  Populate(node.get());
  const std::string bytes = node->service.CaptureSnapshot();
  ASSERT_TRUE(node->shard->WriteSnapshot(node->shard->CaptureSnapshot()).ok());
  Close(node.get());
  std::unique_ptr<Node> again = Open();
  ASSERT_NE(again, nullptr);
  ASSERT_FALSE(again->info.snapshot_used.empty());
  EXPECT_EQ(again->service.CaptureSnapshot(), bytes);
  EXPECT_EQ(again->shard->state().StateHash(), closed_hash_);
}

TEST_F(PlatformReplayTest, ApiKeySecretIsAnsweredOnceAndRecordedAsNull) {
  std::unique_ptr<Node> node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  CreateApiKeyOp k;
  k.id = ApiKeyId(RandomU128());
  k.role = Role::kOperator;
  k.name = "ci";
  const NewKeySecret s = MakeKeySecret(k.id);
  k.secret_sha256 = s.secret_sha256;
  k.token = s.token;
  const auto op = Op(root, k, "key-create", "key-create");
  const Reply first = Run(node.get(), op);
  ASSERT_EQ(first.http_status, 201) << first.body;
  EXPECT_EQ(Field(first.body, "secret"), s.token);
  EXPECT_TRUE(node->keys.Authenticate(s.token).has_value());

  const IdempotencyEntry* e =
      node->service.state().FindIdempotency(root.tenant, CallerScope(root), "key-create");
  ASSERT_NE(e, nullptr);
  const std::string recorded = RecordedBody(node.get(), e->seq);
  EXPECT_FALSE(Contains(recorded, s.token));
  EXPECT_EQ(Field(recorded, "secret"), "null");
  // Apart from the secret, the recorded answer is the answer.
  std::string expected = first.body;
  expected.replace(expected.find("\"" + s.token + "\""), s.token.size() + 2, "null");
  EXPECT_EQ(recorded, expected);

  const Reply second = Run(node.get(), op);
  EXPECT_TRUE(second.replayed);
  EXPECT_EQ(ClientBody(node.get(), second), expected);

  // Tenants' admin tokens are redacted the same way.
  std::string tenant_token;
  const Principal other = CreateTenant(node.get(), root, "t", true, &tenant_token);
  (void)other;
  const IdempotencyEntry* te =
      node->service.state().FindIdempotency(root.tenant, CallerScope(root), "tenant-t");
  ASSERT_NE(te, nullptr);
  const std::string tenant_recorded = RecordedBody(node.get(), te->seq);
  EXPECT_FALSE(Contains(tenant_recorded, tenant_token));
  EXPECT_EQ(Field(tenant_recorded, "secret"), "null");
  EXPECT_EQ(Field(tenant_recorded, "object"), "tenant");

  // Nothing in the journal holds a secret: replay after reopen shows null too.
  node.reset();
  std::unique_ptr<Node> again = Open();
  ASSERT_NE(again, nullptr);
  const Reply third = Run(again.get(), op);
  EXPECT_TRUE(third.replayed);
  EXPECT_EQ(ClientBody(again.get(), third), expected);
  EXPECT_TRUE(again->keys.Authenticate(s.token).has_value());
  EXPECT_TRUE(again->keys.Authenticate(tenant_token).has_value());
  const std::string journal_dir = runtime::JournalDir(options_.data_dir);
  auto files = disk_->List(journal_dir);
  ASSERT_TRUE(files.ok());
  for (const std::string& name : *files) {
    std::ifstream in(JoinPath(journal_dir, name), std::ios::binary);
    const std::string content((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    EXPECT_FALSE(Contains(content, s.token.substr(3 + kIdBase32Chars + 1))) << name;
    EXPECT_FALSE(Contains(content, tenant_token.substr(3 + kIdBase32Chars + 1))) << name;
  }
}

TEST_F(PlatformReplayTest, IdempotencyExpiryReplaysIdentically) {
  platform_options_.idempotency_ttl_ns = 10 * kNsPerSecond;
  std::unique_ptr<Node> node = Open();
  ASSERT_NE(node, nullptr);
  const Principal root = Bootstrap(node.get());
  CreateCustomerOp cc;
  cc.id = CustomerId(RandomU128());
  cc.name = "first";
  ASSERT_EQ(Run(node.get(), Op(root, cc, "k", "first")).http_status, 201);
  now_ += 60 * kNsPerSecond;
  // Another record lets "k" expire; "k" may then name a new request.
  cc.id = CustomerId(RandomU128());
  cc.name = "other";
  ASSERT_EQ(Run(node.get(), Op(root, cc, "j", "other")).http_status, 201);
  EXPECT_EQ(node->service.state().FindIdempotency(root.tenant, CallerScope(root), "k"), nullptr);
  cc.id = CustomerId(RandomU128());
  cc.name = "second";
  const Reply reused = Run(node.get(), Op(root, cc, "k", "second"));
  EXPECT_EQ(reused.http_status, 201) << reused.body;
  EXPECT_FALSE(reused.replayed);
  const std::string bytes = node->service.CaptureSnapshot();
  Close(node.get());

  std::unique_ptr<Node> again = Open();
  ASSERT_NE(again, nullptr);
  ExpectSameState(node.get(), again.get());
  EXPECT_EQ(again->service.CaptureSnapshot(), bytes);
  ASSERT_TRUE(again->shard->WriteSnapshot(again->shard->CaptureSnapshot()).ok());
  again.reset();
  std::unique_ptr<Node> third = Open();
  ASSERT_NE(third, nullptr);
  EXPECT_FALSE(third->info.snapshot_used.empty());
  ExpectSameState(node.get(), third.get());
}

}  // namespace
}  // namespace cb::platform
