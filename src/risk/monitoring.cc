// Monitoring (docs/risk/monitoring.md): alerts the monitor's subscriber raises on committed
// movements, the investigation cases they group into (one open case per customer), the
// case's work (assign, notes, close; closing as suspicious takes a second person) and the
// SAR draft (sar.cc renders it).
#include <algorithm>

#include "base/check.h"
#include "base/json_string.h"
#include "journal/format.h"
#include "kernel/ids.h"
#include "kernel/json_out.h"
#include "kernel/money.h"
#include "risk/render_util.h"
#include "risk/service.h"

namespace cb::risk {

namespace pb = corebank::risk::v1;
using kernel::Answer;
using kernel::ErrorAnswer;
using kernel::ErrorKind;
using kernel::IdBytes;
using kernel::IdFromBytesOrZero;

namespace {

bool Is16(const std::string& b) { return b.size() == 16; }

}  // namespace

const char* AlertKindName(AlertKind k) {
  switch (k) {
    case AlertKind::kMonitoring:
      return "monitoring";
    case AlertKind::kScreening:
      return "screening";
    case AlertKind::kReconciliation:
      return "reconciliation";
  }
  return "monitoring";
}

const char* CaseDispositionName(CaseDisposition d) {
  switch (d) {
    case CaseDisposition::kNone:
      return "none";
    case CaseDisposition::kNoAction:
      return "no_action";
    case CaseDisposition::kFalsePositive:
      return "false_positive";
    case CaseDisposition::kSuspicious:
      return "suspicious";
  }
  return "unknown";
}

bool ParseCaseDisposition(std::string_view s, CaseDisposition* out) {
  for (CaseDisposition d : {CaseDisposition::kNoAction, CaseDisposition::kFalsePositive,
                            CaseDisposition::kSuspicious}) {
    if (s == CaseDispositionName(d)) {
      *out = d;
      return true;
    }
  }
  return false;
}

void RiskService::SetWorking(const Case& c, bool working) {
  const std::pair<u128, u128> key{c.tenant, c.customer};
  if (working) {
    working_[key].insert({c.order, c.id});
    return;
  }
  auto it = working_.find(key);
  if (it == working_.end()) return;
  it->second.erase({c.order, c.id});
  if (it->second.empty()) working_.erase(it);
}

u128 RiskService::InvestigationFor(u128 tenant, u128 customer) const {
  auto it = working_.find({tenant, customer});
  if (it == working_.end()) return 0;
  // Newest first; a full case (kCaseAlertsMax) takes no more, an older one may.
  for (auto c = it->second.rbegin(); c != it->second.rend(); ++c) {
    if (cases_.at(c->second).alerts.size() < kCaseAlertsMax) return c->second;
  }
  return 0;
}

std::string AlertQuietKey(std::string_view rule, std::string_view reason) {
  // A failing monitor's alerts do not silence its real ones.
  return std::string(rule) + (reason == "rule_error" ? "#error" : "");
}

bool RiskService::HasSanctionsMatch(const Case& c) const {
  return std::any_of(c.alerts.begin(), c.alerts.end(), [&](u128 id) {
    const Alert& a = alerts_.at(id);
    return a.kind == AlertKind::kScreening && a.reason == "sanctions_match";
  });
}

const Alert* RiskService::FindAlert(u128 id) const {
  auto it = alerts_.find(id);
  return it == alerts_.end() ? nullptr : &it->second;
}

Answer RiskService::RaiseAlerts(const RaiseAlertsOp& r, runtime::ServiceContext& ctx) {
  size_t raised = 0, repeats = 0;
  for (const AlertDraft& a : r.alerts) {
    // A repeat of a commit (the monitor hands movements again after a crash) changes
    // nothing: the id is derived from the decision and the monitor.
    if (a.id == 0 || a.tenant == 0 || a.customer == 0 || alerts_.contains(a.id)) continue;
    if (RaiseAlert(a, ctx)) {
      raised++;
    } else {
      repeats++;
    }
  }
  return {200, R"({"object":"alerts_raised","count":)" + std::to_string(raised) + R"(,"repeats":)" +
                   std::to_string(repeats) + "}"};
}

void RiskService::RaiseReconciliationAlert(const kernel::ReconciliationAlert& r,
                                           runtime::ServiceContext& ctx) {
  CB_CHECK(r.id != 0);
  CB_CHECK(r.tenant != 0);
  CB_CHECK(r.entries.size() <= kernel::ReconciliationAlert::kEntriesMax);
  if (alerts_.contains(r.id)) return;
  AlertDraft a;
  a.id = r.id;
  a.tenant = r.tenant;
  a.kind = AlertKind::kReconciliation;  // customer 0: the bank's own books
  a.rule = "reconciliation";
  a.reason = std::string(r.reason);
  a.severity = r.severe ? Severity::kHigh : Severity::kMedium;
  a.reconciliation = std::string(r.reconciliation);
  a.entries.assign(r.entries.begin(), r.entries.end());
  CB_CHECK(RaiseAlert(a, ctx));  // no quiet time: every reconciliation's breaks are new
}

bool RiskService::RaiseAlert(const AlertDraft& a, runtime::ServiceContext& ctx) {
  CB_CHECK(a.id != 0 && a.tenant != 0 && !alerts_.contains(a.id));
  // Only the bank's own books have no customer.
  CB_CHECK((a.customer == 0) == (a.kind == AlertKind::kReconciliation));
  u128 case_id = InvestigationFor(a.tenant, a.customer);
  // A monitor with a quiet time (repeat_after_s: a busy account would otherwise put one
  // alert per payment in front of the analyst, none of them new).
  if (case_id != 0 && a.repeat_after_ns != 0) {
    const auto& last = cases_.at(case_id).last_alert_by_rule;
    auto it = last.find(AlertQuietKey(a.rule, a.reason));
    if (it != last.end() && a.movement_at < it->second + a.repeat_after_ns) return false;
  }
  pb::AlertRaised e;
  e.set_id(IdBytes(a.id));
  e.set_tenant_id(IdBytes(a.tenant));
  if (a.customer != 0) e.set_customer_id(IdBytes(a.customer));
  if (case_id == 0) {
    case_id = kernel::DerivedId(a.id, 'C');
    CB_CHECK(!cases_.contains(case_id));  // alert ids are unique, so are theirs
    e.set_case_opened(true);
  }
  e.set_case_id(IdBytes(case_id));
  e.set_kind(static_cast<uint32_t>(a.kind));
  e.set_rule(a.rule);
  e.set_reason(a.reason);
  e.set_severity(static_cast<uint32_t>(a.severity));
  if (a.decision != 0) e.set_decision_id(IdBytes(a.decision));
  if (a.transfer != 0) e.set_transfer_id(IdBytes(a.transfer));
  e.set_amount_minor(a.amount_minor);
  e.set_currency(a.currency);
  e.set_currency_exponent(a.currency_exponent);
  e.set_at_ns(ctx.batch_timestamp);
  e.set_error(a.error);
  e.set_policy_version(a.policy_version);
  e.set_movement_at_ns(a.movement_at);
  for (const std::string& entry : a.entries) e.add_entries(entry);
  e.set_reconciliation(a.reconciliation);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kAlertRaised), kEventVersion,
                           e);
  CB_CHECK(ApplyAlert(e).ok());
  return true;
}

