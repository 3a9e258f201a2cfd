#include "api/json_keys.h"

#include <boost/json/basic_parser_impl.hpp>
#include <unordered_set>
#include <vector>

namespace cb::api {

namespace {

using boost::system::error_code;
using sv = boost::json::string_view;

// The keys of one open object: a short list compared in place (the usual request object has
// a handful), a hash set once it grows, so a body of 100k keys costs O(keys), not O(keys^2).
class KeySet {
 public:
  static constexpr size_t kListMax = 16;
  // False if `key` is already there.
  bool Insert(std::string key) {
    if (set_.empty()) {
      for (const std::string& k : list_) {
        if (k == key) return false;
      }
      if (list_.size() < kListMax) {
        list_.push_back(std::move(key));
        return true;
      }
      set_.insert(std::make_move_iterator(list_.begin()), std::make_move_iterator(list_.end()));
      list_.clear();
    }
    return set_.insert(std::move(key)).second;
  }

 private:
  std::vector<std::string> list_;
  std::unordered_set<std::string> set_;
};

// basic_parser callbacks: only keys matter. One key set per open object (arrays push an
// empty one so that nesting pops in step).
struct KeyHandler {
  constexpr static std::size_t max_object_size = std::size_t(-1);
  constexpr static std::size_t max_array_size = std::size_t(-1);
  constexpr static std::size_t max_key_size = std::size_t(-1);
  constexpr static std::size_t max_string_size = std::size_t(-1);

  std::vector<KeySet> objects;
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
    if (!objects.back().Insert(key)) {
      duplicate = key;
      ec = boost::json::error::syntax;  // stop here; the caller reads `duplicate`
      return false;
    }
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

size_t CountKeysInText(std::string_view json) {
  size_t keys = 0;
  for (size_t i = 0; i < json.size(); i++) {
    if (json[i] != '"') continue;
    // A string: skip to its closing quote (escapes never end it).
    for (i++; i < json.size() && json[i] != '"'; i++) {
      if (json[i] == '\\') i++;
    }
    size_t j = i + 1;
    while (j < json.size() &&
           (json[j] == ' ' || json[j] == '\t' || json[j] == '\n' || json[j] == '\r')) {
      j++;
    }
    if (j < json.size() && json[j] == ':') keys++;
  }
  return keys;
}

}  // namespace cb::api
