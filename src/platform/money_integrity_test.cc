// Nobody mints money: internal accounts are never an end of a public transfer, settlement
// ids are random, and the only ways money enters or leaves a tenant's books are sandbox
// deposits (sandbox tenants) and four-eyes adjustments, each recorded with who did it.
#include <gtest/gtest.h>

#include "ledger/ledger.h"
#include "platform/list_page.h"
#include "platform/money_audit.h"
#include "platform/service_test_util.h"

namespace cb::platform {
namespace {

using namespace cb::platform::testing;

constexpr uint16_t kEurNumeric = 978;

// The most generous consent there is: active, covering every account for every scope.
// Even under it, a customer's token must not reach the bank's own books.
class CoversEverything final : public AccessPolicy {
 public:
  bool ConsentActive(const Principal&, TimestampNs) const override { return true; }
  bool ConsentCovers(const Principal&, AccountId, ScopeSet) const override { return true; }
};

class MoneyIntegrityTest : public PlatformServiceTest {
 protected:
  void SetUp() override {
    node_ = Open();
    ASSERT_NE(node_, nullptr);
    root_ = Bootstrap(node_.get());
    // A production tenant, as in the review's reproduction: an operator key pays.
    admin_ = CreateTenant(node_.get(), root_, "bank", /*sandbox=*/false);
    operator_ = CreateKey(node_.get(), admin_, Role::kOperator);
    second_admin_ = CreateKey(node_.get(), admin_, Role::kAdmin);
    alice_ = CreateCustomer(node_.get(), admin_, "alice");
    a1_ = OpenAccount(node_.get(), admin_, alice_);
    a2_ = OpenAccount(node_.get(), admin_, alice_);
    settlement_ = *state().SettlementAccount(TenantLedger(admin_.tenant_seq, kEurNumeric));
  }

  const PlatformState& state() const { return node_->service.state(); }
  const ledger::LedgerState& ledger() const { return node_->shard->state(); }

  Reply Adjust(const Principal& who, AccountId account, AdjustmentDirection direction,
               u128 amount_minor, AdjustmentId* id_out = nullptr) {
    CreateAdjustmentOp op;
    op.id = AdjustmentId(RandomU128());
    op.transfer_id = TransferId(RandomU128());
    op.account = account;
    op.direction = direction;
    op.amount_minor = amount_minor;
    op.currency = "EUR";
    op.reason = "customer complaint 4711: fee charged twice";
    if (id_out != nullptr) *id_out = op.id;
    return Run(node_.get(), Op(who, op));
  }

  Reply Decide(const Principal& who, AdjustmentId id, bool approve) {
    return Run(node_.get(), Op(who, DecideAdjustmentOp{id, approve, "checked the statement"}));
  }

  // Money conservation and the settlement routes, checked the way `corebank replay` does.
  void ExpectBooksAudit() {
    const Status st = AuditMoney(state(), ledger());
    EXPECT_TRUE(st.ok()) << st.ToString();
  }

  std::unique_ptr<Node> node_;
  Principal root_, admin_, operator_, second_admin_;
  CustomerId alice_;
  AccountId a1_, a2_, settlement_;
};

TEST_F(MoneyIntegrityTest, TransferFromTheSettlementAccountIsRefusedAndMintsNothing) {
  // The review's reproduction: 1,000,000.00 EUR from settlement into a customer account.
  Reply r = Transfer(node_.get(), operator_, Spec(settlement_, a1_, 100'000'000));
  EXPECT_EQ(r.http_status, 422) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "internal_account");
  EXPECT_EQ(Field(r.body, "param"), "from_account");
  r = Transfer(node_.get(), admin_, Spec(settlement_, a1_, 100, /*pending=*/true));
  EXPECT_EQ(r.http_status, 422) << r.body;
  EXPECT_EQ(Balance(node_.get(), admin_, a1_), "0.00");
  EXPECT_EQ(Balance(node_.get(), admin_, settlement_), "0.00");
  ExpectBooksAudit();
}

TEST_F(MoneyIntegrityTest, TransferIntoTheSettlementAccountIsRefused) {
  ASSERT_EQ(Adjust(second_admin_, a1_, AdjustmentDirection::kCredit, 500).http_status, 201);
  const Reply r = Transfer(node_.get(), operator_, Spec(a1_, settlement_, 1));
  EXPECT_EQ(r.http_status, 422) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "internal_account");
  EXPECT_EQ(Field(r.body, "param"), "to_account");
}