std::optional<Alert> AlertOf(const pb::AlertRaised& e) {
  if (!Is16(e.id()) || !Is16(e.tenant_id()) || !Is16(e.case_id()) || e.kind() < 1 || e.kind() > 3 ||
      e.severity() < 1 || e.severity() > 3 || e.currency_exponent() > 18) {
    return std::nullopt;
  }
  // A customer's alert names it; a reconciliation alert (the bank's books) names none.
  const bool books = e.kind() == static_cast<uint32_t>(AlertKind::kReconciliation);
  if (books ? !e.customer_id().empty() || e.reconciliation().empty()
            : !Is16(e.customer_id()) || !e.reconciliation().empty()) {
    return std::nullopt;
  }
  Alert a;
  a.id = IdFromBytesOrZero(e.id());
  a.tenant = IdFromBytesOrZero(e.tenant_id());
  a.customer = IdFromBytesOrZero(e.customer_id());
  a.case_id = IdFromBytesOrZero(e.case_id());
  a.decision = IdFromBytesOrZero(e.decision_id());
  a.transfer = IdFromBytesOrZero(e.transfer_id());
  a.kind = static_cast<AlertKind>(e.kind());
  a.severity = static_cast<Severity>(e.severity());
  a.rule = e.rule();
  a.reason = e.reason();
  a.error = e.error();
  a.currency = e.currency();
  a.currency_exponent = static_cast<uint8_t>(e.currency_exponent());
  a.amount_minor = e.amount_minor();
  a.policy_version = e.policy_version();
  a.at = e.at_ns();
  a.movement_at = e.movement_at_ns();
  a.entries.assign(e.entries().begin(), e.entries().end());
  a.reconciliation = e.reconciliation();
  return a;
}

