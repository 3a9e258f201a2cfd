// The payments service over fake ports (envelope, money): each money outcome becomes the
// right transition, a hold's end moves the held payment, and replay and snapshots rebuild
// exactly what was answered while refusing transitions outside the status machine. The
// HTTP path, with the real platform, risk core and ledger, is tests/api/payments.test.mjs.
#include <gtest/gtest.h>

#include <map>

#include "api/module.h"
#include "journal/format.h"
#include "modules/payments/payments_internal.h"
#include "payments/iso20022.h"
#include "platform/account_iban.h"
#include "runtime/command.h"
#include "runtime/timers.h"

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
    if (account == kPayee)
      return kernel::PayeeInfo{kTenant, kPayee, 12, "Jane Alice Doe", "EUR", 0, false};
    if (account == kPayer && alias.empty()) {
      return kernel::PayeeInfo{kTenant, kPayer, kPayerCustomer, "Pat Payer", "EUR", 1, false};
    }
    return std::nullopt;
  }
  kernel::MoveResult Move(const kernel::MoveRequest& r, runtime::ServiceContext& /*ctx*/) override {
    moves.push_back(r);
    kernel::MoveResult m;
    m.outcome = next;
    m.decision = 77;
    m.from_customer = kPayerCustomer;
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
  std::vector<std::pair<u128, bool>> finished;  // transfer, posted
  std::vector<std::pair<u128, u128>> credited;  // account, amount
  Status FinishReservation(kernel::TenantId /*tenant*/, u128 transfer, bool post,
                           runtime::ServiceContext& /*ctx*/) override {
    finished.emplace_back(transfer, post);
    return Status::Ok();
  }
  Status CreditFromRail(const kernel::CreditRequest& r, runtime::ServiceContext& /*ctx*/) override {
    credited.emplace_back(r.account, r.amount_minor);
    return Status::Ok();
  }
  std::optional<kernel::PayeeInfo> AccountByIban(
      std::string_view iban, const runtime::ServiceContext& ctx) const override {
    if (iban != platform::AccountIban(1)) return std::nullopt;
    return ResolvePayee(kernel::TenantId(kTenant), kPayer, "", ctx);
  }
};

// The risk core as payments sees it: reconciliation alerts (the money port decides the rest).
class FakeRisk final : public kernel::DecisionPort {
 public:
  struct Raised {
    u128 id = 0, tenant = 0;
    std::string reconciliation, reason;
    bool severe = false;
    std::vector<std::string> entries;
  };
  std::vector<Raised> alerts;
  kernel::Decision Decide(const kernel::Movement& /*m*/,
                          runtime::ServiceContext& /*ctx*/) override {
    return {};
  }
  void Record(const kernel::Movement& /*m*/, const kernel::Decision& /*d*/,
              kernel::Disposition /*disposition*/, kernel::HoldAction /*action*/,
              runtime::ServiceContext& /*ctx*/) override {}
  bool Held(u128 /*transfer*/) const override { return false; }
  u128 DecisionOf(u128 /*transfer*/) const override { return 0; }
  void RaiseReconciliationAlert(const kernel::ReconciliationAlert& a,
                                runtime::ServiceContext& /*ctx*/) override {
    alerts.push_back({a.id, a.tenant, std::string(a.reconciliation), std::string(a.reason),
                      a.severe, std::vector<std::string>(a.entries.begin(), a.entries.end())});
  }
};

// The durable timers as a map: what is scheduled, and when.
class FakeTimers final : public runtime::Timers {
 public:
  std::map<std::string, runtime::Timer> timers;
  bool full = false;  // Schedule answers ResourceExhausted
  Status Schedule(std::string_view key, TimestampNs when, std::string_view payload) override {
    if (full) return Status::ResourceExhausted("timer table full");
    timers[std::string(key)] =
        runtime::Timer{kServiceId, std::string(key), when, 0, std::string(payload)};
    return Status::Ok();
  }
  bool Cancel(std::string_view key) override { return timers.erase(std::string(key)) > 0; }
  const runtime::Timer* Find(std::string_view key) const override {
    auto it = timers.find(std::string(key));
    return it == timers.end() ? nullptr : &it->second;
  }
};

class PaymentsServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static const api::ServiceModule* const kList[] = {&kModule};
    if (!api::RouteRegistryBuilt()) api::RegisterModules(kList);
  }

  std::unique_ptr<PaymentsService> NewService() {
    return std::make_unique<PaymentsService>(
        &envelope, &money, &risk,
        PaymentsConfig{.scheme_url = "http://127.0.0.1:1", .answer_timeout_ms = 2000});
  }

  runtime::ServiceContext Ctx() {
    runtime::ServiceContext ctx;
    ctx.out = &out;
    ctx.batch_timestamp = kNow;
    ctx.timers = &timers;
    return ctx;
  }

  runtime::Reply PayExternal(PaymentsService& s, u128 id) {
    CreatePaymentOp c;
    c.id = id;
    c.from_account = kPayer;
    c.to.kind = PayeeKind::kIban;
    c.to.iban = "DE89370400440532013000";
    c.to.name = "Max Muster";
    c.amount_minor = 2500;
    c.currency = "EUR";
    c.rail = Rail::kSepaInstant;
    c.end_to_end_id = "E2E-" + std::to_string(static_cast<uint64_t>(id));
    PaymentOp op;
    op.caller.tenant = kernel::TenantId(kTenant);
    op.body = c;
    runtime::ServiceContext ctx = Ctx();
    runtime::Reply reply;
    s.Execute(op, ctx, &reply);
    return reply;
  }

  runtime::Reply Feed(PaymentsService& s, uint64_t seq, std::string type, std::string xml) {
    PaymentOp op;
    op.body = FeedMessageOp{seq, std::move(type), std::move(xml)};
    runtime::ServiceContext ctx = Ctx();
    runtime::Reply reply;
    s.Execute(op, ctx, &reply);
    return reply;
  }

  void Deliver(PaymentsService& s, u128 id) {
    PaymentOp op;
    op.body = SchemeDeliveredOp{id};
    runtime::ServiceContext ctx = Ctx();
    runtime::Reply reply;
    s.Execute(op, ctx, &reply);
    EXPECT_EQ(reply.http_status, 200);
  }

  static std::string Pacs002(u128 payment, ::cb::payments::iso::TxStatus status,
                             std::string reason = "") {
    ::cb::payments::iso::PaymentStatusReport r;
    r.message_id = "SCHEME-" + std::to_string(static_cast<uint64_t>(payment));
    r.created = kNow;
    r.original_message_id = MessageIdOf(payment);
    r.original_end_to_end_id = "E2E-" + std::to_string(static_cast<uint64_t>(payment));
    r.original_tx_id = MessageIdOf(payment);
    r.status = status;
    r.reason_code = std::move(reason);
    Result<std::string> xml = ::cb::payments::iso::BuildPacs002(r);
    EXPECT_TRUE(xml.ok()) << xml.status().ToString();
    return xml.ok() ? *xml : "";
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
  FakeRisk risk;
  FakeTimers timers;
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

namespace iso = ::cb::payments::iso;

TEST_F(PaymentsServiceTest, AnExternalPaymentIsReservedAndLeavesAsAValidPacs008) {
  auto s = NewService();
  money.next = kernel::MoveOutcome::kExecuted;
  EXPECT_EQ(PayExternal(*s, 1).http_status, 201);
  const Payment* p = s->Find(1);
  EXPECT_EQ(History(*s, 1), (std::vector{S::kCreated, S::kFundsReserved, S::kSubmitted}))
      << p->history.back().reason;
  EXPECT_TRUE(money.moves[0].to_clearing);
  ASSERT_EQ(p->messages.size(), 1u);
  EXPECT_EQ(p->messages[0].type, "pacs.008.001.08");
  EXPECT_EQ(p->messages[0].direction, Direction::kOutbound);
  Result<iso::CreditTransfer> ct = iso::ParsePacs008(p->messages[0].xml);  // validates first
  ASSERT_TRUE(ct.ok()) << ct.status().ToString();
  EXPECT_EQ(ct->message_id, MessageIdOf(1));
  EXPECT_EQ(ct->end_to_end_id, "E2E-1");
  EXPECT_EQ(ct->amount.amount_minor, 2500);
  EXPECT_EQ(ct->debtor.iban, platform::AccountIban(1));
  EXPECT_EQ(ct->creditor.iban, "DE89370400440532013000");
  EXPECT_EQ(ct->creditor.name, "Max Muster");
  // Nothing can fail it before the scheme has it (the outbox may still deliver it); once
  // delivered, its answer deadline is journaled with `accepted` (feed pages pass it).
  Deliver(*s, 1);
  EXPECT_EQ(s->Find(1)->status, S::kAccepted);
  EXPECT_EQ(s->Find(1)->history.back().deadline, kNow + 2000 * 1'000'000ull);
}

// The poller sends a page before the one before it is answered: a page read from a position
// the service has not booked up to (the page before it failed) books nothing.
TEST_F(PaymentsServiceTest, AFeedPageReadFromAnotherPositionThanTheBookedOneBooksNothing) {
  auto s = NewService();
  money.next = kernel::MoveOutcome::kExecuted;
  PayExternal(*s, 1);
  PayExternal(*s, 2);
  auto page = [&](uint64_t read_after, uint64_t seq, u128 payment) {
    PaymentOp op;
    FeedPageOp p;
    p.read_after = read_after;
    p.messages.push_back(
        FeedMessageOp{seq, "pacs.002.001.10", Pacs002(payment, iso::TxStatus::kAcsc)});
    op.body = std::move(p);
    runtime::ServiceContext ctx = Ctx();
    runtime::Reply reply;
    s->Execute(op, ctx, &reply);
    return reply;
  };
  runtime::Reply skipped = page(1, 2, 2);  // seq 1 was never booked
  EXPECT_EQ(skipped.http_status, 409);
  EXPECT_EQ(skipped.body, "0");  // where to read from
  EXPECT_EQ(s->Find(2)->status, S::kSubmitted);
  EXPECT_EQ(page(0, 1, 1).http_status, 200);
  EXPECT_EQ(page(1, 2, 2).http_status, 200);
  EXPECT_EQ(s->Find(1)->status, S::kSettled);
  EXPECT_EQ(s->Find(2)->status, S::kSettled);
}

TEST_F(PaymentsServiceTest, TheFeedSettlesRejectsAndReturnsEachOnce) {
  auto s = NewService();
  money.next = kernel::MoveOutcome::kExecuted;
  PayExternal(*s, 1);
  PayExternal(*s, 2);
  EXPECT_EQ(Feed(*s, 1, "pacs.002.001.10", Pacs002(1, iso::TxStatus::kAcsc)).body, "booked");
  EXPECT_EQ(Feed(*s, 2, "pacs.002.001.10", Pacs002(2, iso::TxStatus::kRjct, "AC04")).body,
            "booked");
  EXPECT_EQ(Feed(*s, 2, "pacs.002.001.10", Pacs002(2, iso::TxStatus::kRjct, "AC04")).body,
            "duplicate");
  EXPECT_EQ(History(*s, 1),
            (std::vector{S::kCreated, S::kFundsReserved, S::kSubmitted, S::kSettled}));
  EXPECT_EQ(History(*s, 2),
            (std::vector{S::kCreated, S::kFundsReserved, S::kSubmitted, S::kRejected}));
  EXPECT_EQ(s->Find(2)->history.back().reason_code, "AC04");
  const std::vector<std::pair<u128, bool>> finished = {{kernel::DerivedId(1, 'T'), true},
                                                       {kernel::DerivedId(2, 'T'), false}};
  EXPECT_EQ(money.finished, finished) << "settled: posted; rejected: voided";
  EXPECT_EQ(s->NextDue(), std::nullopt) << "answered payments have no deadline left";
  // A return of the settled one credits the payer back, linked by its derived id.
  iso::PaymentReturn ret;
  ret.message_id = "RET-1";
  ret.created = kNow;
  ret.original_message_id = MessageIdOf(1);
  ret.original_end_to_end_id = "E2E-1";
  ret.original_tx_id = MessageIdOf(1);
  ret.returned_amount = {2500, "EUR", 2};
  ret.settlement_date = iso::DateOf(kNow);
  ret.reason_code = "AC04";
  Result<std::string> xml = iso::BuildPacs004(ret);
  ASSERT_TRUE(xml.ok());
  EXPECT_EQ(Feed(*s, 3, "pacs.004.001.09", *xml).body, "booked");
  EXPECT_EQ(s->Find(1)->status, S::kReturned);
  EXPECT_EQ(money.credited, (std::vector<std::pair<u128, u128>>{{kPayer, 2500}}));
  // A message for no payment of ours, or not ISO at all, only moves the feed on.
  EXPECT_EQ(Feed(*s, 4, "pacs.002.001.10", Pacs002(99, iso::TxStatus::kAcsc)).body, "ignored");
  EXPECT_EQ(Feed(*s, 5, "pacs.002.001.10", "<not xml").body, "ignored");
  auto replayed = NewService();
  ASSERT_TRUE(Replay(replayed.get()).ok());
  EXPECT_EQ(replayed->CaptureSnapshot(), s->CaptureSnapshot());
  EXPECT_EQ(RenderMessages(*replayed->Find(1)), RenderMessages(*s->Find(1)));
}

TEST_F(PaymentsServiceTest, NoAnswerFailsAndVoidsOnlyOnceTheFeedIsReadThroughTheDeadline) {
  auto s = NewService();
  money.next = kernel::MoveOutcome::kExecuted;
  PayExternal(*s, 1);
  runtime::ServiceContext undelivered = Ctx();
  undelivered.batch_timestamp = kNow + 3600 * kNsPerSecond;
  s->RunDue(undelivered);
  EXPECT_EQ(s->Find(1)->status, S::kSubmitted) << "not failed before the scheme has it";
  Deliver(*s, 1);
  runtime::ServiceContext early = Ctx();
  early.batch_timestamp = kNow + 1999 * 1'000'000ull;
  s->RunDue(early);
  EXPECT_EQ(s->Find(1)->status, S::kAccepted);
  runtime::ServiceContext ctx = Ctx();
  ctx.batch_timestamp = kNow + 2000 * 1'000'000ull;
  ctx.timers = nullptr;  // the deadline needs no timers
  s->RunDue(ctx);
  EXPECT_EQ(s->Find(1)->status, S::kAccepted) << "the clock alone: the answer may wait unread";
  EXPECT_EQ(s->NextDue(), std::nullopt);
  auto read_through = [&](TimestampNs at) {
    PaymentOp op;
    op.body = FeedPageOp{{}, at};
    runtime::Reply reply;
    s->Execute(op, ctx, &reply);
    EXPECT_EQ(reply.http_status, 200);
  };
  read_through(kNow + 1999 * 1'000'000ull);  // read before the deadline: nothing
  EXPECT_EQ(s->Find(1)->status, S::kAccepted);
  read_through(kNow + 2000 * 1'000'000ull);  // read through it, and no answer
  EXPECT_EQ(s->Find(1)->status, S::kFailed);
  EXPECT_EQ(s->Find(1)->history.back().reason_code, "no_answer");
  EXPECT_EQ(money.finished,
            (std::vector<std::pair<u128, bool>>{{kernel::DerivedId(1, 'T'), false}}));
  // A late answer changes nothing.
  Feed(*s, 1, "pacs.002.001.10", Pacs002(1, iso::TxStatus::kAcsc));
  EXPECT_EQ(s->Find(1)->status, S::kFailed);
  EXPECT_EQ(money.finished.size(), 1u);
  auto replayed = NewService();
  ASSERT_TRUE(Replay(replayed.get()).ok());
  EXPECT_EQ(replayed->CaptureSnapshot(), s->CaptureSnapshot());
  auto loaded = NewService();
  ASSERT_TRUE(loaded->LoadSnapshot(s->CaptureSnapshot()).ok());
  EXPECT_EQ(loaded->CaptureSnapshot(), s->CaptureSnapshot());
}

TEST_F(PaymentsServiceTest, AFeeIsReservedWithItsPaymentAndEndsWithIt) {
  auto s = NewService();
  SetFeesOp set;
  set.rules.push_back({Rail::kSepaInstant, "EUR", 30, kPayee});
  PaymentOp op;
  op.caller.tenant = kernel::TenantId(kTenant);
  op.body = set;
  runtime::ServiceContext ctx = Ctx();
  runtime::Reply reply;
  s->Execute(op, ctx, &reply);
  ASSERT_EQ(reply.http_status, 200) << reply.body;
  money.next = kernel::MoveOutcome::kExecuted;
  PayExternal(*s, 1);  // settles: both posted
  ASSERT_EQ(money.moves.size(), 1u);
  EXPECT_EQ(money.moves[0].fee_minor, 30u);
  EXPECT_EQ(money.moves[0].fee_account, kPayee);
  EXPECT_EQ(money.moves[0].fee_transfer, FeeTransferOf(1));
  EXPECT_NE(RenderPayment(*s->Find(1)).find(R"("fee":{"amount":"0.30")"), std::string::npos);
  Feed(*s, 1, "pacs.002.001.10", Pacs002(1, iso::TxStatus::kAcsc));
  money.next = kernel::MoveOutcome::kHeld;
  PayExternal(*s, 2);  // held, then rejected by its case: the fee voided with it
  s->OnHoldResolved(kernel::DerivedId(2, 'T'), false, ctx);
  EXPECT_EQ(s->Find(2)->status, S::kRejected);
  // The scheme refuses one for good; another gets no answer by its deadline: both voided.
  money.next = kernel::MoveOutcome::kExecuted;
  PayExternal(*s, 3);
  PaymentOp refused;
  refused.body = SchemeRefusedOp{3, "400: malformed"};
  runtime::Reply reply3;
  s->Execute(refused, ctx, &reply3);
  EXPECT_EQ(s->Find(3)->status, S::kFailed);
  PayExternal(*s, 4);
  Deliver(*s, 4);
  PaymentOp page;
  page.body = FeedPageOp{{}, kNow + 2000 * 1'000'000ull};
  runtime::ServiceContext late = Ctx();
  late.batch_timestamp = kNow + 2000 * 1'000'000ull;
  runtime::Reply reply4;
  s->Execute(page, late, &reply4);
  EXPECT_EQ(s->Find(4)->status, S::kFailed);
  EXPECT_EQ(s->Find(4)->history.back().reason_code, "no_answer");
  const std::vector<std::pair<u128, bool>> finished = {
      {kernel::DerivedId(1, 'T'), true}, {FeeTransferOf(1), true},
      {FeeTransferOf(2), false},         {kernel::DerivedId(3, 'T'), false},
      {FeeTransferOf(3), false},         {kernel::DerivedId(4, 'T'), false},
      {FeeTransferOf(4), false}};
  EXPECT_EQ(money.finished, finished);
  auto replayed = NewService();
  ASSERT_TRUE(Replay(replayed.get()).ok());
  EXPECT_EQ(replayed->CaptureSnapshot(), s->CaptureSnapshot());
  auto loaded = NewService();
  ASSERT_TRUE(loaded->LoadSnapshot(s->CaptureSnapshot()).ok());
  EXPECT_EQ(loaded->CaptureSnapshot(), s->CaptureSnapshot());
  EXPECT_EQ(loaded->Find(1)->fee_minor, 30u);
}

TEST_F(PaymentsServiceTest, AHeldExternalPaymentGoesOnToItsRailWhenApproved) {
  auto s = NewService();
  money.next = kernel::MoveOutcome::kHeld;
  EXPECT_EQ(PayExternal(*s, 1).http_status, 202);
  EXPECT_TRUE(s->Find(1)->messages.empty()) << "nothing leaves before the review";
  runtime::ServiceContext ctx = Ctx();
  s->OnHoldResolved(kernel::DerivedId(1, 'T'), true, ctx);
  EXPECT_EQ(History(*s, 1), (std::vector{S::kCreated, S::kHeld, S::kFundsReserved, S::kSubmitted}));
  EXPECT_EQ(s->Find(1)->messages.size(), 1u);
}

TEST_F(PaymentsServiceTest, AnInboundCreditIsBookedOncePerMessageId) {
  auto s = NewService();
  iso::CreditTransfer ct;
  ct.message_id = "SCHEME-IN-1";
  ct.created = kNow;
  ct.end_to_end_id = "INV-77";
  ct.tx_id = "SCHEME-IN-1";
  ct.settlement_date = iso::DateOf(kNow);
  ct.amount = {4200, "EUR", 2};
  ct.debtor = {"Erika Mustermann", "DE89370400440532013000", "", "", ""};
  ct.creditor = {"Pat Payer", platform::AccountIban(1), "", "", std::string(platform::kBankBic)};
  ct.remittance = "Rent";
  Result<std::string> xml = iso::BuildPacs008(ct);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  EXPECT_EQ(Feed(*s, 1, "pacs.008.001.08", *xml).body, "booked");
  EXPECT_EQ(Feed(*s, 2, "pacs.008.001.08", *xml).body, "duplicate");  // sent twice
  EXPECT_EQ(money.credited, (std::vector<std::pair<u128, u128>>{{kPayer, 4200}}));
  ct.message_id = "SCHEME-IN-2";
  ct.creditor.iban = "GB29NWBK60161331926819";  // another bank's
  Result<std::string> other = iso::BuildPacs008(ct);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Feed(*s, 3, "pacs.008.001.08", *other).body, "unknown_account");
  EXPECT_EQ(money.credited.size(), 1u);
  auto replayed = NewService();
  ASSERT_TRUE(Replay(replayed.get()).ok());
  const std::string snap = s->CaptureSnapshot();
  EXPECT_EQ(replayed->CaptureSnapshot(), snap);
  auto loaded = NewService();
  ASSERT_TRUE(loaded->LoadSnapshot(snap).ok());
  EXPECT_EQ(loaded->CaptureSnapshot(), snap);
}

