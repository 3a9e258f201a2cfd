// Creating a payment: the payee, confirmation of payee, the money through the platform's
// money port (payer checks, risk decision, ledger), and the first transition, all in the
// request's batch. Also cancel, and the end of a risk hold (kernel::HoldObserver).
#include "base/check.h"
#include "base/json_string.h"
#include "kernel/ids.h"
#include "modules/payments/payments_internal.h"
#include "payments/payee_match.h"
#include "runtime/timers.h"

namespace cb::modules::payments {

using kernel::Answer;
using kernel::ErrorAnswer;
using kernel::ErrorKind;
using kernel::MoveOutcome;

namespace {

// What the payer is told of a sanctions match: nothing that would tip anyone off (which
// list, which entry). No alert for analysts is raised yet (ADR 0019, "Not yet").
constexpr std::string_view kComplianceRefused =
    "Refused by the bank's compliance checks; the payer's bank can say no more.";

std::string Reasons(std::string_view lead, const std::vector<std::string>& reasons) {
  std::string s(lead);
  if (reasons.empty()) return s + ".";
  s += " (";
  for (size_t i = 0; i < reasons.size(); i++) s += (i > 0 ? ", " : "") + reasons[i];
  return s + ").";
}

}  // namespace

Answer PaymentsService::Create(const PaymentOp& op, const CreatePaymentOp& c,
                               runtime::ServiceContext& ctx) {
  const kernel::TenantId tenant = op.caller.tenant;
  if (payments_.contains(c.id)) {
    return ErrorAnswer(ErrorKind::kConflict, "resource_exists", "Id collision; retry.", "id",
                       op.trace_id);
  }
  // A minute of slack for a clock read by the client; the horizon is checked by Schedule.
  if (c.scheduled_for != 0 &&
      c.scheduled_for < ctx.batch_timestamp - std::min(ctx.batch_timestamp, 60 * kNsPerSecond)) {
    return ErrorAnswer(ErrorKind::kUnprocessable, "schedule_invalid",
                       "scheduled_for must not be in the past.", "scheduled_for", op.trace_id);
  }
  const bool internal = c.to.internal();
  Payment p;
  p.id = c.id;
  p.tenant = tenant.value;
  p.from_account = c.from_account;
  p.to = c.to;
  p.amount_minor = c.amount_minor;
  p.currency = c.currency;
  p.rail = c.rail.value_or(Rail::kInternal);  // the edge routed every external payee
  p.reference = c.reference;
  p.end_to_end_id = c.end_to_end_id;
  p.transfer = kernel::DerivedId(c.id, 'T');
  p.created = ctx.batch_timestamp;
  if (internal) {
    const std::optional<kernel::PayeeInfo> payee =
        money_->ResolvePayee(tenant, c.to.account, c.to.alias, ctx);
    if (!payee) {
      return ErrorAnswer(
          ErrorKind::kNotFound, "account_not_found",
          c.to.kind == PayeeKind::kAlias ? "No account has this alias." : "account not found",
          c.to.kind == PayeeKind::kAlias ? "to.alias" : "to.account", op.trace_id);
    }
    p.to.account = payee->account;
    if (!c.to.name.empty()) {
      const ::cb::payments::PayeeMatch m =
          ::cb::payments::MatchPayeeName(c.to.name, payee->holder_name);
      p.cop = static_cast<CopResult>(m);
      // The real name is shown for a close match only (as the UK scheme does): a payer who
      // guessed wrong learns nothing, one who nearly knew it can check.
      if (m == ::cb::payments::PayeeMatch::kCloseMatch) {
        p.cop_name = TruncateUtf8(payee->holder_name, kNameBytesMax);
      }
    }
  } else if (std::optional<Answer> refused = RefuseExternal(op, c, ctx)) {
    return *refused;
  } else if (const FeeRule* fee = FeeFor(p)) {
    p.fee_minor = fee->amount_minor;
    p.fee_account = fee->account;
  }
  p.scheduled_for = c.scheduled_for;  // (if not later, due already: the edge's minute of slack)
  if (p.scheduled_for != 0) p.creator = op.caller;
  if (SanctionsMatch(p)) {
    // Refused by the bank, not a wrong request: a rejected payment, and no money moved. What
    // the money port would have checked first is checked here, so a wrong request is still
    // a 4xx and the payment is the payer's to see.
    kernel::PayeeInfo payer;
    if (std::optional<Answer> refused =
            CheckPayerLater(op, p.from_account, p.currency, ctx, &payer)) {
      return *refused;
    }
    if (op.caller.delegated() && payer.customer != op.caller.customer.value) {
      return ErrorAnswer(ErrorKind::kNotFound, "account_not_found", "account not found",
                         "from_account", op.trace_id);
    }
    if (p.scheduled_for > ctx.batch_timestamp + kScheduleHorizonNs) {
      return ErrorAnswer(ErrorKind::kUnprocessable, "schedule_invalid",
                         "scheduled_for must be within a year.", "scheduled_for", op.trace_id);
    }
    p.from_customer = payer.customer;
    Payment& live = RecordCreated(std::move(p), ctx);
    Advance(live, PaymentStatus::kRejected, "compliance_refused", kComplianceRefused, ctx);
    return {201, RenderPayment(live)};
  }
  if (p.scheduled_for > ctx.batch_timestamp) return Schedule(op, std::move(p), ctx);
  const kernel::MoveResult r = MoveMoney(p, op.caller, op.trace_id, ctx);
  // Wrong accounts, currency or consent, or a second factor wanted: no payment is made
  // (the client fixes the request, or authenticates, and sends it again).
  if (r.outcome == MoveOutcome::kInvalid || (r.outcome == MoveOutcome::kRefused && r.step_up)) {
    return r.error;
  }
  p.from_customer = r.from_customer;
  p.decision = r.decision;
  p.decision_reasons = r.reasons;
  Payment& live = RecordCreated(std::move(p), ctx);
  const uint16_t http_status = AdvanceAfterMove(live, r, ctx);
  return {http_status, RenderPayment(live)};
}

kernel::MoveResult PaymentsService::MoveMoney(const Payment& p, const kernel::Principal& caller,
                                              std::string_view trace_id,
                                              runtime::ServiceContext& ctx) {
  const std::string description =
      p.reference.empty() ? kernel::FormatId(kPaymentPrefix, p.id) : p.reference;
  const kernel::MoveRequest move{.caller = &caller,
                                 .trace_id = trace_id,
                                 .transfer = p.transfer,
                                 .from_account = p.from_account,
                                 .to_account = p.to.account,
                                 .amount_minor = p.amount_minor,
                                 .currency = p.currency,
                                 .description = description,
                                 .to_clearing = !p.to.internal(),
                                 .fee_transfer = p.fee_minor != 0 ? FeeTransferOf(p.id) : 0,
                                 .fee_account = p.fee_account,
                                 .fee_minor = p.fee_minor};
  return money_->Move(move, ctx);
}

uint16_t PaymentsService::AdvanceAfterMove(Payment& p, const kernel::MoveResult& r,
                                           runtime::ServiceContext& ctx) {
  switch (r.outcome) {
    case MoveOutcome::kExecuted:
      if (p.to.internal()) {
        Advance(p, PaymentStatus::kSettled, "", "Settled on the internal rail.", ctx);
      } else {
        Advance(p, PaymentStatus::kFundsReserved, "", "Funds reserved for the rail.", ctx);
        Submit(p, ctx);
      }
      return 201;
    case MoveOutcome::kHeld:
      Advance(p, PaymentStatus::kHeld, "risk_review",
              Reasons("Held for review by the risk policy", r.reasons), ctx);
      return 202;
    case MoveOutcome::kRefused:
      Advance(p, PaymentStatus::kRejected, r.code,
              r.step_up ? r.message : Reasons("Refused by the risk policy", r.reasons), ctx);
      return 201;
    case MoveOutcome::kFailed:
    case MoveOutcome::kInvalid:  // a scheduled payment's: nobody to answer, so it is rejected
      Advance(p, PaymentStatus::kRejected, r.code, r.message, ctx);
      return 201;
  }
  CB_CHECK(false);
  return 500;
}

std::optional<Answer> PaymentsService::CheckPayerLater(const PaymentOp& op, u128 from_account,
                                                       std::string_view currency,
                                                       const runtime::ServiceContext& ctx,
                                                       kernel::PayeeInfo* payer) const {
  std::optional<kernel::PayeeInfo> found =
      money_->ResolvePayee(op.caller.tenant, from_account, "", ctx);
  if (!found || found->closed) {
    return ErrorAnswer(ErrorKind::kNotFound, "account_not_found", "account not found",
                       "from_account", op.trace_id);
  }
  if (found->currency != currency) {
    return ErrorAnswer(ErrorKind::kTransferRejected, "currency_mismatch",
                       "The source account holds " + found->currency + ".", "currency",
                       op.trace_id);
  }
  *payer = std::move(*found);
  return std::nullopt;
}

Answer PaymentsService::Schedule(const PaymentOp& op, Payment p, runtime::ServiceContext& ctx) {
  if (p.scheduled_for > ctx.batch_timestamp + kScheduleHorizonNs) {
    return ErrorAnswer(ErrorKind::kUnprocessable, "schedule_invalid",
                       "scheduled_for must be within a year.", "scheduled_for", op.trace_id);
  }
  // The payer's account is checked now (as a standing order's is) and again, with the risk
  // decision and the balance, when the payment falls due.
  kernel::PayeeInfo payer;
  if (std::optional<Answer> refused =
          CheckPayerLater(op, p.from_account, p.currency, ctx, &payer)) {
    return *refused;
  }
  if (p.to.internal() && p.to.account == p.from_account) {
    return ErrorAnswer(ErrorKind::kTransferRejected, "same_account",
                       "Source and destination are the same account.", "to", op.trace_id);
  }
  p.from_customer = payer.customer;
  if (auto waiting = scheduled_waiting_.find(p.tenant);
      waiting != scheduled_waiting_.end() && waiting->second >= kScheduledWaitingPerTenantMax) {
    return ErrorAnswer(ErrorKind::kUnavailable, "schedule_capacity_exceeded",
                       "The tenant has " + std::to_string(kScheduledWaitingPerTenantMax) +
                           " scheduled payments waiting; retry when some have fallen due.",
                       "scheduled_for", op.trace_id);
  }
  CB_CHECK(ctx.timers != nullptr);
  // Armed before anything is journaled: a full timer table refuses the payment whole.
  if (const Status st =
          ctx.timers->Schedule(ScheduledKey(p.id), p.scheduled_for, kernel::IdBytes(p.id));
      !st.ok()) {
    return ErrorAnswer(ErrorKind::kUnavailable, "schedule_capacity_exceeded",
                       "Too many scheduled payments and standing orders wait; retry later.",
                       "scheduled_for", op.trace_id);
  }
  return {201, RenderPayment(RecordCreated(std::move(p), ctx))};
}

Payment& PaymentsService::RecordCreated(Payment p, runtime::ServiceContext& ctx) {
  pb::PaymentCreated e;
  ToProto(p, &e);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kPaymentCreated),
                           kEventVersion, e);
  Payment stored;
  CB_CHECK(FromProto(e, &stored));  // what replay will read is what is kept
  const u128 id = stored.id;
  Insert(std::move(stored));
  return payments_.at(id);
}

