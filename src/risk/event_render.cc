#include "risk/event_render.h"

#include "base/json_string.h"
#include "corebank/risk/v1/events.pb.h"
#include "kernel/decision_port.h"
#include "kernel/ids.h"
#include "risk/events.h"
#include "risk/risk_input.h"

namespace cb::risk {

namespace pb = corebank::risk::v1;

namespace {

void AppendIdField(std::string* out, std::string_view name, std::string_view prefix,
                   const std::string& bytes) {
  u128 v = 0;
  out->append(",\"").append(name).append("\":");
  if (bytes.empty() || !kernel::IdFromBytes(bytes, &v)) {
    out->append("null");
    return;
  }
  out->push_back('"');
  kernel::AppendId(out, prefix, v);
  out->push_back('"');
}

}  // namespace

bool RenderRiskEvent(const journal::EventView& ev, u128* tenant, std::string* type,
                     std::string* data) {
  const auto* bytes = ev.payload.data();
  const int size = static_cast<int>(ev.payload.size());
  switch (static_cast<EventType>(ev.type)) {
    case EventType::kPolicyActivated:
    case EventType::kSanctionsListLoaded:  // platform-wide, no tenant's feed
    case EventType::kCustomerScreened:     // a customer's name and its hits: analysts' only
      return false;
    case EventType::kDecisionRecorded: {
      pb::DecisionRecorded e;
      Outcome outcome{};
      if (!e.ParseFromArray(bytes, size) || !kernel::IdFromBytes(e.tenant_id(), tenant) ||
          e.outcome() > static_cast<uint32_t>(Outcome::kDeny)) {
        return false;
      }
      outcome = static_cast<Outcome>(e.outcome());
      *type = "decision.recorded";
      std::string d = "{";
      d.append(R"("outcome":")").append(OutcomeName(outcome)).push_back('"');
      AppendIdField(&d, "id", "dec_", e.id());
      AppendIdField(&d, "transfer", "tr_", e.transfer_id());
      AppendIdField(&d, "case", "case_", e.case_id());
      d.append(R"(,"reasons":[)");
      for (int i = 0; i < e.reasons_size(); i++) {
        if (i > 0) d.push_back(',');
        AppendJsonString(&d, e.reasons(i));
      }
      d.append("]}");
      *data = std::move(d);
      return true;
    }
    case EventType::kHoldResolved: {
      pb::HoldResolved e;
      if (!e.ParseFromArray(bytes, size) || !kernel::IdFromBytes(e.tenant_id(), tenant) ||
          e.resolution() < 1 || e.resolution() > 3) {
        return false;
      }
      *type = "case.resolved";
      std::string d = "{";
      d.append(R"("resolution":")")
          .append(ResolutionName(static_cast<Resolution>(e.resolution())))
          .push_back('"');
      AppendIdField(&d, "id", "case_", e.case_id());
      d.push_back('}');
      *data = std::move(d);
      return true;
    }
    case EventType::kAlertRaised: {
      pb::AlertRaised e;
      if (!e.ParseFromArray(bytes, size) || !kernel::IdFromBytes(e.tenant_id(), tenant) ||
          e.severity() < 1 || e.severity() > 3) {
        return false;
      }
      *type = "alert.raised";
      std::string d = "{";
      d.append(R"("reason":)");
      AppendJsonString(&d, e.reason());
      d.append(R"(,"rule":)");
      AppendJsonString(&d, e.rule());
      d.append(R"(,"severity":")").append(SeverityName(static_cast<Severity>(e.severity())));
      d.push_back('"');
      AppendIdField(&d, "id", "alert_", e.id());
      AppendIdField(&d, "customer", "cus_", e.customer_id());
      AppendIdField(&d, "case", "case_", e.case_id());
      AppendIdField(&d, "transfer", "tr_", e.transfer_id());
      d.append(R"(,"reconciliation":)");
      if (e.reconciliation().empty()) {
        d.append("null");
      } else {
        AppendJsonString(&d, e.reconciliation());  // "rec_...", journaled as shown
      }
      d.append(R"(,"case_opened":)").append(e.case_opened() ? "true" : "false");
      d.push_back('}');
      *data = std::move(d);
      return true;
    }
    case EventType::kCaseUpdated: {
      pb::CaseUpdated e;
      static constexpr std::string_view kActions[] = {
          "", "assigned", "note_added", "close_requested", "closed", "close_rejected"};
      if (!e.ParseFromArray(bytes, size) || !kernel::IdFromBytes(e.tenant_id(), tenant) ||
          e.action() < 1 || e.action() > 5 || e.disposition() > 3) {
        return false;
      }
      *type = "case.updated";
      std::string d = R"({"action":")";
      d.append(kActions[e.action()]).push_back('"');
      AppendIdField(&d, "id", "case_", e.case_id());
      d.append(R"(,"disposition":)");
      if (e.disposition() == 0) {
        d.append("null");
      } else {
        d.append("\"")
            .append(CaseDispositionName(static_cast<CaseDisposition>(e.disposition())))
            .append("\"");
      }
      d.push_back('}');
      *data = std::move(d);
      return true;
    }
  }
  return false;
}

}  // namespace cb::risk
