// Transfers: single, batch (with linked chains), pending post/void, sandbox deposits, reads.
#include <array>
#include <optional>
#include <unordered_set>

#include "ledger/currency.h"
#include "ledger/ledger.h"
#include "platform/events.h"
#include "platform/handler_context.h"
#include "platform/ids.h"
#include "platform/json_out.h"
#include "platform/service.h"

namespace cb::platform {

namespace {

using ledger::TransferResult;

constexpr const char* kInternalAccountMessage =
    "Internal accounts (settlement and the bank's other books) are never an end of a transfer; "
    "money enters through sandbox deposits (sandbox tenants) or approved adjustments.";

struct ApiError {
  ApiError() = default;
  ApiError(ErrorKind k, std::string_view c, std::string m, std::string p)
      : failed(true), kind(k), code(c), message(std::move(m)), param(std::move(p)) {}
  bool failed = false;
  ErrorKind kind = ErrorKind::kInternal;
  std::string_view code;
  std::string message;
  std::string param;
};

// Ledger rejections as API errors: stable codes, the ledger's own name in the message.
ApiError FromLedger(TransferResult r) {
  const std::string detail = std::string("ledger: ") + ledger::TransferResultName(r);
  switch (r) {
    case TransferResult::kExceedsCredits:
      return {ErrorKind::kTransferRejected, "insufficient_funds",
              "Insufficient funds (" + detail + ").", "amount"};
    case TransferResult::kExceedsDebits:
      return {ErrorKind::kTransferRejected, "limit_exceeded",
              "The receiving account's limit is reached (" + detail + ").", "amount"};
    case TransferResult::kDebitAccountClosed:
      return {ErrorKind::kTransferRejected, "account_closed", "The source account is closed.",
              "from_account"};
    case TransferResult::kCreditAccountClosed:
      return {ErrorKind::kTransferRejected, "account_closed", "The destination account is closed.",
              "to_account"};
    case TransferResult::kAccountsMustBeDifferent:
      return {ErrorKind::kTransferRejected, "same_account",
              "Source and destination are the same account.", "to_account"};
    case TransferResult::kPendingTransferNotPending:
    case TransferResult::kPendingTransferAlreadyPosted:
    case TransferResult::kPendingTransferAlreadyVoided:
    case TransferResult::kPendingTransferExpired:
      return {ErrorKind::kTransferRejected, "transfer_not_pending",
              "The transfer is not pending (" + detail + ").", "id"};
    case TransferResult::kExceedsPendingTransferAmount:
      return {ErrorKind::kTransferRejected, "post_amount_exceeds_pending",
              "The amount exceeds the pending amount.", "amount"};
    case TransferResult::kLinkedEventFailed:
      return {ErrorKind::kTransferRejected, "linked_event_failed",
              "Another transfer in this linked chain failed.", ""};
    case TransferResult::kInternalAccountNeedsInternalTransfer:
      return {ErrorKind::kTransferRejected, "internal_account", kInternalAccountMessage, ""};
    case TransferResult::kOverflowsCreditsPosted:
    case TransferResult::kOverflowsDebitsPosted:
    case TransferResult::kOverflowsCreditsPending:
    case TransferResult::kOverflowsDebitsPending:
    case TransferResult::kOverflowsCredits:
    case TransferResult::kOverflowsDebits:
      return {ErrorKind::kTransferRejected, "amount_too_large",
              "The amount would overflow a balance (" + detail + ").", "amount"};
    case TransferResult::kExistsWithDifferentFlags:
    case TransferResult::kExistsWithDifferentDebitAccountId:
    case TransferResult::kExistsWithDifferentCreditAccountId:
    case TransferResult::kExistsWithDifferentAmount:
    case TransferResult::kExistsWithDifferentPendingId:
    case TransferResult::kExistsWithDifferentUserData128:
    case TransferResult::kExistsWithDifferentUserData64:
    case TransferResult::kExistsWithDifferentUserData32:
    case TransferResult::kExistsWithDifferentTimeout:
    case TransferResult::kExistsWithDifferentCode:
    case TransferResult::kExistsWithDifferentLedger:
      return {ErrorKind::kConflict, "resource_exists", "A different transfer with this id exists.",
              "id"};
    // What the edge's decoding and Prepare rule out before the ledger (shapes, ids, ledgers,
    // pending references), and the successes no caller maps: a generic rejection naming the
    // ledger's reason. Listed, not defaulted, so a new ledger result must be placed here.
    case TransferResult::kOk:
    case TransferResult::kExists:
    case TransferResult::kLinkedEventChainOpen:
    case TransferResult::kTimestampMustBeZero:
    case TransferResult::kReservedFlag:
    case TransferResult::kIdMustNotBeZero:
    case TransferResult::kIdMustNotBeIntMax:
    case TransferResult::kFlagsAreMutuallyExclusive:
    case TransferResult::kDebitAccountIdMustNotBeZero:
    case TransferResult::kDebitAccountIdMustNotBeIntMax:
    case TransferResult::kCreditAccountIdMustNotBeZero:
    case TransferResult::kCreditAccountIdMustNotBeIntMax:
    case TransferResult::kPendingIdMustBeZero:
    case TransferResult::kPendingIdMustNotBeZero:
    case TransferResult::kPendingIdMustNotBeIntMax:
    case TransferResult::kPendingIdMustBeDifferent:
    case TransferResult::kTimeoutReservedForPendingTransfer:
    case TransferResult::kAmountMustNotBeZero:
    case TransferResult::kLedgerMustNotBeZero:
    case TransferResult::kCodeMustNotBeZero:
    case TransferResult::kDebitAccountNotFound:
    case TransferResult::kCreditAccountNotFound:
    case TransferResult::kAccountsMustHaveTheSameLedger:
    case TransferResult::kTransferMustHaveTheSameLedgerAsAccounts:
    case TransferResult::kPendingTransferNotFound:
    case TransferResult::kPendingTransferHasDifferentDebitAccountId:
    case TransferResult::kPendingTransferHasDifferentCreditAccountId:
    case TransferResult::kPendingTransferHasDifferentLedger:
    case TransferResult::kPendingTransferHasDifferentCode:
    case TransferResult::kPendingTransferHasDifferentAmount:
    case TransferResult::kOverflowsTimeout:
    case TransferResult::kLedgerNotFound:
      break;
  }
  return {ErrorKind::kTransferRejected, "transfer_rejected",
          "The ledger rejected the transfer (" + detail + ").", ""};
}

// Resolves and checks the accounts of a transfer and builds the ledger record. The payer
// must be the caller's to pay from (its consent's, for a delegated token); the payee may be
// any account of the tenant, or with `to_clearing` the tenant's settlement account in the
// payer's currency (an outbound payment's reservation: spec.to is not read).
ApiError Prepare(HandlerContext& h, const TransferSpec& spec, ledger::Transfer* out,
                 bool to_clearing = false) {
  auto resolve = [&h](const AccountRef& ref, std::string_view param, bool payer,
                      const AccountMeta** meta) -> ApiError {
    AccountId id = ref.id;
    if (!ref.alias.empty()) {
      const auto found = h.st.FindAlias(h.tenant(), ref.alias);
      if (!found)
        return {ErrorKind::kNotFound, "account_not_found", "No account has this alias.",
                std::string(param)};
      id = *found;
    }
    bool denied = false;
    *meta =
        payer ? ConsentedAccount(h, id, kernel::kScopePaymentsWrite, &denied) : PayeeAccount(h, id);
    if (denied) {
      return {ErrorKind::kPermissionDenied, "consent_insufficient",
              "The consent does not cover paying from this account.", std::string(param)};
    }
    if (*meta == nullptr)
      return {ErrorKind::kNotFound, "account_not_found", "account not found", std::string(param)};
    return {};
  };
  const AccountMeta* from = nullptr;
  const AccountMeta* to = nullptr;
  if (ApiError e = resolve(spec.from, "from_account", true, &from); e.failed) return e;
  if (to_clearing) {
    // The payer's own ledger's settlement account: opened with its first account.
    const std::optional<AccountId> clearing =
        h.st.SettlementAccount(h.ledger().account(h.ledger().AccountRow(from->id)).ledger);
    CB_CHECK(clearing.has_value());
    to = h.st.FindAccount(*clearing);
    CB_CHECK(to != nullptr);
  } else if (ApiError e = resolve(spec.to, "to_account", false, &to); e.failed) {
    return e;
  }
  // The ledger refuses this too (kAccountInternal); saying so here names the field.
  if (IsInternalAccount(from->type)) {
    return {ErrorKind::kTransferRejected, "internal_account", kInternalAccountMessage,
            "from_account"};
  }
  if (IsInternalAccount(to->type) && !to_clearing) {
    return {ErrorKind::kTransferRejected, "internal_account", kInternalAccountMessage,
            "to_account"};
  }
  if (from->status == AccountStatus::kFrozen) {
    return {ErrorKind::kTransferRejected, "account_frozen", "The source account is frozen.",
            "from_account"};
  }
  if (from->status == AccountStatus::kClosed) {
    return {ErrorKind::kTransferRejected, "account_closed", "The source account is closed.",
            "from_account"};
  }
  if (to->status == AccountStatus::kClosed) {
    return {ErrorKind::kTransferRejected, "account_closed", "The destination account is closed.",
            "to_account"};
  }
  if (!from->customer.zero()) {
    const Customer* c = h.st.FindCustomer(from->customer);
    if (c->status != CustomerStatus::kActive) {
      return {ErrorKind::kTransferRejected, "customer_not_active",
              "The source account's customer is not active.", "from_account"};
    }
  }
  if (from->id == to->id) {
    return {ErrorKind::kTransferRejected, "same_account",
            "Source and destination are the same account.", "to_account"};
  }
  const ledger::Account& fa = h.ledger().account(h.ledger().AccountRow(from->id));
  const ledger::Account& ta = h.ledger().account(h.ledger().AccountRow(to->id));
  const ledger::LedgerInfo* info = h.ledger().FindLedger(fa.ledger);
  CB_CHECK(info != nullptr);
  if (std::string_view(info->currency) != spec.currency) {
    return {ErrorKind::kTransferRejected, "currency_mismatch",
            "The source account holds " + std::string(info->currency) + ".", "currency"};
  }
  if (ta.ledger != fa.ledger) {
    return {ErrorKind::kTransferRejected, "currency_mismatch",
            "The destination account holds another currency.", "to_account"};
  }
  *out = ledger::Transfer{};
  out->id = spec.id;
  out->debit_account_id = from->id;
  out->credit_account_id = to->id;
  out->amount = spec.amount_minor;
  out->ledger = fa.ledger;
  out->code = kTransferCodeTransfer;
  if (spec.pending) {
    out->flags |= ledger::kTransferPending;
    out->timeout_s = spec.timeout_s;
  }
  if (spec.linked) out->flags |= ledger::kTransferLinked;
  return {};
}

// `initiated_by`: who moved money into or out of the bank, recorded with the transfer.
void Annotate(HandlerContext& h, TransferId id, const std::string& description,
              const Actor* initiated_by = nullptr, bool rail = false) {
  if (description.empty() && !rail) return;  // a rail transfer is always marked (money audit)
  pb::TransferAnnotated m;
  m.set_id(IdBytes(id.value));
  m.set_description(description);
  m.set_tenant_id(IdBytes(h.tenant().value));
  m.set_rail(rail);
  if (initiated_by != nullptr) ActorToProto(*initiated_by, m.mutable_initiated_by());
  EmitProto(h.sc.out, EventType::kTransferAnnotated, m);
  h.st.ApplyTransferAnnotated(m);
}

void RenderTransferRow(HandlerContext& h, std::string* out, uint32_t row, uint64_t journal_seq) {
  const ledger::Transfer& t = h.ledger().record(row);
  TransferView v;
  v.record = &t;
  v.status = h.ledger().status(row);
  if (v.status == ledger::PendingStatus::kPosted) {
    const uint32_t post = h.ledger().TransferRow(PostRecordId(t.id));
    if (post != ledger::kNoRow) v.posted_amount = h.ledger().record(post).amount;
  }
  v.description = h.st.TransferDescription(t.id);
  v.info = h.ledger().FindLedger(t.ledger);
  v.journal_seq = journal_seq;
  if (h.risk != nullptr) {
    v.held = v.status == ledger::PendingStatus::kPending && h.risk->Held(t.id.value);
    v.decision = h.risk->DecisionOf(t.id.value);
  }
  RenderTransfer(out, v);
}

void AppendBalancesOf(HandlerContext& h, std::string* out, const std::vector<AccountId>& ids) {
  out->append(R"(,"balances":[)");
  for (size_t i = 0; i < ids.size(); i++) {
    if (i > 0) out->push_back(',');
    const ledger::Account& a = h.ledger().account(h.ledger().AccountRow(ids[i]));
    RenderBalances(out, ids[i], a.balances, *h.ledger().FindLedger(a.ledger), std::nullopt);
  }
  out->push_back(']');
}

// A transfer answer: the transfer (the original for post/void) plus touched balances.
Answer TransferAnswer(HandlerContext& h, uint16_t status, TransferId shown, uint64_t seq,
                      const ledger::Transfer& touched) {
  Answer a{status, {}};
  RenderTransferRow(h, &a.body, h.ledger().TransferRow(shown), seq);
  a.body.pop_back();
  AppendBalancesOf(h, &a.body, {touched.debit_account_id, touched.credit_account_id});
  a.body.push_back('}');
  return a;
}

Answer ErrorOf(HandlerContext& h, const ApiError& e) {
  return h.Error(e.kind, e.code, e.message, e.param);
}

// Runs one transfer through the ledger: kOk, or the ledger's reason (nothing applied).
TransferResult RunOne(HandlerContext& h, const ledger::Transfer& t) {
  std::vector<TransferResult> results;
  ledger::CreateTransfers(&h.ledger(), {&t, 1}, h.sc.ts_next, h.sc.out, &results);
  return results.at(0);
}

Answer RunOneFailed(HandlerContext& h, TransferResult r) {
  if (r == TransferResult::kExists) {
    // Ids are fresh per request and post/void check the pending status first, so only an
    // id collision gets here.
    return h.Error(ErrorKind::kConflict, "resource_exists", "Id collision; retry.", "id");
  }
  return ErrorOf(h, FromLedger(r));
}

Answer CreateOne(HandlerContext& h, const ledger::Transfer& t, const std::string& description,
                 const Actor* initiated_by = nullptr) {
  const uint64_t seq = h.sc.NextSeq();
  const TransferResult r = RunOne(h, t);
  if (r != TransferResult::kOk) return RunOneFailed(h, r);
  Annotate(h, t.id, description, initiated_by);
  return TransferAnswer(h, 201, t.pending_id.zero() ? t.id : t.pending_id, seq, t);
}

// Whether money movements ask the risk core (always, but in unit tests and the A/B bench).
bool Deciding(HandlerContext& h) { return h.risk != nullptr && h.risk->deciding(); }

// Amounts are u128 in the ledger; a policy compares int64 (amounts that large are beyond
// every limit anyway).
int64_t AmountForRisk(u128 amount) {
  return amount > static_cast<u128>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(amount);
}

// The risk core's view of a prepared transfer (kernel/decision_port.h).
kernel::Movement MovementOf(HandlerContext& h, const ledger::Transfer& t,
                            std::string_view operation, u128 subject, int64_t amount_minor) {
  const AccountMeta* from = h.st.FindAccount(t.debit_account_id);
  const AccountMeta* to = h.st.FindAccount(t.credit_account_id);
  CB_CHECK(from != nullptr && to != nullptr);  // Prepare resolved both
  const ledger::LedgerInfo* info = h.ledger().FindLedger(t.ledger);
  CB_CHECK(info != nullptr);
  kernel::Movement m;
  m.operation = operation;
  m.subject = subject;
  m.caller = &h.caller();
  m.from_account = from->id.value;
  m.to_account = to->id.value;
  m.from_customer = from->customer.value;
  m.to_customer = to->customer.value;
  m.customer_type = "none";
  if (const Customer* c = from->customer.zero() ? nullptr : h.st.FindCustomer(from->customer)) {
    m.customer_type = c->type == CustomerType::kBusiness ? "business" : "individual";
    m.kyc_tier = c->kyc_tier;
  }
  m.from_account_created = from->created;
  m.to_account_created = to->created;
  m.ledger = t.ledger;
  m.currency = info->currency;
  m.currency_exponent = info->scale;
  m.amount_minor = amount_minor;
  return m;
}

// The refusal of a denied or step-up decision: the error shape plus the decision and its
// reasons.
Answer RiskRefusal(HandlerContext& h, const kernel::Decision& d, std::string_view param = {}) {
  std::string reasons;
  for (const std::string& r : d.reasons) reasons += (reasons.empty() ? "" : ", ") + r;
  Answer a = d.outcome == kernel::RiskOutcome::kStepUp
                 ? h.Error(ErrorKind::kUnauthenticated, "insufficient_user_authentication",
                           "This payment needs a second factor: authorize again with acr_values="
                           "urn:corebank:acr:mfa.",
                           param)
                 : h.Error(ErrorKind::kTransferRejected, "risk_denied",
                           "Refused by the risk policy" +
                               (reasons.empty() ? std::string(".") : " (" + reasons + ")."),
                           param);
  // {"error":{...}} -> {"error":{...,"decision":"dec_...","reasons":[...]}}
  CB_CHECK(a.body.size() > 2 && a.body.ends_with("}}"));
  a.body.resize(a.body.size() - 2);
  a.body.append(R"(,"decision":")");
  AppendId(&a.body, "dec_", d.id);
  a.body.append(R"(","reasons":[)");
  for (size_t i = 0; i < d.reasons.size(); i++) {
    if (i > 0) a.body.push_back(',');
    AppendJsonString(&a.body, d.reasons[i]);
  }
  a.body.append("]}}");
  return a;
}

// A transfer asked of the risk core first: allowed runs, denied and step-up are refused
// (nothing runs), held is reserved as a pending transfer under a case (202 "held").
Answer DecidedTransfer(HandlerContext& h, ledger::Transfer t, const TransferSpec& spec) {
  const kernel::Movement m =
      MovementOf(h, t, "transfer", t.id.value, AmountForRisk(spec.amount_minor));
  const kernel::Decision d = h.risk->Decide(m, h.sc);
  using kernel::Disposition;
  using kernel::RiskOutcome;
  if (d.outcome == RiskOutcome::kDeny || d.outcome == RiskOutcome::kStepUp) {
    h.risk->Record(m, d, Disposition::kRefused, kernel::HoldAction::kPost, h.sc);
    return RiskRefusal(h, d);
  }
  const bool hold = d.outcome == RiskOutcome::kHold;
  if (hold && !spec.pending) {
    // The reservation waits for the case, not for a ledger time-out.
    t.flags |= ledger::kTransferPending;
    t.timeout_s = 0;
  }
  const uint64_t seq = h.sc.NextSeq();
  const TransferResult r = RunOne(h, t);
  if (r != TransferResult::kOk) {
    h.risk->Record(m, d, Disposition::kFailed, kernel::HoldAction::kPost, h.sc);
    return RunOneFailed(h, r);
  }
  Annotate(h, t.id, spec.description);
  h.risk->Record(m, d, hold ? Disposition::kHeld : Disposition::kExecuted,
                 spec.pending ? kernel::HoldAction::kRelease : kernel::HoldAction::kPost, h.sc);
  return TransferAnswer(h, hold ? 202 : 201, t.id, seq, t);
}

Answer CreateTransfer(HandlerContext& h, const TransferSpec& spec) {
  ledger::Transfer t;
  if (ApiError e = Prepare(h, spec, &t); e.failed) return ErrorOf(h, e);
  if (h.ledger().TransferRow(t.id) != ledger::kNoRow) {
    return h.Error(ErrorKind::kConflict, "resource_exists", "Id collision; retry.");
  }
  if (Deciding(h)) return DecidedTransfer(h, t, spec);
  return CreateOne(h, t, spec.description);
}

Answer SandboxDeposit(HandlerContext& h, const SandboxDepositOp& op) {
  if (!h.op.caller.sandbox) {
    return h.Error(ErrorKind::kPermissionDenied, "sandbox_only",
                   "Deposits from the settlement account are for sandbox tenants only.");
  }
  const AccountMeta* meta = TenantAccount(h, op.account);
  if (meta == nullptr) return h.NotFound("account_not_found", "account", "account");
  if (IsInternalAccount(meta->type)) {
    return h.Error(ErrorKind::kUnprocessable, "account_not_customer",
                   "Deposit into a customer account.", "account");
  }
  if (meta->status == AccountStatus::kClosed) {
    return h.Error(ErrorKind::kTransferRejected, "account_closed", "The account is closed.",
                   "account");
  }
  const ledger::Account& la = h.ledger().account(h.ledger().AccountRow(op.account));
  const ledger::LedgerInfo* info = h.ledger().FindLedger(la.ledger);
  if (std::string_view(info->currency) != op.currency) {
    return h.Error(ErrorKind::kTransferRejected, "currency_mismatch",
                   "The account holds " + std::string(info->currency) + ".", "currency");
  }
  const std::optional<AccountId> settlement = h.st.SettlementAccount(la.ledger);
  CB_CHECK(settlement.has_value());  // opened with the tenant's first account in the currency
  ledger::Transfer t;
  t.id = op.id;
  t.debit_account_id = *settlement;
  t.credit_account_id = op.account;
  t.amount = op.amount_minor;
  t.ledger = la.ledger;
  t.code = kTransferCodeDeposit;
  t.flags = ledger::kTransferInternal;  // the one route besides adjustments that may mint
  const Actor actor = ActorOf(h.caller());
  return CreateOne(h, t, "sandbox deposit", &actor);
}

// The transfer if it is this tenant's (and, for a delegated caller, touches an account its
// consent covers for `scope`: the debit side to pay, either side to read); row or kNoRow.
uint32_t TenantTransferRow(HandlerContext& h, TransferId id, ScopeSet scope) {
  const uint32_t row = h.ledger().TransferRow(id);
  if (row == ledger::kNoRow) return row;
  const ledger::Transfer& t = h.ledger().record(row);
  if (LedgerTenantSeq(t.ledger) != h.op.caller.tenant_seq) return ledger::kNoRow;
  // Post/void/expiry records are not addressable as transfers of their own.
  if (t.flags & (ledger::kTransferPostPending | ledger::kTransferVoidPending |
                 ledger::kTransferExpiryRecord)) {
    return ledger::kNoRow;
  }
  // A payment rail's reservation is the payments service's to end (when the scheme answers):
  // a client that voided it after the message left would keep the money the scheme pays out.
  if (t.code == kTransferCodeRail && scope == kernel::kScopePaymentsWrite) return ledger::kNoRow;
  if (h.caller().delegated()) {
    bool denied = false;
    const bool payer = ConsentedAccount(h, t.debit_account_id, scope, &denied) != nullptr;
    const bool payee = scope != kernel::kScopePaymentsWrite &&
                       ConsentedAccount(h, t.credit_account_id, scope, &denied) != nullptr;
    if (!payer && !payee) return ledger::kNoRow;
  }
  return row;
}

Answer PostVoid(HandlerContext& h, const PostVoidOp& op) {
  const uint32_t row = TenantTransferRow(h, op.pending_id, kernel::kScopePaymentsWrite);
  if (row == ledger::kNoRow) return h.NotFound("transfer_not_found", "transfer", "id");
  const ledger::Transfer& p = h.ledger().record(row);
  if (h.risk != nullptr && h.risk->Held(p.id.value)) {
    return h.Error(ErrorKind::kConflict, "transfer_held",
                   "The transfer is held for review by the risk policy: its case decides it.",
                   "id");
  }
  if (!(p.flags & ledger::kTransferPending) ||
      h.ledger().status(row) != ledger::PendingStatus::kPending) {
    return h.Error(ErrorKind::kTransferRejected, "transfer_not_pending",
                   "The transfer is not pending (never was, or already posted, voided or "
                   "expired).",
                   "id");
  }
  if (op.amount_minor) {
    // The amount was read at `currency`'s scale: "1.000" KWD is not 1.00 USD.
    const ledger::LedgerInfo* info = h.ledger().FindLedger(p.ledger);
    CB_CHECK(info != nullptr);
    if (std::string_view(info->currency) != op.currency) {
      return h.Error(ErrorKind::kTransferRejected, "currency_mismatch",
                     "The transfer is in " + std::string(info->currency) + ".", "currency");
    }
  }
  ledger::Transfer t;
  t.id = op.void_it ? VoidRecordId(p.id) : PostRecordId(p.id);
  t.pending_id = p.id;
  t.debit_account_id = p.debit_account_id;
  t.credit_account_id = p.credit_account_id;
  t.ledger = p.ledger;
  t.code = p.code;
  t.amount = op.amount_minor.value_or(0);
  t.flags = op.void_it ? ledger::kTransferVoidPending : ledger::kTransferPostPending;
  if (!Deciding(h) || op.void_it) return CreateOne(h, t, "");
  // Posting moves the money: decided like a transfer (a void only gives it back). What the
  // ledger would refuse anyway is refused first, so no case holds an impossible post.
  if (op.amount_minor && *op.amount_minor > p.amount) {
    return ErrorOf(h, FromLedger(TransferResult::kExceedsPendingTransferAmount));
  }
  const u128 post_amount = op.amount_minor.value_or(p.amount);
  if (post_amount > static_cast<u128>(INT64_MAX)) {
    return h.Error(ErrorKind::kTransferRejected, "amount_too_large",
                   "The amount is above what risk decisions take (2^63 - 1 minor units).",
                   "amount");
  }
  kernel::Movement m =
      MovementOf(h, p, "post_pending", PostRecordId(p.id).value, static_cast<int64_t>(post_amount));
  m.transfer = p.id.value;
  m.post_amount_minor = op.amount_minor ? static_cast<int64_t>(*op.amount_minor) : 0;
  // The reservation was counted when it was decided (a transfer made before risk decisions
  // has no decision and was never counted).
  if (h.risk->DecisionOf(p.id.value) != 0) m.counted_minor = AmountForRisk(p.amount);
  const kernel::Decision d = h.risk->Decide(m, h.sc);
  using kernel::Disposition;
  if (d.outcome == kernel::RiskOutcome::kDeny || d.outcome == kernel::RiskOutcome::kStepUp) {
    h.risk->Record(m, d, Disposition::kRefused, kernel::HoldAction::kPost, h.sc);
    return RiskRefusal(h, d, "id");
  }
  if (d.outcome == kernel::RiskOutcome::kHold) {
    // The reservation stays; the case posts it (this amount) or voids it.
    const uint64_t seq = h.sc.NextSeq();
    h.risk->Record(m, d, Disposition::kHeld, kernel::HoldAction::kPost, h.sc);
    return TransferAnswer(h, 202, p.id, seq, p);
  }
  const uint64_t seq = h.sc.NextSeq();
  const TransferResult r = RunOne(h, t);
  if (r != TransferResult::kOk) {
    h.risk->Record(m, d, Disposition::kFailed, kernel::HoldAction::kPost, h.sc);
    return RunOneFailed(h, r);
  }
  h.risk->Record(m, d, Disposition::kExecuted, kernel::HoldAction::kPost, h.sc);
  return TransferAnswer(h, 201, p.id, seq, t);
}

// Earlier items of one linked chain, decided but not executed yet (the chain runs as one
// ledger call): each later item is decided as if they had been sent (kernel::Movement).
// A chain holds at most kItemsPerCommandMax items: linear look-ups are fine.
class InFlight {
 public:
  void Apply(kernel::Movement* m) const {
    for (const Entry& e : entries_) {
      if (e.account == m->from_account) {
        m->inflight_account_count += 1;
        m->inflight_account_sum_minor = SaturatingAdd(m->inflight_account_sum_minor, e.minor);
      }
      if (e.customer == CustomerKey(*m) && e.ledger == m->ledger) {
        m->inflight_customer_count += 1;
        m->inflight_customer_sum_minor = SaturatingAdd(m->inflight_customer_sum_minor, e.minor);
      }
    }
  }
  void Add(const kernel::Movement& m) {
    entries_.push_back({m.from_account, CustomerKey(m), m.ledger, m.amount_minor});
  }

 private:
  // The risk core's customer of a movement: the payer's customer, or the account itself.
  static u128 CustomerKey(const kernel::Movement& m) {
    return m.from_customer != 0 ? m.from_customer : m.from_account;
  }
  static int64_t SaturatingAdd(int64_t a, int64_t b) {
    int64_t r = 0;
    return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
  }
  struct Entry {
    u128 account, customer;
    uint32_t ledger;
    int64_t minor;
  };
  std::vector<Entry> entries_;
};

// The risk refusal of a batch item, in the batch's per-item error shape.
ApiError RiskItemError(const kernel::Decision& d) {
  std::string reasons;
  for (const std::string& r : d.reasons) reasons += (reasons.empty() ? "" : ", ") + r;
  if (d.outcome == kernel::RiskOutcome::kStepUp) {
    return {ErrorKind::kUnauthenticated, "insufficient_user_authentication",
            "This payment needs a second factor (" + reasons + ").", ""};
  }
  if (d.outcome == kernel::RiskOutcome::kHold) {
    // A linked chain is all or nothing: one item cannot wait for an analyst alone.
    return {ErrorKind::kTransferRejected, "risk_review_required",
            "The risk policy holds this item for review, which a linked chain cannot do (" +
                reasons + "); send it on its own.",
            ""};
  }
  return {ErrorKind::kTransferRejected, "risk_denied",
          "Refused by the risk policy (" + reasons + ").", ""};
}

// Batches run unit by unit (an unlinked item, or a linked chain), each decided against the
// features of every unit before it: splitting a payment into a batch of small ones is
// counted like sending them one by one.
Answer Batch(HandlerContext& h, const BatchTransfersOp& op) {
  const size_t n = op.items.size();
  std::vector<ledger::Transfer> records(n);
  std::vector<ApiError> errors(n);
  std::vector<uint8_t> held(n, 0);
  for (size_t i = 0; i < n; i++) {
    errors[i] = Prepare(h, op.items[i], &records[i]);
    if (!errors[i].failed && h.ledger().TransferRow(records[i].id) != ledger::kNoRow) {
      errors[i] = {ErrorKind::kConflict, "resource_exists", "Id collision; retry.", "id"};
    }
  }
  const uint64_t seq = h.sc.NextSeq();
  std::vector<AccountId> touched;
  std::unordered_set<u128, U128Hash> seen;
  std::vector<kernel::Movement> moves;
  std::vector<std::optional<kernel::Decision>> decisions;
  std::vector<ledger::Transfer> submit;
  std::vector<TransferResult> results;
  for (size_t start = 0; start < n;) {
    size_t end = start;
    while (end + 1 < n && op.items[end].linked) end++;
    const bool chain = end > start;
    const size_t unit = end - start + 1;
    moves.assign(unit, kernel::Movement{});
    decisions.assign(unit, std::nullopt);
    std::vector<uint8_t> refused(unit, 0);
    bool prepared = true;  // a unit with an invalid item fails as a whole: nothing to decide
    for (size_t i = start; i <= end; i++) prepared = prepared && !errors[i].failed;
    if (Deciding(h) && prepared) {
      InFlight inflight;
      for (size_t k = 0; k < unit; k++) {
        const size_t i = start + k;
        if (errors[i].failed) continue;
        moves[k] = MovementOf(h, records[i], "batch_item", records[i].id.value,
                              AmountForRisk(op.items[i].amount_minor));
        inflight.Apply(&moves[k]);
        decisions[k] = h.risk->Decide(moves[k], h.sc);
        if (decisions[k]->outcome == kernel::RiskOutcome::kAllow ||
            decisions[k]->outcome == kernel::RiskOutcome::kHold) {
          inflight.Add(moves[k]);
        }
        const kernel::RiskOutcome o = decisions[k]->outcome;
        if (o == kernel::RiskOutcome::kDeny || o == kernel::RiskOutcome::kStepUp ||
            (o == kernel::RiskOutcome::kHold && chain)) {
          errors[i] = RiskItemError(*decisions[k]);
          refused[k] = 1;
        } else if (o == kernel::RiskOutcome::kHold) {
          held[i] = 1;
          if (!op.items[i].pending) {
            records[i].flags |= ledger::kTransferPending;
            records[i].timeout_s = 0;
          }
        }
      }
    }
    // A chain with an item failing before the ledger fails as a whole, like a ledger failure.
    size_t failed = n;
    for (size_t i = start; i <= end; i++) {
      if (errors[i].failed) failed = i;
    }
    if (failed != n) {
      for (size_t i = start; i <= end; i++) {
        if (i != failed && !errors[i].failed) {
          errors[i] = FromLedger(TransferResult::kLinkedEventFailed);
        }
      }
    } else {
      submit.assign(records.begin() + static_cast<ptrdiff_t>(start),
                    records.begin() + static_cast<ptrdiff_t>(end) + 1);
      results.clear();
      ledger::CreateTransfers(&h.ledger(), submit, h.sc.ts_next, h.sc.out, &results);
      for (size_t k = 0; k < unit; k++) {
        if (results[k] != TransferResult::kOk) errors[start + k] = FromLedger(results[k]);
      }
    }
    for (size_t k = 0; k < unit; k++) {
      const size_t i = start + k;
      if (!errors[i].failed) {
        Annotate(h, records[i].id, op.items[i].description);
        for (AccountId id : {records[i].debit_account_id, records[i].credit_account_id}) {
          if (seen.insert(id.value).second) touched.push_back(id);
        }
      }
      if (!decisions[k]) continue;
      using kernel::Disposition;
      const Disposition d = refused[k]         ? Disposition::kRefused
                            : errors[i].failed ? Disposition::kFailed
                            : held[i]          ? Disposition::kHeld
                                               : Disposition::kExecuted;
      if (d != Disposition::kHeld) held[i] = 0;
      h.risk->Record(moves[k], *decisions[k], d,
                     op.items[i].pending ? kernel::HoldAction::kRelease : kernel::HoldAction::kPost,
                     h.sc);
    }
    start = end + 1;
  }
  const bool any_event = h.sc.NextSeq() > seq;
  Answer a{200, {}};
  std::string& b = a.body;
  b.reserve(n * 96 + touched.size() * 200);
  b.append(R"({"object":"batch_result","journal_seq":)");
  b.append(any_event ? std::to_string(seq) : "null");
  b.append(R"(,"results":[)");
  for (size_t i = 0; i < n; i++) {
    if (i > 0) b.push_back(',');
    b.append(R"({"index":)");
    b.append(std::to_string(i));
    b.append(R"(,"id":")");
    AppendId(&b, prefix::kTransfer, op.items[i].id.value);
    if (!errors[i].failed) {
      b.append(held[i] ? R"(","status":"held","error":null})"
                       : R"(","status":"created","error":null})");
      continue;
    }
    b.append(R"(","status":"failed","error":{"code":)");
    AppendJsonString(&b, errors[i].code);
    b.append(R"(,"message":)");
    AppendJsonString(&b, errors[i].message);
    b.append(R"(,"param":)");
    AppendJsonStringOrNull(&b, errors[i].param);
    b.append("}}");
  }
  b.push_back(']');
  AppendBalancesOf(h, &b, touched);
  b.push_back('}');
  return a;
}

Answer ListTransfers(HandlerContext& h, const ListTransfersOp& op) {
  bool denied = false;
  const AccountMeta* meta =
      ConsentedAccount(h, op.account, kernel::kScopeTransactionsRead, &denied);
  if (meta == nullptr) return h.Unavailable(denied, "account");
  const uint32_t arow = h.ledger().AccountRow(op.account);
  ledger::HistoryQuery q;
  q.account_id = op.account;
  q.timestamp_min = op.from;
  q.timestamp_max = op.to;
  q.limit = ledger::HistoryIndex::kLimitMax;
  Answer a;
  BeginList(&a.body);
  uint32_t shown = 0;
  TimestampNs last_ts = 0;
  bool has_more = false;
  // History holds post/void/expiry records too; a transfer is listed once, at creation.
  for (;;) {
    const auto entries = h.ledger().history().Get(h.ledger(), arow, q);
    for (const ledger::HistoryEntry& e : entries) {
      const ledger::Transfer& t = e.transfer;
      if (t.flags & (ledger::kTransferPostPending | ledger::kTransferVoidPending |
                     ledger::kTransferExpiryRecord)) {
        continue;
      }
      if (shown == op.limit) {
        has_more = true;
        break;
      }
      if (shown > 0) a.body.push_back(',');
      RenderTransferRow(h, &a.body, h.ledger().TransferRow(t.id), 0);
      shown++;
      last_ts = t.timestamp;
    }
    if (has_more || entries.size() < q.limit) break;
    q.timestamp_min = entries.back().transfer.timestamp + 1;
  }
  EndList(&a.body, has_more, has_more ? "t" + std::to_string(last_ts) : "");
  return a;
}

}  // namespace