TEST_F(PaymentsServiceTest, ReconciliationFindsEverySeededDriftAndNothingFalse) {
  auto s = NewService();
  money.next = kernel::MoveOutcome::kExecuted;
  for (u128 id : {1, 2, 3, 4}) PayExternal(*s, id);  // E2E-1..4, 25.00 EUR each
  uint64_t seq = 0;
  for (u128 id : {1, 2, 3}) Feed(*s, ++seq, "pacs.002.001.10", Pacs002(id, iso::TxStatus::kAcsc));
  Feed(*s, ++seq, "pacs.002.001.10", Pacs002(4, iso::TxStatus::kRjct, "AC04"));
  auto entry = [](std::string e2e, int64_t amount, bool credit) {
    iso::Entry x;
    x.end_to_end_id = std::move(e2e);
    x.amount_minor = amount;
    x.credit = credit;
    x.booking_date = iso::DateOf(kNow);
    return x;
  };
  iso::Statement st;
  st.message_id = "STMT-1";
  st.created = kNow;
  st.statement_id = "STMT-1";
  st.account_iban = platform::AccountIban(1);
  st.currency = "EUR";
  st.from = kNow - 3600 * kNsPerSecond;
  st.to = kNow + 3600 * kNsPerSecond;
  st.entries = {
      entry("E2E-1", 2500, false),  // matches payment 1
      entry("E2E-2", 2600, false),  // payment 2, a changed amount
      entry("E2E-4", 2500, false),  // payment 4 was rejected here
      entry("E2E-9", 100, false),   // nobody's
      entry("E2E-1", 2500, false),  // payment 1 again: it matches once only
                                    // payment 3 is missing
  };
  Result<std::string> xml = iso::BuildCamt053(st);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  PaymentOp op;
  op.caller.tenant = kernel::TenantId(kTenant);
  op.caller.root = true;
  op.body = ReconcileOp{.id = 500, .camt053 = *xml};
  runtime::ServiceContext ctx = Ctx();
  runtime::Reply reply;
  s->Execute(op, ctx, &reply);
  ASSERT_EQ(reply.http_status, 201) << reply.body;
  auto count = [&](std::string_view needle) {
    size_t n = 0;
    for (size_t at = reply.body.find(needle); at != std::string::npos;
         at = reply.body.find(needle, at + 1)) {
      n++;
    }
    return n;
  };
  EXPECT_NE(reply.body.find(R"("entries":5,"matched":1,"exceptions_total":5)"), std::string::npos)
      << reply.body;
  EXPECT_EQ(count(R"(","type":"amount_mismatch","end_to_end_id":"E2E-2")"), 1u) << reply.body;
  EXPECT_EQ(count(R"(","type":"status_mismatch","end_to_end_id":"E2E-4")"), 1u) << reply.body;
  EXPECT_EQ(count(R"(","type":"unknown_entry","end_to_end_id":"E2E-9")"), 1u) << reply.body;
  EXPECT_EQ(count(R"(","type":"unknown_entry","end_to_end_id":"E2E-1")"), 1u) << reply.body;
  EXPECT_EQ(count(R"(","type":"missing_entry","end_to_end_id":"E2E-3")"), 1u) << reply.body;
  // One alert for the risk core names the reconciliation and each exception.
  ASSERT_EQ(risk.alerts.size(), 1u);
  EXPECT_EQ(risk.alerts[0].tenant, kTenant);
  EXPECT_EQ(risk.alerts[0].reconciliation, kernel::FormatId(kReconciliationPrefix, 500));
  EXPECT_EQ(risk.alerts[0].reason, "reconciliation_exceptions");
  EXPECT_TRUE(risk.alerts[0].severe);
  ASSERT_EQ(risk.alerts[0].entries.size(), 5u);
  for (uint32_t i = 0; i < 5; i++) {
    const std::string id = kernel::FormatId(kReconExceptionPrefix, ReconExceptionId(500, i));
    EXPECT_EQ(risk.alerts[0].entries[i], id);
    EXPECT_NE(reply.body.find(R"({"id":")" + id + R"(","type":")"), std::string::npos);
  }
  // The list route: bank-wide, newest first, filtered by type; exceptions by id.
  auto run = [&](decltype(PaymentOp::body) body, bool root = true) {
    PaymentOp q;
    q.caller.tenant = kernel::TenantId(kTenant);
    q.caller.root = root;
    q.body = std::move(body);
    runtime::Reply r;
    s->Execute(q, ctx, &r);
    return r;
  };
  ListReconExceptionsOp two;
  two.limit = 2;
  runtime::Reply page = run(two);
  ASSERT_EQ(page.http_status, 200) << page.body;
  EXPECT_NE(page.body.find(R"("has_more":true,"next_cursor":"x3")"), std::string::npos)
      << page.body;
  EXPECT_LT(page.body.find(R"("type":"missing_entry")"),
            page.body.find(R"("type":"unknown_entry")"));
  runtime::Reply mismatches =
      run(ListReconExceptionsOp{.type = ReconExceptionType::kAmountMismatch});
  EXPECT_NE(mismatches.body.find(R"("statement_amount":"26.00","booked_amount":"25.00")"),
            std::string::npos)
      << mismatches.body;
  EXPECT_EQ(mismatches.body.find("unknown_entry"), std::string::npos);
  EXPECT_EQ(run(ListReconExceptionsOp{}, false).http_status, 403);
  ListReconExceptionsOp unknown;
  unknown.reconciliation = 9;
  EXPECT_EQ(run(unknown).http_status, 404);
  EXPECT_EQ(run(GetReconExceptionOp{.id = ReconExceptionId(500, 4)}).http_status, 200);
  EXPECT_EQ(run(GetReconExceptionOp{.id = ReconExceptionId(500, 4)}, false).http_status, 404);
  // Only root admins reconcile the bank's books.
  op.caller.root = false;
  op.body = ReconcileOp{.id = 501, .camt053 = *xml};
  runtime::Reply refused;
  s->Execute(op, ctx, &refused);
  EXPECT_EQ(refused.http_status, 403);
  // A statement that is not a camt.053 changes nothing.
  op.caller.root = true;
  op.body = ReconcileOp{.id = 502, .camt053 = "<Document/>"};
  runtime::Reply bad;
  s->Execute(op, ctx, &bad);
  EXPECT_EQ(bad.http_status, 422);
  EXPECT_EQ(risk.alerts.size(), 1u);  // nothing reconciled, nothing raised
  auto replayed = NewService();
  ASSERT_TRUE(Replay(replayed.get()).ok());
  EXPECT_EQ(replayed->CaptureSnapshot(), s->CaptureSnapshot());
  // Replay and a snapshot answer the list alike (positions and cursors included).
  auto from_snapshot = NewService();
  ASSERT_TRUE(from_snapshot->LoadSnapshot(s->CaptureSnapshot()).ok());
  for (PaymentsService* other : {replayed.get(), from_snapshot.get()}) {
    PaymentOp q;
    q.caller.tenant = kernel::TenantId(kTenant);
    q.caller.root = true;
    q.body = two;
    runtime::Reply r;
    other->Execute(q, ctx, &r);
    EXPECT_EQ(r.body, page.body);
  }
}

TEST(StandingOrderDates, MonthlyOnThe31stKeepsItsDayThroughShortMonths) {
  StandingOrder o;
  o.frequency = Frequency::kMonthly;
  // 2027-01-31T09:30:00Z
  o.start = (1'801'353'600ull + 9 * 3600 + 1800) * kNsPerSecond;
  auto date = [&](uint32_t n) { return FormatRfc3339(OccurrenceAt(o, n)).substr(0, 19); };
  EXPECT_EQ(date(0), "2027-01-31T09:30:00");
  EXPECT_EQ(date(1), "2027-02-28T09:30:00");
  EXPECT_EQ(date(2), "2027-03-31T09:30:00");
  EXPECT_EQ(date(3), "2027-04-30T09:30:00");
  EXPECT_EQ(date(13), "2028-02-29T09:30:00");  // a leap year
  EXPECT_EQ(date(23), "2028-12-31T09:30:00");
  o.count_max = 3;
  EXPECT_EQ(OccurrenceAt(o, 2) != 0, true);
  EXPECT_EQ(OccurrenceAt(o, 3), 0u);
  o.count_max = 0;
  o.end = OccurrenceAt(o, 1);
  EXPECT_NE(OccurrenceAt(o, 1), 0u);
  EXPECT_EQ(OccurrenceAt(o, 2), 0u);
  o.frequency = Frequency::kOnce;
  o.end = 0;
  EXPECT_EQ(OccurrenceAt(o, 1), 0u);
  o.frequency = Frequency::kWeekly;
  EXPECT_EQ(OccurrenceAt(o, 2) - OccurrenceAt(o, 0), 14ull * 86400 * kNsPerSecond);
}

TEST_F(PaymentsServiceTest, AStandingOrderPaysEachOccurrenceOnceByItsTimer) {
  auto s = NewService();
  CreateStandingOrderOp c;
  c.id = 900;
  c.payment.from_account = kPayer;
  c.payment.to.kind = PayeeKind::kAccount;
  c.payment.to.account = kPayee;
  c.payment.amount_minor = 500;
  c.payment.currency = "EUR";
  c.payment.rail = Rail::kInternal;
  c.frequency = Frequency::kDaily;
  c.start = kNow + 3600 * kNsPerSecond;
  c.count_max = 2;
  PaymentOp op;
  op.caller.tenant = kernel::TenantId(kTenant);
  op.caller.role = kernel::Role::kOperator;
  op.body = c;
  runtime::ServiceContext ctx = Ctx();
  runtime::Reply reply;
  s->Execute(op, ctx, &reply);
  ASSERT_EQ(reply.http_status, 201) << reply.body;
  ASSERT_EQ(timers.timers.size(), 1u);
  EXPECT_EQ(timers.timers.begin()->second.when, c.start);
  EXPECT_NE(reply.body.find(R"("next_run_at":")"), std::string::npos);
  // The timer fires: occurrence 0 pays, the timer re-arms a day later.
  runtime::Timer t = timers.timers.begin()->second;
  s->OnTimer(t, ctx);
  ASSERT_EQ(money.moves.size(), 1u);
  const u128 first = kernel::DerivedId(900 + 1, 'O');
  ASSERT_NE(s->Find(first), nullptr);
  EXPECT_EQ(s->Find(first)->status, S::kSettled);
  EXPECT_EQ(timers.timers.begin()->second.when, c.start + 86400 * kNsPerSecond);
  // Occurrence 1, then the order is complete and has no timer.
  t = timers.timers.begin()->second;
  s->OnTimer(t, ctx);
  EXPECT_EQ(money.moves.size(), 2u);
  EXPECT_TRUE(timers.timers.empty());
  PaymentOp get;
  get.caller = op.caller;
  get.body = GetStandingOrderOp{900};
  runtime::Reply g;
  s->Execute(get, ctx, &g);
  EXPECT_NE(g.body.find(R"("status":"completed")"), std::string::npos) << g.body;
  EXPECT_NE(g.body.find(R"("occurrences":2)"), std::string::npos) << g.body;
  // A stale firing of a completed order pays nothing.
  s->OnTimer(t, ctx);
  EXPECT_EQ(money.moves.size(), 2u);
  auto replayed = NewService();
  ASSERT_TRUE(Replay(replayed.get()).ok());
  EXPECT_EQ(replayed->CaptureSnapshot(), s->CaptureSnapshot());
  auto loaded = NewService();
  ASSERT_TRUE(loaded->LoadSnapshot(s->CaptureSnapshot()).ok());
  EXPECT_EQ(loaded->CaptureSnapshot(), s->CaptureSnapshot());
}

TEST_F(PaymentsServiceTest, AScheduledPaymentWaitsThenPaysOnceAsItsMakerOrIsCancelled) {
  auto s = NewService();
  auto schedule = [&](u128 id, TimestampNs at, runtime::Reply* reply) {
    CreatePaymentOp c;
    c.id = id;
    c.from_account = kPayer;
    c.to.kind = PayeeKind::kAccount;
    c.to.account = kPayee;
    c.amount_minor = 700;
    c.currency = "EUR";
    c.rail = Rail::kInternal;
    c.end_to_end_id = "E2E";
    c.scheduled_for = at;
    PaymentOp op;
    op.caller.tenant = kernel::TenantId(kTenant);
    op.caller.role = kernel::Role::kOperator;
    op.caller.kind = kernel::PrincipalKind::kApiKey;
    op.caller.key = kernel::ApiKeyId(4242);
    op.body = c;
    runtime::ServiceContext ctx = Ctx();
    s->Execute(op, ctx, reply);
  };
  const TimestampNs due = kNow + 3600 * kNsPerSecond;
  runtime::Reply r;
  schedule(1, due, &r);
  ASSERT_EQ(r.http_status, 201) << r.body;
  EXPECT_NE(r.body.find(R"("status":"created")"), std::string::npos) << r.body;
  EXPECT_TRUE(money.moves.empty());  // nothing moves while it waits
  ASSERT_EQ(timers.timers.count(ScheduledKey(1)), 1u);
  EXPECT_EQ(timers.timers.at(ScheduledKey(1)).when, due);
  // A second one, cancelled: its timer goes, and a stale firing pays nothing.
  schedule(2, due, &r);
  ASSERT_EQ(r.http_status, 201) << r.body;
  const runtime::Timer stale = timers.timers.at(ScheduledKey(2));
  PaymentOp cancel;
  cancel.caller.tenant = kernel::TenantId(kTenant);
  cancel.body = CancelPaymentOp{2};
  runtime::ServiceContext ctx = Ctx();
  s->Execute(cancel, ctx, &r);
  EXPECT_EQ(r.http_status, 200) << r.body;
  EXPECT_EQ(History(*s, 2), (std::vector<S>{S::kCreated, S::kCancelled}));
  EXPECT_EQ(timers.timers.count(ScheduledKey(2)), 0u);
  s->OnTimer(stale, ctx);
  EXPECT_TRUE(money.moves.empty());
  // The timer fires: the money moves as the maker, once.
  ctx.batch_timestamp = due;
  const runtime::Timer t = timers.timers.at(ScheduledKey(1));
  s->OnTimer(t, ctx);
  ASSERT_EQ(money.moves.size(), 1u);
  EXPECT_EQ(money.moves[0].caller->key, kernel::ApiKeyId(4242));
  EXPECT_EQ(History(*s, 1), (std::vector<S>{S::kCreated, S::kSettled}));
  EXPECT_EQ(s->Find(1)->decision, 77u);
  s->OnTimer(t, ctx);  // fired again (a batch lost before it was durable): nothing more
  EXPECT_EQ(money.moves.size(), 1u);
  // Refused when it falls due (the payer's account gone since): rejected, for nobody to hear.
  schedule(3, due, &r);
  money.next = kernel::MoveOutcome::kInvalid;
  s->OnTimer(timers.timers.at(ScheduledKey(3)), ctx);
  EXPECT_EQ(History(*s, 3), (std::vector<S>{S::kCreated, S::kRejected}));
  // A full timer table refuses the payment whole.
  timers.full = true;
  schedule(4, due, &r);
  EXPECT_EQ(r.http_status, 503) << r.body;
  EXPECT_EQ(s->Find(4), nullptr);
  // In the past, or past the horizon: refused.
  timers.full = false;
  schedule(5, kNow - 3600 * kNsPerSecond, &r);
  EXPECT_EQ(r.http_status, 422) << r.body;
  schedule(6, kNow + kScheduleHorizonNs + kNsPerSecond, &r);
  EXPECT_EQ(r.http_status, 422) << r.body;
  EXPECT_EQ(s->Find(5), nullptr);
  EXPECT_EQ(s->Find(6), nullptr);
  // Replay and snapshots rebuild the same payments, the decision made when due included.
  auto replayed = NewService();
  ASSERT_TRUE(Replay(replayed.get()).ok());
  EXPECT_EQ(replayed->CaptureSnapshot(), s->CaptureSnapshot());
  EXPECT_EQ(replayed->Find(1)->decision, 77u);
  auto loaded = NewService();
  ASSERT_TRUE(loaded->LoadSnapshot(s->CaptureSnapshot()).ok());
  EXPECT_EQ(loaded->CaptureSnapshot(), s->CaptureSnapshot());
  EXPECT_EQ(loaded->Find(1)->creator.key, kernel::ApiKeyId(4242));
}

TEST_F(PaymentsServiceTest, ATenantKeepsAtMostItsShareOfScheduledPaymentsWaiting) {
  auto s = NewService();
  PaymentOp op;
  op.caller.tenant = kernel::TenantId(kTenant);
  op.caller.role = kernel::Role::kOperator;
  runtime::ServiceContext ctx = Ctx();
  auto schedule = [&](u128 id) {
    CreatePaymentOp c;
    c.id = id;
    c.from_account = kPayer;
    c.to.kind = PayeeKind::kAccount;
    c.to.account = kPayee;
    c.amount_minor = 1;
    c.currency = "EUR";
    c.rail = Rail::kInternal;
    c.end_to_end_id = "E2E";
    c.scheduled_for = kNow + 3600 * kNsPerSecond;
    op.body = c;
    runtime::Reply reply;
    s->Execute(op, ctx, &reply);
    return reply.http_status;
  };
  for (u128 id = 1; id <= kScheduledWaitingPerTenantMax; id++) ASSERT_EQ(schedule(id), 201);
  EXPECT_EQ(schedule(kScheduledWaitingPerTenantMax + 1), 503);
  op.body = CancelPaymentOp{1};
  runtime::Reply reply;
  s->Execute(op, ctx, &reply);
  ASSERT_EQ(reply.http_status, 200);
  EXPECT_EQ(schedule(kScheduledWaitingPerTenantMax + 2), 201) << "a cancelled one frees its place";
  // The count is state rebuilt by replay: the share holds after a restart too.
  auto replayed = NewService();
  ASSERT_TRUE(Replay(replayed.get()).ok());
  s = std::move(replayed);
  EXPECT_EQ(schedule(kScheduledWaitingPerTenantMax + 3), 503);
}

TEST_F(PaymentsServiceTest, APausedOrderSkipsWhatFellDueAndResumesOnSchedule) {
  auto s = NewService();
  CreateStandingOrderOp c;
  c.id = 901;
  c.payment.from_account = kPayer;
  c.payment.to.kind = PayeeKind::kAccount;
  c.payment.to.account = kPayee;
  c.payment.amount_minor = 100;
  c.payment.currency = "EUR";
  c.payment.rail = Rail::kInternal;
  c.frequency = Frequency::kDaily;
  c.start = kNow;
  PaymentOp op;
  op.caller.tenant = kernel::TenantId(kTenant);
  op.body = c;
  runtime::ServiceContext ctx = Ctx();
  runtime::Reply r;
  s->Execute(op, ctx, &r);
  ASSERT_EQ(r.http_status, 201) << r.body;
  op.body = StandingOrderActionOp{901, OrderAction::kPause};
  s->Execute(op, ctx, &r);
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_TRUE(timers.timers.empty());
  op.body = StandingOrderActionOp{901, OrderAction::kPause};
  s->Execute(op, ctx, &r);
  EXPECT_EQ(r.http_status, 409);
  // Resumed three days and an hour later: the three missed days are skipped.
  runtime::ServiceContext later = Ctx();
  later.batch_timestamp = kNow + (3 * 86400 + 3600) * kNsPerSecond;
  op.body = StandingOrderActionOp{901, OrderAction::kResume};
  s->Execute(op, later, &r);
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("occurrences":4)"), std::string::npos) << r.body;
  EXPECT_EQ(timers.timers.begin()->second.when, kNow + 4 * 86400 * kNsPerSecond);
  EXPECT_TRUE(money.moves.empty());
  op.body = StandingOrderActionOp{901, OrderAction::kCancel};
  s->Execute(op, later, &r);
  EXPECT_EQ(r.http_status, 200);
  EXPECT_TRUE(timers.timers.empty());
}

TEST_F(PaymentsServiceTest, AcceptedThenRejectedAndForgedAnswersAreHandled) {
  auto s = NewService();
  money.next = kernel::MoveOutcome::kExecuted;
  PayExternal(*s, 1);
  Feed(*s, 1, "pacs.002.001.10", Pacs002(1, iso::TxStatus::kAccp));
  EXPECT_EQ(s->Find(1)->status, S::kAccepted);
  EXPECT_EQ(s->Find(1)->history.back().deadline, kNow + 2000 * 1'000'000ull);
  Feed(*s, 2, "pacs.002.001.10", Pacs002(1, iso::TxStatus::kRjct, "AM04"));
  EXPECT_EQ(s->Find(1)->status, S::kRejected);
  EXPECT_EQ(s->NextDue(), std::nullopt);
  // An answer for an internal payment (never sent) moves nothing.
  Pay(*s, 2);
  ASSERT_EQ(s->Find(2)->status, S::kSettled);
  EXPECT_EQ(Feed(*s, 3, "pacs.002.001.10", Pacs002(2, iso::TxStatus::kRjct, "AC04")).body,
            "ignored");
  EXPECT_EQ(s->Find(2)->status, S::kSettled);
  auto replayed = NewService();
  ASSERT_TRUE(Replay(replayed.get()).ok());
  EXPECT_EQ(replayed->CaptureSnapshot(), s->CaptureSnapshot());
}

TEST(StandingOrderDates, AnAnchorDayBeforeTheStartBeginsNextMonth) {
  StandingOrder o;
  o.frequency = Frequency::kMonthly;
  o.start = (1'801'353'600ull - 16 * 86400) * kNsPerSecond;  // 2027-01-15T00:00:00Z
  o.day_of_month = 5;
  EXPECT_EQ(FormatRfc3339(OccurrenceAt(o, 0)).substr(0, 10), "2027-02-05");
  EXPECT_EQ(FormatRfc3339(OccurrenceAt(o, 1)).substr(0, 10), "2027-03-05");
  o.day_of_month = 20;
  EXPECT_EQ(FormatRfc3339(OccurrenceAt(o, 0)).substr(0, 10), "2027-01-20");
}

}  // namespace
}  // namespace cb::modules::payments
