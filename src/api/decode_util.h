#pragma once
// JSON request decoding helpers shared by the /v1 decoders (decode.cc, identity_routes.cc):
// a field reader that reports unknown fields, path ids, list limits and cursors, time
// parameters. Only the edge includes this: src/api and the modules' route files
// (src/modules/*/ *_routes.cc); Boost.JSON never reaches a service's core.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "api/decode.h"
#include "api/json_keys.h"
#include "base/json_string.h"
#include "kernel/money.h"
#include "ledger/currency.h"
#include "platform/ids.h"

namespace cb::api::detail {

namespace json = boost::json;
using kernel::ParseAmount;
using kernel::ParseId;

constexpr uint32_t kListLimitMax = 100;

inline bool Fail(DecodeError* err, std::string code, std::string message, std::string param,
                 kernel::ErrorKind kind = kernel::ErrorKind::kInvalidRequest) {
  *err = DecodeError{kind, std::move(code), std::move(message), std::move(param)};
  return false;
}

// Reads the fields of one JSON object, remembering which were used so that anything else
// is reported as an unknown field.
class Reader {
 public:
  Reader(const json::object& obj, std::string prefix, DecodeError* err)
      : obj_(obj), prefix_(std::move(prefix)), err_(err) {}

  std::string Param(std::string_view key) const { return prefix_ + std::string(key); }

  const json::value* Get(std::string_view key) {
    used_.push_back(key);
    const json::value* v = obj_.if_contains(key);
    return v != nullptr && v->is_null() ? nullptr : v;
  }

  bool String(std::string_view key, bool required, size_t chars_max, std::string* out) {
    const json::value* v = Get(key);
    if (v == nullptr) {
      return !required || Fail(err_, "parameter_missing", "Missing required field.", Param(key));
    }
    if (!v->is_string()) return Fail(err_, "parameter_invalid", "Must be a string.", Param(key));
    const json::string& s = v->get_string();
    if (s.size() > chars_max) {
      return Fail(err_, "string_too_long",
                  "Must be at most " + std::to_string(chars_max) + " bytes.", Param(key));
    }
    if (!IsValidUtf8({s.data(), s.size()})) {
      return Fail(err_, "parameter_invalid", "Must be valid UTF-8.", Param(key));
    }
    for (char c : s) {
      if (static_cast<unsigned char>(c) < 0x20) {
        return Fail(err_, "parameter_invalid", "Must not contain control characters.", Param(key));
      }
    }
    if (required && s.empty()) {
      return Fail(err_, "parameter_invalid", "Must not be empty.", Param(key));
    }
    out->assign(s.data(), s.size());
    return true;
  }

  bool Bool(std::string_view key, bool* out) {
    const json::value* v = Get(key);
    if (v == nullptr) return true;
    if (!v->is_bool()) return Fail(err_, "parameter_invalid", "Must be true or false.", Param(key));
    *out = v->get_bool();
    return true;
  }

  bool Uint(std::string_view key, bool* present, uint64_t max, uint64_t* out) {
    const json::value* v = Get(key);
    *present = v != nullptr;
    if (v == nullptr) return true;
    uint64_t x = 0;
    if (v->is_uint64()) {
      x = v->get_uint64();
    } else if (v->is_int64() && v->get_int64() >= 0) {
      x = static_cast<uint64_t>(v->get_int64());
    } else {
      return Fail(err_, "parameter_invalid", "Must be a non-negative integer.", Param(key));
    }
    if (x > max) {
      return Fail(err_, "parameter_invalid", "Must be at most " + std::to_string(max) + ".",
                  Param(key));
    }
    *out = x;
    return true;
  }

  template <typename Id>
  bool IdField(std::string_view key, std::string_view prefix, bool required, Id* out) {
    std::string s;
    if (!String(key, required, 64, &s)) return false;
    if (s.empty()) return true;
    if (!ParseId(s, prefix, &out->value)) {
      return Fail(err_, "parameter_invalid",
                  "Must be an id starting with '" + std::string(prefix) + "'.", Param(key));
    }
    return true;
  }

  // Currency then amount, exact at the currency's scale.
  bool Money(u128* amount, std::string* currency, bool amount_required = true) {
    if (!String("currency", true, 3, currency)) return false;
    const auto info = ledger::FindCurrency(*currency);
    if (!info) {
      return Fail(err_, "currency_unknown", "Not an ISO 4217 currency code.", Param("currency"));
    }
    std::string text;
    if (!String("amount", amount_required, kernel::kAmountCharsMax, &text)) return false;
    if (text.empty()) return true;
    auto parsed = kernel::ParseAmount(text, info->scale);
    if (!parsed.ok()) {
      return Fail(err_, "amount_invalid", parsed.status().message(), Param("amount"));
    }
    *amount = *parsed;
    return true;
  }

  bool Finish() {
    for (const auto& kv : obj_) {
      bool known = false;
      for (std::string_view k : used_) known = known || k == kv.key();
      if (!known) {
        return Fail(err_, "unknown_field", "Unknown field.", Param(std::string(kv.key())));
      }
    }
    return true;
  }