Status RiskService::ApplyAlert(const pb::AlertRaised& e) {
  std::optional<Alert> parsed = AlertOf(e);
  if (!parsed) return Status::DataLoss("undecodable AlertRaised");
  Alert& a = *parsed;
  if (alerts_.contains(a.id)) return Status::DataLoss("AlertRaised twice");
  if (e.case_opened()) {
    if (cases_.contains(a.case_id)) return Status::DataLoss("AlertRaised opens an existing case");
    Case c;
    c.id = a.case_id;
    c.tenant = a.tenant;
    c.customer = a.customer;
    c.kind = CaseKind::kInvestigation;
    c.status = CaseStatus::kOpen;
    c.opened = a.at;
    std::vector<u128>& list = tenant_cases_[c.tenant];
    c.order = static_cast<uint32_t>(list.size()) + 1;
    list.push_back(c.id);
    SetWorking(c, true);
    cases_[c.id] = std::move(c);
  }
  auto it = cases_.find(a.case_id);
  if (it == cases_.end() || it->second.kind != CaseKind::kInvestigation ||
      it->second.tenant != a.tenant || it->second.customer != a.customer ||
      (it->second.status != CaseStatus::kOpen && it->second.status != CaseStatus::kInvestigating)) {
    return Status::DataLoss("AlertRaised joins a case it cannot");
  }
  Case& c = it->second;
  c.alerts.push_back(a.id);
  c.updated = a.at;
  if (a.kind == AlertKind::kMonitoring)
    c.last_alert_by_rule[AlertQuietKey(a.rule, a.reason)] = a.movement_at;
  std::vector<u128>& list = tenant_alerts_[a.tenant];
  a.order = static_cast<uint32_t>(list.size()) + 1;
  list.push_back(a.id);
  alerts_[a.id] = std::move(a);
  return Status::Ok();
}

