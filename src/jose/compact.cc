// JWS compact serialization (RFC 7515 §7.1): decode without crypto, encode, sign ES256.
#include "base/check.h"
#include "base/json_string.h"
#include "jose/internal.h"

namespace cb::jose {

namespace json = boost::json;

Result<CompactJws> DecodeCompact(std::string_view token) {
  if (token.size() > kCompactBytesMax) {
    return Status::ResourceExhausted("JWS is larger than " + std::to_string(kCompactBytesMax) +
                                     " bytes");
  }
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return Status::InvalidArgument("JWS is not three parts");
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return Status::InvalidArgument("JWS is not three parts");
  if (token.find('.', dot2 + 1) != std::string_view::npos) {
    return Status::InvalidArgument("JWS is not three parts");
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);

  CompactJws out;
  std::optional<std::string> header = Base64UrlDecode(header_b64);
  if (!header) return Status::InvalidArgument("JWS header is not base64url");
  std::optional<std::string> payload = Base64UrlDecode(payload_b64);
  if (!payload) return Status::InvalidArgument("JWS payload is not base64url");
  std::optional<std::string> signature = Base64UrlDecode(signature_b64);
  if (!signature) return Status::InvalidArgument("JWS signature is not base64url");
  // No algorithm we accept has an empty signature ("none" is refused).
  if (signature->empty()) return Status::InvalidArgument("JWS signature is empty");

  CB_ASSIGN_OR_RETURN(json::object header_obj,
                      internal::ParseJsonObject(*header, kCompactBytesMax, "JWS header"));
  const json::value* alg = header_obj.if_contains("alg");
  if (alg == nullptr || !alg->is_string()) {
    return Status::InvalidArgument("JWS header needs a string \"alg\"");
  }
  // RFC 7515 §4.1.11: we understand no extension, so any "crit" makes the JWS invalid.
  if (header_obj.contains("crit")) return Status::InvalidArgument("JWS header has \"crit\"");
  out.alg = std::string(alg->get_string());
  CB_RETURN_IF_ERROR(internal::OptionalString(header_obj, "kid", &out.kid));
  CB_RETURN_IF_ERROR(internal::OptionalString(header_obj, "typ", &out.typ));
  // Parsed only to check the shape; callers decode the claims they need from the text.
  CB_RETURN_IF_ERROR(internal::ParseJsonObject(*payload, kCompactBytesMax, "JWS payload").status());

  out.header_json = *std::move(header);
  out.payload_json = *std::move(payload);
  out.signing_input = std::string(token.substr(0, dot2));
  out.signature = *std::move(signature);
  return out;
}

std::string EncodeCompact(std::string_view header_json, std::string_view payload_json,
                          std::string_view raw_signature) {
  std::string out = Base64UrlEncode(header_json);
  out += '.';
  out += Base64UrlEncode(payload_json);
  out += '.';
  out += Base64UrlEncode(raw_signature);
  return out;
}

Result<std::string> SignCompactEs256(const Es256Key& key, std::string_view kid,
                                     std::string_view typ, std::string_view payload_json) {
  std::string header = R"({"alg":"ES256")";
  if (!typ.empty()) {
    header += R"(,"typ":)";
    AppendJsonString(&header, typ);
  }
  header += R"(,"kid":)";
  AppendJsonString(&header, kid);
  header += '}';
  std::string token = Base64UrlEncode(header);
  token += '.';
  token += Base64UrlEncode(payload_json);
  CB_ASSIGN_OR_RETURN(std::string signature, key.Sign(token));
  CB_CHECK(signature.size() == internal::kEs256SignatureBytes);
  token += '.';
  token += Base64UrlEncode(signature);
  return token;
}

}  // namespace cb::jose
