#include "api/json_keys.h"

#include <boost/json/basic_parser_impl.hpp>
#include <vector>

namespace cb::api {

namespace {

using boost::system::error_code;
using sv = boost::json::string_view;

// basic_parser callbacks: only keys matter. One key list per open object (arrays push an
// empty marker so that nesting pops in step).
struct KeyHandler {
  constexpr static std::size_t max_object_size = std::size_t(-1);
  constexpr static std::size_t max_array_size = std::size_t(-1);
  constexpr static std::size_t max_key_size = std::size_t(-1);
  constexpr static std::size_t max_string_size = std::size_t(-1);

  std::vector<std::vector<std::string>> objects;
  std::string key;
  std::optional<std::string> duplicate;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    objects.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    objects.pop_back();
    return true;
  }
  bool on_array_begin(error_code&) {
    objects.emplace_back();
    return true;
  }
  bool on_array_end(std::size_t, error_code&) {
    objects.pop_back();
    return true;
  }
  bool on_key_part(sv s, std::size_t, error_code&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(sv s, std::size_t, error_code& ec) {
    key.append(s.data(), s.size());
    std::vector<std::string>& keys = objects.back();
    for (const std::string& k : keys) {
      if (k == key) {
        duplicate = key;
        ec = boost::json::error::syntax;  // stop here; the caller reads `duplicate`
        return false;
      }
    }
    keys.push_back(std::move(key));
    key.clear();
    return true;
  }
  bool on_string_part(sv, std::size_t, error_code&) { return true; }
  bool on_string(sv, std::size_t, error_code&) { return true; }
  bool on_number_part(sv, error_code&) { return true; }
  bool on_int64(std::int64_t, sv, error_code&) { return true; }
  bool on_uint64(std::uint64_t, sv, error_code&) { return true; }
  bool on_double(double, sv, error_code&) { return true; }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(sv, error_code&) { return true; }
  bool on_comment(sv, error_code&) { return true; }
};

}  // namespace

std::optional<std::string> FindDuplicateKey(std::string_view json) {
  boost::json::parse_options options;
  options.max_depth = 64;
  boost::json::basic_parser<KeyHandler> parser(options);
  error_code ec;
  parser.write_some(false, json.data(), json.size(), ec);
  return std::move(parser.handler().duplicate);
}

}  // namespace cb::api
