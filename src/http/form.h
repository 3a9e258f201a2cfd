#pragma once
// HTML-form and header helpers shared by the REST and OAuth edges (no Beast here):
// application/x-www-form-urlencoded bodies and query strings, cookies, Basic auth, and
// escaping for server-rendered pages.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cb::http {

// Limits on any one form: more is a malformed request.
constexpr size_t kFormFieldsMax = 64;
constexpr size_t kFormNameBytesMax = 64;
constexpr size_t kFormValueBytesMax = 4096;

// "%41" -> "A". False on a malformed escape.
bool PercentDecode(std::string_view in, std::string* out);
// Escapes everything but RFC 3986 unreserved characters (for query strings we build).
std::string PercentEncode(std::string_view in);

// Fields in order, duplicates kept (OAuth forbids most, checkboxes repeat).
using FormFields = std::vector<std::pair<std::string, std::string>>;
// '+' is a space, then percent escapes. False when malformed or past the limits.
bool ParseForm(std::string_view body, FormFields* out);
// The one value of `name`, nullopt when absent; *duplicated = true when it appears twice.
std::optional<std::string> FormValue(const FormFields& fields, std::string_view name,
                                     bool* duplicated = nullptr);
std::vector<std::string> FormValues(const FormFields& fields, std::string_view name);

// Cookie header -> name/value (the first of a repeated name wins).
std::map<std::string, std::string> ParseCookies(std::string_view header);
// "Basic base64(id:secret)" with the id and secret form-url-decoded (RFC 6749 §2.3.1).
std::optional<std::pair<std::string, std::string>> ParseBasicAuth(std::string_view header);

// Text safe inside HTML element content and double-quoted attributes.
std::string HtmlEscape(std::string_view in);

}  // namespace cb::http
