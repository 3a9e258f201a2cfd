// Server-rendered pages: plain HTML forms, no JavaScript, every value escaped. Scripts and
// tests complete them by reading the inputs and posting them back.
#include "oauth/internal.h"
#include "platform/ids.h"

namespace cb::oauth {

namespace {

using http::HtmlEscape;

std::string Document(std::string_view title, std::string_view body) {
  std::string out =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>";
  out.append(HtmlEscape(title));
  out.append(
      "</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;"
      "padding:0 1rem;color:#1a1a1a}label{display:block;margin:.8rem 0 .2rem}"
      "input[type=text],input[type=password]{width:100%;padding:.5rem;box-sizing:border-box}"
      "button{margin:1rem .5rem 0 0;padding:.5rem 1.2rem}.error{color:#a00}"
      "li{margin:.3rem 0}</style></head><body>\n<h1>");
  out.append(HtmlEscape(title));
  out.append("</h1>\n");
  out.append(body);
  out.append("\n</body></html>\n");
  return out;
}

void Hidden(std::string* out, std::string_view name, std::string_view value) {
  out->append("<input type=\"hidden\" name=\"");
  out->append(HtmlEscape(name));
  out->append("\" value=\"");
  out->append(HtmlEscape(value));
  out->append("\">\n");
}

void Error(std::string* out, std::string_view error) {
  if (error.empty()) return;
  out->append("<p class=\"error\" role=\"alert\">");
  out->append(HtmlEscape(error));
  out->append("</p>\n");
}

struct ScopeText {
  kernel::ScopeSet scope;
  const char* text;
};
constexpr ScopeText kScopeTexts[] = {
    {kernel::kScopeAccountsRead, "See your accounts"},
    {kernel::kScopeAccountsWrite, "Open and close accounts"},
    {kernel::kScopeBalancesRead, "See your balances"},
    {kernel::kScopeTransactionsRead, "See your transactions"},
    {kernel::kScopePaymentsWrite, "Make payments from the accounts you choose"},
    {kernel::kScopeCustomersRead, "See your customer profile"},
    {kernel::kScopeCustomersWrite, "Change customer records"},
    {kernel::kScopeOpenId, "Know who you are"},
    {kernel::kScopeProfile, "See your name"},
    {kernel::kScopeEmail, "See your email address"},
    {kernel::kScopeOfflineAccess, "Keep access while you are away"},
};

// What the user is asked to allow: the built-ins' sentences; a module's scope by its name
// (never hidden: a user must see everything an app asks for). Null for an unnamed bit.
const char* ScopeDescription(kernel::ScopeSet one) {
  for (const ScopeText& t : kScopeTexts) {
    if (t.scope == one) return t.text;
  }
  return kernel::ScopeName(one);
}

}  // namespace

std::string RenderLoginPage(const LoginPageView& v) {
  std::string b;
  if (!v.app_name.empty()) {
    b.append("<p>Sign in to continue to <strong>");
    b.append(HtmlEscape(v.app_name));
    b.append("</strong>.</p>\n");
  }
  Error(&b, v.error);
  b.append("<form method=\"post\" action=\"/oauth2/login\">\n");
  Hidden(&b, "request", v.request_id);
  Hidden(&b, "csrf_token", v.csrf_token);
  b.append("<label for=\"username\">Username</label>\n");
  b.append(
      "<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" "
      "required value=\"");
  b.append(HtmlEscape(v.username));
  b.append("\">\n<label for=\"password\">Password</label>\n");
  b.append(
      "<input type=\"password\" id=\"password\" name=\"password\" "
      "autocomplete=\"current-password\" required>\n");
  b.append("<button type=\"submit\">Sign in</button>\n</form>");
  return Document("Sign in", b);
}

std::string RenderMfaPage(const MfaPageView& v) {
  std::string b = "<p>Enter the 6-digit code from your authenticator app.</p>\n";
  Error(&b, v.error);
  b.append("<form method=\"post\" action=\"/oauth2/mfa\">\n");
  Hidden(&b, "request", v.request_id);
  Hidden(&b, "csrf_token", v.csrf_token);
  b.append("<label for=\"code\">Code</label>\n");
  b.append(
      "<input type=\"text\" id=\"code\" name=\"code\" inputmode=\"numeric\" "
      "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" required>\n");
  b.append("<button type=\"submit\">Verify</button>\n</form>");
  return Document("Two-step verification", b);
}

std::string RenderConsentPage(const ConsentPageView& v) {
  const identity::ConsentView& view = v.view;
  std::string b = "<p><strong>";
  b.append(HtmlEscape(view.app_name));
  b.append("</strong> asks to:</p>\n<ul>\n");
  for (uint32_t i = 0; i < kernel::ScopeSet::kBitsMax; i++) {
    const char* d = view.scopes.Test(i) ? ScopeDescription(kernel::ScopeSet::Bit(i)) : nullptr;
    if (d == nullptr) continue;
    b.append("<li>");
    b.append(HtmlEscape(d));
    b.append("</li>\n");
  }
  b.append("</ul>\n");
  Error(&b, v.error);
  b.append("<form method=\"post\" action=\"/oauth2/consent\">\n");
  Hidden(&b, "request", v.request_id);
  Hidden(&b, "csrf_token", v.csrf_token);
  const bool choose = view.customer && !(view.scopes & kernel::kScopesConsentable).empty();
  if (choose) {
    b.append("<fieldset><legend>Accounts to share</legend>\n");
    for (const identity::ConsentView::AccountChoice& a : view.accounts) {
      const std::string id = kernel::FormatId(platform::prefix::kAccount, a.id.value);
      b.append("<label><input type=\"checkbox\" name=\"account\" value=\"");
      b.append(HtmlEscape(id));
      b.append("\"> ");
      b.append(HtmlEscape(a.label));
      b.append("</label>\n");
    }
    if (view.accounts.empty()) b.append("<p>You have no open accounts to share.</p>\n");
    b.append("</fieldset>\n");
  }
  b.append("<button type=\"submit\" name=\"decision\" value=\"approve\">Allow</button>\n");
  b.append("<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n</form>");
  return Document("Allow access?", b);
}

std::string RenderDashboard(const std::vector<DashboardRow>& rows, std::string_view csrf_token,
                            std::string_view notice) {
  std::string b;
  if (!notice.empty()) {
    b.append("<p>");
    b.append(HtmlEscape(notice));
    b.append("</p>\n");
  }
  if (rows.empty()) b.append("<p>You have given no app access.</p>\n");
  b.append("<ul>\n");
  for (const DashboardRow& r : rows) {
    b.append("<li><strong>");
    b.append(HtmlEscape(r.app_name));
    b.append("</strong>: ");
    b.append(HtmlEscape(r.permissions));
    b.append(" — ");
    b.append(HtmlEscape(r.status));
    if (!r.expires.empty()) {
      b.append(", until ");
      b.append(HtmlEscape(r.expires));
    }
    if (r.revocable) {
      b.append("\n<form method=\"post\" action=\"/oauth2/consents/revoke\">\n");
      Hidden(&b, "consent", r.consent_id);
      Hidden(&b, "csrf_token", csrf_token);
      b.append("<button type=\"submit\">Revoke</button>\n</form>");
    }
    b.append("</li>\n");
  }
  b.append("</ul>");
  return Document("Apps with access to your accounts", b);
}

std::string RenderErrorPage(std::string_view title, std::string_view message) {
  std::string b = "<p class=\"error\">";
  b.append(HtmlEscape(message));
  b.append("</p>");
  return Document(title, b);
}

}  // namespace cb::oauth
