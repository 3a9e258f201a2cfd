// The payments service over fake ports (envelope, money): each money outcome becomes the
// right transition, a hold's end moves the held payment, and replay and snapshots rebuild
// exactly what was answered while refusing transitions outside the status machine. The
// HTTP path, with the real platform, risk core and ledger, is tests/api/payments.test.mjs.
#include <gtest/gtest.h>

#include <map>

#include "api/module.h"
#include "journal/format.h"
#include "modules/payments/payments_internal.h"
#include "runtime/command.h"

namespace cb::modules::payments {
extern const api::ServiceModule kModule;
namespace {

constexpr TimestampNs kNow = 1'767'225'600ull * kNsPerSecond;  // 2026-01-01T00:00:00Z
constexpr u128 kTenant = 7, kPayer = 100, kPayee = 200, kPayerCustomer = 11;

class FakeEnvelope final : public kernel::EnvelopeRunner {
 public:
  void RunEnveloped(const kernel::Envelope& /*env*/, runtime::ServiceContext& /*ctx*/,
                    runtime::Reply* reply, const std::function<kernel::Answer()>& body) override {
    kernel::Answer a = body();
    reply->http_status = a.http_status;
    reply->body = std::move(a.body);
  }
};

// Two accounts of kTenant; Move answers `next`.
class FakeMoney final : public kernel::MoneyPort {
 public:
  kernel::MoveOutcome next = kernel::MoveOutcome::kExecuted;
  std::vector<kernel::MoveRequest> moves;
  std::optional<kernel::PayeeInfo> ResolvePayee(
      kernel::TenantId tenant, u128 account, std::string_view alias,
      const runtime::ServiceContext& /*ctx*/) const override {
    if (tenant.value != kTenant) return std::nullopt;
    if (alias == "+447700900123") account = kPayee;
    if (account == kPayee) return kernel::PayeeInfo{kPayee, 12, "Jane Alice Doe", "EUR", false};
    if (account == kPayer && alias.empty()) {
      return kernel::PayeeInfo{kPayer, kPayerCustomer, "Pat Payer", "EUR", false};
    }
    return std::nullopt;
  }
  kernel::MoveResult Move(const kernel::MoveRequest& r, runtime::ServiceContext& /*ctx*/) override {
    moves.push_back(r);
    kernel::MoveResult m;
    m.outcome = next;
    m.decision = 77;
    if (next == kernel::MoveOutcome::kFailed) {
      m.code = "insufficient_funds";
      m.message = "Insufficient funds.";
    }
    if (next == kernel::MoveOutcome::kRefused) {
      m.code = "risk_denied";
      m.reasons = {"too_big"};
    }
    if (next == kernel::MoveOutcome::kInvalid) m.error = {422, "{\"error\":{}}"};
    return m;
  }
};

class PaymentsServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static const api::ServiceModule* const kList[] = {&kModule};
    if (!api::RouteRegistryBuilt()) api::RegisterModules(kList);
  }

  std::unique_ptr<PaymentsService> NewService() {
    return std::make_unique<PaymentsService>(&envelope, &money);
  }

  runtime::ServiceContext Ctx() {
    runtime::ServiceContext ctx;
    ctx.out = &out;
    ctx.batch_timestamp = kNow;
    return ctx;
  }

  runtime::Reply Pay(PaymentsService& s, u128 id, std::string name = "", std::string alias = "") {
    CreatePaymentOp c;
    c.id = id;
    c.from_account = kPayer;
    c.to.kind = alias.empty() ? PayeeKind::kAccount : PayeeKind::kAlias;
    c.to.account = alias.empty() ? kPayee : 0;
    c.to.alias = alias;
    c.to.name = std::move(name);
    c.amount_minor = 1250;
    c.currency = "EUR";
    c.end_to_end_id = "E2E";
    PaymentOp op;
    op.caller.tenant = kernel::TenantId(kTenant);
    op.body = c;
    runtime::ServiceContext ctx = Ctx();
    runtime::Reply reply;
    s.Execute(op, ctx, &reply);
    return reply;
  }

