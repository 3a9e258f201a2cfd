// /v1 routes of the risk service (src/risk): decisions, cases (holds), policy bundles.
// Shape checks only; the service checks state.
#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>

#include "api/decode_util.h"
#include "api/route_table.h"
#include "risk/ops.h"
#include "risk/screening/country.h"

namespace cb::api {

namespace {

namespace json = boost::json;
using detail::Fail;
using detail::ParseBody;
using detail::Reader;
using kernel::ParseId;

// A bundle's limits are the policy's to check in full (policy.h); these only keep a
// request from holding more than any bundle could.
constexpr size_t kPolicyFilesMax = 64;
constexpr size_t kPolicyPathCharsMax = 128;
constexpr size_t kPolicyFileBytesMax = 64 * 1024;

std::shared_ptr<risk::RiskOp> NewOp(const RouteCall& c) {
  auto op = std::make_shared<risk::RiskOp>();
  op->caller = c.principal;
  op->trace_id = c.trace_id;
  op->idempotency_key = c.idempotency_key;
  op->request_sha256 = c.request_sha256;
  return op;
}

bool IdParam(const RouteCall& c, std::string_view prefix, u128* out, DecodeError* err) {
  if (!ParseId(c.in.path_params.at(0), prefix, out)) {
    return Fail(err, "resource_not_found", "No such object.", "id", kernel::ErrorKind::kNotFound);
  }
  return true;
}

// Cursors are "<letter><order>": c for cases, a for alerts.
bool Cursor(const RouteCall& c, char letter, uint32_t* after, DecodeError* err) {
  auto it = c.in.query.find("cursor");
  if (it == c.in.query.end()) return true;
  const std::string& s = it->second;
  const auto v = s.size() > 1 && s[0] == letter ? ParseU128(s.substr(1)) : std::nullopt;
  if (!v || *v > UINT32_MAX) return Fail(err, "cursor_invalid", "Unknown cursor.", "cursor");
  *after = static_cast<uint32_t>(*v);
  return true;
}

bool CustomerQuery(const RouteCall& c, u128* out, DecodeError* err) {
  auto it = c.in.query.find("customer");
  if (it == c.in.query.end()) return true;
  if (!ParseId(it->second, kernel::prefix::kCustomer, out)) {
    return Fail(err, "parameter_invalid", "customer is a customer id (cus_...).", "customer");
  }
  return true;
}

template <typename Op>
bool Emit(const RouteCall& c, Op body, BuiltOp* out) {
  auto op = NewOp(c);
  op->body = std::move(body);
  out->op = std::move(op);
  return true;
}

bool BuildGetDecision(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  risk::GetDecisionOp g;
  if (!IdParam(c, "dec_", &g.id, err) || !detail::KnownQuery(c.in, {}, err)) return false;
  auto op = NewOp(c);
  op->body = g;
  out->op = std::move(op);
  return true;
}

bool BuildGetCase(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  risk::GetCaseOp g;
  if (!IdParam(c, "case_", &g.id, err) || !detail::KnownQuery(c.in, {}, err)) return false;
  auto op = NewOp(c);
  op->body = g;
  out->op = std::move(op);
  return true;
}

// GET /v1/cases?status=open|closed&type=hold|investigation&customer=&limit=&cursor=c<order>
bool BuildListCases(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  risk::ListCasesOp l;
  if (!detail::KnownQuery(c.in, {"status", "type", "customer", "limit", "cursor"}, err) ||
      !detail::Limit(c.in, &l.limit, err) || !CustomerQuery(c, &l.customer, err) ||
      !Cursor(c, 'c', &l.after, err)) {
    return false;
  }
  if (auto it = c.in.query.find("status"); it != c.in.query.end()) {
    if (it->second == "open") {
      l.filter = risk::CaseFilter::kOpen;
    } else if (it->second == "closed") {
      l.filter = risk::CaseFilter::kClosed;
    } else {
      return Fail(err, "parameter_invalid", "status is open or closed.", "status");
    }
  }
  if (auto it = c.in.query.find("type"); it != c.in.query.end()) {
    if (it->second == "hold") {
      l.type = risk::CaseTypeFilter::kHold;
    } else if (it->second == "investigation") {
      l.type = risk::CaseTypeFilter::kInvestigation;
    } else {
      return Fail(err, "parameter_invalid", "type is hold or investigation.", "type");
    }
  }
  return Emit(c, l, out);
}

// POST /v1/cases/{id}/approve|reject {"note": "..."} (optional)
bool BuildResolve(const RouteCall& c, bool approve, BuiltOp* out, DecodeError* err) {
  risk::ResolveCaseOp r;
  r.approve = approve;
  if (!IdParam(c, "case_", &r.id, err) || !detail::KnownQuery(c.in, {}, err)) return false;
  if (!c.in.body.empty()) {
    json::value body;
    if (!ParseBody(c.in.body, &body, err)) return false;
    Reader rd(body.get_object(), "", err);
    if (!rd.String("note", false, risk::kCaseNoteCharsMax, &r.note) || !rd.Finish()) return false;
  }
  auto op = NewOp(c);
  op->body = std::move(r);
  out->op = std::move(op);
  return true;
}
bool BuildApprove(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  return BuildResolve(c, true, out, err);
}
bool BuildReject(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  return BuildResolve(c, false, out, err);
}

// POST /v1/cases/{id}/assign {"assignee": "..."}
bool BuildAssignCase(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  risk::AssignCaseOp a;
  if (!IdParam(c, "case_", &a.id, err) || !detail::KnownQuery(c.in, {}, err)) return false;
  json::value body;
  if (!ParseBody(c.in.body, &body, err)) return false;
  Reader rd(body.get_object(), "", err);
  if (!rd.String("assignee", true, risk::kCaseAssigneeBytesMax, &a.assignee) || !rd.Finish()) {
    return false;
  }
  return Emit(c, std::move(a), out);
}

// An attachment is a reference to a document kept elsewhere: https:// or urn: only, so
// a rendered SAR never carries a javascript: or data: link.
bool DecodeAttachment(const json::value& v, const std::string& param, risk::Attachment* a,
                      DecodeError* err) {
  if (!v.is_object()) return Fail(err, "parameter_invalid", "Must be an object.", param);
  Reader rd(v.get_object(), param + ".", err);
  if (!rd.String("name", true, risk::kAttachmentNameBytesMax, &a->name) ||
      !rd.String("uri", true, risk::kAttachmentUriBytesMax, &a->uri) ||
      !rd.String("sha256", false, 64, &a->sha256) || !rd.Finish()) {
    return false;
  }
  if (!a->uri.starts_with("https://") && !a->uri.starts_with("urn:")) {
    return Fail(err, "parameter_invalid", "uri is an https:// URL or a urn: name.", param + ".uri");
  }
  const bool hex =
      a->sha256.size() == 64 && std::all_of(a->sha256.begin(), a->sha256.end(), [](char ch) {
        return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
      });
  if (!a->sha256.empty() && !hex) {
    return Fail(err, "parameter_invalid", "sha256 is 64 lower-case hex digits.", param + ".sha256");
  }
  return true;
}

// POST /v1/cases/{id}/notes {"text": "...", "attachments": [{"name","uri","sha256"?}]}
bool BuildAddCaseNote(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  risk::AddCaseNoteOp n;
  if (!IdParam(c, "case_", &n.id, err) || !detail::KnownQuery(c.in, {}, err)) return false;
  json::value body;
  if (!ParseBody(c.in.body, &body, err)) return false;
  const json::object& o = body.get_object();
  json::object rest = o;
  rest.erase("attachments");
  Reader rd(rest, "", err);
  if (!rd.String("text", true, risk::kCaseNoteCharsMax, &n.text) || !rd.Finish()) return false;
  if (const json::value* list = o.if_contains("attachments"); list != nullptr) {
    if (!list->is_array()) {
      return Fail(err, "parameter_invalid", "attachments is an array.", "attachments");
    }
    if (list->get_array().size() > risk::kCaseAttachmentsMax) {
      return Fail(err, "parameter_invalid",
                  "At most " + std::to_string(risk::kCaseAttachmentsMax) + " attachments.",
                  "attachments");
    }
    for (size_t i = 0; i < list->get_array().size(); i++) {
      risk::Attachment a;
      if (!DecodeAttachment(list->get_array()[i], "attachments[" + std::to_string(i) + "]", &a,
                            err)) {
        return false;
      }
      n.attachments.push_back(std::move(a));
    }
  }
  return Emit(c, std::move(n), out);
}

// POST /v1/cases/{id}/close {"disposition": "no_action|false_positive|suspicious", "note"}
bool BuildCloseCase(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  risk::CloseCaseOp cl;
  if (!IdParam(c, "case_", &cl.id, err) || !detail::KnownQuery(c.in, {}, err)) return false;
  json::value body;
  if (!ParseBody(c.in.body, &body, err)) return false;
  Reader rd(body.get_object(), "", err);
  std::string disposition;
  if (!rd.String("disposition", true, 32, &disposition) ||
      !rd.String("note", false, risk::kCaseNoteCharsMax, &cl.note) || !rd.Finish()) {
    return false;
  }
  if (!risk::ParseCaseDisposition(disposition, &cl.disposition)) {
    return Fail(err, "parameter_invalid", "disposition is no_action, false_positive or suspicious.",
                "disposition");
  }
  return Emit(c, std::move(cl), out);
}

bool BuildSar(const RouteCall& c, bool html, BuiltOp* out, DecodeError* err) {
  risk::GetSarOp g;
  g.html = html;
  if (!IdParam(c, "case_", &g.id, err) || !detail::KnownQuery(c.in, {}, err)) return false;
  return Emit(c, g, out);
}
bool BuildSarJson(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  return BuildSar(c, false, out, err);
}
bool BuildSarHtml(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  out->content_type = "text/html; charset=utf-8";
  return BuildSar(c, true, out, err);
}

bool BuildGetAlert(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  risk::GetAlertOp g;
  if (!IdParam(c, "alert_", &g.id, err) || !detail::KnownQuery(c.in, {}, err)) return false;
  return Emit(c, g, out);
}

// GET /v1/alerts?customer=&case=&limit=&cursor=a<order>
bool BuildListAlerts(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  risk::ListAlertsOp l;
  if (!detail::KnownQuery(c.in, {"customer", "case", "limit", "cursor"}, err) ||
      !detail::Limit(c.in, &l.limit, err) || !CustomerQuery(c, &l.customer, err) ||
      !Cursor(c, 'a', &l.after, err)) {
    return false;
  }
  if (auto it = c.in.query.find("case"); it != c.in.query.end()) {
    if (!ParseId(it->second, "case_", &l.case_id)) {
      return Fail(err, "parameter_invalid", "case is a case id (case_...).", "case");
    }
  }
  return Emit(c, l, out);
}

// {"files": {"manifest.toml": "...", ...}}: a bundle's files, sorted by path. `extra` names
// the other fields the body may have (read by the caller from `o`).
bool DecodePolicyFiles(const json::object& o, std::initializer_list<std::string_view> extra,
                       std::vector<std::pair<std::string, std::string>>* out, DecodeError* err) {
  for (const auto& kv : o) {
    bool known = kv.key() == "files";
    for (std::string_view e : extra) known = known || kv.key() == e;
    if (!known) return Fail(err, "unknown_field", "Unknown field.", kv.key());
  }
  const json::value* files = o.if_contains("files");
  if (files == nullptr || !files->is_object() || files->get_object().empty()) {
    return Fail(err, "parameter_missing",
                "files: an object of the bundle's paths to their contents.", "files");
  }
  if (files->get_object().size() > kPolicyFilesMax) {
    return Fail(err, "too_many_files",
                "A bundle has at most " + std::to_string(kPolicyFilesMax) + " files.", "files");
  }
  for (const auto& kv : files->get_object()) {
    const std::string param = "files." + std::string(kv.key());
    if (kv.key().empty() || kv.key().size() > kPolicyPathCharsMax) {
      return Fail(err, "parameter_invalid", "A path is 1-128 characters.", "files");
    }
    if (!kv.value().is_string()) return Fail(err, "parameter_invalid", "Must be a string.", param);
    const json::string& s = kv.value().get_string();
    if (s.size() > kPolicyFileBytesMax) {
      return Fail(err, "string_too_long", "A bundle file is at most 64 KiB.", param);
    }
    out->emplace_back(std::string(kv.key()), std::string(s.data(), s.size()));
  }
  std::sort(out->begin(), out->end());
  return true;
}

// POST /v1/policies {"files": {...}}
bool BuildActivatePolicy(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  risk::ActivatePolicyOp a;
  if (!detail::KnownQuery(c.in, {}, err)) return false;
  json::value body;
  if (!ParseBody(c.in.body, &body, err)) return false;
  if (!DecodePolicyFiles(body.get_object(), {}, &a.files, err)) return false;
  auto op = NewOp(c);
  op->body = std::move(a);
  out->op = std::move(op);
  return true;
}

// POST /v1/policies/dry-run {"files": {...}, "after": seq (0)}
bool BuildDryRunPolicy(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  risk::DryRunPolicyOp d;
  if (!detail::KnownQuery(c.in, {}, err)) return false;
  json::value body;
  if (!ParseBody(c.in.body, &body, err)) return false;
  const json::object& o = body.get_object();
  if (!DecodePolicyFiles(o, {"after"}, &d.files, err)) return false;
  if (const json::value* after = o.if_contains("after"); after != nullptr && !after->is_null()) {
    if (!after->is_uint64() && !(after->is_int64() && after->get_int64() >= 0)) {
      return Fail(err, "parameter_invalid", "after: a journal sequence number (0 or more).",
                  "after");
    }
    d.after = after->is_uint64() ? after->get_uint64() : static_cast<uint64_t>(after->get_int64());
  }
  auto op = NewOp(c);
  op->body = std::move(d);
  out->op = std::move(op);
  return true;
}

bool BuildListPolicies(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  if (!detail::KnownQuery(c.in, {}, err)) return false;
  auto op = NewOp(c);
  op->body = risk::ListPoliciesOp{};
  out->op = std::move(op);
  return true;
}

// "YYYY-MM-DD", a real calendar date from 1800 on (nobody screened was born earlier).
bool ParseDate(std::string_view s, risk::ScreenOp* q) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8}, lens[3] = {4, 2, 2};
  for (size_t p = 0; p < 3; p++) {
    for (size_t i = starts[p]; i < starts[p] + lens[p]; i++) {
      if (s[i] < '0' || s[i] > '9') return false;
      parts[p] = parts[p] * 10 + (s[i] - '0');
    }
  }
  const auto [year, month, day] = parts;
  if (year < 1800 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] + (month == 2 && leap ? 1 : 0)) return false;
  q->dob_year = year;
  q->dob_month = month;
  q->dob_day = day;
  return true;
}