Status RiskService::ApplyCaseUpdate(const pb::CaseUpdated& e) {
  auto it = cases_.find(IdFromBytesOrZero(e.case_id()));
  if (!Is16(e.case_id()) || it == cases_.end() || it->second.kind != CaseKind::kInvestigation ||
      it->second.tenant != IdFromBytesOrZero(e.tenant_id())) {
    return Status::DataLoss("CaseUpdated of no investigation");
  }
  Case& c = it->second;
  const auto action = static_cast<CaseAction>(e.action());
  const bool working = c.status == CaseStatus::kOpen || c.status == CaseStatus::kInvestigating;
  auto forget_open = [&] { SetWorking(c, false); };
  switch (action) {
    case CaseAction::kAssigned:
      if (!working) return Status::DataLoss("CaseUpdated assigns a closed case");
      c.assignee = e.assignee();
      c.status = CaseStatus::kInvestigating;
      break;
    case CaseAction::kNoteAdded:
      if (c.notes.size() >= kCaseNotesMax || !working) {
        return Status::DataLoss("CaseUpdated: a note the case cannot take");
      }
      break;
    case CaseAction::kCloseRequested:
      if (!working || (e.disposition() != static_cast<uint32_t>(CaseDisposition::kSuspicious) &&
                       e.disposition() != static_cast<uint32_t>(CaseDisposition::kFalsePositive))) {
        return Status::DataLoss("CaseUpdated: bad close request");
      }
      c.status = CaseStatus::kPendingApproval;
      c.pending_disposition = static_cast<CaseDisposition>(e.disposition());
      c.close_requested_by_kind = e.actor_kind();
      c.close_requested_by = IdFromBytesOrZero(e.actor_id());
      c.close_requested_at = e.at_ns();
      forget_open();  // new alerts open a new case while this one waits
      break;
    case CaseAction::kClosed: {
      const auto d = static_cast<CaseDisposition>(e.disposition());
      // Either the second person confirms what was asked, or a close that needs no second
      // person (not suspicious, not lifting a sanctions match) of a working case.
      const bool confirmed = c.status == CaseStatus::kPendingApproval && d == c.pending_disposition;
      if (d == CaseDisposition::kNone || e.disposition() > 3 ||
          !(confirmed || (working && d != CaseDisposition::kSuspicious))) {
        return Status::DataLoss("CaseUpdated: bad close");
      }
      c.pending_disposition = CaseDisposition::kNone;
      c.status = CaseStatus::kClosed;
      c.disposition = d;
      c.resolved = e.at_ns();
      c.resolved_by_kind = e.actor_kind();
      c.resolved_by = IdFromBytesOrZero(e.actor_id());
      forget_open();
      // The analyst says its screening hits are not this customer: remembered, so the
      // same hit neither holds its movements nor raises an alert again.
      if (d == CaseDisposition::kFalsePositive) ClearFalsePositives(c);
      break;
    }
    case CaseAction::kCloseRejected:
      if (c.status != CaseStatus::kPendingApproval) {
        return Status::DataLoss("CaseUpdated: rejects a close nobody asked for");
      }
      c.status = CaseStatus::kInvestigating;
      c.pending_disposition = CaseDisposition::kNone;
      c.close_requested_by_kind = 0;
      c.close_requested_by = 0;
      c.close_requested_at = 0;
      // It takes alerts again (the customer's newest working case takes them first).
      SetWorking(c, true);
      break;
    default:
      return Status::DataLoss("CaseUpdated with an unknown action");
  }
  if ((!e.text().empty() || e.attachments_size() > 0) && c.notes.size() < kCaseNotesMax) {
    CaseNote n;
    n.at = e.at_ns();
    n.actor_kind = e.actor_kind();
    n.actor = IdFromBytesOrZero(e.actor_id());
    n.text = e.text();
    for (const pb::CaseAttachment& a : e.attachments()) {
      n.attachments.push_back({a.name(), a.uri(), a.sha256()});
    }
    c.notes.push_back(std::move(n));
  }
  c.updated = e.at_ns();
  return Status::Ok();
}

Answer RiskService::UpdateCase(const RiskOp& op, u128 id, pb::CaseUpdated e,
                               runtime::ServiceContext& ctx) {
  const auto [kind, actor] = ActorOf(op.caller);
  if (cases_.at(id).notes.size() >= kCaseNotesMax) {
    // A full case still closes (or has its close approved or sent back), without a note.
    e.clear_text();
    e.clear_attachments();
  }
  e.set_case_id(IdBytes(id));
  e.set_tenant_id(IdBytes(op.caller.tenant.value));
  e.set_actor_kind(kind);
  e.set_actor_id(IdBytes(actor));
  e.set_at_ns(ctx.batch_timestamp);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kCaseUpdated), kEventVersion,
                           e);
  CB_CHECK(ApplyCaseUpdate(e).ok());  // the handler checked what Apply checks
  const Case& c = cases_.at(id);
  if (c.status == CaseStatus::kClosed && c.disposition == CaseDisposition::kFalsePositive) {
    // The customer's standing without the cleared hits, journaled (replay reads it rather
    // than recomputing it with whatever thresholds the server then has).
    RecordScreeningStanding(c.tenant, c.customer, ctx);
  }
  return {200, RenderCase(cases_.at(id))};
}