TEST_F(MoneyIntegrityTest, BatchItemNamingTheSettlementAccountFailsAloneOrWithItsChain) {
  BatchTransfersOp batch;
  batch.items = {Spec(settlement_, a1_, 100), Spec(a1_, a2_, 0)};
  batch.items[1].amount_minor = 1;
  TransferSpec linked_a = Spec(a2_, a1_, 1);
  linked_a.linked = true;
  batch.items.push_back(linked_a);
  batch.items.push_back(Spec(settlement_, a2_, 5));
  const Reply r = Run(node_.get(), Op(operator_, batch));
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_TRUE(Contains(r.body, R"("index":0,"id")")) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "internal_account");
  // The chain (items 2 and 3) fails as a whole because its second item names settlement.
  EXPECT_TRUE(Contains(r.body, R"("code":"linked_event_failed")")) << r.body;
  EXPECT_EQ(Balance(node_.get(), admin_, settlement_), "0.00");
  ExpectBooksAudit();
}

TEST_F(MoneyIntegrityTest, CustomerTokenDoesNotSeeInternalAccountsEvenUnderABroadConsent) {
  CoversEverything policy;
  node_->service.SetAccessPolicy(&policy);
  Principal customer = operator_;
  customer.kind = PrincipalKind::kAccessToken;
  customer.customer = alice_;
  customer.consent = kernel::ConsentId(1);
  customer.client = kernel::AppId(7);
  customer.scopes = kernel::kScopesConsentable;
  Reply r = Transfer(node_.get(), customer, Spec(a1_, settlement_, 1));
  EXPECT_EQ(r.http_status, 404) << r.body;  // not even told it exists
  EXPECT_EQ(Field(r.body, "param"), "to_account");
  r = Run(node_.get(), Op(customer, GetAccountOp{settlement_}));
  EXPECT_EQ(r.http_status, 404) << r.body;
  r = Run(node_.get(), Op(customer, GetBalancesOp{settlement_, std::nullopt}));
  EXPECT_EQ(r.http_status, 404) << r.body;
  r = Run(node_.get(), Op(customer, ListAccountsOp{}));
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_FALSE(Contains(r.body, FormatId(prefix::kAccount, settlement_.value))) << r.body;
  // Nor may it ask for an adjustment.
  CreateAdjustmentOp adj;
  adj.id = AdjustmentId(RandomU128());
  adj.transfer_id = TransferId(RandomU128());
  adj.account = a1_;
  adj.amount_minor = 1;
  adj.currency = "EUR";
  adj.reason = "please";
  EXPECT_EQ(Run(node_.get(), Op(customer, adj)).http_status, 403);
  node_->service.SetAccessPolicy(nullptr);
}

TEST_F(MoneyIntegrityTest, SettlementAccountIdsAreRandomAndInternalInTheLedger) {
  const Principal other = CreateTenant(node_.get(), root_, "other", false);
  const CustomerId bob = CreateCustomer(node_.get(), other, "bob");
  OpenAccount(node_.get(), other, bob);
  const AccountId other_settlement =
      *state().SettlementAccount(TenantLedger(other.tenant_seq, kEurNumeric));
  for (AccountId id : {settlement_, other_settlement}) {
    EXPECT_EQ(LegacySettlementLedger(id), 0u) << "structured (guessable) settlement id";
    EXPECT_NE(U128Hi(id.value) >> 56, 0xCBu);
    const ledger::Account& a = ledger().account(ledger().AccountRow(id));
    EXPECT_TRUE(a.flags & ledger::kAccountInternal);
    EXPECT_EQ(state().FindAccount(id)->type, AccountType::kSettlement);
  }
  EXPECT_NE(settlement_, other_settlement);
}

