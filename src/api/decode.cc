#include "api/decode.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "api/decode_util.h"
#include "base/json_string.h"
#include "kernel/money.h"
#include "ledger/currency.h"
#include "ledger/ledger.h"
#include "platform/ids.h"
#include "platform/key_directory.h"
#include "platform/service.h"

namespace cb::api {

namespace json = boost::json;
using namespace cb::platform;

namespace {

using namespace detail;

constexpr size_t kNameCharsMax = 200;
constexpr size_t kEmailCharsMax = 254;
constexpr size_t kPhoneCharsMax = 16;
constexpr size_t kDescriptionCharsMax = 256;
constexpr size_t kAliasCharsMax = 128;
constexpr size_t kAliasesMax = 5;
constexpr uint32_t kTimeoutSecondsMax = 30 * 24 * 3600;

// No control characters either: aliases are checked here only (not by Reader::String), and an
// alias holding one ("a\u0000@b") could never be named as a transfer's account.
bool ValidEmail(std::string_view s) {
  const size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size() ||
      s.find('@', at + 1) != std::string_view::npos || s.find(' ') != std::string_view::npos) {
    return false;
  }
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

bool ValidPhone(std::string_view s) {  // E.164
  if (s.size() < 8 || s.size() > kPhoneCharsMax || s[0] != '+' || s[1] == '0') return false;
  for (size_t i = 1; i < s.size(); i++) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

bool ContactFields(Reader& r, std::string* email, std::string* phone, bool* has_email,
                   bool* has_phone, DecodeError* err) {
  if (!r.String("email", false, kEmailCharsMax, email)) return false;
  if (!r.String("phone", false, kPhoneCharsMax, phone)) return false;
  if (!email->empty() && !ValidEmail(*email)) {
    return Fail(err, "parameter_invalid", "Must be an email address.", "email");
  }
  if (!phone->empty() && !ValidPhone(*phone)) {
    return Fail(err, "parameter_invalid", "Must be an E.164 phone number like +447700900123.",
                "phone");
  }
  *has_email = r.Get("email") != nullptr;
  *has_phone = r.Get("phone") != nullptr;
  return true;
}

bool AccountRefField(Reader& r, std::string_view key, AccountRef* out, DecodeError* err) {
  std::string s;
  if (!r.String(key, true, kAliasCharsMax, &s)) return false;
  if (s.starts_with(prefix::kAccount)) {
    if (!ParseId(s, prefix::kAccount, &out->id.value)) {
      return Fail(err, "parameter_invalid", "Malformed account id.", r.Param(key));
    }
    return true;
  }
  out->alias = std::move(s);  // resolved by the writer: an alias is tenant state
  return true;
}

bool TransferSpecFrom(Reader& r, bool batch, TransferSpec* spec, DecodeError* err) {
  spec->id = TransferId(RandomU128());
  if (!AccountRefField(r, "from_account", &spec->from, err)) return false;
  if (!AccountRefField(r, "to_account", &spec->to, err)) return false;
  if (!r.Money(&spec->amount_minor, &spec->currency)) return false;
  if (!r.String("description", false, kDescriptionCharsMax, &spec->description)) return false;
  if (!r.Bool("pending", &spec->pending)) return false;
  bool has_timeout = false;
  uint64_t timeout = 0;
  if (!r.Uint("timeout_seconds", &has_timeout, kTimeoutSecondsMax, &timeout)) return false;
  if (has_timeout && !spec->pending) {
    return Fail(err, "parameter_invalid", "timeout_seconds is only for pending transfers.",
                r.Param("timeout_seconds"));
  }
  spec->timeout_s = static_cast<uint32_t>(timeout);
  if (batch && !r.Bool("linked", &spec->linked)) return false;
  if (spec->from.alias.empty() && spec->to.alias.empty() && spec->from.id == spec->to.id) {
    return Fail(err, "same_account", "Source and destination are the same account.",
                r.Param("to_account"));
  }
  return r.Finish();
}

}  // namespace

bool ParseQuery(std::string_view query, std::map<std::string, std::string>* out) {
  http::FormFields fields;
  if (!http::ParseForm(query, &fields)) return false;
  for (auto& [k, v] : fields) {
    if (k.size() > 64 || v.size() > 256) return false;
    if (!out->emplace(std::move(k), std::move(v)).second) return false;  // repeated
  }
  return true;
}

bool DecodeCreateTenant(const RouteInput& in, OpBody* out, DecodeError* err) {
  CB_DECODE_BODY(in, err, r);
  std::string name;
  bool sandbox = true;
  if (!r.String("name", true, kNameCharsMax, &name)) return false;
  // Production or sandbox is always an explicit choice: a tenant that can mint money by
  // sandbox deposits must never be one by default, nor a real bank a sandbox by accident.
  if (r.Get("sandbox") == nullptr) {
    return Fail(err, "parameter_missing", "Say whether the tenant is a sandbox: true or false.",
                "sandbox");
  }
  if (!r.Bool("sandbox", &sandbox)) return false;
  if (!r.Finish()) return false;
  *out = NewTenantOp(std::move(name), sandbox);
  return true;
}

bool DecodeGetTenant(const RouteInput& in, OpBody* out, DecodeError* err) {
  GetTenantOp op;
  if (!KnownQuery(in, {}, err) || !PathId(in, 0, prefix::kTenant, &op.id, err)) return false;
  *out = op;
  return true;
}

bool DecodeListTenants(const RouteInput& in, OpBody* out, DecodeError* err) {
  ListTenantsOp op;
  if (!KnownQuery(in, {"limit", "cursor"}, err) || !Limit(in, &op.limit, err) ||
      !Cursor(in, prefix::kTenant, &op.after, err)) {
    return false;
  }
  *out = op;
  return true;
}

bool DecodeCreateApiKey(const RouteInput& in, OpBody* out, DecodeError* err) {
  CB_DECODE_BODY(in, err, r);
  std::string role_text, name;
  Role role = Role::kReadOnly;
  if (!r.String("role", true, 16, &role_text)) return false;
  if (!ParseRole(role_text, &role)) {
    return Fail(err, "parameter_invalid", "Must be admin, operator or read_only.", "role");
  }
  if (!r.String("name", false, kNameCharsMax, &name) || !r.Finish()) return false;
  *out = NewApiKeyOp(role, std::move(name));
  return true;
}

bool DecodeListApiKeys(const RouteInput& in, OpBody* out, DecodeError* err) {
  ListApiKeysOp op;
  if (!KnownQuery(in, {"limit", "cursor"}, err) || !Limit(in, &op.limit, err) ||
      !Cursor(in, prefix::kApiKey, &op.after, err)) {
    return false;
  }
  *out = op;
  return true;
}

bool DecodeRevokeApiKey(const RouteInput& in, OpBody* out, DecodeError* err) {
  RevokeApiKeyOp op;
  if (!NoBody(in, err) || !PathId(in, 0, prefix::kApiKey, &op.id, err)) return false;
  *out = op;
  return true;
}

bool DecodeCreateCustomer(const RouteInput& in, OpBody* out, DecodeError* err) {
  CB_DECODE_BODY(in, err, r);
  CreateCustomerOp op;
  std::string type;
  if (!r.String("type", true, 16, &type)) return false;
  if (!ParseCustomerType(type, &op.type)) {
    return Fail(err, "parameter_invalid", "Must be individual or business.", "type");
  }
  if (!r.String("name", true, kNameCharsMax, &op.name)) return false;
  bool has_email = false, has_phone = false, has_tier = false;
  if (!ContactFields(r, &op.email, &op.phone, &has_email, &has_phone, err)) return false;
  uint64_t tier = 0;
  if (!r.Uint("kyc_tier", &has_tier, 3, &tier) || !r.Finish()) return false;
  op.kyc_tier = static_cast<uint8_t>(tier);
  op.id = CustomerId(RandomU128());
  *out = std::move(op);
  return true;
}

bool DecodeUpdateCustomer(const RouteInput& in, OpBody* out, DecodeError* err) {
  UpdateCustomerOp op;
  if (!PathId(in, 0, prefix::kCustomer, &op.id, err)) return false;
  CB_DECODE_BODY(in, err, r);
  std::string email, phone, status;
  bool has_email = false, has_phone = false, has_tier = false;
  if (!ContactFields(r, &email, &phone, &has_email, &has_phone, err)) return false;
  if (has_email) op.email = email;
  if (has_phone) op.phone = phone;
  uint64_t tier = 0;
  if (!r.Uint("kyc_tier", &has_tier, 3, &tier)) return false;
  if (has_tier) op.kyc_tier = static_cast<uint8_t>(tier);
  if (!r.String("status", false, 16, &status)) return false;
  if (!status.empty()) {
    CustomerStatus s;
    if (!ParseCustomerStatus(status, &s)) {
      return Fail(err, "parameter_invalid", "Must be active, suspended or closed.", "status");
    }
    op.status = s;
  }
  if (!r.Finish()) return false;
  if (!op.email && !op.phone && !op.kyc_tier && !op.status) {
    return Fail(err, "parameter_missing", "Nothing to update.", "");
  }
  *out = std::move(op);
  return true;
}

bool DecodeGetCustomer(const RouteInput& in, OpBody* out, DecodeError* err) {
  GetCustomerOp op;
  if (!KnownQuery(in, {}, err) || !PathId(in, 0, prefix::kCustomer, &op.id, err)) return false;
  *out = op;
  return true;
}

bool DecodeListCustomers(const RouteInput& in, OpBody* out, DecodeError* err) {
  ListCustomersOp op;
  if (!KnownQuery(in, {"limit", "cursor"}, err) || !Limit(in, &op.limit, err) ||
      !Cursor(in, prefix::kCustomer, &op.after, err)) {
    return false;
  }
  *out = op;
  return true;
}

bool DecodeOpenAccount(const RouteInput& in, OpBody* out, DecodeError* err) {
  CB_DECODE_BODY(in, err, r);
  OpenAccountOp op;
  if (!r.IdField("customer", prefix::kCustomer, true, &op.customer)) return false;
  if (!r.String("currency", true, 3, &op.currency)) return false;
  if (!ledger::FindCurrency(op.currency)) {
    return Fail(err, "currency_unknown", "Not an ISO 4217 currency code.", "currency");
  }
  std::string type = "current";
  if (!r.String("type", false, 16, &type)) return false;
  if (type.empty()) type = "current";
  if (!ParseAccountType(type, &op.type)) {
    return Fail(err, "parameter_invalid", "Must be current or savings.", "type");
  }
  if (const json::value* v = r.Get("aliases")) {
    if (!v->is_array()) return Fail(err, "parameter_invalid", "Must be an array.", "aliases");
    const json::array& arr = v->get_array();
    if (arr.size() > kAliasesMax) {
      return Fail(err, "parameter_invalid", "At most 5 aliases.", "aliases");
    }
    for (size_t i = 0; i < arr.size(); i++) {
      const std::string param = "aliases[" + std::to_string(i) + "]";
      if (!arr[i].is_string()) return Fail(err, "parameter_invalid", "Must be a string.", param);
      const json::string& s = arr[i].get_string();
      const std::string_view a(s.data(), s.size());
      if (!ValidPhone(a) && !(ValidEmail(a) && a.size() <= kAliasCharsMax)) {
        return Fail(err, "parameter_invalid", "An alias is an E.164 phone number or an email.",
                    param);
      }
      for (const std::string& prev : op.aliases) {
        if (prev == a) return Fail(err, "parameter_invalid", "Duplicate alias.", param);
      }
      op.aliases.emplace_back(a);
    }
  }
  if (!r.Finish()) return false;
  op.id = AccountId(RandomU128());
  op.settlement_id = AccountId(RandomU128());
  *out = std::move(op);
  return true;
}

bool DecodeGetAccount(const RouteInput& in, OpBody* out, DecodeError* err) {
  GetAccountOp op;
  if (!KnownQuery(in, {}, err) || !PathId(in, 0, prefix::kAccount, &op.id, err)) return false;
  *out = op;
  return true;
}

bool DecodeListAccounts(const RouteInput& in, OpBody* out, DecodeError* err) {
  ListAccountsOp op;
  if (!KnownQuery(in, {"limit", "cursor", "customer"}, err) || !Limit(in, &op.limit, err) ||
      !Cursor(in, prefix::kAccount, &op.after, err)) {
    return false;
  }
  auto it = in.query.find("customer");
  if (it != in.query.end()) {
    CustomerId c;
    if (!ParseId(it->second, prefix::kCustomer, &c.value)) {
      return Fail(err, "parameter_invalid", "Must be a customer id.", "customer");
    }
    op.customer = c;
  }
  *out = op;
  return true;
}

bool DecodeGetBalances(const RouteInput& in, OpBody* out, DecodeError* err) {
  GetBalancesOp op;
  if (!KnownQuery(in, {"as_of"}, err) || !PathId(in, 0, prefix::kAccount, &op.id, err) ||
      !TimeParam(in, "as_of", &op.as_of, err)) {
    return false;
  }
  *out = op;
  return true;
}

bool DecodeListTransactions(const RouteInput& in, OpBody* out, DecodeError* err) {
  ListTransactionsOp op;
  if (!KnownQuery(in, {"limit", "cursor", "from", "to"}, err) ||
      !PathId(in, 0, prefix::kAccount, &op.id, err) || !Limit(in, &op.limit, err) ||
      !TimeRange(in, &op.from, &op.to, err)) {
    return false;
  }
  *out = op;
  return true;
}

static bool DecodeAction(const RouteInput& in, OpBody* out, DecodeError* err, AccountAction a) {
  AccountActionOp op;
  op.action = a;
  if (!NoBody(in, err) || !PathId(in, 0, prefix::kAccount, &op.id, err)) return false;
  *out = op;
  return true;
}
bool DecodeFreeze(const RouteInput& in, OpBody* out, DecodeError* err) {
  return DecodeAction(in, out, err, AccountAction::kFreeze);
}
bool DecodeUnfreeze(const RouteInput& in, OpBody* out, DecodeError* err) {
  return DecodeAction(in, out, err, AccountAction::kUnfreeze);
}
bool DecodeClose(const RouteInput& in, OpBody* out, DecodeError* err) {
  return DecodeAction(in, out, err, AccountAction::kClose);
}

bool DecodeGetAlias(const RouteInput& in, OpBody* out, DecodeError* err) {
  GetAliasOp op;
  if (!KnownQuery(in, {}, err)) return false;
  op.alias = std::string(in.path_params.at(0));
  if (op.alias.empty() || op.alias.size() > kAliasCharsMax) {
    return Fail(err, "resource_not_found", "No such alias.", "alias", kernel::ErrorKind::kNotFound);
  }
  *out = std::move(op);
  return true;
}

bool DecodeCreateTransfer(const RouteInput& in, OpBody* out, DecodeError* err) {
  CB_DECODE_BODY(in, err, r);
  CreateTransferOp op;
  if (!TransferSpecFrom(r, false, &op.spec, err)) return false;
  *out = std::move(op);
  return true;
}

bool DecodeBatchTransfers(const RouteInput& in, OpBody* out, DecodeError* err) {
  CB_DECODE_BODY(in, err, r);
  const json::value* v = r.Get("transfers");
  if (v == nullptr) return Fail(err, "parameter_missing", "Missing required field.", "transfers");
  if (!v->is_array()) return Fail(err, "parameter_invalid", "Must be an array.", "transfers");
  const json::array& arr = v->get_array();
  if (arr.empty()) return Fail(err, "parameter_invalid", "Must not be empty.", "transfers");
  if (arr.size() > ledger::kItemsPerCommandMax) {
    return Fail(err, "batch_too_large", "At most 8190 transfers per batch.", "transfers");
  }
  if (!r.Finish()) return false;
  BatchTransfersOp op;
  op.items.resize(arr.size());
  for (size_t i = 0; i < arr.size(); i++) {
    const std::string prefix = "transfers[" + std::to_string(i) + "].";
    if (!arr[i].is_object()) {
      return Fail(err, "parameter_invalid", "Must be an object.",
                  prefix.substr(0, prefix.size() - 1));
    }
    Reader item(arr[i].get_object(), prefix, err);
    if (!TransferSpecFrom(item, true, &op.items[i], err)) return false;
  }
  *out = std::move(op);
  return true;
}

static bool DecodePostVoid(const RouteInput& in, OpBody* out, DecodeError* err, bool void_it) {
  PostVoidOp op;
  op.void_it = void_it;
  if (!PathId(in, 0, prefix::kTransfer, &op.pending_id, err)) return false;
  if (!in.body.empty()) {
    CB_DECODE_BODY(in, err, r);
    if (!void_it) {
      std::string currency;
      u128 amount = 0;
      if (r.Get("amount") != nullptr || r.Get("currency") != nullptr) {
        if (!r.Money(&amount, &currency)) return false;
        op.amount_minor = amount;
        op.currency = std::move(currency);  // the handler checks it is the transfer's
      }
    }
    if (!r.Finish()) return false;
  }
  *out = std::move(op);
  return true;
}
bool DecodePost(const RouteInput& in, OpBody* out, DecodeError* err) {
  return DecodePostVoid(in, out, err, false);
}
bool DecodeVoid(const RouteInput& in, OpBody* out, DecodeError* err) {
  return DecodePostVoid(in, out, err, true);
}

bool DecodeGetTransfer(const RouteInput& in, OpBody* out, DecodeError* err) {
  GetTransferOp op;
  if (!KnownQuery(in, {}, err) || !PathId(in, 0, prefix::kTransfer, &op.id, err)) return false;
  *out = op;
  return true;
}

bool DecodeListTransfers(const RouteInput& in, OpBody* out, DecodeError* err) {
  ListTransfersOp op;
  if (!KnownQuery(in, {"limit", "cursor", "account", "from", "to"}, err) ||
      !Limit(in, &op.limit, err) || !TimeRange(in, &op.from, &op.to, err)) {
    return false;
  }
  auto it = in.query.find("account");
  if (it == in.query.end()) {
    return Fail(err, "parameter_missing", "Transfers are listed per account: pass ?account=.",
                "account");
  }
  if (!ParseId(it->second, prefix::kAccount, &op.account.value)) {
    return Fail(err, "parameter_invalid", "Must be an account id.", "account");
  }
  *out = op;
  return true;
}

bool DecodeSandboxDeposit(const RouteInput& in, OpBody* out, DecodeError* err) {
  CB_DECODE_BODY(in, err, r);
  SandboxDepositOp op;
  if (!r.IdField("account", prefix::kAccount, true, &op.account)) return false;
  if (!r.Money(&op.amount_minor, &op.currency) || !r.Finish()) return false;
  op.id = TransferId(RandomU128());
  *out = std::move(op);
  return true;
}

}  // namespace cb::api