// Assign, note, close, and approve/reject of a close (Resolve sends those here).
Answer RiskService::HandleInvestigation(const RiskOp& op, runtime::ServiceContext& ctx) {
  u128 id = 0;
  std::visit(
      [&](const auto& b) {
        if constexpr (requires { b.id; }) id = b.id;
      },
      op.body);
  auto it = cases_.find(id);
  if (it == cases_.end() || it->second.tenant != op.caller.tenant.value) {
    return ErrorAnswer(ErrorKind::kNotFound, "case_not_found", "case not found", "id", op.trace_id);
  }
  Case& c = it->second;
  if (c.kind != CaseKind::kInvestigation) {
    return ErrorAnswer(ErrorKind::kConflict, "case_not_investigation",
                       "This is a hold's case: approve or reject it.", "id", op.trace_id);
  }
  if (const auto* g = std::get_if<GetSarOp>(&op.body)) {
    return {200, RenderSar(c, g->html, ctx.batch_timestamp)};
  }
  const bool working = c.status == CaseStatus::kOpen || c.status == CaseStatus::kInvestigating;
  auto closed = [&] {
    return ErrorAnswer(ErrorKind::kConflict, "case_closed",
                       std::string("The case is ") + CaseStatusName(c.status) + ".", "id",
                       op.trace_id);
  };
  pb::CaseUpdated e;
  if (const auto* a = std::get_if<AssignCaseOp>(&op.body)) {
    if (!working) return closed();
    e.set_action(static_cast<uint32_t>(CaseAction::kAssigned));
    e.set_assignee(a->assignee);
    return UpdateCase(op, id, std::move(e), ctx);
  }
  if (const auto* n = std::get_if<AddCaseNoteOp>(&op.body)) {
    // Nothing is added to what someone asked to sign or signed: the SAR is that record.
    if (!working) return closed();
    if (c.notes.size() >= kCaseNotesMax) {
      return ErrorAnswer(ErrorKind::kConflict, "case_notes_limit",
                         "The case has " + std::to_string(kCaseNotesMax) +
                             " notes, the most it keeps; it can still be closed.",
                         "", op.trace_id);
    }
    e.set_action(static_cast<uint32_t>(CaseAction::kNoteAdded));
    e.set_text(n->text);
    for (const Attachment& a : n->attachments) {
      pb::CaseAttachment* pa = e.add_attachments();
      pa->set_name(a.name);
      pa->set_uri(a.uri);
      pa->set_sha256(a.sha256);
    }
    return UpdateCase(op, id, std::move(e), ctx);
  }
  if (const auto* cl = std::get_if<CloseCaseOp>(&op.body)) {
    if (!working) return closed();
    // A SAR reports a customer; the bank's own books (reconciliation breaks) have none.
    if (c.customer == 0 && cl->disposition == CaseDisposition::kSuspicious) {
      return ErrorAnswer(ErrorKind::kConflict, "case_no_subject",
                         "This case is about the bank's own books, not a customer: there is "
                         "nobody to report. Close it as no_action or false_positive.",
                         "disposition", op.trace_id);
    }
    // Reporting a customer is not one person's call, and neither is lifting a sanctions
    // match (a false positive clears its hits and releases the customer's movements): the
    // case waits for a second person.
    const bool two_people =
        cl->disposition == CaseDisposition::kSuspicious ||
        (cl->disposition == CaseDisposition::kFalsePositive && HasSanctionsMatch(c));
    e.set_action(
        static_cast<uint32_t>(two_people ? CaseAction::kCloseRequested : CaseAction::kClosed));
    e.set_disposition(static_cast<uint32_t>(cl->disposition));
    e.set_text(cl->note);
    Answer a = UpdateCase(op, id, std::move(e), ctx);
    if (two_people) a.http_status = 202;
    return a;
  }
  const auto* r = std::get_if<ResolveCaseOp>(&op.body);
  CB_CHECK(r != nullptr);
  if (c.status != CaseStatus::kPendingApproval) {
    return ErrorAnswer(ErrorKind::kConflict, "case_not_pending_approval",
                       "Only a case whose close waits for a second person is approved or "
                       "rejected; close it with POST /v1/cases/{id}/close.",
                       "id", op.trace_id);
  }
  if (r->approve) {
    std::string_view why;
    if (four_eyes_ != nullptr) {
      why = four_eyes_->FourEyesRefusal(op.caller, c.close_requested_by_kind, c.close_requested_by,
                                        c.close_requested_at);
    } else if (ActorOf(op.caller) == std::pair{c.close_requested_by_kind, c.close_requested_by}) {
      why = "It must be approved by someone other than who asked for it.";
    }
    if (!why.empty()) {
      return ErrorAnswer(ErrorKind::kPermissionDenied, "four_eyes_required", why, "", op.trace_id);
    }
    e.set_action(static_cast<uint32_t>(CaseAction::kClosed));
    e.set_disposition(static_cast<uint32_t>(c.pending_disposition));
  } else {
    e.set_action(static_cast<uint32_t>(CaseAction::kCloseRejected));
  }
  e.set_text(r->note);
  return UpdateCase(op, id, std::move(e), ctx);
}

