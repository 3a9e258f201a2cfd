// The payments module's /v1 routes: JSON decoding (Boost.JSON stays at the edge) into
// PaymentOp. Shapes, formats (IBAN, BIC, UK account) and limits here; the service checks
// accounts, consent, risk and funds.
#include <algorithm>
#include <cctype>
#include <limits>
#include <memory>

#include "api/decode_util.h"
#include "api/route_table.h"
#include "base/check.h"
#include "kernel/ids.h"
#include "kernel/scopes.h"
#include "modules/payments/payments.h"
#include "modules/payments/payments_decode.h"
#include "modules/payments/payments_internal.h"
#include "payments/iban.h"
#include "platform/ids.h"

namespace cb::modules::payments {

std::shared_ptr<PaymentOp> NewPaymentOp(const api::RouteCall& c) {
  auto op = std::make_shared<PaymentOp>();
  op->caller = c.principal;
  op->trace_id = c.trace_id;
  op->idempotency_key = c.idempotency_key;
  op->request_sha256 = c.request_sha256;
  return op;
}

bool PathId(const api::RouteCall& c, std::string_view prefix, u128* out, api::DecodeError* err) {
  if (!kernel::ParseId(c.in.path_params.at(0), prefix, out)) {
    return api::detail::Fail(err, "resource_not_found", "No such object.", "id",
                             kernel::ErrorKind::kNotFound);
  }
  return true;
}

bool NoQuery(const api::RouteCall& c, api::DecodeError* err) {
  return api::detail::KnownQuery(c.in, {}, err);
}

namespace {

using api::BuiltOp;
using api::DecodeError;
using api::RouteCall;
using api::RouteSpec;
using api::detail::Fail;
using api::detail::ParseBody;
using api::detail::Reader;
namespace json = boost::json;

// A list cursor: `prefix` and the list position to continue below (PagePositions), below
// the type's maximum (which means "from the newest").
template <typename Position>
bool PositionCursor(const RouteCall& c, char prefix, Position* before, DecodeError* err) {
  auto it = c.in.query.find("cursor");
  if (it == c.in.query.end()) return true;
  const std::string& s = it->second;
  const auto v = s.size() > 1 && s[0] == prefix ? ParseU128(std::string_view(s).substr(1))
                                                : std::optional<u128>();
  if (!v || *v >= std::numeric_limits<Position>::max()) {
    return Fail(err, "cursor_invalid", "Unknown cursor.", "cursor");
  }
  *before = static_cast<Position>(*v);
  return true;
}

bool AllOf(std::string_view s, bool (*ok)(char)) {
  for (char ch : s) {
    if (!ok(ch)) return false;
  }
  return true;
}
bool Digit(char c) { return c >= '0' && c <= '9'; }
bool UpperAlnum(char c) { return (c >= 'A' && c <= 'Z') || Digit(c); }
// The SEPA character set for references and ids (EPC guidance): Latin letters, digits and
// / - ? : ( ) . , ' + and space.
bool SepaChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || Digit(c) ||
         std::string_view("/-?:().,'+ ").find(c) != std::string_view::npos;
}

// ISO 9362: 4 letters (institution), 2 letters (country), 2 alphanumerics, optionally 3 more.
bool ValidBic(std::string_view b) {
  if (b.size() != 8 && b.size() != 11) return false;
  for (size_t i = 0; i < 6; i++) {
    if (b[i] < 'A' || b[i] > 'Z') return false;
  }
  return AllOf(b.substr(6), UpperAlnum);
}

bool DecodePayee(Reader& parent, DecodeError* err, Payee* out) {
  const json::value* v = parent.Get("to");
  if (v == nullptr) return Fail(err, "parameter_missing", "Missing required field.", "to");
  if (!v->is_object()) return Fail(err, "parameter_invalid", "Must be an object.", "to");
  Reader r(v->get_object(), "to.", err);
  std::string account;
  if (!r.String("account", false, 64, &account) ||
      !r.String("alias", false, kAliasBytesMax, &out->alias) ||
      !r.String("name", false, kNameBytesMax, &out->name) ||
      !r.String("iban", false, 64, &out->iban) || !r.String("bic", false, 11, &out->bic) ||
      !r.String("sort_code", false, 8, &out->sort_code) ||
      !r.String("account_number", false, 8, &out->account_number) || !r.Finish()) {
    return false;
  }
  const int named = !account.empty() + !out->alias.empty() + !out->iban.empty() +
                    (!out->sort_code.empty() || !out->account_number.empty());
  if (named != 1) {
    return Fail(err, "parameter_invalid",
                "Name the payee by exactly one of account, alias, iban, or sort_code with "
                "account_number.",
                "to");
  }
  if (!account.empty()) {
    out->kind = PayeeKind::kAccount;
    if (!kernel::ParseId(account, platform::prefix::kAccount, &out->account)) {
      return Fail(err, "parameter_invalid", "Malformed account id.", "to.account");
    }
  } else if (!out->alias.empty()) {
    out->kind = PayeeKind::kAlias;
  } else if (!out->iban.empty()) {
    out->kind = PayeeKind::kIban;
    Result<::cb::payments::Iban> iban = ::cb::payments::ParseIban(out->iban);
    if (!iban.ok()) return Fail(err, "iban_invalid", iban.status().message(), "to.iban");
    out->iban = iban->electronic();
  } else {
    out->kind = PayeeKind::kUkAccount;
    std::string sort;
    for (char ch : out->sort_code) {
      if (ch != '-') sort.push_back(ch);
    }
    if (sort.size() != 6 || !AllOf(sort, Digit)) {
      return Fail(err, "parameter_invalid", "A UK sort code: 6 digits (\"40-47-84\").",
                  "to.sort_code");
    }
    if (out->account_number.size() != 8 || !AllOf(out->account_number, Digit)) {
      return Fail(err, "parameter_invalid", "A UK account number: 8 digits.", "to.account_number");
    }
    out->sort_code = sort;
  }
  if (!out->bic.empty()) {
    if (out->kind != PayeeKind::kIban && out->kind != PayeeKind::kUkAccount) {
      return Fail(err, "parameter_invalid", "A BIC is for external payees only.", "to.bic");
    }
    if (!ValidBic(out->bic)) {
      return Fail(err, "parameter_invalid", "A BIC (ISO 9362): 8 or 11 characters.", "to.bic");
    }
  }
  if (!out->internal() && out->name.empty()) {
    return Fail(err, "parameter_missing", "An external payee needs the holder's name.", "to.name");
  }
  // A name of spaces or punctuation names nobody, and nothing to screen against the lists.
  if (!out->internal() && std::count_if(out->name.begin(), out->name.end(), [](char ch) {
                            const auto c = static_cast<unsigned char>(ch);
                            return std::isalnum(c) != 0 ||
                                   c >= 0x80;  // a non-ASCII letter's bytes count
                          }) == 0) {
    return Fail(err, "parameter_invalid", "The holder's name needs a letter or a digit.",
                "to.name");
  }
  return true;
}

// The rail of an external payee (ADR 0019's table): `asked` checked, or `auto` routed by
// currency, the payee's country and the amount.
bool RouteExternal(const Payee& to, std::string_view currency, u128 amount,
                   std::optional<Rail> asked, DecodeError* err, Rail* out) {
  auto invalid = [err](std::string message) {
    return Fail(err, "rail_invalid", std::move(message), "rail");
  };
  auto swift = [&]() {
    if (to.bic.empty()) {
      return Fail(err, "parameter_missing", "SWIFT payments need the payee bank's BIC.", "to.bic");
    }
    *out = Rail::kSwift;
    return true;
  };
  if (to.kind == PayeeKind::kUkAccount) {
    if (currency != "GBP") return invalid("UK sort code accounts are paid in GBP, on fps.");
    if (asked && *asked != Rail::kFps) return invalid("UK sort code accounts are paid on fps.");
    if (amount > kFpsMaxMinor) {
      return invalid("Faster Payments carry at most 1000000.00 GBP: pay the IBAN over swift.");
    }
    *out = Rail::kFps;
    return true;
  }
  Result<::cb::payments::Iban> iban = ::cb::payments::ParseIban(to.iban);
  CB_CHECK(iban.ok());  // DecodePayee checked it
  const bool sepa = currency == "EUR" && iban->in_sepa();
  const bool fps = currency == "GBP" && iban->country() == "GB";
  if (!asked) {
    if (sepa) {
      *out = amount <= kSepaInstantMaxMinor ? Rail::kSepaInstant : Rail::kSepa;
      return true;
    }
    if (fps && amount <= kFpsMaxMinor) {
      *out = Rail::kFps;
      return true;
    }
    return swift();
  }
  switch (*asked) {
    case Rail::kSepaInstant:
      if (!sepa) return invalid("SEPA pays EUR to IBANs of SEPA countries.");
      if (amount > kSepaInstantMaxMinor) {
        return invalid("SEPA Instant carries at most 100000.00 EUR: use sepa.");
      }
      break;
    case Rail::kSepa:
      if (!sepa) return invalid("SEPA pays EUR to IBANs of SEPA countries.");
      break;
    case Rail::kFps:
      if (!fps) return invalid("Faster Payments pay GBP to UK accounts.");
      if (amount > kFpsMaxMinor) return invalid("Faster Payments carry at most 1000000.00 GBP.");
      break;
    case Rail::kSwift:
      return swift();
    case Rail::kInternal:
      return invalid("The internal rail pays accounts of this bank only.");
  }
  *out = *asked;
  return true;
}

}  // namespace

