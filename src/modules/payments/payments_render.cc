// A payment as JSON: every field present, null when not set (the OpenAPI lists them all as
// required), amounts as decimal strings at the currency's scale.
#include "base/check.h"
#include "kernel/ids.h"
#include "kernel/json_out.h"
#include "kernel/money.h"
#include "ledger/currency.h"
#include "modules/payments/payments.h"
#include "platform/ids.h"

namespace cb::modules::payments {

namespace {

using kernel::AppendJsonString;
using kernel::AppendJsonStringOrNull;
using kernel::AppendTimestamp;

void IdOrNull(std::string* o, std::string_view prefix, u128 id) {
  if (id == 0) {
    o->append("null");
    return;
  }
  o->push_back('"');
  kernel::AppendId(o, prefix, id);
  o->push_back('"');
}

void AppendPayee(std::string* o, const Payee& to) {
  o->append(R"({"type":")").append(PayeeKindName(to.kind)).append(R"(","account":)");
  IdOrNull(o, platform::prefix::kAccount, to.account);
  o->append(R"(,"alias":)");
  AppendJsonStringOrNull(o, to.alias);
  o->append(R"(,"name":)");
  AppendJsonStringOrNull(o, to.name);
  o->append(R"(,"iban":)");
  AppendJsonStringOrNull(o, to.iban);
  o->append(R"(,"bic":)");
  AppendJsonStringOrNull(o, to.bic);
  o->append(R"(,"sort_code":)");
  AppendJsonStringOrNull(o, to.sort_code);
  o->append(R"(,"account_number":)");
  AppendJsonStringOrNull(o, to.account_number);
  o->push_back('}');
}

const char* CopName(CopResult c) {
  switch (c) {
    case CopResult::kMatch:
      return "match";
    case CopResult::kCloseMatch:
      return "close_match";
    case CopResult::kNoMatch:
      return "no_match";
    case CopResult::kNone:
      break;
  }
  return "";
}

}  // namespace

std::string RenderPayment(const Payment& p) {
  const auto currency = ledger::FindCurrency(p.currency);
  CB_CHECK(currency.has_value());  // checked at the edge; events are checked on replay
  std::string o = R"({"id":")";
  kernel::AppendId(&o, kPaymentPrefix, p.id);
  o.append(R"(","object":"payment","status":")").append(StatusName(p.status));
  o.append(R"(","rail":")").append(RailName(p.rail));
  o.append(R"(","from_account":")");
  kernel::AppendId(&o, platform::prefix::kAccount, p.from_account);
  o.append(R"(","to":)");
  AppendPayee(&o, p.to);
  o.append(R"(,"amount":")");
  kernel::AppendAmount(&o, p.amount_minor, currency->scale);
  o.append(R"(","currency":")").append(p.currency);
  o.append(R"(","reference":)");
  AppendJsonStringOrNull(&o, p.reference);
  o.append(R"(,"end_to_end_id":)");
  AppendJsonStringOrNull(&o, p.end_to_end_id);
  o.append(R"(,"transfer":)");
  IdOrNull(&o, platform::prefix::kTransfer, p.transfer);
  o.append(R"(,"decision":)");
  IdOrNull(&o, "dec_", p.decision);
  o.append(R"(,"confirmation_of_payee":)");
  if (p.cop == CopResult::kNone) {
    o.append("null");
  } else {
    o.append(R"({"result":")").append(CopName(p.cop)).append(R"(","name":)");
    AppendJsonStringOrNull(&o, p.cop_name);
    o.push_back('}');
  }
  const Transition& last = p.history.back();
  o.append(R"(,"status_reason":)");
  if (last.reason_code.empty()) {
    o.append("null");
  } else {
    o.append(R"({"code":)");
    AppendJsonString(&o, last.reason_code);
    o.append(R"(,"message":)");
    AppendJsonStringOrNull(&o, last.reason);
    o.push_back('}');
  }
  o.append(R"(,"history":[)");
  for (size_t i = 0; i < p.history.size(); i++) {
    const Transition& t = p.history[i];
    if (i > 0) o.push_back(',');
    o.append(R"({"status":")").append(StatusName(t.status)).append(R"(","reason_code":)");
    AppendJsonStringOrNull(&o, t.reason_code);
    o.append(R"(,"reason":)");
    AppendJsonStringOrNull(&o, t.reason);
    o.append(R"(,"at":)");
    AppendTimestamp(&o, t.at);
    o.push_back('}');
  }
  o.append(R"(],"fee":)");
  if (p.fee_minor == 0) {
    o.append("null");
  } else {
    o.append(R"({"amount":")");
    kernel::AppendAmount(&o, p.fee_minor, currency->scale);
    o.append(R"(","currency":")").append(p.currency);
    o.append(R"(","account":")");
    kernel::AppendId(&o, platform::prefix::kAccount, p.fee_account);
    o.append(R"(","transfer":")");
    kernel::AppendId(&o, platform::prefix::kTransfer, FeeTransferOf(p.id));
    o.append(R"("})");
  }
  o.append(R"(,"scheduled_for":)");
  if (p.scheduled_for == 0) {
    o.append("null");
  } else {
    AppendTimestamp(&o, p.scheduled_for);
  }
  o.append(R"(,"created_at":)");
  AppendTimestamp(&o, p.created);
  o.append(R"(,"updated_at":)");
  AppendTimestamp(&o, last.at);
  o.push_back('}');
  return o;
}

}  // namespace cb::modules::payments

