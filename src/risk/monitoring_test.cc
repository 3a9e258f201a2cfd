// Monitoring on the shard: the monitor's alerts through a real shard (journal in a temp
// dir), grouped one open investigation per customer, repeats changing nothing, replay and
// snapshots rebuilding alerts and investigations exactly; the case's event rules (what an
// AlertRaised or CaseUpdated may do to a case); the subscriber turning committed decisions
// into alerts with the bundle version that decided them.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/temp_dir.h"
#include "corebank/risk/v1/events.pb.h"
#include "journal/disk.h"
#include "kernel/ids.h"
#include "platform/key_directory.h"
#include "platform/service.h"
#include "risk/events.h"
#include "risk/monitor.h"
#include "risk/policy_slot.h"
#include "risk/render_util.h"
#include "risk/service.h"
#include "runtime/service_set.h"
#include "runtime/shard.h"

namespace cb::risk {
namespace {

namespace pb = corebank::risk::v1;
using kernel::IdBytes;
using runtime::Reply;

struct Node {
  Node() : platform(&keys, {}), risk(&platform) {
    services.Add(0, &platform, runtime::kServiceEventTypeFirst, kEventTypeFirst - 1);
    services.Add(kRiskServiceId, &risk, kEventTypeFirst, kEventTypeLast);
  }
  platform::KeyDirectory keys;
  platform::PlatformService platform;
  RiskService risk;
  runtime::ServiceSet services;
  std::unique_ptr<runtime::Shard> shard;
  runtime::RecoveryInfo info;
};

constexpr u128 kTenant = 0x7E;
constexpr u128 kAda = 0xADA, kBob = 0xB0B;

AlertDraft Draft(u128 id, u128 customer, std::string reason = "big_amount") {
  AlertDraft a;
  a.id = id;
  a.tenant = kTenant;
  a.customer = customer;
  a.decision = id + 1000;
  a.transfer = id + 2000;
  a.rule = "big";
  a.reason = std::move(reason);
  a.severity = Severity::kHigh;
  a.amount_minor = 150000;
  a.currency = "EUR";
  a.policy_version = 3;
  a.movement_at = 5;
  return a;
}

class MonitoringTest : public ::testing::Test {
 protected:
  MonitoringTest() {
    options_.data_dir = JoinPath(tmp_.path(), "data");
    options_.segment_bytes = 1u << 20;
    options_.durability = journal::Durability::kNone;
  }

  std::unique_ptr<Node> Open() {
    auto node = std::make_unique<Node>();
    runtime::ShardOptions o = options_;
    o.service = &node->services;
    auto shard = runtime::Shard::Open(disk_.get(), o, &node->info);
    EXPECT_TRUE(shard.ok()) << shard.status().ToString();
    node->shard = std::move(*shard);
    return node;
  }

