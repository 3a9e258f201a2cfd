// /v1 routes of the risk service (src/risk): decisions, cases (holds), policy bundles.
// Shape checks only; the service checks state.
#include <algorithm>
#include <memory>

#include "api/decode_util.h"
#include "api/route_table.h"
#include "risk/ops.h"

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

// GET /v1/cases?status=open|closed&limit=&cursor=c<order>
bool BuildListCases(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  risk::ListCasesOp l;
  if (!detail::KnownQuery(c.in, {"status", "limit", "cursor"}, err) ||
      !detail::Limit(c.in, &l.limit, err)) {
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
  if (auto it = c.in.query.find("cursor"); it != c.in.query.end()) {
    const std::string& s = it->second;
    const auto v = s.size() > 1 && s[0] == 'c' ? ParseU128(s.substr(1)) : std::nullopt;
    if (!v || *v > UINT32_MAX) return Fail(err, "cursor_invalid", "Unknown cursor.", "cursor");
    l.after = static_cast<uint32_t>(*v);
  }
  auto op = NewOp(c);
  op->body = l;
  out->op = std::move(op);
  return true;
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
};

}  // namespace

std::span<const RouteSpec> RiskRoutes() { return kRoutes; }

}  // namespace cb::api