namespace cb::modules::payments {

std::string RenderMessages(const Payment& p) {
  // The contract of issue 15, exactly: {"object":"list","data":[{message_type, direction,
  // created_at, xml}]}, oldest first.
  std::string o = R"({"object":"list","data":[)";
  for (size_t i = 0; i < p.messages.size(); i++) {
    const Message& m = p.messages[i];
    if (i > 0) o.push_back(',');
    o.append(R"({"message_type":)");
    kernel::AppendJsonString(&o, m.type);
    o.append(R"(,"direction":")")
        .append(m.direction == Direction::kOutbound ? "outbound" : "inbound")
        .append(R"(","created_at":)");
    kernel::AppendTimestamp(&o, m.at);
    o.append(R"(,"xml":)");
    kernel::AppendJsonString(&o, m.xml);
    o.push_back('}');
  }
  o.append("]}");
  return o;
}

}  // namespace cb::modules::payments

namespace cb::modules::payments {

std::string RenderReceived(const ReceivedPayment& r) {
  const auto currency = ledger::FindCurrency(r.currency);
  CB_CHECK(currency.has_value());
  std::string o = R"({"id":")";
  kernel::AppendId(&o, kReceivedPaymentPrefix, r.id);
  o.append(R"(","object":"received_payment","account":")");
  kernel::AppendId(&o, platform::prefix::kAccount, r.account);
  o.append(R"(","amount":")");
  kernel::AppendAmount(&o, r.amount_minor, currency->scale);
  o.append(R"(","currency":")").append(r.currency).append(R"(","debtor":{"name":)");
  kernel::AppendJsonStringOrNull(&o, r.debtor_name);
  o.append(R"(,"iban":)");
  kernel::AppendJsonStringOrNull(&o, r.debtor_iban);
  o.append(R"(,"bic":)");
  kernel::AppendJsonStringOrNull(&o, r.debtor_bic);
  o.append(R"(},"end_to_end_id":)");
  kernel::AppendJsonStringOrNull(&o, r.end_to_end_id);
  o.append(R"(,"message_id":)");
  kernel::AppendJsonString(&o, r.message_id);
  o.append(R"(,"reference":)");
  kernel::AppendJsonStringOrNull(&o, r.reference);
  o.append(R"(,"transfer":")");
  kernel::AppendId(&o, platform::prefix::kTransfer, r.transfer);
  o.append(R"(","created_at":)");
  kernel::AppendTimestamp(&o, r.created);
  o.push_back('}');
  return o;
}

}  // namespace cb::modules::payments

namespace cb::modules::payments {

namespace {

// An exception's `","direction":...,"payment","received_payment","detail"` (its string
// before it left open), shared by the reconciliation's list and the exception's own object.
void AppendExceptionLinks(const ReconItem& x, std::string* out) {
  std::string& o = *out;
  o.append(R"(","direction":")").append(x.credit ? "credit" : "debit");
  o.append(R"(","payment":)");
  IdOrNull(&o, kPaymentPrefix, x.credit ? 0 : x.object);
  o.append(R"(,"received_payment":)");
  IdOrNull(&o, kReceivedPaymentPrefix, x.credit ? x.object : 0);
  o.append(R"(,"detail":)");
  kernel::AppendJsonStringOrNull(&o, x.detail);
}

}  // namespace

std::string RenderReconciliation(const Reconciliation& r) {
  const auto currency = ledger::FindCurrency(r.currency);
  CB_CHECK(currency.has_value());
  std::string o = R"({"id":")";
  kernel::AppendId(&o, kReconciliationPrefix, r.id);
  o.append(R"(","object":"reconciliation","statement_id":)");
  kernel::AppendJsonStringOrNull(&o, r.statement_id);
  o.append(R"(,"account_iban":)");
  kernel::AppendJsonStringOrNull(&o, r.account_iban);
  o.append(R"(,"currency":")").append(r.currency).append(R"(","from":)");
  kernel::AppendTimestamp(&o, r.from);
  o.append(R"(,"to":)");
  kernel::AppendTimestamp(&o, r.to);
  o.append(R"(,"entries":)").append(std::to_string(r.entries));
  o.append(R"(,"matched":)").append(std::to_string(r.matched));
  o.append(R"(,"exceptions_total":)").append(std::to_string(r.exceptions_total));
  o.append(R"(,"exceptions":[)");
  for (size_t i = 0; i < r.exceptions.size(); i++) {
    const ReconItem& x = r.exceptions[i];
    if (i > 0) o.push_back(',');
    o.append(R"({"id":")");
    kernel::AppendId(&o, kReconExceptionPrefix, ReconExceptionId(r.id, static_cast<uint32_t>(i)));
    o.append(R"(","type":")").append(ReconExceptionName(x.type)).append(R"(","end_to_end_id":)");
    kernel::AppendJsonStringOrNull(&o, x.end_to_end_id);
    o.append(R"(,"amount":")");
    kernel::AppendAmount(&o, x.amount_minor, currency->scale);
    AppendExceptionLinks(x, &o);
    o.push_back('}');
  }
  o.append(R"(],"created_at":)");
  kernel::AppendTimestamp(&o, r.created);
  o.push_back('}');
  return o;
}

