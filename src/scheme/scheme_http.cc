// The scheme's routes (scheme_http.h).
#include "scheme/scheme_http.h"

#include <optional>
#include <string>
#include <utility>

#include "base/json_string.h"
#include "base/time.h"
#include "http/form.h"
#include "payments/iban.h"
#include "payments/iso20022.h"
#include "scheme/scheme_json.h"
#include "scheme/scheme_rules.h"

namespace cb::scheme {
namespace {

namespace iso = payments::iso;
using http::Request;
using http::Respond;
using http::Response;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kXml = "application/xml";
// Field bounds in bytes, before the builders count characters: 140 characters of UTF-8 are
// at most 560 bytes, 35 at most 140.
constexpr size_t kNameBytesMax = 560;
constexpr size_t kIdBytesMax = 140;

Response ErrorResponse(int status, std::string_view code, std::string_view message) {
  Response r;
  r.status = status;
  r.body = R"({"error":{"code":)";
  AppendJsonString(&r.body, code);
  r.body += R"(,"message":)";
  AppendJsonString(&r.body, message);
  r.body += "}}";
  if (status == 503) r.headers.push_back({"Retry-After", "1"});
  return r;
}

// The one table from StatusCode to HTTP.
Response FromStatus(const Status& st) {
  switch (st.code()) {
    case StatusCode::kInvalidArgument:
      return ErrorResponse(400, "invalid_request", st.message());
    case StatusCode::kNotFound:
      return ErrorResponse(404, "not_found", st.message());
    case StatusCode::kAlreadyExists:  // sandbox/returns: every such transfer returned
      return ErrorResponse(409, "already_returned", st.message());
    case StatusCode::kFailedPrecondition:
      return ErrorResponse(422, "failed_precondition", st.message());
    case StatusCode::kResourceExhausted:  // the data directory's limits
      return ErrorResponse(507, "storage_full", st.message());
    case StatusCode::kUnavailable:  // queue full, too many long polls, stopping
      return ErrorResponse(503, "unavailable", st.message());
    case StatusCode::kOk:
    case StatusCode::kAborted:
    case StatusCode::kDataLoss:
    case StatusCode::kInternal:
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
      break;
  }
  return ErrorResponse(500, "internal", st.message());
}

Response JsonResponse(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The media type without parameters, lower case ("Application/XML; charset=utf-8").
bool ContentTypeIs(const Request& request, std::string_view want) {
  std::string_view v = request.header("Content-Type");
  v = v.substr(0, v.find(';'));
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.size() != want.size()) return false;
  for (size_t i = 0; i < v.size(); i++) {
    const char c = v[i] >= 'A' && v[i] <= 'Z' ? static_cast<char>(v[i] + 32) : v[i];
    if (c != want[i]) return false;
  }
  return true;
}

Response WrongContentType(std::string_view want) {
  return ErrorResponse(415, "unsupported_media_type", "Content-Type must be " + std::string(want));
}

// Digits only, at most `max`.
std::optional<uint64_t> ParseUint(std::string_view text, uint64_t max) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

// The query's parameters, each at most once and each one of `known`.
Result<http::FormFields> ParseQuery(const Request& request,
                                    std::initializer_list<std::string_view> known) {
  http::FormFields fields;
  if (!http::ParseForm(request.query(), &fields)) {
    return Status::InvalidArgument("the query string is malformed");
  }
  for (size_t i = 0; i < fields.size(); i++) {
    const std::string& name = fields[i].first;
    bool is_known = false;
    for (std::string_view k : known) is_known |= name == k;
    if (!is_known) return Status::InvalidArgument(name + ": unknown query parameter");
    for (size_t j = 0; j < i; j++) {
      if (fields[j].first == name) return Status::InvalidArgument(name + ": given twice");
    }
  }
  return fields;
}

Status QueryUint(const http::FormFields& fields, std::string_view name, uint64_t min, uint64_t max,
                 uint64_t* out) {
  std::optional<std::string> text = http::FormValue(fields, name);
  if (!text) return Status::Ok();
  std::optional<uint64_t> v = ParseUint(*text, max);
  if (!v || *v < min) {
    return Status::InvalidArgument(std::string(name) + ": must be an integer from " +
                                   std::to_string(min) + " to " + std::to_string(max));
  }
  *out = *v;
  return Status::Ok();
}

Status QueryTime(const http::FormFields& fields, std::string_view name, TimestampNs* out) {
  std::optional<std::string> text = http::FormValue(fields, name);
  if (!text) return Status::InvalidArgument(std::string(name) + ": missing (RFC 3339)");
  std::optional<TimestampNs> t = ParseRfc3339(*text);
  if (!t) {
    return Status::InvalidArgument(std::string(name) +
                                   ": not an RFC 3339 time (a '+' offset is %2B in a query)");
  }
  *out = *t;
  return Status::Ok();
}

Result<std::string> IbanField(JsonFields* fields, std::string_view key) {
  std::string text;
  CB_RETURN_IF_ERROR(fields->String(key, true, payments::kIbanInputBytesMax, &text));
  Result<payments::Iban> iban = payments::ParseIban(text);
  if (!iban.ok()) return Status::InvalidArgument(std::string(key) + ": " + iban.status().message());
  return iban->electronic();
}

Result<InboundCreditRequest> DecodeInboundCredit(std::string_view body,
                                                 const SchemeConfig& config) {
  CB_ASSIGN_OR_RETURN(const auto object, ParseFlatJsonObject(body));
  JsonFields fields(object);
  InboundCreditRequest req;
  CB_ASSIGN_OR_RETURN(req.iban, IbanField(&fields, "iban"));
  std::string currency;
  CB_RETURN_IF_ERROR(fields.String("currency", false, 3, &currency));
  if (!currency.empty() && currency != config.rules.currency) {
    return Status::InvalidArgument("currency: the scheme settles " + config.rules.currency +
                                   " only");
  }
  std::string amount;
  CB_RETURN_IF_ERROR(fields.String("amount", true, 32, &amount));
  Result<int64_t> minor = iso::ParseDecimalAmount(amount, config.exponent);
  if (!minor.ok()) return Status::InvalidArgument("amount: " + minor.status().message());
  if (*minor <= 0) return Status::InvalidArgument("amount: must be more than zero");
  req.amount_minor = *minor;
  CB_RETURN_IF_ERROR(fields.String("debtor_name", true, kNameBytesMax, &req.debtor_name));
  CB_ASSIGN_OR_RETURN(req.debtor_iban, IbanField(&fields, "debtor_iban"));
  CB_RETURN_IF_ERROR(fields.String("debtor_bic", false, 11, &req.debtor_bic));
  CB_RETURN_IF_ERROR(fields.String("creditor_name", false, kNameBytesMax, &req.creditor_name));
  CB_RETURN_IF_ERROR(fields.String("end_to_end_id", false, kIdBytesMax, &req.end_to_end_id));
  CB_RETURN_IF_ERROR(fields.String("remittance", false, kNameBytesMax, &req.remittance));
  uint64_t copies = 1;
  CB_RETURN_IF_ERROR(fields.Uint("copies", 1, kCopiesMax, &copies));
  req.copies = static_cast<uint32_t>(copies);
  CB_RETURN_IF_ERROR(fields.NoUnknownFields());
  return req;
}

Result<ReturnRequest> DecodeReturn(std::string_view body) {
  CB_ASSIGN_OR_RETURN(const auto object, ParseFlatJsonObject(body));
  JsonFields fields(object);
  ReturnRequest req;
  CB_RETURN_IF_ERROR(
      fields.String("original_end_to_end_id", true, kIdBytesMax, &req.original_end_to_end_id));
  CB_RETURN_IF_ERROR(fields.String("reason_code", true, 4, &req.reason_code));
  if (!IsReasonCode(req.reason_code)) {
    return Status::InvalidArgument("reason_code: must be 4 characters of A-Z and 0-9 (AC04)");
  }
  CB_RETURN_IF_ERROR(fields.NoUnknownFields());
  return req;
}

std::string FeedJson(const FeedPage& page) {
  size_t bytes = 64;
  for (const FeedMessage& m : page.messages) bytes += 96 + m.xml.size() + m.xml.size() / 8;
  std::string out;
  out.reserve(bytes);
  out += R"({"object":"list","data":[)";
  for (size_t i = 0; i < page.messages.size(); i++) {
    const FeedMessage& m = page.messages[i];
    if (i > 0) out += ',';
    out += R"({"seq":)" + std::to_string(m.seq) + R"(,"message_type":)";
    AppendJsonString(&out, iso::MessageTypeName(m.type));
    out += R"(,"xml":)";
    AppendJsonString(&out, m.xml);
    out += '}';
  }
  out += R"(],"last_seq":)" + std::to_string(page.last_seq) + "}";
  return out;
}

}  // namespace

const SchemeHttpHandler::Route SchemeHttpHandler::kRoutes[] = {
    {"GET", "/healthz", &SchemeHttpHandler::Healthz},
    {"POST", "/v1/messages", &SchemeHttpHandler::PostMessage},
    {"GET", "/v1/messages", &SchemeHttpHandler::GetMessages},
    {"POST", "/v1/sandbox/inbound_credits", &SchemeHttpHandler::PostInboundCredit},
    {"POST", "/v1/sandbox/returns", &SchemeHttpHandler::PostReturn},
    {"GET", "/v1/statements/camt.053", &SchemeHttpHandler::GetStatement},
    {"GET", "/v1/notifications/camt.054", &SchemeHttpHandler::GetNotification},
};

void SchemeHttpHandler::Handle(Request&& request, Respond respond) {
  const std::string_view path = request.path();
  std::string allow;
  for (const Route& route : kRoutes) {
    if (route.path != path) continue;
    if (route.method == request.method) {
      (this->*route.handle)(std::move(request), std::move(respond));
      return;
    }
    if (!allow.empty()) allow += ", ";
    allow += route.method;
  }
  if (allow.empty()) {
    respond(ErrorResponse(404, "not_found", "no such route"));
    return;
  }
  Response r = ErrorResponse(405, "method_not_allowed", "use " + allow);
  r.headers.push_back({"Allow", allow});
  respond(std::move(r));
}

Response SchemeHttpHandler::RejectedResponse(int status, std::string_view code,
                                             std::string_view message) {
  return ErrorResponse(status, code, message);
}

void SchemeHttpHandler::Healthz(Request&& /*request*/, Respond&& respond) {
  respond(JsonResponse(200, R"({"status":"ok"})"));
}

void SchemeHttpHandler::PostMessage(Request&& request, Respond&& respond) {
  if (!ContentTypeIs(request, kXml)) return respond(WrongContentType(kXml));
  if (request.body.size() > kBodyBytesMax) {  // the server's cap, checked on our side too
    return respond(ErrorResponse(413, "body_too_large", "the body is over 1 MiB"));
  }
  Result<iso::CreditTransfer> transfer = iso::ParsePacs008(request.body);
  if (!transfer.ok()) {
    // Nothing is recorded: the participant must fix the message, not retry it.
    return respond(ErrorResponse(400, "invalid_message", transfer.status().message()));
  }
  TransferSubmission submission;
  submission.transfer = *std::move(transfer);
  submission.body_sha256 = Sha256Of(request.body.data(), request.body.size());
  submission.received_steady_ns = MonotonicNowNs();
  submission.xml = std::move(request.body);
  service_->SubmitTransfer(
      std::move(submission), [respond = std::move(respond)](Result<SubmitAnswer> answer) {
        if (!answer.ok()) return respond(FromStatus(answer.status()));
        if (answer->result == SubmitResult::kMessageIdReused) {
          return respond(ErrorResponse(409, "message_id_reused",
                                       "this MsgId was received with other content"));
        }
        const bool duplicate = answer->result == SubmitResult::kDuplicate;
        std::string body = R"({"message_id":)";
        AppendJsonString(&body, answer->message_id);
        body += R"(,"end_to_end_id":)";
        AppendJsonString(&body, answer->end_to_end_id);
        body += duplicate ? R"(,"duplicate":true})" : R"(,"duplicate":false})";
        respond(JsonResponse(duplicate ? 200 : 202, std::move(body)));
      });
}

void SchemeHttpHandler::GetMessages(Request&& request, Respond&& respond) {
  Result<http::FormFields> query = ParseQuery(request, {"after", "limit", "wait_ms"});
  if (!query.ok()) return respond(FromStatus(query.status()));
  uint64_t after = 0, limit = kFeedLimitDefault, wait_ms = 0;
  for (const Status& st : {QueryUint(*query, "after", 0, INT64_MAX, &after),
                           QueryUint(*query, "limit", 1, kFeedLimitMax, &limit),
                           QueryUint(*query, "wait_ms", 0, kWaitMsMax, &wait_ms)}) {
    if (!st.ok()) return respond(FromStatus(st));
  }
  service_->ReadFeed(after, static_cast<uint32_t>(limit), static_cast<uint32_t>(wait_ms),
                     [respond = std::move(respond)](Result<FeedPage> page) {
                       if (!page.ok()) return respond(FromStatus(page.status()));
                       respond(JsonResponse(200, FeedJson(*page)));
                     });
}

void SchemeHttpHandler::PostInboundCredit(Request&& request, Respond&& respond) {
  if (!ContentTypeIs(request, kJson)) return respond(WrongContentType(kJson));
  Result<InboundCreditRequest> credit = DecodeInboundCredit(request.body, config_);
  if (!credit.ok()) return respond(FromStatus(credit.status()));
  service_->InboundCredit(*std::move(credit),
                          [respond = std::move(respond)](Result<CreditAnswer> answer) {
                            if (!answer.ok()) return respond(FromStatus(answer.status()));
                            std::string body = R"({"message_id":)";
                            AppendJsonString(&body, answer->message_id);
                            body += R"(,"end_to_end_id":)";
                            AppendJsonString(&body, answer->end_to_end_id);
                            body += R"(,"seq":)" + std::to_string(answer->seq_first) + "}";
                            respond(JsonResponse(201, std::move(body)));
                          });
}

void SchemeHttpHandler::PostReturn(Request&& request, Respond&& respond) {
  if (!ContentTypeIs(request, kJson)) return respond(WrongContentType(kJson));
  Result<ReturnRequest> ret = DecodeReturn(request.body);
  if (!ret.ok()) return respond(FromStatus(ret.status()));
  service_->SandboxReturn(*std::move(ret),
                          [respond = std::move(respond)](Result<ReturnAnswer> answer) {
                            if (!answer.ok()) return respond(FromStatus(answer.status()));
                            std::string body = R"({"message_id":)";
                            AppendJsonString(&body, answer->message_id);
                            body += R"(,"original_message_id":)";
                            AppendJsonString(&body, answer->original_message_id);
                            body += R"(,"seq":)" + std::to_string(answer->seq) + "}";
                            respond(JsonResponse(201, std::move(body)));
                          });
}

void SchemeHttpHandler::GetStatement(Request&& request, Respond&& respond) {
  AccountReport(iso::MessageType::kCamt053, request, respond);
}

void SchemeHttpHandler::GetNotification(Request&& request, Respond&& respond) {
  AccountReport(iso::MessageType::kCamt054, request, respond);
}

void SchemeHttpHandler::AccountReport(iso::MessageType type, const Request& request,
                                      const Respond& respond) {
  Result<http::FormFields> query = ParseQuery(request, {"from", "to"});
  if (!query.ok()) return respond(FromStatus(query.status()));
  TimestampNs from = 0, to = 0;
  for (const Status& st : {QueryTime(*query, "from", &from), QueryTime(*query, "to", &to)}) {
    if (!st.ok()) return respond(FromStatus(st));
  }
  if (from > to) return respond(FromStatus(Status::InvalidArgument("from: after to")));
  // Built on this io thread: CPU only, and bounded by kCamtEntriesMax entries.
  Result<std::string> xml = service_->StatementXml(type, from, to);
  if (!xml.ok()) return respond(FromStatus(xml.status()));
  Response r;
  r.content_type = std::string(kXml);
  r.body = *std::move(xml);
  respond(std::move(r));
}

}  // namespace cb::scheme
