// The kyc module's /v1 routes: JSON decoding (Boost.JSON stays at the edge) into KycOp.
// Shapes and limits here; the service checks the customer, the graph and the rules.
#include <memory>

#include "api/decode_util.h"
#include "api/route_table.h"
#include "kernel/ids.h"
#include "modules/kyc/kyc_internal.h"
#include "risk/kyc/mrz.h"

namespace cb::modules::kyc {

namespace {

using api::BuiltOp;
using api::DecodeError;
using api::RouteCall;
using api::RouteSpec;
using api::detail::Fail;
using api::detail::ParseBody;
using api::detail::Reader;
namespace json = boost::json;

std::shared_ptr<KycOp> NewOp(const RouteCall& c) {
  auto op = std::make_shared<KycOp>();
  op->caller = c.principal;
  op->trace_id = c.trace_id;
  op->idempotency_key = c.idempotency_key;
  op->request_sha256 = c.request_sha256;
  return op;
}

bool Country(Reader& r, std::string_view key, bool required, std::string* out, DecodeError* err) {
  if (!r.String(key, required, 16, out)) return false;  // longer: a clear "alpha-2" 400
  if (out->empty()) return true;
  if (out->size() != 2 || (*out)[0] < 'A' || (*out)[0] > 'Z' || (*out)[1] < 'A' ||
      (*out)[1] > 'Z') {
    return Fail(err, "parameter_invalid", "An ISO 3166-1 alpha-2 code (\"GB\").", r.Param(key));
  }
  return true;
}

bool DateField(Reader& r, std::string_view key, Date* out, DecodeError* err) {
  std::string s;
  if (!r.String(key, false, 10, &s)) return false;
  if (!s.empty() && !ParseDate(s, out)) {
    return Fail(err, "parameter_invalid", "A date, YYYY-MM-DD.", r.Param(key));
  }
  return true;
}

// An object field, or null when absent; a non-object is a 400.
const json::object* Object(Reader& r, std::string_view key, DecodeError* err, bool* ok) {
  const json::value* v = r.Get(key);
  *ok = true;
  if (v == nullptr) return nullptr;
  if (!v->is_object()) *ok = Fail(err, "parameter_invalid", "Must be an object.", r.Param(key));
  return v->if_object();
}

const json::array* Array(Reader& r, std::string_view key, size_t items_max, DecodeError* err,
                         bool* ok) {
  const json::value* v = r.Get(key);
  *ok = true;
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    *ok = Fail(err, "parameter_invalid", "Must be an array.", r.Param(key));
    return nullptr;
  }
  if (v->get_array().size() > items_max) {
    *ok = Fail(err, "parameter_invalid", "At most " + std::to_string(items_max) + " items.",
               r.Param(key));
    return nullptr;
  }
  return &v->get_array();
}

// The MRZ as printed: 1-3 lines of at most 44 characters, "\n" or "\r\n" between them.
// Reader::String refuses control characters, so the newlines are checked here.
bool Mrz(Reader& r, std::string* out, DecodeError* err) {
  const json::value* v = r.Get("mrz");
  if (v == nullptr)
    return Fail(err, "parameter_missing", "Missing required field.", r.Param("mrz"));
  if (!v->is_string()) return Fail(err, "parameter_invalid", "Must be a string.", r.Param("mrz"));
  const json::string& s = v->get_string();
  if (s.size() > kMrzBytesMax) {
    return Fail(err, "string_too_long",
                "Must be at most " + std::to_string(kMrzBytesMax) + " bytes.", r.Param("mrz"));
  }
  size_t lines = 1, line_chars = 0;
  for (size_t i = 0; i < s.size(); i++) {
    const char c = s[i];
    if (c == '\n') {
      if (i + 1 < s.size()) lines++;
      line_chars = 0;
    } else if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') {
      continue;
    } else if (c < 0x20 || c > 0x7e) {
      return Fail(err, "parameter_invalid", "An MRZ is printable ASCII lines.", r.Param("mrz"));
    } else if (++line_chars > risk::kyc::kMrzLineLengthMax) {
      return Fail(err, "parameter_invalid", "An MRZ line has at most 44 characters.",
                  r.Param("mrz"));
    }
  }
  if (s.empty() || lines > risk::kyc::kMrzLineCountMax) {
    return Fail(err, "parameter_invalid", "An MRZ has 1 to 3 lines.", r.Param("mrz"));
  }
  out->assign(s.data(), s.size());
  return true;
}