TEST_F(MoneyIntegrityTest, AdjustmentIsAppliedOnlyWhenSomeoneElseApprovesIt) {
  AdjustmentId id;
  Reply r = Adjust(second_admin_, a1_, AdjustmentDirection::kCredit, 2500, &id);
  ASSERT_EQ(r.http_status, 201) << r.body;
  EXPECT_EQ(Field(r.body, "status"), "pending_approval");
  EXPECT_EQ(Field(r.body, "transfer"), "null");
  EXPECT_EQ(Field(r.body, "id", r.body.find("requested_by")),
            FormatId(prefix::kApiKey, second_admin_.key.value));
  EXPECT_EQ(Balance(node_.get(), admin_, a1_), "0.00");  // nothing moves on request

  r = Decide(second_admin_, id, /*approve=*/true);
  EXPECT_EQ(r.http_status, 403) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "four_eyes_required");
  EXPECT_EQ(Balance(node_.get(), admin_, a1_), "0.00");

  r = Decide(admin_, id, true);
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_EQ(Field(r.body, "status"), "applied");
  EXPECT_EQ(Field(r.body, "id", r.body.find("decided_by")),
            FormatId(prefix::kApiKey, admin_.key.value));
  EXPECT_EQ(Balance(node_.get(), admin_, a1_), "25.00");
  EXPECT_EQ(Balance(node_.get(), admin_, settlement_), "-25.00");
  const Adjustment* adj = state().FindAdjustment(id);
  ASSERT_NE(adj, nullptr);
  const ledger::Transfer& t = ledger().record(ledger().TransferRow(adj->transfer));
  EXPECT_EQ(t.code, kTransferCodeAdjustment);
  EXPECT_TRUE(t.flags & ledger::kTransferInternal);

  r = Decide(admin_, id, true);  // once only
  EXPECT_EQ(r.http_status, 422) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "adjustment_not_pending");
  EXPECT_EQ(Balance(node_.get(), admin_, a1_), "25.00");
  ExpectBooksAudit();
}

// An admin cannot be their own second pair of eyes by minting another key for it: not a key
// they created, not a key created after the request, not an app's own token.
TEST_F(MoneyIntegrityTest, ApproverIsNeitherAKeyTheRequesterMadeNorOneMadeAfterTheRequest) {
  const Principal minted = CreateKey(node_.get(), second_admin_, Role::kAdmin);  // before
  AdjustmentId id;
  ASSERT_EQ(Adjust(second_admin_, a1_, AdjustmentDirection::kCredit, 100'000'000, &id).http_status,
            201);
  const Principal late = CreateKey(node_.get(), admin_, Role::kAdmin);  // after the request
  Principal app = admin_;
  app.kind = PrincipalKind::kAccessToken;
  app.client = kernel::AppId(77);  // client credentials: no user
  for (const Principal* who : std::initializer_list<const Principal*>{&minted, &late, &app}) {
    const Reply r = Decide(*who, id, true);
    EXPECT_EQ(r.http_status, 403) << r.body;
    EXPECT_EQ(Field(r.body, "code"), "four_eyes_required");
  }
  EXPECT_EQ(Balance(node_.get(), admin_, a1_), "0.00");
  EXPECT_EQ(Decide(admin_, id, true).http_status, 200);  // a key that predates it, not its own
  EXPECT_EQ(Balance(node_.get(), admin_, a1_), "1000000.00");
}

TEST_F(MoneyIntegrityTest, OperatorMayNotAskForOrApproveAnAdjustment) {
  EXPECT_EQ(Adjust(operator_, a1_, AdjustmentDirection::kCredit, 1).http_status, 403);
  AdjustmentId id;
  ASSERT_EQ(Adjust(second_admin_, a1_, AdjustmentDirection::kCredit, 1, &id).http_status, 201);
  EXPECT_EQ(Decide(operator_, id, true).http_status, 403);
  EXPECT_EQ(state().FindAdjustment(id)->status, AdjustmentStatus::kPendingApproval);
}

