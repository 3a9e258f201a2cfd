// Investigation cases as the API shows them, and their SAR draft (a suspicious activity
// report an analyst completes and files with the FIU: JSON for systems, HTML to read and
// print). Both are built from the case's own alerts and the decisions they point at.
#include <string>
#include <unordered_set>

#include "base/json_string.h"
#include "kernel/ids.h"
#include "kernel/json_out.h"
#include "kernel/money.h"
#include "risk/render_util.h"
#include "risk/service.h"

namespace cb::risk {

void AppendIdOrNull(std::string* out, std::string_view prefix, u128 id) {
  if (id == 0) {
    out->append("null");
    return;
  }
  out->push_back('"');
  kernel::AppendId(out, prefix, id);
  out->push_back('"');
}

namespace {

void AppendNotes(std::string* o, const Case& c) {
  o->append(R"("notes":[)");
  for (size_t i = 0; i < c.notes.size(); i++) {
    const CaseNote& n = c.notes[i];
    if (i > 0) o->push_back(',');
    o->append(R"({"text":)");
    AppendJsonString(o, n.text);
    o->append(R"(,"author":)");
    AppendActor(o, n.actor_kind, n.actor);
    o->append(R"(,"attachments":[)");
    for (size_t j = 0; j < n.attachments.size(); j++) {
      const Attachment& a = n.attachments[j];
      if (j > 0) o->push_back(',');
      o->append(R"({"name":)");
      AppendJsonString(o, a.name);
      o->append(R"(,"uri":)");
      AppendJsonString(o, a.uri);
      o->append(R"(,"sha256":)");
      kernel::AppendJsonStringOrNull(o, a.sha256);
      o->push_back('}');
    }
    o->append(R"(],"created_at":)");
    kernel::AppendTimestamp(o, n.at);
    o->push_back('}');
  }
  o->push_back(']');
}

void Escape(std::string* out, std::string_view s) {
  for (char ch : s) {
    switch (ch) {
      case '&':
        out->append("&amp;");
        break;
      case '<':
        out->append("&lt;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '"':
        out->append("&quot;");
        break;
      case '\'':
        out->append("&#39;");
        break;
      default:
        out->push_back(ch);
    }
  }
}

std::string Timestamp(TimestampNs ts) {
  std::string s;
  kernel::AppendTimestamp(&s, ts);
  return s.size() >= 2 ? s.substr(1, s.size() - 2) : s;  // without the JSON quotes
}

std::string Amount(int64_t minor, uint8_t exponent) {
  std::string s;
  kernel::AppendAmount(&s, static_cast<u128>(minor), exponent);
  return s;
}

}  // namespace

std::string RenderInvestigation(const Case& c, bool with_notes) {
  std::string o = R"({"object":"case","id":")";
  kernel::AppendId(&o, kCasePrefix, c.id);
  o.append(R"(","type":"investigation","status":")").append(CaseStatusName(c.status));
  o.append(R"(","customer":)");
  AppendIdOrNull(&o, kernel::prefix::kCustomer, c.customer);  // null: the bank's own books
  o.append(R"(,"disposition":)");
  if (c.disposition == CaseDisposition::kNone) {
    o.append("null");
  } else {
    o.append("\"").append(CaseDispositionName(c.disposition)).append("\"");
  }
  o.append(R"(,"assignee":)");
  kernel::AppendJsonStringOrNull(&o, c.assignee);
  o.append(R"(,"alert_count":)").append(std::to_string(c.alerts.size()));
  o.append(R"(,"close_requested_by":)");
  AppendActor(&o, c.close_requested_by_kind, c.close_requested_by);
  o.append(R"(,"opened_at":)");
  kernel::AppendTimestamp(&o, c.opened);
  o.append(R"(,"updated_at":)");
  kernel::AppendTimestamp(&o, c.updated);
  o.append(R"(,"resolved_at":)");
  AppendTimestampOrNull(&o, c.resolved);
  o.append(R"(,"resolved_by":)");
  AppendActor(&o, c.resolved_by_kind, c.resolved_by);
  o.append(R"(,"note_count":)").append(std::to_string(c.notes.size()));
  o.push_back(',');
  if (with_notes) {
    AppendNotes(&o, c);
  } else {
    o.append(R"("notes":null)");  // list pages: GET the case for them
  }
  o.push_back('}');
  return o;
}

std::string RiskService::RenderSar(const Case& c, bool html, TimestampNs now) const {
  // The movements behind the alerts, once each, in the order they were alerted.
  std::vector<const Alert*> alerts;
  std::vector<const DecisionRec*> movements;
  std::unordered_set<u128, kernel::U128Hash> seen;
  for (u128 id : c.alerts) {
    const Alert& a = alerts_.at(id);
    alerts.push_back(&a);
    const DecisionRec* d = a.decision == 0 ? nullptr : FindDecision(a.decision);
    if (d != nullptr && seen.insert(d->id).second) movements.push_back(d);
  }
  if (!html) {
    std::string o = R"({"object":"sar_draft","case":)";
    o.append(RenderInvestigation(c));
    o.append(R"(,"subject":{"customer":)");
    AppendIdOrNull(&o, kernel::prefix::kCustomer, c.customer);
    o.append(R"(},"alerts":[)");
    for (size_t i = 0; i < alerts.size(); i++) {
      if (i > 0) o.push_back(',');
      o.append(RenderAlert(*alerts[i], false));
    }
    o.append(R"(],"transactions":[)");
    for (size_t i = 0; i < movements.size(); i++) {
      const DecisionRec& d = *movements[i];
      if (i > 0) o.push_back(',');
      o.append(R"({"transfer":)");
      AppendIdOrNull(&o, kTransferPrefix, d.transfer);
      o.append(R"(,"decision":)");
      AppendIdOrNull(&o, kDecisionPrefix, d.id);
      o.append(R"(,"operation":)");
      AppendJsonString(&o, d.operation);
      o.append(R"(,"amount":")").append(Amount(d.amount_minor, d.currency_exponent));
      o.append(R"(","currency":)");
      AppendJsonString(&o, d.currency);
      o.append(R"(,"outcome":")").append(OutcomeName(d.outcome));
      o.append(R"(","reasons":)");
      AppendJsonStringArray(&o, d.reasons);
      o.append(R"(,"created_at":)");
      kernel::AppendTimestamp(&o, d.at);
      o.push_back('}');
    }
    o.append(R"(],"generated_at":)");
    kernel::AppendTimestamp(&o, now);
    o.push_back('}');
    return o;
  }
  std::string case_id, customer;
  kernel::AppendId(&case_id, kCasePrefix, c.id);
  if (c.customer == 0) {
    customer = "(none: the bank's own books)";
  } else {
    kernel::AppendId(&customer, kernel::prefix::kCustomer, c.customer);
  }
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>SAR draft ";
  h.append(case_id);
  h.append(
      "</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #999;padding:4px 8px;text-align:left}</style></head><body>\n"
      "<h1>Suspicious activity report: draft</h1>\n<table>");
  auto row = [&h](std::string_view k, std::string_view v) {
    h.append("<tr><th>");
    Escape(&h, k);
    h.append("</th><td>");
    Escape(&h, v);
    h.append("</td></tr>");
  };
  row("Case", case_id);
  row("Subject (customer)", customer);
  row("Status", CaseStatusName(c.status));
  row("Disposition",
      c.disposition == CaseDisposition::kNone ? "(open)" : CaseDispositionName(c.disposition));
  row("Assignee", c.assignee.empty() ? "(nobody)" : c.assignee);
  row("Opened", Timestamp(c.opened));
  row("Generated", Timestamp(now));
  h.append(
      "</table>\n<h2>Alerts</h2>\n<table><tr><th>When</th><th>Rule</th><th>Reason</th>"
      "<th>Severity</th><th>Transfer</th><th>Amount</th></tr>");
  for (const Alert* a : alerts) {
    std::string transfer;
    if (a->transfer != 0) kernel::AppendId(&transfer, kTransferPrefix, a->transfer);
    h.append("<tr><td>");
    Escape(&h, Timestamp(a->at));
    h.append("</td><td>");
    Escape(&h, a->rule);
    h.append("</td><td>");
    Escape(&h, a->reason);
    h.append("</td><td>").append(SeverityName(a->severity)).append("</td><td>");
    Escape(&h, transfer);
    h.append("</td><td>");
    if (a->transfer != 0) {
      Escape(&h, Amount(a->amount_minor, a->currency_exponent) + " " + a->currency);
    }
    h.append("</td></tr>");
  }
  h.append(
      "</table>\n<h2>Transactions and decisions</h2>\n<table><tr><th>When</th>"
      "<th>Transfer</th><th>Amount</th><th>Decision</th><th>Outcome</th><th>Reasons</th>"
      "</tr>");
  for (const DecisionRec* d : movements) {
    std::string transfer, decision, reasons;
    kernel::AppendId(&transfer, kTransferPrefix, d->transfer);
    kernel::AppendId(&decision, kDecisionPrefix, d->id);
    for (const std::string& r : d->reasons) reasons += (reasons.empty() ? "" : ", ") + r;
    h.append("<tr><td>");
    Escape(&h, Timestamp(d->at));
    h.append("</td><td>");
    Escape(&h, transfer);
    h.append("</td><td>");
    Escape(&h, Amount(d->amount_minor, d->currency_exponent) + " " + d->currency);
    h.append("</td><td>");
    Escape(&h, decision);
    h.append("</td><td>").append(OutcomeName(d->outcome)).append("</td><td>");
    Escape(&h, reasons);
    h.append("</td></tr>");
  }
  h.append("</table>\n<h2>Analysts' notes</h2>\n<ul>");
  for (const CaseNote& n : c.notes) {
    h.append("<li>");
    Escape(&h, Timestamp(n.at));
    h.append(": ");
    Escape(&h, n.text);
    for (const Attachment& a : n.attachments) {
      h.append(" [");
      Escape(&h, a.name);
      h.append(": ");
      Escape(&h, a.uri);
      h.append("]");
    }
    h.append("</li>");
  }
  h.append("</ul>\n</body></html>\n");
  return h;
}

}  // namespace cb::risk