namespace {

// The fee of an outbound payment `t` (MoveRequest::fee_*): a pending rail transfer from the
// payer to the tenant's fee account, which must be a customer account of the tenant, open,
// in the payment's ledger. A fee account that cannot take it refuses the payment (the
// tenant's set-up, named as such), rather than sending it without its fee.
ApiError PrepareFee(HandlerContext& h, const kernel::MoveRequest& r, const ledger::Transfer& t,
                    std::optional<ledger::Transfer>* out) {
  const ApiError unavailable{ErrorKind::kUnprocessable, "fee_account_unavailable",
                             "The fee account set for this rail and currency cannot take the fee "
                             "(closed, frozen, another currency or not the tenant's); the tenant "
                             "must set another.",
                             "rail"};
  const AccountMeta* meta = h.st.FindAccount(AccountId(r.fee_account));
  if (meta == nullptr || !(meta->tenant == h.tenant()) || IsInternalAccount(meta->type) ||
      meta->status != AccountStatus::kOpen || meta->id == t.debit_account_id) {
    return unavailable;
  }
  const uint32_t row = h.ledger().AccountRow(meta->id);
  if (row == ledger::kNoRow || h.ledger().account(row).ledger != t.ledger) return unavailable;
  if (h.ledger().TransferRow(TransferId(r.fee_transfer)) != ledger::kNoRow) {
    return {ErrorKind::kConflict, "resource_exists", "Id collision; retry.", "id"};
  }
  ledger::Transfer f;
  f.id = TransferId(r.fee_transfer);
  f.debit_account_id = t.debit_account_id;
  f.credit_account_id = meta->id;
  f.amount = r.fee_minor;
  f.ledger = t.ledger;
  f.code = kTransferCodeRail;  // ended only by the money port, like the reservation
  f.flags = ledger::kTransferPending;
  f.timeout_s = 0;
  *out = f;
  return {};
}

}  // namespace