bool CustomerParam(const RouteCall& c, kernel::CustomerId* out, DecodeError* err) {
  return api::detail::PathId(c.in, 0, kernel::prefix::kCustomer, out, err);
}

// POST /v1/customers/{id}/verifications
bool BuildVerify(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  VerifyOp v;
  if (!CustomerParam(c, &v.customer, err) || !api::detail::KnownQuery(c.in, {}, err)) return false;
  if (c.in.body.empty()) return Fail(err, "invalid_json", "The body must be a JSON object.", "");
  json::value body;
  if (!ParseBody(c.in.body, &body, err)) return false;
  Reader r(body.get_object(), "", err);
  bool ok = true;
  if (const json::object* doc = Object(r, "document", err, &ok)) {
    Reader d(*doc, "document.", err);
    if (!Mrz(d, &v.mrz, err) || !d.Finish()) return false;
  }
  if (!ok) return false;
  if (const json::object* addr = Object(r, "address", err, &ok)) {
    Address a;
    Reader d(*addr, "address.", err);
    if (!d.String("line1", true, kTextBytesMax, &a.line1) ||
        !d.String("line2", false, kTextBytesMax, &a.line2) ||
        !d.String("city", true, kTextBytesMax, &a.city) ||
        !d.String("postal_code", false, kTextBytesMax, &a.postal_code) ||
        !Country(d, "country", true, &a.country, err) ||
        !d.String("proof_ref", false, risk::kyc::kKycRefBytesMax, &a.proof_ref) || !d.Finish()) {
      return false;
    }
    v.address = std::move(a);
  }
  if (!ok || !DateField(r, "date_of_birth", &v.birth_date, err) ||
      !Country(r, "nationality", false, &v.nationality, err) || !r.Finish()) {
    return false;
  }
  v.id = kernel::RandomU128();
  auto op = NewOp(c);
  op->body = std::move(v);
  out->op = std::move(op);
  return true;
}

// GET /v1/verifications/{id}
bool BuildGet(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  GetVerificationOp g;
  if (!kernel::ParseId(c.in.path_params.at(0), kVerificationPrefix, &g.id)) {
    return Fail(err, "resource_not_found", "No such object.", "id", kernel::ErrorKind::kNotFound);
  }
  if (!api::detail::KnownQuery(c.in, {}, err)) return false;
  auto op = NewOp(c);
  op->body = g;
  out->op = std::move(op);
  return true;
}

// GET /v1/customers/{id}/verifications?limit=&cursor=c<n>
bool BuildList(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  ListVerificationsOp l;
  if (!CustomerParam(c, &l.customer, err) ||
      !api::detail::KnownQuery(c.in, {"limit", "cursor"}, err) ||
      !api::detail::Limit(c.in, &l.limit, err)) {
    return false;
  }
  if (auto it = c.in.query.find("cursor"); it != c.in.query.end()) {
    const std::string& s = it->second;
    const auto v = s.size() > 1 && s[0] == 'c' ? ParseU128(s.substr(1)) : std::nullopt;
    if (!v || *v > kVerificationsPerCustomerMax) {
      return Fail(err, "cursor_invalid", "Unknown cursor.", "cursor");
    }
    l.after = static_cast<uint32_t>(*v);
  }
  auto op = NewOp(c);
  op->body = l;
  out->op = std::move(op);
  return true;
}

bool Ref(Reader& r, std::string_view key, std::string* out, DecodeError* err) {
  if (!r.String(key, true, kRefBytesMax, out)) return false;
  for (char ch : *out) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.';
    if (!ok) {
      return Fail(err, "parameter_invalid", "A reference is 1-64 of A-Z a-z 0-9 _ - .",
                  r.Param(key));
    }
  }
  return true;
}

