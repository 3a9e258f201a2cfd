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
  }
  return false;
}

}  // namespace cb::risk