// POST /v1/screenings {"name", "type"?, "date_of_birth"?, "country"?}
bool BuildScreen(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  namespace sc = risk::screening;
  risk::ScreenOp q;
  if (!detail::KnownQuery(c.in, {}, err)) return false;
  json::value body;
  if (!ParseBody(c.in.body, &body, err)) return false;
  Reader rd(body.get_object(), "", err);
  std::string type, dob, country;
  if (!rd.String("name", true, risk::kScreenNameBytesMax, &q.name) ||
      !rd.String("type", false, 16, &type) || !rd.String("date_of_birth", false, 10, &dob) ||
      !rd.String("country", false, 2, &country) || !rd.Finish()) {
    return false;
  }
  static constexpr sc::EntityType kTypes[] = {sc::EntityType::kUnknown, sc::EntityType::kPerson,
                                              sc::EntityType::kOrganization,
                                              sc::EntityType::kVessel, sc::EntityType::kAircraft};
  if (!type.empty()) {
    const auto* t = std::find_if(std::begin(kTypes), std::end(kTypes),
                                 [&](sc::EntityType x) { return type == sc::EntityTypeName(x); });
    if (t == std::end(kTypes)) {
      return Fail(err, "parameter_invalid",
                  "type is person, organization, vessel, aircraft or unknown.", "type");
    }
    q.type = *t;
  }
  if (!dob.empty() && !ParseDate(dob, &q)) {
    return Fail(err, "parameter_invalid", "date_of_birth is a date, YYYY-MM-DD.", "date_of_birth");
  }
  if (!country.empty()) {
    std::optional<std::string> name = sc::CountryNameOfIso2(country);
    if (!name) {
      return Fail(err, "parameter_invalid", "country is an ISO 3166-1 alpha-2 code (\"IR\").",
                  "country");
    }
    q.country_code = country;
    q.country_name = *std::move(name);
  }
  auto op = NewOp(c);
  op->body = std::move(q);
  out->op = std::move(op);
  return true;
}