std::string RenderReconException(const Reconciliation& r, uint32_t index,
                                 std::optional<u128> booked_minor) {
  CB_CHECK(index < r.exceptions.size());
  const auto currency = ledger::FindCurrency(r.currency);
  CB_CHECK(currency.has_value());
  const ReconItem& x = r.exceptions[index];
  std::string o = R"({"object":"reconciliation_exception","id":")";
  kernel::AppendId(&o, kReconExceptionPrefix, ReconExceptionId(r.id, index));
  o.append(R"(","reconciliation":")");
  kernel::AppendId(&o, kReconciliationPrefix, r.id);
  o.append(R"(","statement_id":)");
  kernel::AppendJsonStringOrNull(&o, r.statement_id);
  o.append(R"(,"type":")").append(ReconExceptionName(x.type)).append(R"(","end_to_end_id":)");
  kernel::AppendJsonStringOrNull(&o, x.end_to_end_id);
  // A missing entry is not on the statement: its amount is ours.
  o.append(R"(,"statement_amount":)");
  if (x.type == ReconExceptionType::kMissingEntry) {
    o.append("null");
  } else {
    o.push_back('"');
    kernel::AppendAmount(&o, x.amount_minor, currency->scale);
    o.push_back('"');
  }
  o.append(R"(,"booked_amount":)");
  if (booked_minor) {
    o.push_back('"');
    kernel::AppendAmount(&o, *booked_minor, currency->scale);
    o.push_back('"');
  } else {
    o.append("null");
  }
  o.append(R"(,"currency":")").append(r.currency);
  AppendExceptionLinks(x, &o);
  o.append(R"(,"created_at":)");
  kernel::AppendTimestamp(&o, r.created);
  o.push_back('}');
  return o;
}

}  // namespace cb::modules::payments

namespace cb::modules::payments {

std::string RenderStandingOrder(const StandingOrder& x) {
  const auto currency = ledger::FindCurrency(x.currency);
  CB_CHECK(currency.has_value());
  std::string o = R"({"id":")";
  kernel::AppendId(&o, kStandingOrderPrefix, x.id);
  o.append(R"(","object":"standing_order","status":")").append(OrderStatusName(x.status));
  o.append(R"(","from_account":")");
  kernel::AppendId(&o, platform::prefix::kAccount, x.from_account);
  o.append(R"(","to":)");
  AppendPayee(&o, x.to);
  o.append(R"(,"amount":")");
  kernel::AppendAmount(&o, x.amount_minor, currency->scale);
  o.append(R"(","currency":")").append(x.currency);
  o.append(R"(","rail":")").append(RailName(x.rail));
  o.append(R"(","reference":)");
  AppendJsonStringOrNull(&o, x.reference);
  o.append(R"(,"frequency":")").append(FrequencyName(x.frequency)).append(R"(","start_at":)");
  AppendTimestamp(&o, x.start);
  o.append(R"(,"day_of_month":)");
  o.append(x.frequency == Frequency::kMonthly && x.day_of_month != 0
               ? std::to_string(x.day_of_month)
               : "null");
  o.append(R"(,"end_at":)");
  if (x.end == 0) {
    o.append("null");
  } else {
    AppendTimestamp(&o, x.end);
  }
  o.append(R"(,"count":)").append(x.count_max == 0 ? "null" : std::to_string(x.count_max));
  o.append(R"(,"occurrences":)").append(std::to_string(x.runs));
  o.append(R"(,"last_payment":)");
  IdOrNull(&o, kPaymentPrefix, x.last_payment);
  o.append(R"(,"next_run_at":)");
  const TimestampNs next = x.status == OrderStatus::kActive ? OccurrenceAt(x, x.runs) : 0;
  if (next == 0) {
    o.append("null");
  } else {
    AppendTimestamp(&o, next);
  }
  o.append(R"(,"created_at":)");
  AppendTimestamp(&o, x.created);
  o.append(R"(,"updated_at":)");
  AppendTimestamp(&o, x.updated);
  o.push_back('}');
  return o;
}

}  // namespace cb::modules::payments
