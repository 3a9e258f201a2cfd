#pragma once
// A small blocking HTTP/1.1 client for the server's own outbound calls (a clearing scheme,
// issue 15): plain http:// to a configured peer, one kept-alive connection, a deadline on
// every call, bounded answers. Not for user-supplied URLs (webhooks need SSRF rules first).
// One thread uses an HttpClient at a time.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace cb::http {

struct ClientResponse {
  unsigned status = 0;
  std::string body;
};

class HttpClient {
 public:
  // `base_url`: "http://host:port" (no path; IPv4, IPv6 in brackets, or a name).
  static Result<std::unique_ptr<HttpClient>> Create(std::string_view base_url);
  ~HttpClient();

  // One request on the kept-alive connection (reconnecting when it was closed). Unavailable
  // for connection failures and DeadlineExceeded past `timeout_ms`; then the connection is
  // dropped. Answers longer than `body_bytes_max` are ResourceExhausted.
  // `headers`: more request headers (name, value), e.g. Authorization.
  Result<ClientResponse> Call(std::string_view method, std::string_view target,
                              std::string_view body, std::string_view content_type,
                              uint32_t timeout_ms, size_t body_bytes_max = 4u << 20,
                              const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cb::http