TEST_F(MoneyIntegrityTest, RejectedAdjustmentMovesNothingAndCannotBeApprovedLater) {
  AdjustmentId id;
  ASSERT_EQ(Adjust(second_admin_, a1_, AdjustmentDirection::kCredit, 700, &id).http_status, 201);
  Reply r = Decide(second_admin_, id, /*approve=*/false);  // the requester may withdraw it
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_EQ(Field(r.body, "status"), "rejected");
  r = Decide(admin_, id, true);
  EXPECT_EQ(r.http_status, 422) << r.body;
  EXPECT_EQ(Balance(node_.get(), admin_, a1_), "0.00");
}

TEST_F(MoneyIntegrityTest, DebitAdjustmentBeyondTheBalanceIsRefusedAndStaysPending) {
  AdjustmentId credit, debit;
  ASSERT_EQ(Adjust(second_admin_, a1_, AdjustmentDirection::kCredit, 1000, &credit).http_status,
            201);
  ASSERT_EQ(Decide(admin_, credit, true).http_status, 200);
  ASSERT_EQ(Adjust(second_admin_, a1_, AdjustmentDirection::kDebit, 1500, &debit).http_status, 201);
  Reply r = Decide(admin_, debit, true);
  EXPECT_EQ(r.http_status, 422) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "insufficient_funds");
  EXPECT_EQ(state().FindAdjustment(debit)->status, AdjustmentStatus::kPendingApproval);
  EXPECT_EQ(Balance(node_.get(), admin_, a1_), "10.00");
  ASSERT_EQ(Adjust(second_admin_, a1_, AdjustmentDirection::kDebit, 400, &debit).http_status, 201);
  ASSERT_EQ(Decide(admin_, debit, true).http_status, 200);
  EXPECT_EQ(Balance(node_.get(), admin_, a1_), "6.00");
  EXPECT_EQ(Balance(node_.get(), admin_, settlement_), "-6.00");
  ExpectBooksAudit();
}

TEST_F(MoneyIntegrityTest, AdjustmentOfAnotherTenantIsNotFound) {
  AdjustmentId id;
  ASSERT_EQ(Adjust(second_admin_, a1_, AdjustmentDirection::kCredit, 1, &id).http_status, 201);
  const Principal other = CreateTenant(node_.get(), root_, "other", false);
  EXPECT_EQ(Run(node_.get(), Op(other, GetAdjustmentOp{id})).http_status, 404);
  EXPECT_EQ(Decide(other, id, true).http_status, 404);
  EXPECT_EQ(Adjust(other, a1_, AdjustmentDirection::kCredit, 1).http_status, 404);
  EXPECT_EQ(state().FindAdjustment(id)->status, AdjustmentStatus::kPendingApproval);
}

TEST_F(MoneyIntegrityTest, AdjustmentsAndSettlementIndexSurviveReplayAndSnapshot) {
  AdjustmentId id;
  ASSERT_EQ(Adjust(second_admin_, a1_, AdjustmentDirection::kCredit, 300, &id).http_status, 201);
  ASSERT_EQ(Decide(admin_, id, true).http_status, 200);
  AdjustmentId pending;
  ASSERT_EQ(Adjust(second_admin_, a1_, AdjustmentDirection::kDebit, 100, &pending).http_status,
            201);
  const std::string before = state().EncodeSnapshot();
  for (bool snapshot : {false, true}) {
    if (snapshot) {
      const runtime::SnapshotJob job = node_->shard->CaptureSnapshot();
      ASSERT_TRUE(node_->shard->WriteSnapshot(job).ok());
    }
    node_.reset();
    node_ = Open();
    ASSERT_NE(node_, nullptr);
    EXPECT_EQ(CanonicalSnapshot(state().EncodeSnapshot()), CanonicalSnapshot(before));
    EXPECT_EQ(state().SettlementAccount(TenantLedger(admin_.tenant_seq, kEurNumeric)), settlement_);
    EXPECT_EQ(state().FindAdjustment(id)->status, AdjustmentStatus::kApplied);
    EXPECT_EQ(state().FindAdjustment(pending)->status, AdjustmentStatus::kPendingApproval);
    ExpectBooksAudit();
  }
  // Still decidable after the restart, by the rules it was asked under.
  EXPECT_EQ(Decide(second_admin_, pending, true).http_status, 403);
  EXPECT_EQ(Decide(admin_, pending, true).http_status, 200);
}