  // Every event written so far, applied to a fresh service (what recovery does).
  Status Replay(PaymentsService* fresh) {
    journal::RecordBuilder copy = out;
    copy.Seal(0, 1, kNow, Hash256{}, 0);
    journal::RecordHeader header;
    std::span<const uint8_t> events;
    EXPECT_EQ(journal::DecodeRecord(copy.bytes(), &header, &events), journal::DecodeError::kNone);
    journal::EventIterator it(events);
    journal::EventView ev;
    while (it.Next(&ev)) {
      if (Status s = fresh->ApplyEvent(ev, 1, kNow); !s.ok()) return s;
    }
    return Status::Ok();
  }

  std::vector<PaymentStatus> History(const PaymentsService& s, u128 id) {
    std::vector<PaymentStatus> h;
    for (const Transition& t : s.Find(id)->history) h.push_back(t.status);
    return h;
  }

  FakeEnvelope envelope;
  FakeMoney money;
  journal::RecordBuilder out;
};

using S = PaymentStatus;

TEST_F(PaymentsServiceTest, EachMoneyOutcomeIsItsTransition) {
  auto s = NewService();
  money.next = kernel::MoveOutcome::kExecuted;
  EXPECT_EQ(Pay(*s, 1).http_status, 201);
  money.next = kernel::MoveOutcome::kHeld;
  EXPECT_EQ(Pay(*s, 2).http_status, 202);
  money.next = kernel::MoveOutcome::kRefused;
  EXPECT_EQ(Pay(*s, 3).http_status, 201);
  money.next = kernel::MoveOutcome::kFailed;
  EXPECT_EQ(Pay(*s, 4).http_status, 201);
  money.next = kernel::MoveOutcome::kInvalid;
  EXPECT_EQ(Pay(*s, 5).http_status, 422);
  EXPECT_EQ(History(*s, 1), (std::vector{S::kCreated, S::kSettled}));
  EXPECT_EQ(History(*s, 2), (std::vector{S::kCreated, S::kHeld}));
  EXPECT_EQ(History(*s, 3), (std::vector{S::kCreated, S::kRejected}));
  EXPECT_EQ(s->Find(3)->history.back().reason_code, "risk_denied");
  EXPECT_EQ(History(*s, 4), (std::vector{S::kCreated, S::kRejected}));
  EXPECT_EQ(s->Find(4)->history.back().reason_code, "insufficient_funds");
  EXPECT_EQ(s->Find(5), nullptr) << "an invalid request makes no payment";
  // The money moved under the payment's own derived transfer id, and the payer's customer
  // is recorded (a customer's token sees its own payments).
  EXPECT_EQ(money.moves[0].transfer, s->Find(1)->transfer);
  EXPECT_EQ(s->Find(1)->transfer, kernel::DerivedId(1, 'T'));
  EXPECT_EQ(s->Find(1)->from_customer, kPayerCustomer);
  EXPECT_EQ(s->Find(1)->decision, 77u);
}

TEST_F(PaymentsServiceTest, AHoldsEndMovesOnlyItsHeldPayment) {
  auto s = NewService();
  money.next = kernel::MoveOutcome::kHeld;
  Pay(*s, 1);
  Pay(*s, 2);
  runtime::ServiceContext ctx = Ctx();
  s->OnHoldResolved(kernel::DerivedId(1, 'T'), true, ctx);
  s->OnHoldResolved(kernel::DerivedId(2, 'T'), false, ctx);
  s->OnHoldResolved(12345, true, ctx);                       // a transfer's hold: ignored
  s->OnHoldResolved(kernel::DerivedId(1, 'T'), false, ctx);  // already settled: ignored
  EXPECT_EQ(History(*s, 1), (std::vector{S::kCreated, S::kHeld, S::kSettled}));
  EXPECT_EQ(History(*s, 2), (std::vector{S::kCreated, S::kHeld, S::kRejected}));
  EXPECT_EQ(s->Find(2)->history.back().reason_code, "risk_review_rejected");
}

