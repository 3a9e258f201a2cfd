// Creating a payment: the payee, confirmation of payee, the money through the platform's
// money port (payer checks, risk decision, ledger), and the first transition, all in the
// request's batch. Also cancel, and the end of a risk hold (kernel::HoldObserver).
#include "base/check.h"
#include "base/json_string.h"
#include "kernel/ids.h"
#include "modules/payments/payments_internal.h"
#include "payments/payee_match.h"

namespace cb::modules::payments {

using kernel::Answer;
using kernel::ErrorAnswer;
using kernel::ErrorKind;
using kernel::MoveOutcome;

namespace {

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
  }
  const std::string description =
      p.reference.empty() ? kernel::FormatId(kPaymentPrefix, p.id) : p.reference;
  const kernel::MoveRequest move{.caller = &op.caller,
                                 .trace_id = op.trace_id,
                                 .transfer = p.transfer,
                                 .from_account = p.from_account,
                                 .to_account = p.to.account,
                                 .amount_minor = p.amount_minor,
                                 .currency = p.currency,
                                 .description = description,
                                 .to_clearing = !internal};
  const kernel::MoveResult r = money_->Move(move, ctx);
  // Wrong accounts, currency or consent, or a second factor wanted: no payment is made
  // (the client fixes the request, or authenticates, and sends it again).
  if (r.outcome == MoveOutcome::kInvalid || (r.outcome == MoveOutcome::kRefused && r.step_up)) {
    return r.error;
  }
  p.from_customer = r.from_customer;
  p.decision = r.decision;
  p.decision_reasons = r.reasons;
  pb::PaymentCreated e;
  ToProto(p, &e);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kPaymentCreated),
                           kEventVersion, e);
  Payment stored;
  CB_CHECK(FromProto(e, &stored));
  Insert(std::move(stored));
  Payment& live = payments_.at(c.id);
  uint16_t http_status = 201;
  switch (r.outcome) {
    case MoveOutcome::kExecuted:
      if (internal) {
        Advance(live, PaymentStatus::kSettled, "", "Settled on the internal rail.", ctx);
      } else {
        Advance(live, PaymentStatus::kFundsReserved, "", "Funds reserved for the rail.", ctx);
        Submit(live, ctx);
      }
      break;
    case MoveOutcome::kHeld:
      Advance(live, PaymentStatus::kHeld, "risk_review",
              Reasons("Held for review by the risk policy", r.reasons), ctx);
      http_status = 202;
      break;
    case MoveOutcome::kRefused:
      Advance(live, PaymentStatus::kRejected, r.code,
              Reasons("Refused by the risk policy", r.reasons), ctx);
      break;
    case MoveOutcome::kFailed:
      Advance(live, PaymentStatus::kRejected, r.code, r.message, ctx);
      break;
    case MoveOutcome::kInvalid:
      CB_CHECK(false);  // answered above
  }
  return {http_status, RenderPayment(live)};
}

Answer PaymentsService::Cancel(const PaymentOp& op, const CancelPaymentOp& c) {
  const Payment* p = Visible(op, c.id);
  if (p == nullptr) {
    return ErrorAnswer(ErrorKind::kNotFound, "payment_not_found", "payment not found", "id",
                       op.trace_id);
  }
  // Only a payment that has not left for its rail can be cancelled. An internal payment
  // settles in the request that makes it, and a held one is its risk case's to decide, so
  // neither ever can (scheduled payments will).
  std::string why = std::string("A ") + StatusName(p->status) +
                    " payment cannot be cancelled: only one not yet submitted can.";
  if (p->status == PaymentStatus::kHeld) {
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
    Advance(p, PaymentStatus::kRejected, "risk_review_rejected",
            "The risk review rejected it, or its case timed out; the reservation was voided.", ctx);
  }
}

}  // namespace cb::modules::payments