bool PaymentsService::SanctionsMatch(const Payment& p) const {
  if (screener_ == nullptr || p.to.internal() || p.to.name.empty()) return false;
  kernel::ScreeningQuery q;
  q.name = p.to.name;
  // The payee's kind is not known: screened as a person, whose matching is the stricter
  // (an organisation's name also matches person entries closely enough to be found).
  q.type = kernel::ScreenedParty::kPerson;
  Result<std::vector<kernel::ScreeningHit>> hits = screener_->ScreenName(q, 1);
  // No lists loaded (a server without sanctions_dir): nothing to screen against.
  if (!hits.ok() || hits->empty()) return false;
  return hits->front().score_bp >= screener_->screening_thresholds().block_bp;
}

void PaymentsService::RunScheduled(Payment& p, runtime::ServiceContext& ctx) {
  if (!p.waiting()) return;  // cancelled before it fell due
  if (SanctionsMatch(p)) {   // the lists as they are now
    Advance(p, PaymentStatus::kRejected, "compliance_refused", kComplianceRefused, ctx);
    return;
  }
  if (!p.to.internal() && config_.scheme_url.empty()) {  // restarted without its scheme
    Advance(p, PaymentStatus::kRejected, "rail_unavailable",
            "No clearing scheme is connected for external payments.", ctx);
    return;
  }
  const kernel::MoveResult r = MoveMoney(p, p.creator, "scheduled-payment", ctx);
  pb::ScheduledPaymentRan e;
  e.set_id(kernel::IdBytes(p.id));
  e.set_tenant_id(kernel::IdBytes(p.tenant));
  if (r.decision != 0) e.set_decision_id(kernel::IdBytes(r.decision));
  for (const std::string& reason : r.reasons) e.add_decision_reasons(reason);
  e.set_at_ns(ctx.batch_timestamp);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kScheduledPaymentRan),
                           kEventVersion, e);
  CB_CHECK(ApplyScheduledRan(p.id, r.decision, r.reasons).ok());
  AdvanceAfterMove(p, r, ctx);
}

