#include "risk/monitor.h"

#include <algorithm>
#include <cstdio>

#include "corebank/risk/v1/events.pb.h"
#include "kernel/ids.h"
#include "risk/bundle.h"
#include "risk/decision_input.h"
#include "risk/events.h"
#include "risk/ops.h"
#include "risk/policy.h"
#include "risk/service.h"

namespace cb::risk {

namespace pb = corebank::risk::v1;

MonitorSubscriber::MonitorSubscriber(const BundleArchive* archive) : archive_(archive) {}
MonitorSubscriber::~MonitorSubscriber() = default;

bool MonitorSubscriber::Wants(uint16_t event_type) const {
  return event_type == static_cast<uint16_t>(EventType::kDecisionRecorded);
}

Policy* MonitorSubscriber::PolicyFor(uint32_t version) {
  ++tick_;
  auto it = policies_.find(version);
  if (it != policies_.end()) {
    it->second.used = tick_;
    return it->second.policy.get();
  }
  if (policies_.size() >= kPoliciesCachedMax) {
    policies_.erase(std::min_element(
        policies_.begin(), policies_.end(),
        [](const auto& a, const auto& b) { return a.second.used < b.second.used; }));
  }
  std::unique_ptr<Policy> compiled;
  // A decision names the version that made it, activated before it: the archive has it.
  if (std::optional<Files> files = archive_->Get(version)) {
    Result<std::unique_ptr<Policy>> p = Policy::Compile(BundleFiles{*std::move(files)});
    if (p.ok()) {
      compiled = *std::move(p);
    } else {
      std::fprintf(stderr, "corebank: risk monitor: bundle version %u does not compile: %s\n",
                   version, p.status().message().c_str());
    }
  } else {
    std::fprintf(stderr, "corebank: risk monitor: no bundle version %u in the archive\n", version);
  }
  // Null is cached too: a version that cannot monitor is not compiled again per movement.
  return policies_.emplace(version, Cached{tick_, std::move(compiled)}).first->second.policy.get();
}

std::vector<std::shared_ptr<const runtime::ServiceOp>> MonitorSubscriber::Handle(
    std::span<const runtime::CommittedEvent> events) {
  auto op = std::make_shared<RiskOp>();
  RaiseAlertsOp raise;
  for (const runtime::CommittedEvent& ev : events) {
    pb::DecisionRecorded e;
    if (!e.ParseFromArray(ev.payload.data(), static_cast<int>(ev.payload.size()))) {
      movements_unmonitored_++;
      continue;
    }
    // What moved money: a pending transfer's post was monitored when it was reserved; a
    // hold is already in front of an analyst; a refusal moved nothing.
    if (e.disposition() != static_cast<uint32_t>(kernel::Disposition::kExecuted) ||
        e.operation() == "post_pending" || e.policy_version() == 0 ||
        e.features_size() > static_cast<int>(kFeatureCount)) {
      continue;
    }
    movements_seen_++;
    Policy* policy = PolicyFor(e.policy_version());
    if (policy == nullptr) {
      movements_unmonitored_++;
      continue;
    }
    if (!policy->has_monitors()) continue;
    RiskInput in;
    FeatureValues f;
    InputOfDecision(e, &in, &f);  // the feature count was checked above
    std::vector<MonitorHit> hits = policy->Monitor(in, f);
    u128 decision = 0, tenant = 0, payer = 0, payee = 0, transfer = 0;
    kernel::IdFromBytes(e.id(), &decision);
    kernel::IdFromBytes(e.tenant_id(), &tenant);
    if (!e.customer_id().empty()) kernel::IdFromBytes(e.customer_id(), &payer);
    if (!e.to_customer_id().empty()) kernel::IdFromBytes(e.to_customer_id(), &payee);
    kernel::IdFromBytes(e.transfer_id(), &transfer);
    for (size_t i = 0; i < hits.size(); i++) {
      MonitorHit& h = hits[i];
      const u128 customer = h.payee_subject ? payee : payer;
      if (customer == 0 || decision == 0 || tenant == 0) continue;  // alerts are per customer
      // The quiet time is the writer's to apply (it knows the customer's open case).
      const uint64_t quiet_ns = h.repeat_after_s * kNsPerSecond;
      AlertDraft a;
      // By the monitor's place in the manifest: the same monitor on the same movement is the
      // same alert, whichever others fired.
      a.id = kernel::DerivedId(kernel::DerivedId(decision, 'A'), static_cast<uint8_t>(h.index));
      a.tenant = tenant;
      a.customer = customer;
      a.decision = decision;
      a.transfer = transfer;
      a.rule = std::move(h.rule);
      a.reason = std::move(h.reason);
      a.error = std::move(h.error);
      a.severity = h.severity;
      a.amount_minor = e.amount_minor();
      a.currency = e.currency();
      a.currency_exponent = static_cast<uint8_t>(e.currency_exponent());
      a.policy_version = e.policy_version();
      a.movement_at = e.at_ns();
      a.repeat_after_ns = quiet_ns;
      raise.alerts.push_back(std::move(a));
    }
  }
  if (raise.alerts.empty()) return {};
  op->body = std::move(raise);
  return {std::move(op)};
}

}  // namespace cb::risk