TEST_F(MoneyIntegrityTest, SandboxDepositIsTheOnlyOtherRouteAndRecordsWhoDidIt) {
  const Principal sandbox = CreateTenant(node_.get(), root_, "play", /*sandbox=*/true);
  const CustomerId c = CreateCustomer(node_.get(), sandbox, "carol");
  const AccountId acct = OpenAccount(node_.get(), sandbox, c);
  EXPECT_EQ(Deposit(node_.get(), admin_, a1_, 100).http_status, 403);  // production tenant
  const Reply r = Deposit(node_.get(), sandbox, acct, 4200);
  ASSERT_EQ(r.http_status, 201) << r.body;
  EXPECT_EQ(Balance(node_.get(), sandbox, acct), "42.00");
  const AccountId sandbox_settlement =
      *state().SettlementAccount(TenantLedger(sandbox.tenant_seq, kEurNumeric));
  EXPECT_EQ(Field(r.body, "from_account"), FormatId(prefix::kAccount, sandbox_settlement.value));
  ExpectBooksAudit();
}

TEST_F(MoneyIntegrityTest, PartialPostReadAtAnotherCurrencysScaleIsRefused) {
  AdjustmentId id;
  ASSERT_EQ(Adjust(second_admin_, a1_, AdjustmentDirection::kCredit, 10'000, &id).http_status, 201);
  ASSERT_EQ(Decide(admin_, id, true).http_status, 200);
  const TransferSpec hold = Spec(a1_, a2_, 5'000, /*pending=*/true);
  ASSERT_EQ(Transfer(node_.get(), operator_, hold).http_status, 201);
  // "1.000" KWD is 1000 minor units at KWD's scale of 3: never 10.00 EUR.
  Reply r = Run(node_.get(), Op(operator_, PostVoidOp{hold.id, false, u128{1000}, "KWD"}));
  EXPECT_EQ(r.http_status, 422) << r.body;
  EXPECT_EQ(Field(r.body, "code"), "currency_mismatch");
  EXPECT_EQ(Field(r.body, "param"), "currency");
  EXPECT_EQ(Balance(node_.get(), admin_, a2_), "0.00");
  r = Run(node_.get(), Op(operator_, PostVoidOp{hold.id, false, u128{1000}, "EUR"}));
  EXPECT_EQ(r.http_status, 201) << r.body;
  EXPECT_EQ(Balance(node_.get(), admin_, a2_), "10.00");
}

TEST_F(MoneyIntegrityTest, AuditCatchesSettlementMovedByAnOrdinaryTransferCode) {
  ExpectBooksAudit();
  // A record the handlers would never write: settlement moved with the transfer code (as
  // an old journal or a future route that forgot the rule could hold).
  ledger::Transfer t;
  t.id = TransferId(RandomU128());
  t.debit_account_id = settlement_;
  t.credit_account_id = a1_;
  t.amount = 1;
  t.ledger = TenantLedger(admin_.tenant_seq, kEurNumeric);
  t.code = kTransferCodeTransfer;
  t.flags = ledger::kTransferInternal;
  t.timestamp = now_ + 1;
  node_->shard->state().ApplyTransferCreated(t);
  const Status st = AuditMoney(state(), ledger());
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("settlement"), std::string::npos) << st.ToString();
}

// The rail code alone is not enough either: a rail transfer is one the money port annotated
// (TransferAnnotated.rail); with the mark, the audit accepts it.
TEST_F(MoneyIntegrityTest, AuditAcceptsSettlementMovedByARailOnlyWithItsMark) {
  ExpectBooksAudit();
  ledger::Transfer t;
  t.id = TransferId(RandomU128());
  t.debit_account_id = settlement_;
  t.credit_account_id = a1_;
  t.amount = 1;
  t.ledger = TenantLedger(admin_.tenant_seq, kEurNumeric);
  t.code = kTransferCodeRail;
  t.flags = ledger::kTransferInternal;
  t.timestamp = now_ + 1;
  node_->shard->state().ApplyTransferCreated(t);
  const Status unmarked = AuditMoney(state(), ledger());
  EXPECT_FALSE(unmarked.ok());
  EXPECT_NE(unmarked.message().find("code 4"), std::string::npos) << unmarked.ToString();
  pb::TransferAnnotated m;
  m.set_id(IdBytes(t.id.value));
  m.set_description("inbound credit");
  m.set_tenant_id(IdBytes(admin_.tenant.value));
  m.set_rail(true);
  const std::string payload = m.SerializeAsString();
  const journal::EventView ev{static_cast<uint16_t>(EventType::kTransferAnnotated),
                              kEventVersion,
                              {reinterpret_cast<const uint8_t*>(payload.data()), payload.size()}};
  ASSERT_TRUE(node_->service.ApplyEvent(ev, 1, now_).ok());
  EXPECT_TRUE(AuditMoney(state(), ledger()).ok());
}

// An applied adjustment's id on a record is not enough: the audit checks the record moved
// what was approved (account, direction, amount).
TEST_F(MoneyIntegrityTest, AuditCatchesARecordThatClaimsAnAdjustmentButMovesMore) {
  AdjustmentId id;
  ASSERT_EQ(Adjust(second_admin_, a1_, AdjustmentDirection::kCredit, 500, &id).http_status, 201);
  const Adjustment* adj = state().FindAdjustment(id);
  ASSERT_NE(adj, nullptr);
  // What an old or forged journal could hold: the adjustment marked applied, and under its
  // transfer id a record that moved ten times the amount.
  ledger::Transfer t;
  t.id = adj->transfer;
  t.debit_account_id = settlement_;
  t.credit_account_id = a1_;
  t.amount = 5000;
  t.ledger = adj->ledger;
  t.code = kTransferCodeAdjustment;
  t.flags = ledger::kTransferInternal;
  t.timestamp = now_ + 1;
  node_->shard->state().ApplyTransferCreated(t);
  pb::AdjustmentDecided d;
  d.set_id(IdBytes(id.value));
  d.set_tenant_id(IdBytes(admin_.tenant.value));
  d.set_status(static_cast<uint32_t>(AdjustmentStatus::kApplied));
  ActorToProto(Actor{ActorKind::kApiKey, admin_.key.value}, d.mutable_decided_by());
  const std::string payload = d.SerializeAsString();
  const journal::EventView ev{static_cast<uint16_t>(EventType::kAdjustmentDecided),
                              kEventVersion,
                              {reinterpret_cast<const uint8_t*>(payload.data()), payload.size()}};
  ASSERT_TRUE(node_->service.ApplyEvent(ev, 1, now_).ok());
  ASSERT_EQ(state().FindAdjustment(id)->status, AdjustmentStatus::kApplied);
  const Status st = AuditMoney(state(), ledger());
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("outside sandbox deposits, applied adjustments and payment rails"),
            std::string::npos)
      << st.ToString();
}

// A filter that matches little does not make one page a scan of the whole list: a page
// looks at kListScanMax rows at most and continues from where it stopped.
TEST_F(MoneyIntegrityTest, FilteredListPagesScanABoundedNumberOfRows) {
  std::vector<std::shared_ptr<PlatformOp>> batch;
  for (size_t i = 0; i < kListScanMax + 10; i++) {
    CreateAdjustmentOp op;
    op.id = AdjustmentId(RandomU128());
    op.transfer_id = TransferId(RandomU128());
    op.account = a1_;
    op.amount_minor = 1;
    op.currency = "EUR";
    op.reason = "bulk";
    batch.push_back(Op(second_admin_, op));
    if (batch.size() == 1000) {
      RunBatch(node_.get(), batch);
      batch.clear();
    }
  }
  RunBatch(node_.get(), batch);
  AdjustmentId last;
  ASSERT_EQ(Adjust(second_admin_, a1_, AdjustmentDirection::kCredit, 7, &last).http_status, 201);
  ASSERT_EQ(Decide(admin_, last, true).http_status, 200);  // the one applied, at the very end
  ListAdjustmentsOp list;
  list.status = AdjustmentStatus::kApplied;
  Reply page = Run(node_.get(), Op(admin_, list));
  ASSERT_EQ(page.http_status, 200);
  EXPECT_FALSE(Contains(page.body, FormatId(prefix::kAdjustment, last.value)));  // not reached
  EXPECT_EQ(Field(page.body, "has_more"), "true");
  ASSERT_TRUE(
      ParseId(Field(page.body, "next_cursor"), prefix::kAdjustment, &list.after.emplace().value));
  page = Run(node_.get(), Op(admin_, list));  // continues where the scan stopped
  ASSERT_EQ(page.http_status, 200);
  EXPECT_TRUE(Contains(page.body, FormatId(prefix::kAdjustment, last.value))) << page.body;
  EXPECT_EQ(Field(page.body, "has_more"), "false");
}

// Journals from before issue 12 name settlement accounts by a structured id and carry no
// ledger in AccountOpened: the state still finds each ledger's settlement account.
TEST(LegacySettlementTest, StructuredSettlementIdsFromOldJournalsAreIndexedByTheirLedger) {
  KeyDirectory keys;
  PlatformState st(&keys, 24ull * 3600 * kNsPerSecond);
  const TenantId tenant(RandomU128());
  pb::TenantCreated t;
  t.set_id(IdBytes(tenant.value));
  t.set_seq(1);
  t.set_name("old");
  t.set_sandbox(true);
  auto apply = [&st](EventType type, const std::string& payload) {
    const journal::EventView ev{static_cast<uint16_t>(type),
                                kEventVersion,
                                {reinterpret_cast<const uint8_t*>(payload.data()), payload.size()}};
    return st.Apply(ev, 1);
  };
  ASSERT_TRUE(apply(EventType::kTenantCreated, t.SerializeAsString()).ok());
  const AccountId legacy(MakeU128(0xCB00'0000'0000'0000ull | 1, 978));
  pb::AccountOpened a;
  a.set_id(IdBytes(legacy.value));
  a.set_tenant_id(IdBytes(tenant.value));
  a.set_type(static_cast<uint32_t>(AccountType::kSettlement));
  a.set_status(static_cast<uint32_t>(AccountStatus::kOpen));
  ASSERT_TRUE(apply(EventType::kAccountOpened, a.SerializeAsString()).ok());
  EXPECT_EQ(LegacySettlementLedger(legacy), TenantLedger(1, 978));
  EXPECT_EQ(st.SettlementAccount(TenantLedger(1, 978)), legacy);
  // A second settlement account for the same ledger is a corrupt journal, not a second one.
  a.set_id(IdBytes(RandomU128()));
  a.set_ledger(TenantLedger(1, 978));
  EXPECT_FALSE(apply(EventType::kAccountOpened, a.SerializeAsString()).ok());
  // A settlement account of no known ledger (random id, no ledger field) too.
  a.set_ledger(0);
  EXPECT_FALSE(apply(EventType::kAccountOpened, a.SerializeAsString()).ok());
}

}  // namespace
}  // namespace cb::platform
