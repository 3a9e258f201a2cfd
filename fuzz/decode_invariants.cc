#include "fuzz/decode_invariants.h"

#include <string_view>
#include <variant>

#include "base/check.h"
#include "base/json_string.h"
#include "base/time.h"
#include "kernel/money.h"
#include "ledger/currency.h"

namespace cb::fuzz {

namespace {

using namespace cb::platform;

// The documented limits (docs/api.md, api/openapi.yaml), restated rather than shared with
// decode.cc: a decoder drifting from its contract must fail here, not move the test along.
constexpr size_t kNameBytesMax = 200;
constexpr size_t kEmailBytesMax = 254;
constexpr size_t kDescriptionBytesMax = 256;
constexpr size_t kAliasBytesMax = 128;
constexpr size_t kAliasesMax = 5;
constexpr size_t kReasonBytesMax = 500;
constexpr size_t kNoteBytesMax = 500;
constexpr uint32_t kTimeoutSecondsMax = 30 * 24 * 3600;
constexpr uint32_t kListLimitMax = 100;
constexpr size_t kBatchItemsMax = 8190;
constexpr uint8_t kKycTierMax = 3;
constexpr size_t kQueryNameBytesMax = 64;
constexpr size_t kQueryValueBytesMax = 256;

// Codes a decoder may answer with, all in docs/api.md's stable list.
constexpr std::string_view kDecodeCodes[] = {
    "invalid_json",   "unknown_field",      "parameter_missing", "parameter_invalid",
    "amount_invalid", "currency_unknown",   "string_too_long",   "limit_invalid",
    "cursor_invalid", "resource_not_found", "same_account",      "batch_too_large",
};

template <typename Tag>
void CheckId(ledger::Id128<Tag> id) {
  // Zero and all-ones are reserved by the ledger; ParseId and RandomU128 never yield them.
  CB_CHECK(!id.zero());
  CB_CHECK(!id.max());
}

template <typename Id>
void CheckListPage(uint32_t limit, const std::optional<Id>& after) {
  CB_CHECK(limit >= 1);
  CB_CHECK(limit <= kListLimitMax);
  if (after) CheckId(*after);
}

// Text from a JSON string field (api Reader::String): bounded, UTF-8, no control bytes.
void CheckText(std::string_view s, size_t bytes_max) {
  CB_CHECK(s.size() <= bytes_max);
  CB_CHECK(IsValidUtf8(s));
  for (char c : s) CB_CHECK(static_cast<unsigned char>(c) >= 0x20);
}

// openapi Email: ^[^@ ]+@[^@ ]+$
bool MatchesEmail(std::string_view s) {
  const size_t at = s.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < s.size() &&
         s.find('@', at + 1) == std::string_view::npos && s.find(' ') == std::string_view::npos;
}

// openapi Phone (E.164): ^\+[1-9][0-9]{6,14}$
bool MatchesPhone(std::string_view s) {
  if (s.size() < 8 || s.size() > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9') return false;
  for (char c : s.substr(2)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

void CheckContact(std::string_view email, std::string_view phone) {
  CheckText(email, kEmailBytesMax);
  CB_CHECK(email.empty() || MatchesEmail(email));
  CB_CHECK(phone.empty() || MatchesPhone(phone));
}

void CheckMoney(u128 amount_minor, const std::string& currency) {
  CB_CHECK(currency.size() == 3);
  for (char c : currency) CB_CHECK(c >= 'A' && c <= 'Z');
  const auto info = ledger::FindCurrency(currency);
  CB_CHECK(info.has_value());
  CB_CHECK(amount_minor > 0);
  // Exact at the currency's scale: the amount formats and parses back to itself.
  const std::string text = kernel::FormatAmount(amount_minor, info->scale);
  if (text.size() <= kernel::kAmountCharsMax) {
    const Result<u128> back = kernel::ParseAmount(text, info->scale);
    CB_CHECK(back.ok());
    CB_CHECK(*back == amount_minor);
  }
}

// An account named by id or by alias, never both; an alias never looks like an id.
void CheckAccountRef(const AccountRef& ref) {
  if (ref.alias.empty()) {
    CheckId(ref.id);
    return;
  }
  CB_CHECK(ref.id.zero());
  CheckText(ref.alias, kAliasBytesMax);
  CB_CHECK(!ref.alias.starts_with(prefix::kAccount));
}

void CheckTransferSpec(const TransferSpec& spec, bool batch) {
  CheckId(spec.id);
  CheckAccountRef(spec.from);
  CheckAccountRef(spec.to);
  CheckMoney(spec.amount_minor, spec.currency);
  CheckText(spec.description, kDescriptionBytesMax);
  CB_CHECK(spec.timeout_s <= kTimeoutSecondsMax);
  CB_CHECK(spec.pending || spec.timeout_s == 0);
  CB_CHECK(batch || !spec.linked);
  if (spec.from.alias.empty() && spec.to.alias.empty()) CB_CHECK(spec.from.id != spec.to.id);
}

void CheckTimeRange(TimestampNs from, TimestampNs to) { CB_CHECK(from <= to); }

// One overload per OpBody alternative: a new op without invariants does not compile.
struct OpChecker {
  int flag_expected;

  void operator()(const CreateTenantOp& op) const {
    CheckId(op.id);
    CheckId(op.admin_key_id);
    CB_CHECK(!op.name.empty());
    CheckText(op.name, kNameBytesMax);
  }
  void operator()(const GetTenantOp& op) const { CheckId(op.id); }
  void operator()(const ListTenantsOp& op) const { CheckListPage(op.limit, op.after); }
  void operator()(const CreateApiKeyOp& op) const {
    CheckId(op.id);
    CB_CHECK(op.role == Role::kAdmin || op.role == Role::kOperator || op.role == Role::kReadOnly);
    CheckText(op.name, kNameBytesMax);
  }
  void operator()(const ListApiKeysOp& op) const { CheckListPage(op.limit, op.after); }
  void operator()(const RevokeApiKeyOp& op) const { CheckId(op.id); }
  void operator()(const CreateCustomerOp& op) const {
    CheckId(op.id);
    CB_CHECK(op.type == CustomerType::kIndividual || op.type == CustomerType::kBusiness);
    CB_CHECK(!op.name.empty());
    CheckText(op.name, kNameBytesMax);
    CheckContact(op.email, op.phone);
    CB_CHECK(op.kyc_tier <= kKycTierMax);
  }
  void operator()(const UpdateCustomerOp& op) const {
    CheckId(op.id);
    CB_CHECK(op.email || op.phone || op.kyc_tier || op.status);  // else "Nothing to update"
    CheckContact(op.email.value_or(""), op.phone.value_or(""));
    if (op.kyc_tier) CB_CHECK(*op.kyc_tier <= kKycTierMax);
    if (op.status) {
      CB_CHECK(*op.status == CustomerStatus::kActive || *op.status == CustomerStatus::kSuspended ||
               *op.status == CustomerStatus::kClosed);
    }
  }
  void operator()(const GetCustomerOp& op) const { CheckId(op.id); }
  void operator()(const ListCustomersOp& op) const { CheckListPage(op.limit, op.after); }
  void operator()(const OpenAccountOp& op) const;
  void operator()(const GetAccountOp& op) const { CheckId(op.id); }
  void operator()(const ListAccountsOp& op) const {
    CheckListPage(op.limit, op.after);
    if (op.customer) CheckId(*op.customer);
  }
  void operator()(const GetBalancesOp& op) const {
    CheckId(op.id);
    // An instant the edge accepted renders and parses back to itself.
    if (op.as_of) CB_CHECK(ParseRfc3339(FormatRfc3339(*op.as_of)) == op.as_of);
  }
  void operator()(const ListTransactionsOp& op) const {
    CheckId(op.id);
    CheckListPage(op.limit, std::optional<AccountId>());
    CheckTimeRange(op.from, op.to);
  }
  void operator()(const AccountActionOp& op) const {
    CheckId(op.id);
    CB_CHECK(static_cast<int>(op.action) == flag_expected);
  }
  void operator()(const GetAliasOp& op) const {
    CB_CHECK(!op.alias.empty());
    CB_CHECK(op.alias.size() <= kAliasBytesMax);
  }
  void operator()(const CreateTransferOp& op) const { CheckTransferSpec(op.spec, false); }
  void operator()(const SandboxDepositOp& op) const {
    CheckId(op.id);
    CheckId(op.account);
    CheckMoney(op.amount_minor, op.currency);
  }
  void operator()(const PostVoidOp& op) const {
    CheckId(op.pending_id);
    CB_CHECK(static_cast<int>(op.void_it) == flag_expected);
    CB_CHECK(!op.void_it || !op.amount_minor);  // a void takes no amount
    if (op.amount_minor) CB_CHECK(*op.amount_minor > 0);
  }
  void operator()(const GetTransferOp& op) const { CheckId(op.id); }
  void operator()(const ListTransfersOp& op) const {
    CheckId(op.account);
    CheckListPage(op.limit, std::optional<AccountId>());
    CheckTimeRange(op.from, op.to);
  }
  void operator()(const BatchTransfersOp& op) const {
    CB_CHECK(!op.items.empty());
    CB_CHECK(op.items.size() <= kBatchItemsMax);
    for (const TransferSpec& spec : op.items) CheckTransferSpec(spec, true);
  }
  void operator()(const CreateAdjustmentOp& op) const {
    CheckId(op.id);
    CheckId(op.transfer_id);
    CheckId(op.account);
    CB_CHECK(op.direction == AdjustmentDirection::kCredit ||
             op.direction == AdjustmentDirection::kDebit);
    CheckMoney(op.amount_minor, op.currency);
    CB_CHECK(!op.reason.empty());
    CheckText(op.reason, kReasonBytesMax);
  }
  void operator()(const GetAdjustmentOp& op) const { CheckId(op.id); }
  void operator()(const ListAdjustmentsOp& op) const {
    CheckListPage(op.limit, op.after);
    if (op.status) {
      CB_CHECK(*op.status == AdjustmentStatus::kPendingApproval ||
               *op.status == AdjustmentStatus::kApplied ||
               *op.status == AdjustmentStatus::kRejected);
    }
  }
  void operator()(const DecideAdjustmentOp& op) const {
    CheckId(op.id);
    CB_CHECK(static_cast<int>(op.approve) == flag_expected);
    CheckText(op.note, kNoteBytesMax);
  }
};

void OpChecker::operator()(const OpenAccountOp& op) const {
  CheckId(op.id);
  CheckId(op.settlement_id);
  CheckId(op.customer);
  CheckMoney(1, op.currency);
  // Clients open customer accounts only: settlement accounts are the bank's own books.
  CB_CHECK(op.type == AccountType::kCurrent || op.type == AccountType::kSavings);
  CB_CHECK(op.aliases.size() <= kAliasesMax);
  for (size_t i = 0; i < op.aliases.size(); i++) {
    const std::string& a = op.aliases[i];
    CB_CHECK(MatchesPhone(a) || (MatchesEmail(a) && a.size() <= kAliasBytesMax));
    CheckText(a, kAliasBytesMax);
    for (size_t j = 0; j < i; j++) CB_CHECK(op.aliases[j] != a);
  }
}

}  // namespace

void CheckDecodedOp(const OpBody& op, size_t index_expected, int flag_expected) {
  CB_CHECK(op.index() == index_expected);
  std::visit(OpChecker{flag_expected}, op);
}

void CheckDecodeError(const api::DecodeError& err) {
  using kernel::ErrorKind;
  CB_CHECK(err.kind == ErrorKind::kInvalidRequest || err.kind == ErrorKind::kNotFound ||
           err.kind == ErrorKind::kUnprocessable);
  CB_CHECK(!err.message.empty());
  bool documented = false;
  for (std::string_view code : kDecodeCodes) documented = documented || err.code == code;
  CB_CHECK(documented);
  // Ids that cannot name anything answer like ids that name nothing (no existence oracle).
  if (err.kind == ErrorKind::kNotFound) CB_CHECK(err.code == "resource_not_found");
}

void CheckParsedQuery(const std::map<std::string, std::string>& query) {
  CB_CHECK(query.size() <= http::kFormFieldsMax);
  std::string encoded;
  for (const auto& [name, value] : query) {
    CB_CHECK(!name.empty());
    CB_CHECK(name.size() <= kQueryNameBytesMax);
    CB_CHECK(value.size() <= kQueryValueBytesMax);
    if (!encoded.empty()) encoded.push_back('&');
    encoded += http::PercentEncode(name) + "=" + http::PercentEncode(value);
  }
  std::map<std::string, std::string> again;
  CB_CHECK(api::ParseQuery(encoded, &again));
  CB_CHECK(again == query);
}

}  // namespace cb::fuzz