kernel::MoveResult MoveForService(HandlerContext& h, const kernel::MoveRequest& r) {
  using kernel::MoveOutcome;
  kernel::MoveResult out;
  auto failed = [&](MoveOutcome outcome, const ApiError& e) {
    out.outcome = outcome;
    out.error = ErrorOf(h, e);
    out.code = std::string(e.code);
    out.message = e.message;
    return out;
  };
  TransferSpec spec;
  spec.id = TransferId(r.transfer);
  spec.from.id = AccountId(r.from_account);
  spec.to.id = AccountId(r.to_account);
  spec.amount_minor = r.amount_minor;
  spec.currency = std::string(r.currency);
  spec.description = std::string(r.description);
  ledger::Transfer t;
  if (ApiError e = Prepare(h, spec, &t, r.to_clearing); e.failed) {
    return failed(MoveOutcome::kInvalid, e);
  }
  if (h.ledger().TransferRow(t.id) != ledger::kNoRow) {
    return failed(MoveOutcome::kInvalid,
                  {ErrorKind::kConflict, "resource_exists", "Id collision; retry.", "id"});
  }
  out.from_customer = h.st.FindAccount(t.debit_account_id)->customer.value;
  if (r.to_clearing) {
    // Reserved until the rail answers; only the money port's FinishReservation ends it.
    t.flags |= ledger::kTransferPending | ledger::kTransferInternal;
    t.timeout_s = 0;
    t.code = kTransferCodeRail;
  }
  std::optional<ledger::Transfer> fee;
  if (r.fee_minor != 0) {
    CB_CHECK(r.to_clearing);
    ApiError e = PrepareFee(h, r, t, &fee);
    if (e.failed) return failed(MoveOutcome::kInvalid, e);
  }
  // The payment and its fee as one linked chain: both are made, or neither.
  auto run = [&]() {
    if (!fee) return RunOne(h, t);
    std::array<ledger::Transfer, 2> chain{t, *fee};
    chain[0].flags |= ledger::kTransferLinked;
    std::vector<TransferResult> results;
    ledger::CreateTransfers(&h.ledger(), chain, h.sc.ts_next, h.sc.out, &results);
    for (TransferResult res : results) {
      if (res != TransferResult::kOk && res != TransferResult::kLinkedEventFailed) return res;
    }
    return results.at(0);
  };
  auto annotate = [&]() {
    Annotate(h, t.id, spec.description, nullptr, r.to_clearing);
    if (fee) Annotate(h, fee->id, "Fee: " + spec.description, nullptr, true);
  };
  const kernel::HoldAction hold_action =
      r.to_clearing ? kernel::HoldAction::kRelease : kernel::HoldAction::kPost;
  if (!Deciding(h)) {
    if (TransferResult res = run(); res != TransferResult::kOk) {
      return failed(MoveOutcome::kFailed, FromLedger(res));
    }
    annotate();
    out.outcome = MoveOutcome::kExecuted;
    return out;
  }
  const kernel::Movement m =
      MovementOf(h, t, r.operation, t.id.value, AmountForRisk(r.amount_minor));
  const kernel::Decision d = h.risk->Decide(m, h.sc);
  out.decision = d.id;
  out.reasons = d.reasons;
  using kernel::Disposition;
  using kernel::RiskOutcome;
  if (d.outcome == RiskOutcome::kDeny || d.outcome == RiskOutcome::kStepUp) {
    h.risk->Record(m, d, Disposition::kRefused, hold_action, h.sc);
    out.outcome = MoveOutcome::kRefused;
    out.step_up = d.outcome == RiskOutcome::kStepUp;
    out.error = RiskRefusal(h, d);
    out.code = out.step_up ? "insufficient_user_authentication" : "risk_denied";
    out.message =
        out.step_up ? "The payment needs a second factor." : "Refused by the risk policy.";
    return out;
  }
  const bool hold = d.outcome == RiskOutcome::kHold;
  if (hold) {
    t.flags |= ledger::kTransferPending;  // the case decides it, not a ledger time-out
    t.timeout_s = 0;
  }
  if (TransferResult res = run(); res != TransferResult::kOk) {
    h.risk->Record(m, d, Disposition::kFailed, hold_action, h.sc);
    return failed(MoveOutcome::kFailed, FromLedger(res));
  }
  annotate();
  h.risk->Record(m, d, hold ? Disposition::kHeld : Disposition::kExecuted, hold_action, h.sc);
  out.outcome = hold ? MoveOutcome::kHeld : MoveOutcome::kExecuted;
  return out;
}