  Reply Raise(Node* node, std::vector<AlertDraft> drafts) {
    auto op = std::make_shared<RiskOp>();
    op->trace_id = "t";
    op->body = RaiseAlertsOp{std::move(drafts)};
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

  TempDir tmp_;
  std::unique_ptr<Disk> disk_ = NewPosixDisk();
  runtime::ShardOptions options_;
  TimestampNs now_ = 1'700'000'000ull * kNsPerSecond;
};

TEST_F(MonitoringTest, AlertsGroupIntoOneInvestigationPerCustomerAndRepeatsChangeNothing) {
  auto node = Open();
  Reply r = Raise(node.get(), {Draft(1, kAda), Draft(2, kAda), Draft(3, kBob)});
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_NE(r.body.find("\"count\":3"), std::string::npos) << r.body;
  const Alert* a1 = node->risk.FindAlert(1);
  const Alert* a2 = node->risk.FindAlert(2);
  const Alert* a3 = node->risk.FindAlert(3);
  ASSERT_TRUE(a1 && a2 && a3);
  EXPECT_EQ(a1->case_id, a2->case_id);
  EXPECT_NE(a1->case_id, a3->case_id);
  const Case* c = node->risk.FindCase(a1->case_id);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->kind, CaseKind::kInvestigation);
  EXPECT_EQ(c->customer, kAda);
  EXPECT_EQ(c->alerts, (std::vector<u128>{1, 2}));
  EXPECT_EQ(c->status, CaseStatus::kOpen);
  // The same alerts again (a repeated commit): nothing new, not even an event.
  const uint64_t seq_before = node->shard->seq_next();
  r = Raise(node.get(), {Draft(1, kAda), Draft(3, kBob)});
  EXPECT_NE(r.body.find("\"count\":0"), std::string::npos) << r.body;
  EXPECT_EQ(node->shard->seq_next(), seq_before);
  // An alert with no customer is not raised (alerts are about a customer).
  r = Raise(node.get(), {Draft(4, 0)});
  EXPECT_NE(r.body.find("\"count\":0"), std::string::npos) << r.body;
  EXPECT_EQ(node->risk.FindAlert(4), nullptr);
}

TEST_F(MonitoringTest, ReplayAndSnapshotRebuildAlertsAndInvestigationsExactly) {
  std::string live;
  {
    auto node = Open();
    Raise(node.get(), {Draft(1, kAda), Draft(2, kBob)});
    Raise(node.get(), {Draft(3, kAda, "rule_error")});
    live = node->risk.CaptureSnapshot();
  }
  auto replayed = Open();  // from the journal alone
  EXPECT_EQ(replayed->risk.CaptureSnapshot(), live);
  // A snapshot loads back to the same state, and new alerts join the same case after it.
  Node loaded;
  ASSERT_TRUE(loaded.risk.LoadSnapshot(live).ok());
  EXPECT_EQ(loaded.risk.CaptureSnapshot(), live);
  const Alert* a = loaded.risk.FindAlert(3);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reason, "rule_error");
  EXPECT_EQ(a->order, 3u);
  // Recovery from the journal alone: new alerts join the same case as before.
  Raise(replayed.get(), {Draft(5, kAda)});
  EXPECT_EQ(replayed->risk.FindAlert(5)->case_id, replayed->risk.FindAlert(1)->case_id);
}

// CaseUpdated events applied directly: what each may do, and snapshots of the results.
class CaseEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pb::AlertRaised e;
    e.set_id(IdBytes(1));
    e.set_tenant_id(IdBytes(kTenant));
    e.set_customer_id(IdBytes(kAda));
    e.set_case_id(IdBytes(kCase));
    e.set_case_opened(true);
    e.set_kind(1);
    e.set_severity(2);
    e.set_rule("big");
    e.set_reason("big_amount");
    e.set_at_ns(10);
    ASSERT_TRUE(Apply(EventType::kAlertRaised, e).ok());
  }

  Status Apply(EventType type, const google::protobuf::Message& m) {
    const std::string bytes = m.SerializeAsString();
    journal::EventView ev{static_cast<uint16_t>(type),
                          kEventVersion,
                          {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}};
    return node_.risk.ApplyEvent(ev, ++seq_, 0);
  }

  Status Update(CaseAction action, CaseDisposition d = CaseDisposition::kNone,
                uint32_t actor_kind = 1, u128 actor = 0x51) {
    pb::CaseUpdated u;
    u.set_case_id(IdBytes(kCase));
    u.set_tenant_id(IdBytes(kTenant));
    u.set_action(static_cast<uint32_t>(action));
    u.set_disposition(static_cast<uint32_t>(d));
    u.set_actor_kind(actor_kind);
    u.set_actor_id(IdBytes(actor));
    u.set_assignee("analyst-7");
    u.set_text("note " + std::to_string(seq_));
    u.set_at_ns(100 + seq_);
    return Apply(EventType::kCaseUpdated, u);
  }

  const Case& TheCase() const { return *node_.risk.FindCase(kCase); }

  static constexpr u128 kCase = 0xCA5E;
  Node node_;
  uint64_t seq_ = 0;
};

TEST_F(CaseEventsTest, SuspiciousCloseWaitsForASecondPersonAndNewAlertsOpenANewCase) {
  ASSERT_TRUE(Update(CaseAction::kAssigned).ok());
  EXPECT_EQ(TheCase().status, CaseStatus::kInvestigating);
  EXPECT_EQ(TheCase().assignee, "analyst-7");
  // A suspicious close cannot skip the request.
  EXPECT_FALSE(Update(CaseAction::kClosed, CaseDisposition::kSuspicious).ok());
  ASSERT_TRUE(Update(CaseAction::kCloseRequested, CaseDisposition::kSuspicious).ok());
  EXPECT_EQ(TheCase().status, CaseStatus::kPendingApproval);
  EXPECT_EQ(TheCase().close_requested_by, 0x51u);
  // While it waits, an alert may not join it: it must open a case of its own.
  pb::AlertRaised join;
  join.set_id(IdBytes(2));
  join.set_tenant_id(IdBytes(kTenant));
  join.set_customer_id(IdBytes(kAda));
  join.set_case_id(IdBytes(kCase));
  join.set_kind(1);
  join.set_severity(2);
  EXPECT_FALSE(Apply(EventType::kAlertRaised, join).ok());
  // A non-suspicious close of a waiting case is refused too.
  EXPECT_FALSE(Update(CaseAction::kClosed, CaseDisposition::kNoAction).ok());
  ASSERT_TRUE(Update(CaseAction::kClosed, CaseDisposition::kSuspicious, 1, 0x52).ok());
  EXPECT_EQ(TheCase().status, CaseStatus::kClosed);
  EXPECT_EQ(TheCase().disposition, CaseDisposition::kSuspicious);
  EXPECT_EQ(TheCase().resolved_by, 0x52u);
  EXPECT_FALSE(Update(CaseAction::kAssigned).ok());
  EXPECT_FALSE(Update(CaseAction::kCloseRejected).ok());
  // Notes are kept, each with its author and time (the request, the close: their text).
  EXPECT_EQ(TheCase().notes.size(), 3u);
  // A snapshot carries all of it.
  const std::string snap = node_.risk.CaptureSnapshot();
  Node loaded;
  ASSERT_TRUE(loaded.risk.LoadSnapshot(snap).ok());
  EXPECT_EQ(loaded.risk.CaptureSnapshot(), snap);
}