TEST_F(PaymentsServiceTest, ConfirmationOfPayeeIsRecorded) {
  auto s = NewService();
  Pay(*s, 1, "Jane Alice Doe", "+447700900123");
  Pay(*s, 2, "J A Doe", "+447700900123");
  Pay(*s, 3, "Someone Else", "+447700900123");
  EXPECT_EQ(s->Find(1)->cop, CopResult::kMatch);
  EXPECT_EQ(s->Find(1)->cop_name, "");
  EXPECT_EQ(s->Find(2)->cop, CopResult::kCloseMatch);
  EXPECT_EQ(s->Find(2)->cop_name, "Jane Alice Doe");
  EXPECT_EQ(s->Find(3)->cop, CopResult::kNoMatch);
  EXPECT_EQ(s->Find(3)->to.account, kPayee);
}

TEST_F(PaymentsServiceTest, ReplayAndSnapshotsRebuildWhatWasAnswered) {
  auto s = NewService();
  money.next = kernel::MoveOutcome::kHeld;
  Pay(*s, 1, "J A Doe", "+447700900123");
  money.next = kernel::MoveOutcome::kExecuted;
  Pay(*s, 2);
  money.next = kernel::MoveOutcome::kFailed;
  Pay(*s, 3);
  runtime::ServiceContext ctx = Ctx();
  s->OnHoldResolved(kernel::DerivedId(1, 'T'), true, ctx);
  auto replayed = NewService();
  ASSERT_TRUE(Replay(replayed.get()).ok());
  for (u128 id : {1, 2, 3})
    EXPECT_EQ(RenderPayment(*replayed->Find(id)), RenderPayment(*s->Find(id)));
  const std::string snap = s->CaptureSnapshot();
  EXPECT_EQ(replayed->CaptureSnapshot(), snap);
  auto loaded = NewService();
  ASSERT_TRUE(loaded->LoadSnapshot(snap).ok());
  EXPECT_EQ(loaded->CaptureSnapshot(), snap);
  for (u128 id : {1, 2, 3})
    EXPECT_EQ(RenderPayment(*loaded->Find(id)), RenderPayment(*s->Find(id)));
  EXPECT_FALSE(loaded->LoadSnapshot("garbage").ok());
}

TEST_F(PaymentsServiceTest, ReplayRefusesWhatTheMachineForbids) {
  auto s = NewService();
  money.next = kernel::MoveOutcome::kExecuted;
  Pay(*s, 1);  // created -> settled
  // settled -> held is not a transition of the machine: recovery stops on it.
  pb::PaymentStatusChanged bad;
  bad.set_id(kernel::IdBytes(1));
  bad.set_tenant_id(kernel::IdBytes(kTenant));
  bad.set_status(static_cast<uint32_t>(S::kHeld));
  bad.set_at_ns(kNow);
  journal::AddMessageEvent(&out, static_cast<uint16_t>(EventType::kPaymentStatusChanged),
                           kEventVersion, bad);
  auto fresh = NewService();
  EXPECT_EQ(Replay(fresh.get()).code(), StatusCode::kDataLoss);
}

TEST_F(PaymentsServiceTest, MalformedEventsAreDataLoss) {
  pb::PaymentCreated e;
  Payment p;
  p.id = 1;
  p.tenant = kTenant;
  p.from_account = kPayer;
  p.to.account = kPayee;
  p.amount_minor = 5;
  p.currency = "EUR";
  p.transfer = 9;
  ToProto(p, &e);
  Payment back;
  EXPECT_TRUE(FromProto(e, &back));
  pb::PaymentCreated zero = e;
  zero.set_amount_minor(kernel::IdBytes(0));
  EXPECT_FALSE(FromProto(zero, &back));
  pb::PaymentCreated rail = e;
  rail.set_rail(99);
  EXPECT_FALSE(FromProto(rail, &back));
  pb::PaymentCreated internal_without_account = e;
  internal_without_account.mutable_to()->clear_account();
  EXPECT_FALSE(FromProto(internal_without_account, &back));
}

}  // namespace
}  // namespace cb::modules::payments
