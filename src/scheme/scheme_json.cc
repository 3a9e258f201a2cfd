// Flat JSON objects (scheme_json.h), through Boost.JSON's SAX parser: no DOM, and the limits
// apply while parsing.
#include "scheme/scheme_json.h"

#include <boost/json/basic_parser_impl.hpp>

#include "base/json_string.h"

namespace cb::scheme {
namespace {

using boost::system::error_code;
using sv = boost::json::string_view;

struct FlatHandler {
  constexpr static std::size_t max_object_size = kJsonKeysMax;
  constexpr static std::size_t max_array_size = 0;
  constexpr static std::size_t max_key_size = kJsonKeyBytesMax;
  constexpr static std::size_t max_string_size = kJsonStringBytesMax;

  std::map<std::string, JsonScalar> fields;
  std::string key;
  std::string text;
  int depth = 0;
  std::string problem;  // set with a refusal, read by the caller

  bool Refuse(std::string why, error_code& ec) {
    problem = std::move(why);
    ec = boost::json::error::syntax;
    return false;
  }
  bool Put(JsonScalar value, error_code& ec) {
    if (depth != 1) return Refuse("the body must be a JSON object", ec);
    if (!fields.emplace(key, std::move(value)).second) {
      return Refuse("field '" + key + "' appears twice", ec);
    }
    key.clear();
    return true;
  }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code& ec) {
    if (++depth > 1) return Refuse("field '" + key + "': nested objects are not accepted", ec);
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    depth--;
    return true;
  }
  bool on_array_begin(error_code& ec) {
    return Refuse(depth == 0 ? "the body must be a JSON object"
                             : "field '" + key + "': arrays are not accepted",
                  ec);
  }
  bool on_array_end(std::size_t, error_code&) { return true; }
  bool on_key_part(sv s, std::size_t, error_code&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(sv s, std::size_t, error_code&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_string_part(sv s, std::size_t, error_code&) {
    text.append(s.data(), s.size());
    return true;
  }
  bool on_string(sv s, std::size_t, error_code& ec) {
    text.append(s.data(), s.size());
    JsonScalar v;
    v.kind = JsonScalar::Kind::kString;
    v.text = std::move(text);
    text.clear();
    return Put(std::move(v), ec);
  }
  bool on_number_part(sv, error_code&) { return true; }
  bool on_int64(int64_t i, sv, error_code& ec) {
    JsonScalar v;
    v.kind = JsonScalar::Kind::kInteger;
    v.negative = i < 0;
    v.magnitude = i < 0 ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
    return Put(std::move(v), ec);
  }
  bool on_uint64(uint64_t u, sv, error_code& ec) {
    JsonScalar v;
    v.kind = JsonScalar::Kind::kInteger;
    v.magnitude = u;
    return Put(std::move(v), ec);
  }
  bool on_double(double, sv, error_code& ec) {
    // Exactness: an amount is a decimal string; a count is an integer.
    return Refuse("field '" + key + "': numbers with a fraction or an exponent are not accepted",
                  ec);
  }
  bool on_bool(bool b, error_code& ec) {
    JsonScalar v;
    v.kind = JsonScalar::Kind::kBool;
    v.boolean = b;
    return Put(std::move(v), ec);
  }
  bool on_null(error_code& ec) { return Put(JsonScalar{}, ec); }
  bool on_comment_part(sv, error_code&) { return true; }
  bool on_comment(sv, error_code&) { return true; }
};

}  // namespace

Result<std::map<std::string, JsonScalar>> ParseFlatJsonObject(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = 2;  // an object, and (refused with a name) whatever nests in it
  boost::json::basic_parser<FlatHandler> parser(options);
  error_code ec;
  const size_t used = parser.write_some(false, text.data(), text.size(), ec);
  FlatHandler& h = parser.handler();
  if (!h.problem.empty()) return Status::InvalidArgument("body: " + h.problem);
  if (ec) {
    return Status::InvalidArgument("body: not valid JSON (" + ec.message() + " at byte " +
                                   std::to_string(used) + ")");
  }
  // write_some stops after one document: anything after it is not ours to ignore.
  if (used != text.size()) {
    return Status::InvalidArgument("body: not valid JSON (data after the object at byte " +
                                   std::to_string(used) + ")");
  }
  return std::move(h.fields);
}

const JsonScalar* JsonFields::Get(std::string_view key) {
  used_.emplace(key);
  auto it = fields_.find(std::string(key));
  if (it == fields_.end() || it->second.kind == JsonScalar::Kind::kNull) return nullptr;
  return &it->second;
}

Status JsonFields::String(std::string_view key, bool required, size_t bytes_max, std::string* out) {
  const JsonScalar* v = Get(key);
  const std::string name(key);
  if (v == nullptr) {
    if (required) return Status::InvalidArgument(name + ": missing");
    out->clear();
    return Status::Ok();
  }
  if (v->kind != JsonScalar::Kind::kString) return Status::InvalidArgument(name + ": not a string");
  if (v->text.empty()) return Status::InvalidArgument(name + ": empty");
  if (v->text.size() > bytes_max) {
    return Status::InvalidArgument(name + ": longer than " + std::to_string(bytes_max) + " bytes");
  }
  if (!IsValidUtf8(v->text)) return Status::InvalidArgument(name + ": not valid UTF-8");
  for (char c : v->text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(name + ": control characters are not accepted");
    }
  }
  *out = v->text;
  return Status::Ok();
}

Status JsonFields::Uint(std::string_view key, uint64_t min, uint64_t max, uint64_t* out) {
  const JsonScalar* v = Get(key);
  if (v == nullptr) return Status::Ok();
  const std::string name(key);
  if (v->kind != JsonScalar::Kind::kInteger || v->negative || v->magnitude < min ||
      v->magnitude > max) {
    return Status::InvalidArgument(name + ": must be an integer from " + std::to_string(min) +
                                   " to " + std::to_string(max));
  }
  *out = v->magnitude;
  return Status::Ok();
}

Status JsonFields::NoUnknownFields() const {
  for (const auto& [key, value] : fields_) {
    if (!used_.contains(key)) return Status::InvalidArgument(key + ": unknown field");
  }
  return Status::Ok();
}

}  // namespace cb::scheme