TEST_F(CaseEventsTest, ARejectedCloseReturnsToInvestigating) {
  ASSERT_TRUE(Update(CaseAction::kCloseRequested, CaseDisposition::kSuspicious).ok());
  ASSERT_TRUE(Update(CaseAction::kCloseRejected).ok());
  EXPECT_EQ(TheCase().status, CaseStatus::kInvestigating);
  EXPECT_EQ(TheCase().close_requested_by, 0u);
  ASSERT_TRUE(Update(CaseAction::kClosed, CaseDisposition::kFalsePositive).ok());
  EXPECT_EQ(TheCase().disposition, CaseDisposition::kFalsePositive);
}

TEST_F(CaseEventsTest, UnknownActionsAndOtherTenantsAreDataLoss) {
  EXPECT_FALSE(Update(static_cast<CaseAction>(9)).ok());
  pb::CaseUpdated u;
  u.set_case_id(IdBytes(kCase));
  u.set_tenant_id(IdBytes(kTenant + 1));
  u.set_action(static_cast<uint32_t>(CaseAction::kAssigned));
  EXPECT_FALSE(Apply(EventType::kCaseUpdated, u).ok());
}

TEST_F(CaseEventsTest, AReconciliationAlertHasNoCustomerAndJoinsTheBankLevelCase) {
  constexpr u128 kBooks = 0xB00C5;
  auto books_alert = [&](u128 id, bool opens) {
    pb::AlertRaised e;
    e.set_id(IdBytes(id));
    e.set_tenant_id(IdBytes(kTenant));
    e.set_case_id(IdBytes(kBooks));
    e.set_case_opened(opens);
    e.set_kind(static_cast<uint32_t>(AlertKind::kReconciliation));
    e.set_severity(3);
    e.set_rule("reconciliation");
    e.set_reason("reconciliation_exceptions");
    e.set_reconciliation("rec_00000000000000000000000001");
    e.add_entries("rex_00000000000000000000000002");
    e.set_at_ns(20 + id);
    return e;
  };
  ASSERT_TRUE(Apply(EventType::kAlertRaised, books_alert(10, true)).ok());
  ASSERT_TRUE(Apply(EventType::kAlertRaised, books_alert(11, false)).ok());
  const Case* c = node_.risk.FindCase(kBooks);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->customer, 0u);
  EXPECT_EQ(c->alerts, (std::vector<u128>{10, 11}));
  const std::string json = RenderAlert(*node_.risk.FindAlert(10), false);
  EXPECT_NE(json.find(R"("type":"reconciliation")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("customer":null)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("reconciliation":"rec_00000000000000000000000001")"), std::string::npos);
  EXPECT_NE(RenderCase(*c).find(R"("customer":null)"), std::string::npos);
  // A customer's alert cannot join it, nor a reconciliation alert name a customer or lack
  // its reconciliation, nor any other alert lack a customer.
  pb::AlertRaised bad = books_alert(12, false);
  bad.set_customer_id(IdBytes(kAda));
  EXPECT_FALSE(Apply(EventType::kAlertRaised, bad).ok());
  bad = books_alert(12, false);
  bad.clear_reconciliation();
  EXPECT_FALSE(Apply(EventType::kAlertRaised, bad).ok());
  bad = books_alert(12, false);
  bad.set_kind(static_cast<uint32_t>(AlertKind::kMonitoring));
  EXPECT_FALSE(Apply(EventType::kAlertRaised, bad).ok());
  // Snapshots keep the case without a customer, and its alerts.
  const std::string snap = node_.risk.CaptureSnapshot();
  Node loaded;
  const Status st = loaded.risk.LoadSnapshot(snap);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(loaded.risk.CaptureSnapshot(), snap);
  EXPECT_EQ(loaded.risk.FindAlert(11)->reconciliation, "rec_00000000000000000000000001");
}

