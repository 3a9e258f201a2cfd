// Customers and accounts.
#include "kernel/money.h"
#include "ledger/currency.h"
#include "ledger/ledger.h"
#include "platform/events.h"
#include "platform/handler_context.h"
#include "platform/ids.h"
#include "platform/json_out.h"
#include "platform/list_page.h"

namespace cb::platform {

namespace {

Answer CreateCustomer(HandlerContext& h, const CreateCustomerOp& op) {
  if (h.st.FindCustomer(op.id) != nullptr) {
    return h.Error(ErrorKind::kConflict, "resource_exists", "Id collision; retry.");
  }
  const uint64_t seq = h.sc.NextSeq();
  pb::CustomerCreated m;
  m.set_id(IdBytes(op.id.value));
  m.set_tenant_id(IdBytes(h.tenant().value));
  m.set_type(static_cast<uint32_t>(op.type));
  m.set_name(op.name);
  m.set_email(op.email);
  m.set_phone(op.phone);
  m.set_kyc_tier(op.kyc_tier);
  m.set_status(static_cast<uint32_t>(CustomerStatus::kActive));
  m.set_created_ns(h.sc.batch_timestamp);
  EmitProto(h.sc.out, EventType::kCustomerCreated, m);
  h.st.ApplyCustomerCreated(m);
  if (h.risk != nullptr && h.risk->deciding()) {
    // Sanctions screening at onboarding (the risk core journals it in this batch).
    h.risk->OnCustomerCreated({.tenant = h.tenant().value,
                               .id = op.id.value,
                               .name = op.name,
                               .business = op.type == CustomerType::kBusiness},
                              h.sc);
  }
  Answer a{201, {}};
  RenderCustomer(&a.body, *h.st.FindCustomer(op.id));
  AppendJournalSeq(&a, seq);
  return a;
}

Answer UpdateCustomer(HandlerContext& h, const UpdateCustomerOp& op) {
  const Customer* c = TenantCustomer(h, op.id);
  if (c == nullptr) return h.NotFound("customer_not_found", "customer", "id");
  if (c->status == CustomerStatus::kClosed) {
    return h.Error(ErrorKind::kUnprocessable, "customer_closed",
                   "A closed customer cannot be changed.");
  }
  const uint64_t seq = h.sc.NextSeq();
  pb::CustomerUpdated m;
  m.set_id(IdBytes(op.id.value));
  if (op.email) m.set_email(*op.email);
  if (op.phone) m.set_phone(*op.phone);
  if (op.kyc_tier) m.set_kyc_tier(*op.kyc_tier);
  if (op.status) m.set_status(static_cast<uint32_t>(*op.status));
  m.set_updated_ns(h.sc.batch_timestamp);
  m.set_tenant_id(IdBytes(h.tenant().value));
  EmitProto(h.sc.out, EventType::kCustomerUpdated, m);
  h.st.ApplyCustomerUpdated(m);
  Answer a;
  RenderCustomer(&a.body, *c);
  AppendJournalSeq(&a, seq);
  return a;
}

const ledger::LedgerInfo& LedgerOf(HandlerContext& h, const ledger::Account& account) {
  const ledger::LedgerInfo* info = h.ledger().FindLedger(account.ledger);
  CB_CHECK(info != nullptr);
  return *info;
}

const ledger::Account& LedgerAccount(HandlerContext& h, AccountId id) {
  const uint32_t row = h.ledger().AccountRow(id);
  CB_CHECK(row != ledger::kNoRow);  // platform metadata exists only for ledger accounts
  return h.ledger().account(row);
}

void EmitAccountOpened(HandlerContext& h, AccountId id, CustomerId customer, AccountType type,
                       ledger::LedgerCode ledger, const std::vector<std::string>& aliases) {
  pb::AccountOpened m;
  m.set_ledger(ledger);
  // Customer accounts get the next bank-wide number (their IBAN's); the bank's books none.
  if (!IsInternalAccount(type)) m.set_number(h.st.next_account_number());
  m.set_id(IdBytes(id.value));
  m.set_tenant_id(IdBytes(h.tenant().value));
  if (!customer.zero()) m.set_customer_id(IdBytes(customer.value));
  m.set_type(static_cast<uint32_t>(type));
  for (const std::string& alias : aliases) m.add_aliases(alias);
  m.set_status(static_cast<uint32_t>(AccountStatus::kOpen));
  m.set_created_ns(h.sc.batch_timestamp);
  EmitProto(h.sc.out, EventType::kAccountOpened, m);
  h.st.ApplyAccountOpened(m);
}

Answer OpenAccount(HandlerContext& h, const OpenAccountOp& op) {
  const Customer* c = TenantCustomer(h, op.customer);
  if (c == nullptr) return h.NotFound("customer_not_found", "customer", "customer");
  if (c->status != CustomerStatus::kActive) {
    return h.Error(ErrorKind::kUnprocessable, "customer_not_active",
                   "Accounts can be opened only for active customers.", "customer");
  }
  const auto currency = ledger::FindCurrency(op.currency);
  CB_CHECK(currency.has_value());  // the edge accepts only ISO 4217 codes
  for (size_t i = 0; i < op.aliases.size(); i++) {
    if (h.st.FindAlias(h.tenant(), op.aliases[i])) {
      return h.Error(ErrorKind::kConflict, "alias_taken",
                     "This alias already names another account.",
                     "aliases[" + std::to_string(i) + "]");
    }
  }
  const ledger::LedgerCode code = TenantLedger(h.op.caller.tenant_seq, currency->numeric);
  const bool first_in_currency = h.ledger().FindLedger(code) == nullptr;
  if (h.ledger().AccountRow(op.id) != ledger::kNoRow || op.settlement_id == op.id ||
      (first_in_currency && h.ledger().AccountRow(op.settlement_id) != ledger::kNoRow)) {
    return h.Error(ErrorKind::kConflict, "resource_exists", "Id collision; retry.");
  }
  const uint64_t seq = h.sc.NextSeq();
  std::vector<ledger::AccountResult> results;
  if (first_in_currency) {
    // First account in this currency: the tenant's ledger and settlement account with it.
    const auto info = ledger::CurrencyLedger(code, op.currency);
    CB_CHECK(info.has_value());
    CB_CHECK(ledger::DefineLedger(&h.ledger(), *info, h.sc.out) == ledger::AccountResult::kOk);
    ledger::Account settlement;
    settlement.id = op.settlement_id;
    settlement.ledger = code;
    settlement.code = kGlSettlement;
    settlement.flags = ledger::kAccountInternal;
    ledger::CreateAccounts(&h.ledger(), {&settlement, 1}, h.sc.ts_next, h.sc.out, &results);
    CB_CHECK(results.at(0) == ledger::AccountResult::kOk);
    EmitAccountOpened(h, settlement.id, CustomerId(), AccountType::kSettlement, code, {});
  }
  ledger::Account account;
  account.id = op.id;
  account.ledger = code;
  account.code = op.type == AccountType::kSavings ? kGlSavings : kGlCurrent;
  account.flags = ledger::kAccountDebitsMustNotExceedCredits;  // no overdraft by default
  ledger::CreateAccounts(&h.ledger(), {&account, 1}, h.sc.ts_next, h.sc.out, &results);
  CB_CHECK(results.at(0) == ledger::AccountResult::kOk);
  EmitAccountOpened(h, op.id, op.customer, op.type, code, op.aliases);
  Answer a{201, {}};
  const ledger::Account& la = LedgerAccount(h, op.id);
  RenderAccount(&a.body, *h.st.FindAccount(op.id), la, LedgerOf(h, la));
  AppendJournalSeq(&a, seq);
  return a;
}

bool RenderAccountIf(HandlerContext& h, std::string* out, AccountId id, bool comma,
                     const std::optional<CustomerId>& customer) {
  const AccountMeta* meta = h.st.FindAccount(id);
  if (customer && !(meta->customer == *customer)) return false;
  bool denied = false;
  if (h.caller().delegated() &&
      ConsentedAccount(h, id, kernel::kScopeAccountsRead, &denied) == nullptr) {
    return false;
  }
  if (comma) out->push_back(',');
  const ledger::Account& la = LedgerAccount(h, id);
  RenderAccount(out, *meta, la, LedgerOf(h, la));
  return true;
}

const char* EntryKind(const ledger::Transfer& t) {
  if (t.flags & ledger::kTransferExpiryRecord) return "expiry";
  if (t.flags & ledger::kTransferPostPending) return "post";
  if (t.flags & ledger::kTransferVoidPending) return "void";
  if (t.flags & ledger::kTransferPending) return "pending";
  return "transfer";
}

Answer ListTransactions(HandlerContext& h, const ListTransactionsOp& op) {
  bool denied = false;
  const AccountMeta* meta = ConsentedAccount(h, op.id, kernel::kScopeTransactionsRead, &denied);
  if (meta == nullptr) return h.Unavailable(denied, "id");
  const uint32_t row = h.ledger().AccountRow(op.id);
  const ledger::LedgerInfo& info = LedgerOf(h, h.ledger().account(row));
  ledger::HistoryQuery q;
  q.account_id = op.id;
  q.timestamp_min = op.from;
  q.timestamp_max = op.to;
  q.limit = op.limit + 1;  // one more tells whether there is a next page
  const std::vector<ledger::HistoryEntry> entries = h.ledger().history().Get(h.ledger(), row, q);
  Answer a;
  BeginList(&a.body);
  const size_t n = std::min<size_t>(entries.size(), op.limit);
  for (size_t i = 0; i < n; i++) {
    const ledger::Transfer& t = entries[i].transfer;
    if (i > 0) a.body.push_back(',');
    const bool debit = t.debit_account_id == op.id;
    // Post, void and expiry records belong to their pending transfer: name that one.
    const bool of_pending =
        t.id.zero() ||
        (t.flags & (ledger::kTransferPostPending | ledger::kTransferVoidPending)) != 0;
    const TransferId shown = of_pending ? t.pending_id : t.id;
    a.body.append(R"({"object":"transaction","transfer":")");
    AppendId(&a.body, prefix::kTransfer, shown.value);
    a.body.append(R"(","account":")");
    AppendId(&a.body, prefix::kAccount, op.id.value);
    a.body.append(R"(","kind":")");
    a.body.append(EntryKind(t));
    a.body.append(R"(","direction":")");
    a.body.append(debit ? "debit" : "credit");
    a.body.append(R"(","amount":")");
    kernel::AppendAmount(&a.body, t.amount, info.scale);
    a.body.append(R"(","currency":")");
    a.body.append(info.currency);
    a.body.append(R"(","balance_after":)");
    RenderBalances(&a.body, op.id, entries[i].balances_after, info, t.timestamp);
    a.body.append(R"(,"created_at":)");
    AppendTimestamp(&a.body, t.timestamp);
    a.body.push_back('}');
  }
  const bool has_more = entries.size() > op.limit;
  // Timestamps are unique per event, so "after the last one shown" is an exact cursor.
  EndList(&a.body, has_more,
          has_more ? "t" + std::to_string(entries[n - 1].transfer.timestamp) : "");
  return a;
}

Answer ChangeAccountStatus(HandlerContext& h, const AccountActionOp& op) {
  const AccountMeta* meta = TenantAccount(h, op.id);
  if (meta == nullptr) return h.NotFound("account_not_found", "account", "id");
  if (meta->type == AccountType::kSettlement) {
    return h.Error(ErrorKind::kUnprocessable, "account_not_customer",
                   "Settlement accounts cannot be frozen or closed through the API.", "id");
  }
  if (meta->status == AccountStatus::kClosed) {
    return h.Error(ErrorKind::kUnprocessable, "account_closed", "The account is closed.", "id");
  }
  AccountStatus next = meta->status;
  const uint64_t seq = h.sc.NextSeq();
  switch (op.action) {
    case AccountAction::kFreeze:
      next = AccountStatus::kFrozen;
      break;
    case AccountAction::kUnfreeze:
      next = AccountStatus::kOpen;
      break;
    case AccountAction::kClose: {
      const ledger::Balances& b = LedgerAccount(h, op.id).balances;
      if (b.debits_pending != 0 || b.credits_pending != 0 || b.debits_posted != b.credits_posted) {
        return h.Error(ErrorKind::kUnprocessable, "account_not_empty",
                       "Only an account with a zero balance and nothing pending can be closed.",
                       "id");
      }
      CB_CHECK(ledger::CloseAccount(&h.ledger(), op.id, h.sc.ts_next, h.sc.out) ==
               ledger::AccountResult::kOk);
      next = AccountStatus::kClosed;
      break;
    }
  }
  if (next != meta->status) {
    pb::AccountStatusChanged m;
    m.set_id(IdBytes(op.id.value));
    m.set_status(static_cast<uint32_t>(next));
    m.set_changed_ns(h.sc.batch_timestamp);
    m.set_tenant_id(IdBytes(h.tenant().value));
    EmitProto(h.sc.out, EventType::kAccountStatusChanged, m);
    h.st.ApplyAccountStatusChanged(m);
  }
  Answer a;
  const ledger::Account& la = LedgerAccount(h, op.id);
  RenderAccount(&a.body, *meta, la, LedgerOf(h, la));
  AppendJournalSeq(&a, seq);
  return a;
}

}  // namespace

Answer HandleCustomerOp(HandlerContext& h) {
  if (const auto* op = std::get_if<CreateCustomerOp>(&h.op.body)) return CreateCustomer(h, *op);
  if (const auto* op = std::get_if<UpdateCustomerOp>(&h.op.body)) return UpdateCustomer(h, *op);
  if (const auto* op = std::get_if<GetCustomerOp>(&h.op.body)) {
    const Customer* c = TenantCustomer(h, op->id);
    if (c == nullptr) return h.NotFound("customer_not_found", "customer", "id");
    Answer a;
    RenderCustomer(&a.body, *c);
    return a;
  }
  const auto& op = std::get<ListCustomersOp>(h.op.body);
  const TenantLists* lists = h.st.Lists(h.tenant());
  CB_CHECK(lists != nullptr);
  // A customer's token sees one customer, itself: a one-item list, not a tenant scan.
  const std::vector<CustomerId> self = {h.caller().customer};
  const bool delegated = h.caller().delegated();
  return ListByOrder(
      h, delegated ? self : lists->customers, op.after, op.limit, prefix::kCustomer,
      [&h](CustomerId id) { return h.st.FindCustomer(id); },
      [&h](std::string* out, CustomerId id, bool comma) {
        if (TenantCustomer(h, id) == nullptr) return false;  // a customer sees only itself
        if (comma) out->push_back(',');
        RenderCustomer(out, *h.st.FindCustomer(id));
        return true;
      },
      [delegated](const Customer& c) -> size_t { return delegated ? 0 : c.order; });
}

Answer HandleAccountOp(HandlerContext& h) {
  if (const auto* op = std::get_if<OpenAccountOp>(&h.op.body)) return OpenAccount(h, *op);
  if (const auto* op = std::get_if<ListTransactionsOp>(&h.op.body)) {
    return ListTransactions(h, *op);
  }
  if (const auto* op = std::get_if<AccountActionOp>(&h.op.body)) return ChangeAccountStatus(h, *op);
  if (const auto* op = std::get_if<GetAliasOp>(&h.op.body)) {
    const auto id = h.st.FindAlias(h.tenant(), op->alias);
    if (!id) return h.NotFound("resource_not_found", "alias", "alias");
    Answer a;
    a.body.append(R"({"object":"alias","alias":)");
    AppendJsonString(&a.body, op->alias);
    a.body.append(R"(,"account":")");
    AppendId(&a.body, prefix::kAccount, id->value);
    a.body.append("\"}");
    return a;
  }
  if (const auto* op = std::get_if<GetAccountOp>(&h.op.body)) {
    bool denied = false;
    const AccountMeta* meta = ConsentedAccount(h, op->id, kernel::kScopeAccountsRead, &denied);
    if (meta == nullptr) return h.Unavailable(denied, "id");
    Answer a;
    const ledger::Account& la = LedgerAccount(h, op->id);
    RenderAccount(&a.body, *meta, la, LedgerOf(h, la));
    return a;
  }
  if (const auto* op = std::get_if<GetBalancesOp>(&h.op.body)) {
    bool denied = false;
    const AccountMeta* meta = ConsentedAccount(h, op->id, kernel::kScopeBalancesRead, &denied);
    if (meta == nullptr) return h.Unavailable(denied, "id");
    const uint32_t row = h.ledger().AccountRow(op->id);
    const ledger::Account& la = h.ledger().account(row);
    Answer a;
    if (op->as_of) {
      const ledger::Balances b = la.timestamp <= *op->as_of
                                     ? h.ledger().history().BalanceAsOf(h.ledger(), row, *op->as_of)
                                     : ledger::Balances{};
      RenderBalances(&a.body, op->id, b, LedgerOf(h, la), op->as_of);
    } else {
      RenderBalances(&a.body, op->id, la.balances, LedgerOf(h, la), std::nullopt);
    }
    return a;
  }
  const auto& op = std::get<ListAccountsOp>(h.op.body);
  if (op.customer && TenantCustomer(h, *op.customer) == nullptr) {
    return h.NotFound("customer_not_found", "customer", "customer");
  }
  // One customer's accounts (asked for, or all a customer's token may see): walk that
  // customer's list, O(their accounts), never the whole tenant's.
  const std::optional<CustomerId> customer =
      h.caller().delegated() ? std::optional<CustomerId>(h.caller().customer) : op.customer;
  if (customer) {
    if (op.customer && !(*op.customer == *customer)) {
      return h.NotFound("customer_not_found", "customer", "customer");
    }
    return ListByOrder(
        h, h.st.CustomerAccounts(*customer), op.after, op.limit, prefix::kAccount,
        [&h](AccountId id) { return h.st.FindAccount(id); },
        [&h, &customer](std::string* out, AccountId id, bool comma) {
          return RenderAccountIf(h, out, id, comma, customer);
        },
        [](const AccountMeta& a) -> size_t { return a.customer_order; });
  }
  const TenantLists* lists = h.st.Lists(h.tenant());
  CB_CHECK(lists != nullptr);
  return ListByOrder(
      h, lists->accounts, op.after, op.limit, prefix::kAccount,
      [&h](AccountId id) { return h.st.FindAccount(id); },
      [&h](std::string* out, AccountId id, bool comma) {
        return RenderAccountIf(h, out, id, comma, std::nullopt);
      });
}

}  // namespace cb::platform