Status FinishReservationForService(HandlerContext& h, TransferId pending, bool post) {
  const uint32_t row = h.ledger().TransferRow(pending);
  if (row == ledger::kNoRow) return Status::NotFound("no such reservation");
  const ledger::Transfer& p = h.ledger().record(row);
  if (LedgerTenantSeq(p.ledger) != h.op.caller.tenant_seq || p.code != kTransferCodeRail ||
      !(p.flags & ledger::kTransferPending)) {
    return Status::NotFound("no such reservation");
  }
  if (h.ledger().status(row) != ledger::PendingStatus::kPending) {
    return Status::FailedPrecondition("the reservation is not pending any more");
  }
  ledger::Transfer t;
  t.id = post ? PostRecordId(p.id) : VoidRecordId(p.id);
  t.pending_id = p.id;
  t.debit_account_id = p.debit_account_id;
  t.credit_account_id = p.credit_account_id;
  t.ledger = p.ledger;
  t.code = p.code;
  t.flags = post ? ledger::kTransferPostPending : ledger::kTransferVoidPending;
  if (TransferResult res = RunOne(h, t); res != TransferResult::kOk) {
    return Status::FailedPrecondition(std::string("ledger: ") + ledger::TransferResultName(res));
  }
  return Status::Ok();
}

