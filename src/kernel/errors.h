#pragma once
// What a service answers, and the one table that turns a typed error into HTTP. Handlers
// name the kind of failure (not found, conflict, ...) and a stable `code`; the status and
// the error's `type` come from this table, so two services can never answer the same kind
// differently. The writer renders an answer once; idempotent replays send the same bytes.
#include <cstdint>
#include <string>
#include <string_view>

namespace cb::kernel {

struct Answer {
  uint16_t http_status = 200;
  std::string body;
};

enum class ErrorKind : uint8_t {
  kInvalidRequest,       // 400 invalid_request_error: malformed or missing input
  kUnauthenticated,      // 401 authentication_error
  kPermissionDenied,     // 403 permission_error: scope, role, consent
  kNotFound,             // 404 invalid_request_error (also: another tenant's object)
  kMethodNotAllowed,     // 405 invalid_request_error
  kConflict,             // 409 invalid_request_error: the state forbids it
  kIdempotencyConflict,  // 409 idempotency_error: a key reused with another request
  kUnsupportedMedia,     // 415 invalid_request_error
  kUnprocessable,        // 422 invalid_request_error: well-formed but refused by a rule
  kTransferRejected,     // 422 transfer_error: the ledger refused the money movement
  kRateLimited,          // 429 rate_limit_error
  kInternal,             // 500 api_error
  kUnavailable,          // 503 api_error: retry later
};

uint16_t HttpStatusOf(ErrorKind kind);
const char* ErrorTypeOf(ErrorKind kind);

// {"error":{"type","code","message","param","trace_id"}}; empty param/trace_id are null.
std::string ErrorBody(std::string_view type, std::string_view code, std::string_view message,
                      std::string_view param, std::string_view trace_id);
Answer ErrorAnswer(ErrorKind kind, std::string_view code, std::string_view message,
                   std::string_view param, std::string_view trace_id);

}  // namespace cb::kernel
