#pragma once
// Internal to src/http (and the HTTP fuzz target): the HTTP/1.1 request parser, Beast's
// basic_parser writing straight into a Request with our framing rules on top (one
// Content-Length of digits, Transfer-Encoding exactly "chunked" and only on HTTP/1.1, never
// both). Includes Beast: keep it out of widely included headers.
#include <algorithm>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/server.h"

namespace cb::http::internal {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// What a request body reserves before its bytes arrive: never what the client merely announces
// (a claimed 4 MiB body costs at most this until it is really sent).
inline size_t BodyReserveBytes(uint64_t announced_bytes) {
  constexpr uint64_t kBodyReserveBytesMax = 16 * 1024;
  return static_cast<size_t>(announced_bytes < kBodyReserveBytesMax ? announced_bytes
                                                                    : kBodyReserveBytesMax);
}

inline bool HeaderValueIs(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
  });
}

// Parses straight into a Request, with no beast::http::fields in between: the Request's own
// strings are the only per-request allocations of a read.
class RequestParser final : public bhttp::basic_parser<true> {
  using error_code = beast::error_code;

 public:
  explicit RequestParser(Request& request) : request_(request) {}

  int version() const { return version_; }
  bool is_head() const { return is_head_; }
  bool expect_continue() const { return expect_continue_; }

 private:
  void on_request_impl(bhttp::verb method, beast::string_view method_str, beast::string_view target,
                       int version, error_code& /*ec*/) override {
    request_.method.assign(method_str.data(), method_str.size());
    request_.target.assign(target.data(), target.size());
    version_ = version;
    is_head_ = method == bhttp::verb::head;
  }
  void on_response_impl(int /*code*/, beast::string_view /*reason*/, int /*version*/,
                        error_code& ec) override {
    ec = bhttp::error::bad_version;  // Unreachable: this is a request parser.
  }
  void on_field_impl(bhttp::field name, beast::string_view name_string, beast::string_view value,
                     error_code& ec) override {
    if (name == bhttp::field::expect) {
      expect_continue_ = HeaderValueIs({value.data(), value.size()}, "100-continue");
    }
    if (name == bhttp::field::transfer_encoding) {
      // Exactly one "chunked" and nothing else: any other coding or list is a way to make
      // a proxy in front and this parser disagree about where a request ends (smuggling).
      if (has_transfer_encoding_ || !HeaderValueIs({value.data(), value.size()}, "chunked")) {
        ec = bhttp::error::bad_transfer_encoding;
        return;
      }
      has_transfer_encoding_ = true;
    }
    if (name == bhttp::field::content_length) {
      // One Content-Length, digits only: "5, 5" or a second header is another way to
      // disagree with a proxy about where the body ends.
      const bool digits = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        return c >= '0' && c <= '9';
      });
      if (has_content_length_ || !digits) {
        ec = bhttp::error::bad_content_length;
        return;
      }
      has_content_length_ = true;
    }
    request_.headers.push_back(Header{.name = std::string(name_string.data(), name_string.size()),
                                      .value = std::string(value.data(), value.size())});
  }
  void on_header_impl(error_code& ec) override {
    // RFC 9112 6.3: both framings at once is a smuggling attempt, not a request; and HTTP/1.0
    // has no chunked coding (a 1.0 proxy would frame the body by the connection's end).
    if (has_transfer_encoding_ && (has_content_length_ || version_ < 11)) {
      ec = bhttp::error::bad_transfer_encoding;
    }
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& /*ec*/) override {
    if (content_length) request_.body.reserve(BodyReserveBytes(*content_length));
  }
  size_t on_body_impl(beast::string_view body, error_code& /*ec*/) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t /*size*/, beast::string_view /*extensions*/,
                            error_code& /*ec*/) override {}
  size_t on_chunk_body_impl(std::uint64_t /*remain*/, beast::string_view body,
                            error_code& /*ec*/) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code& /*ec*/) override {}

  Request& request_;
  int version_ = 11;
  bool is_head_ = false;
  bool expect_continue_ = false;
  bool has_transfer_encoding_ = false;
  bool has_content_length_ = false;
};

}  // namespace cb::http::internal