bool FileField(Reader& r, std::string_view key, bool required, size_t bytes_max, std::string* out,
               DecodeError* err) {
  const json::value* v = r.Get(key);
  if (v == nullptr) {
    return !required || Fail(err, "parameter_missing", "Missing required field.", r.Param(key));
  }
  if (!v->is_string()) return Fail(err, "parameter_invalid", "Must be a string.", r.Param(key));
  if (v->get_string().size() > bytes_max) {
    return Fail(err, "string_too_long", "Must be at most " + std::to_string(bytes_max) + " bytes.",
                r.Param(key));
  }
  out->assign(v->get_string().data(), v->get_string().size());
  return true;
}

// The fields of a payment (POST /v1/payments, and what a standing order pays) from `r` (the
// caller reads its own fields and finishes it): the payee checked, the rail routed.
bool DecodePaymentFields(Reader& r, DecodeError* err, CreatePaymentOp* out) {
  CreatePaymentOp& p = *out;
  std::string from, rail;
  if (!r.String("from_account", true, 64, &from)) return false;
  if (!kernel::ParseId(from, platform::prefix::kAccount, &p.from_account)) {
    return Fail(err, "parameter_invalid", "Malformed account id.", "from_account");
  }
  if (!DecodePayee(r, err, &p.to) || !r.Money(&p.amount_minor, &p.currency) ||
      !r.String("rail", false, 16, &rail) ||
      !r.String("reference", false, kReferenceBytesMax, &p.reference)) {
    return false;
  }
  if (p.amount_minor == 0) {
    return Fail(err, "amount_invalid", "The amount must be above zero.", "amount");
  }
  std::optional<Rail> asked;
  if (!rail.empty() && rail != "auto") {
    Rail parsed;
    if (!ParseRail(rail, &parsed)) {
      return Fail(err, "parameter_invalid", "auto, internal, sepa_instant, sepa, fps or swift.",
                  "rail");
    }
    if (p.to.internal() && parsed != Rail::kInternal) {
      return Fail(err, "rail_invalid",
                  "An account or alias of this bank is paid on the internal rail.", "rail");
    }
    asked = parsed;
  }
  if (p.to.internal()) {
    p.rail = Rail::kInternal;
  } else {
    Rail routed;
    if (!RouteExternal(p.to, p.currency, p.amount_minor, asked, err, &routed)) return false;
    p.rail = routed;
  }
  if (!AllOf(p.reference, SepaChar)) {
    return Fail(err, "parameter_invalid",
                "Letters, digits, spaces and / - ? : ( ) . , ' + only (the SEPA set).",
                "reference");
  }
  if (p.to.kind == PayeeKind::kAccount && p.to.account == p.from_account) {
    return Fail(err, "same_account", "Source and destination are the same account.", "to.account");
  }
  return true;
}

