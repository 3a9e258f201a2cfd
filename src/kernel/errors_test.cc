#include "kernel/errors.h"

#include <gtest/gtest.h>

namespace cb::kernel {
namespace {

// The table is the API's contract: these pairs are in api/openapi.yaml and in recorded
// idempotent answers, which replay byte for byte.
TEST(ErrorsTest, EveryKindMapsToItsDocumentedStatusAndType) {
  struct Want {
    ErrorKind kind;
    uint16_t status;
    const char* type;
  };
  const Want want[] = {
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
  for (const Want& w : want) {
    EXPECT_EQ(HttpStatusOf(w.kind), w.status);
    EXPECT_STREQ(ErrorTypeOf(w.kind), w.type);
  }
}

TEST(ErrorsTest, AnswerBodyIsTheDocumentedShape) {
  const Answer a = ErrorAnswer(ErrorKind::kNotFound, "account_not_found", "account \"x\" not found",
                               "id", "trace-1");
  EXPECT_EQ(a.http_status, 404);
  EXPECT_EQ(a.body, R"({"error":{"type":"invalid_request_error","code":"account_not_found",)"
                    R"("message":"account \"x\" not found","param":"id","trace_id":"trace-1"}})");
  const Answer b = ErrorAnswer(ErrorKind::kUnavailable, "overloaded", "Busy.", "", "");
  EXPECT_EQ(b.http_status, 503);
  EXPECT_EQ(b.body,
            R"({"error":{"type":"api_error","code":"overloaded","message":"Busy.","param":null,)"
            R"("trace_id":null}})");
}

}  // namespace
}  // namespace cb::kernel
