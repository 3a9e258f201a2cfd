// libFuzzer target: the HTTP/1.1 request parser of the server (http/request_parser.h), which
// reads bytes from anyone who can open a connection. Byte 0 picks how the rest is cut into
// reads (the parser sees requests arrive in pieces, as from a socket); the rest is a stream of
// pipelined requests, each parsed by a fresh parser as the session does. For every request
// the parser accepts: the framing rules hold (one Content-Length of digits; Transfer-Encoding
// exactly "chunked", only on HTTP/1.1, never with Content-Length), the body is within its
// limit, and what it parsed is what the bytes said.
// Seeds: fuzz/corpus/http_request_fuzzer/.
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/check.h"
#include "http/request_parser.h"

namespace {

using cb::http::Request;
using cb::http::internal::HeaderValueIs;
using cb::http::internal::RequestParser;
namespace bhttp = boost::beast::http;

constexpr uint32_t kHeaderBytesMax = 4096;
constexpr uint32_t kBodyBytesMax = 8192;
constexpr int kRequestsMax = 16;  // pipelined requests per input

void CheckAccepted(const Request& request, const RequestParser& parser) {
  CB_CHECK(!request.method.empty());
  CB_CHECK(!request.target.empty());
  CB_CHECK(request.body.size() <= kBodyBytesMax);
  int content_lengths = 0, transfer_encodings = 0;
  for (const auto& h : request.headers) {
    if (HeaderValueIs(h.name, "Content-Length")) {
      content_lengths++;
      CB_CHECK(!h.value.empty());
      for (char c : h.value) CB_CHECK(c >= '0' && c <= '9');
      CB_CHECK(std::stoull(h.value) == request.body.size());
    }
    if (HeaderValueIs(h.name, "Transfer-Encoding")) {
      transfer_encodings++;
      CB_CHECK(HeaderValueIs(h.value, "chunked"));
    }
  }
  CB_CHECK(content_lengths <= 1);
  CB_CHECK(transfer_encodings <= 1);
  CB_CHECK(content_lengths + transfer_encodings <= 1);
  if (transfer_encodings == 1) CB_CHECK(parser.version() >= 11);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t chunk = 1 + data[0] % 64;  // bytes per read
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (int n = 0; n < kRequestsMax && !rest.empty(); n++) {
    Request request;
    RequestParser parser(request);
    parser.header_limit(kHeaderBytesMax);
    parser.body_limit(kBodyBytesMax);
    parser.eager(true);
    boost::beast::error_code ec;
    size_t used_total = 0;
    // Feed what has "arrived" so far; the parser consumes what it can (like the session's
    // flat buffer: unconsumed bytes stay and more are appended).
    size_t arrived = 0;
    while (!parser.is_done()) {
      arrived = std::min(rest.size(), arrived + chunk);
      const std::string_view window = rest.substr(used_total, arrived - used_total);
      const size_t used = parser.put(boost::asio::buffer(window.data(), window.size()), ec);
      CB_CHECK(used <= window.size());
      used_total += used;
      if (ec == bhttp::error::need_more) {
        ec = {};
        if (arrived == rest.size()) return 0;  // the input ends mid-request
        continue;
      }
      if (ec) return 0;  // refused: the session answers 400/413/431 and closes
      if (used == 0 && arrived == rest.size() && !parser.is_done()) return 0;
    }
    CheckAccepted(request, parser);
    rest.remove_prefix(used_total);
  }
  return 0;
}