Status CreditFromRailForService(HandlerContext& h, const kernel::CreditRequest& r) {
  const AccountMeta* meta = h.st.FindAccount(AccountId(r.account));
  if (meta == nullptr || !(meta->tenant == r.tenant) || IsInternalAccount(meta->type)) {
    return Status::NotFound("no such account");
  }
  if (meta->status == AccountStatus::kClosed) return Status::FailedPrecondition("account closed");
  const ledger::Account& la = h.ledger().account(h.ledger().AccountRow(meta->id));
  const ledger::LedgerInfo* info = h.ledger().FindLedger(la.ledger);
  CB_CHECK(info != nullptr);
  if (std::string_view(info->currency) != r.currency) {
    return Status::FailedPrecondition("the account holds " + std::string(info->currency));
  }
  const std::optional<AccountId> clearing = h.st.SettlementAccount(la.ledger);
  CB_CHECK(clearing.has_value());
  if (h.ledger().TransferRow(TransferId(r.transfer)) != ledger::kNoRow) {
    return Status::AlreadyExists("transfer id in use");
  }
  ledger::Transfer t;
  t.id = TransferId(r.transfer);
  t.debit_account_id = *clearing;
  t.credit_account_id = meta->id;
  t.amount = r.amount_minor;
  t.ledger = la.ledger;
  t.code = kTransferCodeRail;
  t.flags = ledger::kTransferInternal;
  if (TransferResult res = RunOne(h, t); res != TransferResult::kOk) {
    return Status::FailedPrecondition(std::string("ledger: ") + ledger::TransferResultName(res));
  }
  Annotate(h, t.id, std::string(r.description), nullptr, /*rail=*/true);
  return Status::Ok();
}

Answer TransferRejected(HandlerContext& h, ledger::TransferResult r) {
  return ErrorOf(h, FromLedger(r));
}

Answer HandleTransferOp(HandlerContext& h) {
  if (const auto* op = std::get_if<CreateTransferOp>(&h.op.body))
    return CreateTransfer(h, op->spec);
  if (const auto* op = std::get_if<BatchTransfersOp>(&h.op.body)) return Batch(h, *op);
  if (const auto* op = std::get_if<PostVoidOp>(&h.op.body)) return PostVoid(h, *op);
  if (const auto* op = std::get_if<SandboxDepositOp>(&h.op.body)) return SandboxDeposit(h, *op);
  if (const auto* op = std::get_if<ListTransfersOp>(&h.op.body)) return ListTransfers(h, *op);
  const auto& op = std::get<GetTransferOp>(h.op.body);
  const uint32_t row = TenantTransferRow(h, op.id, kernel::kScopeTransactionsRead);
  if (row == ledger::kNoRow) return h.NotFound("transfer_not_found", "transfer", "id");
  Answer a;
  RenderTransferRow(h, &a.body, row, 0);
  return a;
}

}  // namespace cb::platform
