#include "kernel/errors.h"

#include "base/check.h"
#include "base/json_string.h"

namespace cb::kernel {

namespace {
struct Row {
  ErrorKind kind;
  uint16_t http_status;
  const char* type;
};
// The table. Order follows the enum; a test checks every kind has its row.
constexpr Row kRows[] = {
    {ErrorKind::kInvalidRequest, 400, "invalid_request_error"},
    {ErrorKind::kUnauthenticated, 401, "authentication_error"},
    {ErrorKind::kPermissionDenied, 403, "permission_error"},
    {ErrorKind::kNotFound, 404, "invalid_request_error"},
    {ErrorKind::kMethodNotAllowed, 405, "invalid_request_error"},
    {ErrorKind::kConflict, 409, "invalid_request_error"},
    {ErrorKind::kIdempotencyConflict, 409, "idempotency_error"},
    {ErrorKind::kUnsupportedMedia, 415, "invalid_request_error"},
    {ErrorKind::kUnprocessable, 422, "invalid_request_error"},
    {ErrorKind::kTransferRejected, 422, "transfer_error"},
    {ErrorKind::kRateLimited, 429, "rate_limit_error"},
    {ErrorKind::kInternal, 500, "api_error"},
    {ErrorKind::kUnavailable, 503, "api_error"},
};

void AppendJsonStringOrNull(std::string* out, std::string_view s) {
  if (s.empty()) {
    out->append("null");
  } else {
    AppendJsonString(out, s);
  }
}

const Row& RowOf(ErrorKind kind) {
  const size_t i = static_cast<size_t>(kind);
  CB_CHECK(i < std::size(kRows));
  CB_CHECK(kRows[i].kind == kind);
  return kRows[i];
}
}  // namespace

uint16_t HttpStatusOf(ErrorKind kind) { return RowOf(kind).http_status; }
const char* ErrorTypeOf(ErrorKind kind) { return RowOf(kind).type; }

std::string ErrorBody(std::string_view type, std::string_view code, std::string_view message,
                      std::string_view param, std::string_view trace_id) {
  std::string out = R"({"error":{"type":)";
  AppendJsonString(&out, type);
  out += R"(,"code":)";
  AppendJsonString(&out, code);
  out += R"(,"message":)";
  AppendJsonString(&out, message);
  out += R"(,"param":)";
  AppendJsonStringOrNull(&out, param);
  out += R"(,"trace_id":)";
  AppendJsonStringOrNull(&out, trace_id);
  out += "}}";
  return out;
}

Answer ErrorAnswer(ErrorKind kind, std::string_view code, std::string_view message,
                   std::string_view param, std::string_view trace_id) {
  const Row& row = RowOf(kind);
  return Answer{row.http_status, ErrorBody(row.type, code, message, param, trace_id)};
}

}  // namespace cb::kernel