// The subscriber: a committed decision in, the alerts of its bundle version out.
std::string DecisionEvent(uint32_t disposition, const std::string& operation, int64_t amount,
                          uint32_t version) {
  pb::DecisionRecorded e;
  e.set_id(IdBytes(0xD1));
  e.set_tenant_id(IdBytes(kTenant));
  e.set_customer_id(IdBytes(kAda));
  e.set_to_customer_id(IdBytes(kBob));
  e.set_transfer_id(IdBytes(0x77));
  e.set_disposition(disposition);
  e.set_operation(operation);
  e.set_amount_minor(amount);
  e.set_currency("EUR");
  e.set_currency_exponent(2);
  e.set_customer_type("individual");
  e.set_counterparty_type("customer");
  e.set_policy_version(version);
  e.set_at_ns(42);
  for (size_t i = 0; i < kFeatureCount; i++) e.add_features(0);
  return e.SerializeAsString();
}

TEST(MonitorSubscriberTest, RaisesTheAlertsOfTheBundleVersionThatDecided) {
  const Files v1 = {{"manifest.toml", R"(name = "m"
version = 1
on_rule_error = "hold"

[[monitor]]
name = "big"
file = "monitors/m.lua"
reads = []
severity = "high"

[[monitor]]
name = "payee"
file = "monitors/m.lua"
reads = []
subject = "payee"
)"},
                    {"monitors/m.lua", R"(function big(x)
  if x.amount_minor >= 100000 then return "alert:big_amount" end
  return "allow"
end
function payee(x)
  if x.amount_minor == 100000 then return "alert:exact" end
  return "allow"
end
)"}};
  // Version 2 monitors nothing: a decision made under version 1 is still monitored by 1.
  Files v2 = v1;
  v2[0].second = "name = \"m\"\nversion = 2\non_rule_error = \"hold\"\n";
  v2.pop_back();
  BundleArchive archive;
  archive.Put(1, v1);
  archive.Put(2, v2);
  MonitorSubscriber monitor(&archive);
  EXPECT_TRUE(monitor.Wants(static_cast<uint16_t>(EventType::kDecisionRecorded)));
  EXPECT_FALSE(monitor.Wants(static_cast<uint16_t>(EventType::kAlertRaised)));
  const uint32_t executed = static_cast<uint32_t>(kernel::Disposition::kExecuted);
  const uint32_t held = static_cast<uint32_t>(kernel::Disposition::kHeld);
  const std::string events[] = {
      DecisionEvent(executed, "transfer", 100000, 1),      // both rules
      DecisionEvent(executed, "transfer", 500, 1),         // neither
      DecisionEvent(held, "transfer", 900000, 1),          // held: an analyst has it
      DecisionEvent(executed, "post_pending", 900000, 1),  // counted at its reservation
      DecisionEvent(executed, "transfer", 900000, 7),      // a version nobody activated
      DecisionEvent(executed, "transfer", 900000, 2),      // version 2: no monitors
  };
  std::vector<runtime::CommittedEvent> committed;
  for (const std::string& e : events) {
    committed.push_back({.seq = committed.size() + 1,
                         .type = static_cast<uint16_t>(EventType::kDecisionRecorded),
                         .version = kEventVersion,
                         .payload = {reinterpret_cast<const uint8_t*>(e.data()), e.size()}});
  }
  auto ops = monitor.Handle(committed);
  ASSERT_EQ(ops.size(), 1u);
  const auto& op = static_cast<const RiskOp&>(*ops[0]);
  const auto& raise = std::get<RaiseAlertsOp>(op.body);
  ASSERT_EQ(raise.alerts.size(), 2u);
  EXPECT_EQ(raise.alerts[0].reason, "big_amount");
  EXPECT_EQ(raise.alerts[0].customer, kAda);
  EXPECT_EQ(raise.alerts[0].severity, Severity::kHigh);
  EXPECT_EQ(raise.alerts[0].transfer, 0x77u);
  EXPECT_EQ(raise.alerts[0].movement_at, 42u);
  EXPECT_EQ(raise.alerts[1].reason, "exact");
  EXPECT_EQ(raise.alerts[1].customer, kBob);  // subject = "payee"
  EXPECT_NE(raise.alerts[0].id, raise.alerts[1].id);
  // The same events again give the same ids: a repeat is recognisable.
  auto again = monitor.Handle(std::span(committed).first(1));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(std::get<RaiseAlertsOp>(static_cast<const RiskOp&>(*again[0]).body).alerts[0].id,
            raise.alerts[0].id);
  // Executed and not posts: the first, second, fifth, sixth, and the repeat of the first.
  EXPECT_EQ(monitor.movements_seen(), 5u);
  EXPECT_EQ(monitor.movements_unmonitored(), 1u);  // the fifth: its version is unknown
}

}  // namespace
}  // namespace cb::risk