Status PaymentsService::ApplyScheduledRan(u128 id, u128 decision,
                                          std::vector<std::string> reasons) {
  auto it = payments_.find(id);
  if (it == payments_.end() || !it->second.waiting()) {
    return Status::DataLoss("ScheduledPaymentRan of no waiting payment");
  }
  it->second.decision = decision;
  it->second.decision_reasons = std::move(reasons);
  return Status::Ok();
}

Answer PaymentsService::Cancel(const PaymentOp& op, const CancelPaymentOp& c,
                               runtime::ServiceContext& ctx) {
  const Payment* visible = Visible(op, c.id);
  if (visible == nullptr) {
    return ErrorAnswer(ErrorKind::kNotFound, "payment_not_found", "payment not found", "id",
                       op.trace_id);
  }
  Payment& p = payments_.at(c.id);
  if (p.waiting()) {
    // Nothing moved yet: dropping the timer and the transition are the whole of it.
    CB_CHECK(ctx.timers != nullptr);
    ctx.timers->Cancel(ScheduledKey(p.id));
    Advance(p, PaymentStatus::kCancelled, "cancelled", "Cancelled before it fell due.", ctx);
    return {200, RenderPayment(p)};
  }
  // Only a payment that has not left for its rail can be cancelled. An internal payment
  // settles in the request that makes it, an external one is submitted in it, and a held
  // one is its risk case's to decide.
  std::string why = std::string("A ") + StatusName(p.status) +
                    " payment cannot be cancelled: only a scheduled one not yet due can.";
  if (p.status == PaymentStatus::kHeld) {
    why = "The payment is held for review: its risk case approves or rejects it.";
  }
  return ErrorAnswer(ErrorKind::kConflict, "payment_not_cancellable", why, "id", op.trace_id);
}

void PaymentsService::OnHoldResolved(u128 held_transfer, bool approved,
                                     runtime::ServiceContext& ctx) {
  auto it = by_transfer_.find(held_transfer);
  if (it == by_transfer_.end()) return;  // a transfer's hold, not a payment's
  Payment& p = payments_.at(it->second);
  if (p.status != PaymentStatus::kHeld) return;
  if (approved && p.rail != Rail::kInternal) {
    // HoldAction::kRelease: the reservation stays; the payment goes on to its rail.
    Advance(p, PaymentStatus::kFundsReserved, "", "Approved by a risk review.", ctx);
    Submit(p, ctx);
  } else if (approved) {
    // The risk core posted the reservation (HoldAction::kPost): the money has moved.
    Advance(p, PaymentStatus::kSettled, "", "Approved by a risk review; settled.", ctx);
  } else {
    FinishFee(p, false, ctx);  // the risk core voided the payment's reservation
    Advance(p, PaymentStatus::kRejected, "risk_review_rejected",
            "The risk review rejected it, or its case timed out; the reservation was voided.", ctx);
  }
}

}  // namespace cb::modules::payments