// PUT /v1/customers/{id}/ownership
bool BuildPutOwnership(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  PutOwnershipOp p;
  if (!CustomerParam(c, &p.customer, err) || !api::detail::KnownQuery(c.in, {}, err)) return false;
  if (c.in.body.empty()) return Fail(err, "invalid_json", "The body must be a JSON object.", "");
  json::value body;
  if (!ParseBody(c.in.body, &body, err)) return false;
  Reader r(body.get_object(), "", err);
  bool ok = true;
  const json::array* parties = Array(r, "parties", kPartiesMax, err, &ok);
  if (!ok) return false;
  if (parties == nullptr)
    return Fail(err, "parameter_missing", "Missing required field.", "parties");
  for (size_t i = 0; i < parties->size(); i++) {
    const std::string at = "parties[" + std::to_string(i) + "]";
    if (!(*parties)[i].is_object()) return Fail(err, "parameter_invalid", "Must be an object.", at);
    Reader d((*parties)[i].get_object(), at + ".", err);
    Party x;
    std::string type;
    if (!Ref(d, "ref", &x.ref, err) || !d.String("type", true, 16, &type)) return false;
    if (!ParsePartyType(type, &x.type)) {
      return Fail(err, "parameter_invalid",
                  "person, company, partnership, trust, foundation or other.", d.Param("type"));
    }
    if (!d.String("name", true, kTextBytesMax, &x.name) ||
        !DateField(d, "date_of_birth", &x.birth_date, err) ||
        !Country(d, "country", false, &x.country, err) || !d.Finish()) {
      return false;
    }
    p.parties.push_back(std::move(x));
  }
  if (const json::array* holdings = Array(r, "holdings", kHoldingsMax, err, &ok)) {
    for (size_t i = 0; i < holdings->size(); i++) {
      const std::string at = "holdings[" + std::to_string(i) + "]";
      if (!(*holdings)[i].is_object()) {
        return Fail(err, "parameter_invalid", "Must be an object.", at);
      }
      Reader d((*holdings)[i].get_object(), at + ".", err);
      Holding h;
      std::string share;
      if (!Ref(d, "owner", &h.owner, err) || !Ref(d, "owned", &h.owned, err) ||
          !d.String("share_percent", true, 8, &share) || !d.Finish()) {
        return false;
      }
      const std::optional<uint32_t> ppm = ParsePercentPpm(share);
      if (!ppm) {
        return Fail(err, "parameter_invalid",
                    "A percent above 0 and at most 100 with at most 4 decimals (\"33.3333\").",
                    d.Param("share_percent"));
      }
      h.share_ppm = *ppm;
      p.holdings.push_back(std::move(h));
    }
  }
  if (!ok) return false;
  if (const json::array* directors = Array(r, "directors", kDirectorsMax, err, &ok)) {
    for (size_t i = 0; i < directors->size(); i++) {
      const std::string at = "directors[" + std::to_string(i) + "]";
      const json::value& d = (*directors)[i];
      if (!d.is_string() || d.get_string().empty() || d.get_string().size() > kRefBytesMax) {
        return Fail(err, "parameter_invalid", "A party's ref.", at);
      }
      p.directors.emplace_back(d.get_string().data(), d.get_string().size());
    }
  }
  if (!ok || !r.Finish()) return false;
  auto op = NewOp(c);
  op->body = std::move(p);
  out->op = std::move(op);
  return true;
}

// GET /v1/customers/{id}/ownership
bool BuildGetOwnership(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  GetOwnershipOp g;
  if (!CustomerParam(c, &g.customer, err) || !api::detail::KnownQuery(c.in, {}, err)) return false;
  auto op = NewOp(c);
  op->body = g;
  out->op = std::move(op);
  return true;
}

constexpr RouteSpec kRoutes[] = {
    {.method = "POST",
     .pattern = "/v1/customers/{id}/verifications",
     .service = "kyc",
     .scope_name = kScopeWrite,
     .build = BuildVerify},
    {.method = "GET",
     .pattern = "/v1/customers/{id}/verifications",
     .service = "kyc",
     .scope_name = kScopeRead,
     .build = BuildList},
    {.method = "GET",
     .pattern = "/v1/verifications/{id}",
     .service = "kyc",
     .scope_name = kScopeRead,
     .build = BuildGet},
    {.method = "PUT",
     .pattern = "/v1/customers/{id}/ownership",
     .service = "kyc",
     .scope_name = kScopeWrite,
     .build = BuildPutOwnership},
    {.method = "GET",
     .pattern = "/v1/customers/{id}/ownership",
     .service = "kyc",
     .scope_name = kScopeRead,
     .build = BuildGetOwnership},
};

}  // namespace

std::span<const api::RouteSpec> Routes() { return kRoutes; }

}  // namespace cb::modules::kyc