namespace {

// POST /v1/payments
bool BuildCreate(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  if (!api::detail::KnownQuery(c.in, {}, err)) return false;
  if (c.in.body.empty()) return Fail(err, "invalid_json", "The body must be a JSON object.", "");
  json::value body;
  if (!ParseBody(c.in.body, &body, err)) return false;
  Reader r(body.get_object(), "", err);
  CreatePaymentOp p;
  std::string scheduled_for;
  if (!DecodePaymentFields(r, err, &p) ||
      !r.String("end_to_end_id", false, kEndToEndIdBytesMax, &p.end_to_end_id) ||
      !r.String("scheduled_for", false, 40, &scheduled_for) || !r.Finish()) {
    return false;
  }
  if (body.get_object().contains("scheduled_for") &&
      !body.get_object().at("scheduled_for").is_null()) {
    // Present, it must name a time: "" paying at once would be a client's bug moving money.
    const std::optional<TimestampNs> at = ParseRfc3339(scheduled_for);
    if (!at || *at == 0) {
      return Fail(err, "parameter_invalid", "Must be an RFC 3339 timestamp.", "scheduled_for");
    }
    p.scheduled_for = *at;
  }
  p.id = kernel::RandomU128();
  if (p.end_to_end_id.empty()) {
    // The payment's own id, without its prefix: unique, 26 characters, in the SEPA set.
    p.end_to_end_id = kernel::FormatId("", p.id);
  } else if (!AllOf(p.end_to_end_id, SepaChar) || p.end_to_end_id.front() == '/' ||
             p.end_to_end_id.back() == '/' || p.end_to_end_id.find("//") != std::string::npos) {
    return Fail(err, "parameter_invalid",
                "1-35 of letters, digits and / - ? : ( ) . , ' + (not starting or ending with "
                "/, no //).",
                "end_to_end_id");
  }
  return Emit(c, std::move(p), out);
}

// POST /v1/standing_orders: a payment's fields, and frequency, start_at, day_of_month,
// end_at, count.
bool BuildCreateOrder(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  if (!api::detail::KnownQuery(c.in, {}, err)) return false;
  if (c.in.body.empty()) return Fail(err, "invalid_json", "The body must be a JSON object.", "");
  json::value body;
  if (!ParseBody(c.in.body, &body, err)) return false;
  Reader r(body.get_object(), "", err);
  CreateStandingOrderOp o;
  std::string frequency, start, end;
  bool has_day = false, has_count = false;
  uint64_t day = 0, count = 0;
  if (!DecodePaymentFields(r, err, &o.payment) || !r.String("frequency", true, 16, &frequency) ||
      !r.String("start_at", true, 40, &start) || !r.String("end_at", false, 40, &end) ||
      !r.Uint("day_of_month", &has_day, 31, &day) ||
      !r.Uint("count", &has_count, kOccurrencesMax, &count) || !r.Finish()) {
    return false;
  }
  if (!ParseFrequency(frequency, &o.frequency)) {
    return Fail(err, "parameter_invalid", "once, daily, weekly or monthly.", "frequency");
  }
  const std::optional<TimestampNs> s = ParseRfc3339(start);
  if (!s) return Fail(err, "parameter_invalid", "Must be an RFC 3339 timestamp.", "start_at");
  o.start = *s;
  if (!end.empty()) {
    const std::optional<TimestampNs> e = ParseRfc3339(end);
    if (!e) return Fail(err, "parameter_invalid", "Must be an RFC 3339 timestamp.", "end_at");
    o.end = *e;
  }
  if (has_day && (o.frequency != Frequency::kMonthly || day == 0)) {
    return Fail(err, "parameter_invalid", "day_of_month (1-31) is for monthly orders.",
                "day_of_month");
  }
  if (has_count && (count == 0 || o.frequency == Frequency::kOnce)) {
    return Fail(err, "parameter_invalid", "count (1-100000) is for recurring orders.", "count");
  }
  o.day_of_month = static_cast<uint32_t>(day);
  o.count_max = static_cast<uint32_t>(count);
  o.id = kernel::RandomU128();
  return Emit(c, std::move(o), out);
}

// POST /v1/standing_orders/{id}/pause|resume|cancel
template <OrderAction kAction>
bool BuildOrderAction(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  StandingOrderActionOp a;
  a.action = kAction;
  if (!PathId(c, kStandingOrderPrefix, &a.id, err) || !NoQuery(c, err) ||
      !api::detail::NoBody(c.in, err)) {
    return false;
  }
  return Emit(c, a, out);
}

// GET /v1/standing_orders?limit=&cursor=
bool BuildListOrders(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  ListStandingOrdersOp l;
  if (!api::detail::KnownQuery(c.in, {"limit", "cursor"}, err) ||
      !api::detail::Limit(c.in, &l.limit, err)) {
    return false;
  }
  if (!PositionCursor(c, 's', &l.before, err)) return false;
  return Emit(c, l, out);
}

// GET /v1/received_payments?account=&limit=&cursor=
bool BuildListReceived(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  ListReceivedOp l;
  if (!api::detail::KnownQuery(c.in, {"account", "limit", "cursor"}, err) ||
      !api::detail::Limit(c.in, &l.limit, err)) {
    return false;
  }
  if (auto it = c.in.query.find("account"); it != c.in.query.end()) {
    if (!kernel::ParseId(it->second, platform::prefix::kAccount, &l.account)) {
      return Fail(err, "parameter_invalid", "Malformed account id.", "account");
    }
  }
  if (!PositionCursor(c, 'r', &l.before, err)) return false;
  return Emit(c, l, out);
}

// POST /v1/reconciliations {"camt053": "<?xml ..."}
bool BuildReconcile(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  if (!api::detail::KnownQuery(c.in, {}, err)) return false;
  if (c.in.body.empty()) return Fail(err, "invalid_json", "The body must be a JSON object.", "");
  json::value body;
  if (!ParseBody(c.in.body, &body, err)) return false;
  Reader r(body.get_object(), "", err);
  ReconcileOp x;
  // Within the request body limit; the XML is validated against the camt.053 XSD.
  if (!FileField(r, "camt053", true, kStatementBytesMax, &x.camt053, err) || !r.Finish()) {
    return false;
  }
  x.id = kernel::RandomU128();
  return Emit(c, std::move(x), out);
}

// GET /v1/reconciliation_exceptions?reconciliation=&type=&limit=&cursor=
bool BuildListReconExceptions(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  ListReconExceptionsOp l;
  if (!api::detail::KnownQuery(c.in, {"reconciliation", "type", "limit", "cursor"}, err) ||
      !api::detail::Limit(c.in, &l.limit, err)) {
    return false;
  }
  if (auto it = c.in.query.find("reconciliation"); it != c.in.query.end()) {
    if (!kernel::ParseId(it->second, kReconciliationPrefix, &l.reconciliation)) {
      return Fail(err, "parameter_invalid", "Malformed reconciliation id.", "reconciliation");
    }
  }
  if (auto it = c.in.query.find("type"); it != c.in.query.end()) {
    ReconExceptionType t;
    if (!ParseReconException(it->second, &t)) {
      return Fail(err, "parameter_invalid",
                  "Not an exception type: unknown_entry, amount_mismatch, status_mismatch or "
                  "missing_entry.",
                  "type");
    }
    l.type = t;
  }
  if (!PositionCursor(c, 'x', &l.before, err)) return false;
  return Emit(c, l, out);
}

// POST /v1/payments/{id}/cancel
bool BuildCancel(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  CancelPaymentOp x;
  if (!PathId(c, kPaymentPrefix, &x.id, err) || !NoQuery(c, err) ||
      !api::detail::NoBody(c.in, err)) {
    return false;
  }
  return Emit(c, x, out);
}

// GET /v1/payments?account=&status=&from=&to=&limit=&cursor=
bool BuildList(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  ListPaymentsOp l;
  if (!api::detail::KnownQuery(c.in, {"account", "status", "from", "to", "limit", "cursor"}, err) ||
      !api::detail::Limit(c.in, &l.limit, err)) {
    return false;
  }
  if (auto it = c.in.query.find("account"); it != c.in.query.end()) {
    if (!kernel::ParseId(it->second, platform::prefix::kAccount, &l.account)) {
      return Fail(err, "parameter_invalid", "Malformed account id.", "account");
    }
  }
  if (auto it = c.in.query.find("status"); it != c.in.query.end()) {
    PaymentStatus s;
    if (!ParseStatus(it->second, &s)) {
      return Fail(err, "parameter_invalid", "Not a payment status.", "status");
    }
    l.status = s;
  }
  std::optional<TimestampNs> from, to;
  if (!api::detail::TimeParam(c.in, "from", &from, err) ||
      !api::detail::TimeParam(c.in, "to", &to, err)) {
    return false;
  }
  if (from) l.from = *from;
  if (to) l.to = *to;
  if (l.from > l.to) return Fail(err, "parameter_invalid", "from must not be after to.", "from");
  if (!PositionCursor(c, 'p', &l.before, err)) return false;
  return Emit(c, l, out);
}

constexpr RouteSpec kRoutes[] = {
    {.method = "POST",
     .pattern = "/v1/payments",
     .service = "payments",
     .scope = kernel::kScopePaymentsWrite,
     .step_up = true,
     .build = BuildCreate},
    {.method = "GET",
     .pattern = "/v1/payments",
     .service = "payments",
     .scope = kernel::kScopeTransactionsRead,
     .build = BuildList},
    {.method = "GET",
     .pattern = "/v1/payments/{id}",
     .service = "payments",
     .scope = kernel::kScopeTransactionsRead,
     .build = BuildGetById<GetPaymentOp, kPaymentPrefix>},
    {.method = "GET",
     .pattern = "/v1/payments/{id}/messages",
     .service = "payments",
     .scope = kernel::kScopeTransactionsRead,
     .build = BuildGetById<GetMessagesOp, kPaymentPrefix>},
    {.method = "GET",
     .pattern = "/v1/received_payments",
     .service = "payments",
     .scope = kernel::kScopeTransactionsRead,
     .build = BuildListReceived},
    {.method = "GET",
     .pattern = "/v1/received_payments/{id}",
     .service = "payments",
     .scope = kernel::kScopeTransactionsRead,
     .build = BuildGetById<GetReceivedOp, kReceivedPaymentPrefix>},
    {.method = "POST",
     .pattern = "/v1/reconciliations",
     .service = "payments",
     .scope = kernel::kScopeAdmin,
     .build = BuildReconcile},
    {.method = "GET",
     .pattern = "/v1/reconciliations/{id}",
     .service = "payments",
     .scope = kernel::kScopeAdmin,
     .build = BuildGetById<GetReconciliationOp, kReconciliationPrefix>},
    {.method = "GET",
     .pattern = "/v1/reconciliation_exceptions",
     .service = "payments",
     .scope = kernel::kScopeAdmin,
     .build = BuildListReconExceptions},
    {.method = "GET",
     .pattern = "/v1/reconciliation_exceptions/{id}",
     .service = "payments",
     .scope = kernel::kScopeAdmin,
     .build = BuildGetById<GetReconExceptionOp, kReconExceptionPrefix>},
    {.method = "POST",
     .pattern = "/v1/payment_batches",
     .service = "payments",
     .scope = kernel::kScopePaymentsWrite,
     .step_up = true,
     .build = BuildCreateBatch},
    {.method = "GET",
     .pattern = "/v1/payment_batches/{id}",
     .service = "payments",
     .scope = kernel::kScopeTransactionsRead,
     .build = BuildGetById<GetBatchOp, kBatchPrefix>},
    {.method = "POST",
     .pattern = "/v1/standing_orders",
     .service = "payments",
     .scope = kernel::kScopePaymentsWrite,
     .step_up = true,
     .build = BuildCreateOrder},
    {.method = "GET",
     .pattern = "/v1/standing_orders",
     .service = "payments",
     .scope = kernel::kScopeTransactionsRead,
     .build = BuildListOrders},
    {.method = "GET",
     .pattern = "/v1/standing_orders/{id}",
     .service = "payments",
     .scope = kernel::kScopeTransactionsRead,
     .build = BuildGetById<GetStandingOrderOp, kStandingOrderPrefix>},
    {.method = "POST",
     .pattern = "/v1/standing_orders/{id}/pause",
     .service = "payments",
     .scope = kernel::kScopePaymentsWrite,
     .build = BuildOrderAction<OrderAction::kPause>},
    {.method = "POST",
     .pattern = "/v1/standing_orders/{id}/resume",
     .service = "payments",
     .scope = kernel::kScopePaymentsWrite,
     .build = BuildOrderAction<OrderAction::kResume>},
    {.method = "POST",
     .pattern = "/v1/standing_orders/{id}/cancel",
     .service = "payments",
     .scope = kernel::kScopePaymentsWrite,
     .build = BuildOrderAction<OrderAction::kCancel>},
    {.method = "POST",
     .pattern = "/v1/payments/{id}/cancel",
     .service = "payments",
     .scope = kernel::kScopePaymentsWrite,
     .build = BuildCancel},
    {.method = "GET",
     .pattern = "/v1/payment_fees",
     .service = "payments",
     .scope = kernel::kScopeTransactionsRead,
     .build = BuildGetFees},
    {.method = "PUT",
     .pattern = "/v1/payment_fees",
     .service = "payments",
     .scope = kernel::kScopeAdmin,
     .build = BuildSetFees},
};

}  // namespace

std::span<const api::RouteSpec> Routes() { return kRoutes; }

}  // namespace cb::modules::payments