Answer RiskService::ListAlerts(const RiskOp& op, const ListAlertsOp& l) const {
  const u128 tenant = op.caller.tenant.value;
  std::string o = R"({"object":"list","data":[)";
  uint32_t shown = 0, last = l.after;
  bool more = false;
  auto render = [&](const Alert& a) {
    if (shown > 0) o.push_back(',');
    o.append(RenderAlert(a, op.caller.root));
    shown++;
    last = a.order;
  };
  if (l.case_id != 0) {
    // A case's own list (at most kCaseAlertsMax): the cursor is the alert's tenant order.
    const Case* c = FindCase(l.case_id);
    if (c == nullptr || c->tenant != tenant || c->kind != CaseKind::kInvestigation) {
      return ErrorAnswer(ErrorKind::kNotFound, "case_not_found", "case not found", "case",
                         op.trace_id);
    }
    for (u128 id : c->alerts) {
      const Alert& a = alerts_.at(id);
      if (a.order <= l.after) continue;
      if (shown == l.limit) {
        more = true;
        break;
      }
      render(a);
    }
  } else if (auto list = tenant_alerts_.find(tenant); list != tenant_alerts_.end()) {
    size_t scanned = 0;
    for (size_t i = l.after; i < list->second.size(); i++) {
      const Alert& a = alerts_.at(list->second[i]);
      // As for cases: a customer filter looks at a bounded number per page.
      if (scanned++ == kCasesScannedMax) {
        more = true;
        break;
      }
      last = std::max(last, a.order - 1);
      if (l.customer != 0 && a.customer != l.customer) continue;
      if (shown == l.limit) {
        more = true;
        break;
      }
      render(a);
    }
  }
  o.append(R"(],"has_more":)").append(more ? "true" : "false");
  o.append(R"(,"next_cursor":)");
  o.append(more ? "\"a" + std::to_string(last) + "\"" : "null");
  o.push_back('}');
  return {200, std::move(o)};
}

std::string RenderAlert(const Alert& a, bool detail) {
  std::string o = R"({"object":"alert","id":")";
  kernel::AppendId(&o, kAlertPrefix, a.id);
  o.append(R"(","type":")").append(AlertKindName(a.kind));
  o.append(R"(","rule":)");
  AppendJsonString(&o, a.rule);
  o.append(R"(,"reason":)");
  AppendJsonString(&o, a.reason);
  o.append(R"(,"severity":")").append(SeverityName(a.severity));
  o.append(R"(","customer":)");
  AppendIdOrNull(&o, kernel::prefix::kCustomer, a.customer);  // null: the bank's own books
  o.append(R"(,"case":")");
  kernel::AppendId(&o, kCasePrefix, a.case_id);
  o.append(R"(","reconciliation":)");
  kernel::AppendJsonStringOrNull(&o, a.reconciliation);
  o.append(R"(,"decision":)");
  if (a.decision == 0) {
    o.append("null");
  } else {
    o.push_back('"');
    kernel::AppendId(&o, kDecisionPrefix, a.decision);
    o.push_back('"');
  }
  o.append(R"(,"transfer":)");
  if (a.transfer == 0) {
    o.append("null,\"amount\":null,\"currency\":null");
  } else {
    o.push_back('"');
    kernel::AppendId(&o, kTransferPrefix, a.transfer);
    o.append(R"(","amount":")");
    kernel::AppendAmount(&o, static_cast<u128>(a.amount_minor), a.currency_exponent);
    o.append(R"(","currency":)");
    AppendJsonString(&o, a.currency);
  }
  o.append(R"(,"entries":)");
  AppendJsonStringArray(&o, a.entries);
  o.append(R"(,"error":)");
  kernel::AppendJsonStringOrNull(&o, detail ? a.error : std::string());
  o.append(R"(,"policy_version":)");
  o.append(a.policy_version == 0 ? "null" : std::to_string(a.policy_version));
  o.append(R"(,"movement_at":)");
  if (a.movement_at == 0) {
    o.append("null");
  } else {
    kernel::AppendTimestamp(&o, a.movement_at);
  }
  o.append(R"(,"created_at":)");
  kernel::AppendTimestamp(&o, a.at);
  o.push_back('}');
  return o;
}

}  // namespace cb::risk