constexpr RouteSpec kRoutes[] = {
    {.method = "GET",
     .pattern = "/v1/decisions/{id}",
     .service = "risk",
     .scope = kernel::kScopeRiskRead,
     .build = BuildGetDecision},
    {.method = "GET",
     .pattern = "/v1/cases",
     .service = "risk",
     .scope = kernel::kScopeRiskRead,
     .build = BuildListCases},
    {.method = "GET",
     .pattern = "/v1/cases/{id}",
     .service = "risk",
     .scope = kernel::kScopeRiskRead,
     .build = BuildGetCase},
    {.method = "POST",
     .pattern = "/v1/cases/{id}/approve",
     .service = "risk",
     .scope = kernel::kScopeRiskWrite,
     .step_up = true,
     .build = BuildApprove},
    {.method = "POST",
     .pattern = "/v1/cases/{id}/reject",
     .service = "risk",
     .scope = kernel::kScopeRiskWrite,
     .build = BuildReject},
    {.method = "POST",
     .pattern = "/v1/cases/{id}/assign",
     .service = "risk",
     .scope = kernel::kScopeRiskWrite,
     .build = BuildAssignCase},
    {.method = "POST",
     .pattern = "/v1/cases/{id}/notes",
     .service = "risk",
     .scope = kernel::kScopeRiskWrite,
     .build = BuildAddCaseNote},
    {.method = "POST",
     .pattern = "/v1/cases/{id}/close",
     .service = "risk",
     .scope = kernel::kScopeRiskWrite,
     .build = BuildCloseCase},
    {.method = "GET",
     .pattern = "/v1/cases/{id}/sar",
     .service = "risk",
     .scope = kernel::kScopeRiskRead,
     .build = BuildSarJson},
    {.method = "GET",
     .pattern = "/v1/cases/{id}/sar.html",
     .service = "risk",
     .scope = kernel::kScopeRiskRead,
     .build = BuildSarHtml},
    {.method = "GET",
     .pattern = "/v1/alerts",
     .service = "risk",
     .scope = kernel::kScopeRiskRead,
     .build = BuildListAlerts},
    {.method = "GET",
     .pattern = "/v1/alerts/{id}",
     .service = "risk",
     .scope = kernel::kScopeRiskRead,
     .build = BuildGetAlert},
    {.method = "GET",
     .pattern = "/v1/policies",
     .service = "risk",
     .scope = kernel::kScopeAdmin,
     .build = BuildListPolicies},
    {.method = "POST",
     .pattern = "/v1/policies",
     .service = "risk",
     .scope = kernel::kScopeAdmin,
     .build = BuildActivatePolicy},
    {.method = "POST",
     .pattern = "/v1/policies/dry-run",
     .service = "risk",
     .scope = kernel::kScopeAdmin,
     .build = BuildDryRunPolicy,
     .kind = RouteKind::kPolicyDryRun},
    {.method = "POST",
     .pattern = "/v1/screenings",
     .service = "risk",
     .scope = kernel::kScopeRiskWrite,
     .build = BuildScreen},
};

}  // namespace

std::span<const RouteSpec> RiskRoutes() { return kRoutes; }

}  // namespace cb::api
