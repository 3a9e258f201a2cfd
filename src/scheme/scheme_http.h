#pragma once
// The scheme's HTTP routes (docs/payments/scheme.md) on the project's server (http/server.h):
// one table from method and path to a handler that decodes, calls the SchemeService and
// encodes. Errors are {"error":{"code","message"}}; StatusCode maps to HTTP in one table.
#include <cstddef>
#include <string_view>

#include "http/server.h"
#include "scheme/scheme_decide.h"
#include "scheme/scheme_service.h"

namespace cb::scheme {

// Any request body: a pacs.008 is a few KiB; the server answers 413 past this.
inline constexpr size_t kBodyBytesMax = size_t{1} << 20;
// GET /v1/messages: limit 1..kFeedLimitMax (default kFeedLimitDefault), wait_ms up to
// kWaitMsMax (the server's request timeout leaves room for it).
inline constexpr uint32_t kFeedLimitMax = 1000;
inline constexpr uint32_t kFeedLimitDefault = 100;
inline constexpr uint32_t kWaitMsMax = 30'000;

class SchemeHttpHandler final : public http::Handler {
 public:
  // `service` must outlive the handler; `config` gives the currency amounts are read in.
  SchemeHttpHandler(SchemeService* service, const SchemeConfig& config)
      : service_(service), config_(config) {}

  void Handle(http::Request&& request, http::Respond respond) override;
  http::Response RejectedResponse(int status, std::string_view code,
                                  std::string_view message) override;

 private:
  void Healthz(http::Request&& request, http::Respond&& respond);
  void PostMessage(http::Request&& request, http::Respond&& respond);
  void GetMessages(http::Request&& request, http::Respond&& respond);
  void PostInboundCredit(http::Request&& request, http::Respond&& respond);
  void PostReturn(http::Request&& request, http::Respond&& respond);
  void GetStatement(http::Request&& request, http::Respond&& respond);
  void GetNotification(http::Request&& request, http::Respond&& respond);
  void AccountReport(payments::iso::MessageType type, const http::Request& request,
                     const http::Respond& respond);

  struct Route {
    std::string_view method;
    std::string_view path;
    void (SchemeHttpHandler::*handle)(http::Request&&, http::Respond&&);
  };
  static const Route kRoutes[];

  SchemeService* service_;
  const SchemeConfig config_;
};

}  // namespace cb::scheme
