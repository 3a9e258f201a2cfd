#include "jose/internal.h"

#include <openssl/err.h>

#include "base/check.h"
#include "base/sha256.h"

namespace cb::jose::internal {

namespace json = boost::json;

ErrorQueueGuard::~ErrorQueueGuard() { ERR_clear_error(); }

const EVP_MD* Sha256Md() {
  static EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    CB_CHECK(m != nullptr);
    return m;
  }();
  return md;
}

Result<json::object> ParseJsonObject(std::string_view text, size_t bytes_max, const char* what) {
  if (text.size() > bytes_max) {
    return Status::ResourceExhausted(std::string(what) + " is larger than " +
                                     std::to_string(bytes_max) + " bytes");
  }
  json::parse_options opts;
  opts.max_depth = kJsonDepthMax;
  boost::system::error_code ec;
  // Duplicate member names: Boost.JSON keeps the last one, as RFC 7515 §5.2 allows.
  json::value value = json::parse(text, ec, {}, opts);
  if (ec) return Status::InvalidArgument(std::string(what) + " is not valid JSON");
  if (!value.is_object()) return Status::InvalidArgument(std::string(what) + " is not an object");
  return std::move(value.get_object());
}

Status OptionalString(const json::object& obj, std::string_view key, std::string* out) {
  out->clear();
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_string())
    return Status::InvalidArgument("\"" + std::string(key) + "\" is not a string");
  *out = std::string(v->get_string());
  return Status::Ok();
}

std::string ThumbprintOfCanonicalJson(std::string_view canonical_json) {
  const Hash256 digest = Sha256Of(canonical_json.data(), canonical_json.size());
  return Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

}  // namespace cb::jose::internal
