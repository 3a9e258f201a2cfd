// libFuzzer target: the form and header helpers of http/form.h, which parse what browsers
// and OAuth clients send (query strings, form bodies, Cookie, Authorization: Basic) before
// anything is authenticated. Every input goes to every parser; each result is checked for
// its limits and for a round trip through the matching encoder.
// Seeds: fuzz/corpus/form_fuzzer/, dictionary: fuzz/form_fuzzer.dict.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/check.h"
#include "http/form.h"

namespace {

using namespace cb;

// The encoding ParseForm undoes; PercentEncode escapes '+' and ' ', so it round-trips.
std::string EncodeForm(const http::FormFields& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out.push_back('&');
    out += http::PercentEncode(name) + "=" + http::PercentEncode(value);
  }
  return out;
}

void CheckForm(std::string_view in) {
  http::FormFields fields;
  if (!http::ParseForm(in, &fields)) return;
  CB_CHECK(fields.size() <= http::kFormFieldsMax);
  for (const auto& [name, value] : fields) {
    CB_CHECK(!name.empty());
    CB_CHECK(name.size() <= http::kFormNameBytesMax);
    CB_CHECK(value.size() <= http::kFormValueBytesMax);
    // FormValue is the first of FormValues and reports a repeat (OAuth refuses those).
    const std::vector<std::string> all = http::FormValues(fields, name);
    bool duplicated = false;
    const std::optional<std::string> one = http::FormValue(fields, name, &duplicated);
    CB_CHECK(!all.empty());
    CB_CHECK(one.has_value());
    CB_CHECK(*one == all.front());
    CB_CHECK(duplicated == (all.size() > 1));
  }
  http::FormFields again;
  CB_CHECK(http::ParseForm(EncodeForm(fields), &again));
  CB_CHECK(again == fields);
}

void CheckPercent(std::string_view in) {
  std::string decoded;
  if (http::PercentDecode(in, &decoded)) {
    CB_CHECK(decoded.size() <= in.size());
    if (in.find('%') == std::string_view::npos) CB_CHECK(decoded == in);
  }
  // Any bytes survive encoding then decoding, and the encoding is plain ASCII.
  const std::string encoded = http::PercentEncode(in);
  for (char c : encoded) CB_CHECK(c > 0x20 && c < 0x7f && c != '+' && c != '&' && c != '=');
  std::string back;
  CB_CHECK(http::PercentDecode(encoded, &back));
  CB_CHECK(back == in);
}

bool IsCookieSpace(char c) { return c == ' ' || c == '\t'; }

void CheckCookies(std::string_view in) {
  const auto cookies = http::ParseCookies(in);
  std::string header;
  for (const auto& [name, value] : cookies) {
    CB_CHECK(!name.empty());
    CB_CHECK(name.find_first_of(";=") == std::string::npos);
    CB_CHECK(value.find(';') == std::string::npos);
    CB_CHECK(!IsCookieSpace(name.front()) && !IsCookieSpace(name.back()));
    CB_CHECK(value.empty() || (!IsCookieSpace(value.front()) && !IsCookieSpace(value.back())));
    header += (header.empty() ? "" : "; ") + name + "=" + value;
  }
  CB_CHECK(http::ParseCookies(header) == cookies);
}

// "Basic " + base64(form-encoded id ":" form-encoded secret), as RFC 6749 §2.3.1 clients do.
std::string BasicHeader(std::string_view id, std::string_view secret) {
  const std::string raw = http::PercentEncode(id) + ":" + http::PercentEncode(secret);
  std::string b64(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  CB_CHECK(n >= 0);
  b64.resize(static_cast<size_t>(n));
  return "Basic " + b64;
}

constexpr size_t kAuthorizationBytesMax = 4096;  // ParseBasicAuth's bound on the header

void CheckBasicAuth(std::string_view in) {
  if (const auto parsed = http::ParseBasicAuth(in)) {
    const std::string canonical = BasicHeader(parsed->first, parsed->second);
    if (canonical.size() <= kAuthorizationBytesMax)
      CB_CHECK(http::ParseBasicAuth(canonical) == parsed);
  }
  // Whatever a client's id and secret hold (':', '+', '%', NUL, non-UTF-8), they arrive intact.
  const std::string_view id = in.substr(0, in.size() / 2);
  const std::string_view secret = in.substr(in.size() / 2);
  const std::string header = BasicHeader(id, secret);
  if (header.size() > kAuthorizationBytesMax) return;
  const auto back = http::ParseBasicAuth(header);
  CB_CHECK(back.has_value());
  CB_CHECK(back->first == id);
  CB_CHECK(back->second == secret);
}

// HtmlEscape output is inert in element content and quoted attributes, and loses nothing.
void CheckHtmlEscape(std::string_view in) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
  const std::string out = http::HtmlEscape(in);
  std::string back;
  for (size_t i = 0; i < out.size();) {
    CB_CHECK(out[i] != '<' && out[i] != '>' && out[i] != '"' && out[i] != '\'');
    if (out[i] != '&') {
      back.push_back(out[i++]);
      continue;
    }
    bool known = false;
    for (const auto& [entity, c] : kEntities) {
      if (std::string_view(out).substr(i, entity.size()) == entity) {
        back.push_back(c);
        i += entity.size();
        known = true;
        break;
      }
    }
    CB_CHECK(known);
  }
  CB_CHECK(back == in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckForm(in);
  CheckPercent(in);
  CheckCookies(in);
  CheckBasicAuth(in);
  CheckHtmlEscape(in);
  return 0;
}