 private:
  const json::object& obj_;
  std::string prefix_;
  DecodeError* err_;
  std::vector<std::string_view> used_;
};

// Keys of every object in a parsed value (duplicates already dropped by the parser). The
// depth is bounded by the parse (max_depth), and so is the explicit stack.
inline size_t CountKeysInDom(const json::value& root) {
  size_t keys = 0;
  std::vector<const json::value*> stack = {&root};
  while (!stack.empty()) {
    const json::value* v = stack.back();
    stack.pop_back();
    if (const json::object* o = v->if_object()) {
      keys += o->size();
      for (const auto& kv : *o) {
        if (kv.value().is_structured()) stack.push_back(&kv.value());
      }
    } else if (const json::array* a = v->if_array()) {
      for (const json::value& item : *a) {
        if (item.is_structured()) stack.push_back(&item);
      }
    }
  }
  return keys;
}

inline bool ParseBody(std::string_view body, json::value* out, DecodeError* err) {
  json::parse_options opts;
  opts.max_depth = 16;
  boost::system::error_code ec;
  *out = json::parse(body, ec, {}, opts);
  if (ec) return Fail(err, "invalid_json", "The body is not valid JSON: " + ec.message(), "");
  if (!out->is_object()) return Fail(err, "invalid_json", "The body must be a JSON object.", "");
  // Boost.JSON keeps the last of two equal keys; refuse them. The DOM's key count against
  // the text's clears a normal body cheaply; a mismatch is a duplicate, found by name.
  if (CountKeysInDom(*out) != CountKeysInText(body)) {
    std::optional<std::string> dup = FindDuplicateKey(body);
    return Fail(err, "invalid_json", "The body has a key twice in one object.",
                dup ? *std::move(dup) : std::string());
  }
  return true;
}

inline bool NoBody(const RouteInput& in, DecodeError* err) {
  if (in.body.empty()) return true;
  json::value v;
  if (!ParseBody(in.body, &v, err)) return false;
  DecodeError dummy;
  Reader r(v.get_object(), "", err);
  return r.Finish();
}

// Parses the body as a JSON object and declares `Reader var` over it (returns on error).
#define CB_DECODE_BODY(in, err, var)                          \
  json::value var##_value;                                    \
  if (!ParseBody((in).body, &var##_value, err)) return false; \
  Reader var(var##_value.get_object(), "", err)

template <typename Id>
inline bool PathId(const RouteInput& in, size_t i, std::string_view prefix, Id* out,
                   DecodeError* err) {
  if (!ParseId(in.path_params.at(i), prefix, &out->value)) {
    // A malformed id cannot name anything: the same 404 as a missing one.
    return Fail(err, "resource_not_found", "No such object.", "id", kernel::ErrorKind::kNotFound);
  }
  return true;
}

inline bool Limit(const RouteInput& in, uint32_t* out, DecodeError* err) {
  auto it = in.query.find("limit");
  if (it == in.query.end()) return true;
  const auto v = ParseU128(it->second);
  if (!v || *v < 1 || *v > kListLimitMax) {
    return Fail(err, "limit_invalid", "limit must be an integer from 1 to 100.", "limit");
  }
  *out = static_cast<uint32_t>(*v);
  return true;
}

inline bool KnownQuery(const RouteInput& in, std::initializer_list<std::string_view> allowed,
                       DecodeError* err) {
  for (const auto& [k, v] : in.query) {
    bool ok = false;
    for (std::string_view a : allowed) ok = ok || a == k;
    if (!ok) return Fail(err, "unknown_field", "Unknown query parameter.", k);
  }
  return true;
}

template <typename Id>
inline bool Cursor(const RouteInput& in, std::string_view prefix, std::optional<Id>* out,
                   DecodeError* err) {
  auto it = in.query.find("cursor");
  if (it == in.query.end()) return true;
  Id id;
  if (!ParseId(it->second, prefix, &id.value)) {
    return Fail(err, "cursor_invalid", "Unknown cursor.", "cursor");
  }
  *out = id;
  return true;
}

inline bool TimeParam(const RouteInput& in, std::string_view key, std::optional<TimestampNs>* out,
                      DecodeError* err) {
  auto it = in.query.find(std::string(key));
  if (it == in.query.end()) return true;
  const auto ts = ParseRfc3339(it->second);
  if (!ts)
    return Fail(err, "parameter_invalid", "Must be an RFC 3339 timestamp.", std::string(key));
  *out = *ts;
  return true;
}

// History pages: from/to (RFC 3339) and a cursor "t<ns>" that continues after an entry.
inline bool TimeRange(const RouteInput& in, TimestampNs* from, TimestampNs* to, DecodeError* err) {
  std::optional<TimestampNs> f, t;
  if (!TimeParam(in, "from", &f, err) || !TimeParam(in, "to", &t, err)) return false;
  if (f) *from = *f;
  if (t) *to = *t;
  auto it = in.query.find("cursor");
  if (it != in.query.end()) {
    const std::string& c = it->second;
    const auto v = c.size() > 1 && c[0] == 't' ? ParseU128(std::string_view(c).substr(1))
                                               : std::optional<u128>();
    if (!v || *v >= UINT64_MAX) return Fail(err, "cursor_invalid", "Unknown cursor.", "cursor");
    *from = std::max<TimestampNs>(*from, static_cast<TimestampNs>(*v) + 1);
  }
  if (*from > *to) return Fail(err, "parameter_invalid", "from must not be after to.", "from");
  return true;
}

}  // namespace cb::api::detail
