// Payments to and from outside the bank (ADR 0019): the pacs.008 a payment leaves with, the
// deadline for its answer, and what the scheme's feed says (pacs.002 settles or rejects,
// pacs.004 returns). Delivery itself is the outbox subscriber's (payments_rail.cc): nothing
// here does I/O, so replay and the live run agree.
#include <algorithm>
#include <cstdio>

#include "base/check.h"
#include "base/json_string.h"
#include "base/sha256.h"
#include "kernel/ids.h"
#include "ledger/currency.h"
#include "modules/payments/payments_internal.h"
#include "payments/iso20022.h"
#include "platform/account_iban.h"
#include "runtime/timers.h"

namespace cb::modules::payments {

namespace iso = ::cb::payments::iso;
using kernel::Answer;
using kernel::ErrorAnswer;
using kernel::ErrorKind;

namespace {

constexpr std::string_view kPacs008 = "pacs.008.001.08";

// A UUID v4 (RFC 4122) from the payment's 128 random bits: the UETR travels with the payment.
std::string UetrOf(u128 id) {
  uint8_t b[16];
  for (int i = 0; i < 16; i++) b[i] = static_cast<uint8_t>(id >> (8 * (15 - i)));
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);
  char out[37];
  std::snprintf(out, sizeof(out),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

// Whether an answer names a message we sent for `p`: an external payment that left as a
// pacs.008, under the end-to-end id the answer quotes (a forged answer for an internal
// payment, or one quoting another payment's id, moves nothing).
bool Sent(const Payment& p, std::string_view original_end_to_end_id) {
  return p.rail != Rail::kInternal && !p.messages.empty() &&
         p.messages.front().direction == Direction::kOutbound &&
         p.end_to_end_id == original_end_to_end_id;
}

}  // namespace

std::optional<Answer> PaymentsService::RefuseExternal(const PaymentOp& op, const CreatePaymentOp& c,
                                                      const runtime::ServiceContext& ctx) const {
  if (config_.scheme_url.empty()) {
    return ErrorAnswer(ErrorKind::kUnprocessable, "rail_unavailable",
                       "Payments to accounts outside this bank are not available: no clearing "
                       "scheme is connected to this server.",
                       "to", op.trace_id);
  }
  if (c.amount_minor > static_cast<u128>(iso::kAmountMinorMax)) {
    return ErrorAnswer(ErrorKind::kInvalidRequest, "amount_invalid",
                       "The amount is larger than ISO 20022 messages carry (18 digits).", "amount",
                       op.trace_id);
  }
  // Not found or not the caller's: the money port answers that with the transfer's errors.
  const std::optional<kernel::PayeeInfo> payer =
      money_->ResolvePayee(op.caller.tenant, c.from_account, "", ctx);
  if (payer && platform::AccountIban(payer->number).empty()) {
    return ErrorAnswer(ErrorKind::kUnprocessable, "account_has_no_iban",
                       "This account was opened before accounts had IBANs: it cannot pay outside "
                       "the bank.",
                       "from_account", op.trace_id);
  }
  return std::nullopt;
}

void PaymentsService::Record(Payment& p, std::string_view type, Direction direction,
                             std::string xml, runtime::ServiceContext& ctx) {
  // A payment keeps its first messages; a scheme that sends more (or larger) than a payment
  // ever needs is not stored past the bounds.
  if (p.messages.size() >= kMessagesMax || xml.size() > kMessageBytesMax) {
    std::fprintf(stderr, "corebank: payments: a %.*s for %s was not stored (bounds)\n",
                 static_cast<int>(type.size()), type.data(),
                 kernel::FormatId(kPaymentPrefix, p.id).c_str());
    return;
  }
  Message m{std::string(type), direction, ctx.batch_timestamp, std::move(xml)};
  pb::PaymentMessage e;
  ToProto(p.id, p.tenant, m, &e);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kPaymentMessage),
                           kEventVersion, e);
  CB_CHECK(ApplyMessage(p.id, std::move(m)).ok());
}

void PaymentsService::Finish(Payment& p, bool post, PaymentStatus to, std::string_view reason_code,
                             std::string_view reason, runtime::ServiceContext& ctx) {
  const Status s = money_->FinishReservation(kernel::TenantId(p.tenant), p.transfer, post, ctx);
  // Only this service ends its reservations, each once, while the payment waits for its
  // rail: a refusal is a broken invariant, not an expected failure.
  CB_CHECK(s.ok());
  FinishFee(p, post, ctx);
  Advance(p, to, reason_code, reason, ctx);
}

void PaymentsService::Submit(Payment& p, runtime::ServiceContext& ctx) {
  CB_CHECK(p.status == PaymentStatus::kFundsReserved);
  const std::optional<kernel::PayeeInfo> payer =
      money_->ResolvePayee(kernel::TenantId(p.tenant), p.from_account, "", ctx);
  CB_CHECK(payer.has_value());
  const auto currency = ledger::FindCurrency(p.currency);
  CB_CHECK(currency.has_value());
  iso::CreditTransfer ct;
  ct.message_id = MessageIdOf(p.id);
  ct.created = ctx.batch_timestamp;
  ct.end_to_end_id = p.end_to_end_id;
  ct.tx_id = ct.message_id;
  ct.uetr = UetrOf(p.id);
  ct.settlement_date = iso::DateOf(ctx.batch_timestamp);
  ct.amount = {static_cast<int64_t>(p.amount_minor), p.currency, currency->scale};
  ct.debtor.name = TruncateUtf8(payer->holder_name, kNameBytesMax);
  ct.debtor.iban = platform::AccountIban(payer->number);
  ct.debtor.bic = std::string(platform::kBankBic);
  ct.creditor.name = p.to.name;
  ct.creditor.iban = p.to.iban;
  ct.creditor.sort_code = p.to.sort_code;
  ct.creditor.account_number = p.to.account_number;
  ct.creditor.bic = p.to.bic;
  ct.remittance = p.reference;
  Result<std::string> xml = iso::BuildPacs008(ct);
  if (!xml.ok()) {
    // A message that fails its own XSD check never leaves: the payment fails, its money back.
    Finish(p, false, PaymentStatus::kFailed, "message_invalid",
           "The pacs.008 failed its XSD check, so nothing was sent: " +
               std::string(xml.status().message()),
           ctx);
    return;
  }
  Record(p, kPacs008, Direction::kOutbound, std::move(*xml), ctx);
  Advance(p, PaymentStatus::kSubmitted, "", "Sent to the scheme as pacs.008 " + MessageIdOf(p.id),
          ctx);
}

void PaymentsService::OnTimer(const runtime::Timer& timer, runtime::ServiceContext& ctx) {
  u128 id = 0;
  if (!kernel::IdFromBytes(timer.payload, &id)) return;
  if (timer.key.starts_with("payment:")) {
    auto payment = payments_.find(id);
    if (payment != payments_.end()) RunScheduled(payment->second, ctx);
    return;
  }
  if (!timer.key.starts_with("order:")) return;
  auto order = orders_.find(id);
  if (order != orders_.end() && order->second.status == OrderStatus::kActive) {
    RunOccurrence(order->second, ctx);
  }
}

void PaymentsService::FailOverdue(runtime::ServiceContext& ctx) {
  // Deadlines are state (journaled with `accepted`, when the scheme has the message), not
  // timers: a payment reaches its rail from contexts that have no timers of ours (a risk
  // case's approval, a bulk payout's slice). Before the scheme has the message nothing can
  // fail it: the outbox may still deliver it, and the scheme would then pay. And a deadline
  // passes only when the scheme's feed was read through it: the clock alone would fail, say
  // after a restart, payments whose answers wait unread in the feed (the scheme paid them).
  for (size_t n = 0; n < kBatchItemsPerRun && !deadlines_.empty(); n++) {
    const auto [due, id] = *deadlines_.begin();
    if (due > ctx.batch_timestamp || due > feed_read_through_) return;
    Payment& p = payments_.at(id);
    Finish(p, false, PaymentStatus::kFailed, "no_answer",
           "The scheme did not answer within " + std::to_string(config_.answer_timeout_ms / 1000) +
               " s; the reservation was voided.",
           ctx);
  }
}

Answer PaymentsService::OnSchemeRefused(const SchemeRefusedOp& r, runtime::ServiceContext& ctx) {
  auto it = payments_.find(r.id);
  if (it == payments_.end()) return {404, "no such payment"};
  Payment& p = it->second;
  if (p.status != PaymentStatus::kSubmitted) return {409, "not submitted"};
  Finish(p, false, PaymentStatus::kFailed, "scheme_refused", TruncateUtf8(r.reason, 200), ctx);
  return {200, "ok"};
}

std::string PaymentsService::BookInbound(const std::string& xml, runtime::ServiceContext& ctx) {
  Result<iso::CreditTransfer> ct = iso::ParsePacs008(xml);
  if (!ct.ok()) return "ignored";
  // The scheme may deliver a credit twice (its feed, a retry): one booking per message. A
  // MsgId is unique only per sending bank, so the key is the debtor's bank and the MsgId.
  const std::string key = DedupKey(ct->debtor.bic, ct->message_id);
  if (received_by_message_.contains(key)) return "duplicate";
  const std::optional<kernel::PayeeInfo> account = money_->AccountByIban(ct->creditor.iban, ctx);
  if (!account) {
    // Not one of our accounts (or not an IBAN): nothing to book. A real scheme would have
    // it returned (pacs.004); reconciliation shows it as an unknown entry.
    std::fprintf(stderr,
                 "corebank: payments: an inbound credit to an unknown account was not booked\n");
    return "unknown_account";
  }
  if (ct->amount.amount_minor <= 0) return "amount_invalid";
  if (ct->amount.currency != account->currency) return "currency_mismatch";
  ReceivedPayment r;
  // Derived from the scheme's MsgId: the same message always makes the same id.
  const std::string seed = "received:" + key;
  const Hash256 h = Sha256Of(seed.data(), seed.size());
  for (int i = 0; i < 16; i++) r.id = (r.id << 8) | h[i];
  if (r.id == 0 || received_.contains(r.id)) return "duplicate";
  r.tenant = account->tenant;
  r.account = account->account;
  r.customer = account->customer;
  r.amount_minor = static_cast<u128>(ct->amount.amount_minor);
  r.currency = ct->amount.currency;
  r.debtor_name = TruncateUtf8(ct->debtor.name, kNameBytesMax);
  r.debtor_iban = ct->debtor.iban;
  r.debtor_bic = ct->debtor.bic;
  r.end_to_end_id = ct->end_to_end_id;
  r.message_id = ct->message_id;
  r.dedup_key = key;
  r.reference = TruncateUtf8(ct->remittance, kReferenceBytesMax);
  r.transfer = kernel::DerivedId(r.id, 'T');
  r.created = ctx.batch_timestamp;
  const std::string description = r.reference.empty() ? "from " + r.debtor_name : r.reference;
  const kernel::CreditRequest credit{.tenant = kernel::TenantId(r.tenant),
                                     .transfer = r.transfer,
                                     .account = r.account,
                                     .amount_minor = r.amount_minor,
                                     .currency = r.currency,
                                     .description = description};
  if (Status st = money_->CreditFromRail(credit, ctx); !st.ok()) {
    std::fprintf(stderr, "corebank: payments: an inbound credit was not booked: %s\n",
                 st.ToString().c_str());
    return "not_booked";
  }
  pb::ReceivedPaymentBooked e;
  ToProto(r, &e);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kReceivedPaymentBooked),
                           kEventVersion, e);
  InsertReceived(std::move(r));
  return "booked";
}

Answer PaymentsService::OnSchemeDelivered(const SchemeDeliveredOp& d,
                                          runtime::ServiceContext& ctx) {
  auto it = payments_.find(d.id);
  if (it == payments_.end()) return {404, "no such payment"};
  Payment& p = it->second;
  // An answer may have come first (the feed and the outbox race): then there is nothing to do.
  if (p.status != PaymentStatus::kSubmitted) return {200, "answered"};
  Advance(p, PaymentStatus::kAccepted, "", "The scheme has the message.", ctx,
          ctx.batch_timestamp + config_.answer_timeout_ms * 1'000'000ull);
  return {200, "ok"};
}

void PaymentsService::AdvanceFeed(uint64_t seq, runtime::ServiceContext& ctx) {
  pb::FeedAdvanced e;
  e.set_seq(seq);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kFeedAdvanced), kEventVersion,
                           e);
  CB_CHECK(ApplyFeedAdvanced(seq, 0).ok());
}

void PaymentsService::MarkFeedRead(TimestampNs at, runtime::ServiceContext& ctx) {
  at = std::min(at, ctx.batch_timestamp);  // a poller cannot have read the future
  // Only a passed deadline makes it worth a journal event; otherwise nothing depends on it.
  if (at <= feed_read_through_ || deadlines_.empty() || deadlines_.begin()->first > at) return;
  pb::FeedAdvanced e;
  e.set_seq(feed_seq_);
  e.set_read_through_ns(at);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kFeedAdvanced), kEventVersion,
                           e);
  CB_CHECK(ApplyFeedAdvanced(feed_seq_, at).ok());
  FailOverdue(ctx);
}

Status PaymentsService::ApplyFeedAdvanced(uint64_t seq, TimestampNs read_through) {
  if (seq < feed_seq_ || (seq == feed_seq_ && read_through <= feed_read_through_) ||
      (read_through != 0 && read_through < feed_read_through_)) {
    return Status::DataLoss("FeedAdvanced not past the feed's position");
  }
  feed_seq_ = seq;
  if (read_through != 0) feed_read_through_ = read_through;
  return Status::Ok();
}

Answer PaymentsService::OnFeedMessage(const FeedMessageOp& m, runtime::ServiceContext& ctx) {
  // The feed may be read twice (a poller restarted before its answer): each seq once.
  if (m.seq <= feed_seq_) return {200, "duplicate"};
  const std::optional<iso::MessageType> type = iso::MessageTypeFromName(m.message_type);
  std::string outcome = "ignored";
  if (type == iso::MessageType::kPacs002) {
    Result<iso::PaymentStatusReport> r = iso::ParsePacs002(m.xml);
    auto it = r.ok() ? payments_.find(PaymentOfMessageId(r->original_message_id)) : payments_.end();
    if (it != payments_.end() && Sent(it->second, r->original_end_to_end_id)) {
      Payment& p = it->second;
      Record(p, m.message_type, Direction::kInbound, m.xml, ctx);
      const bool open =
          p.status == PaymentStatus::kSubmitted || p.status == PaymentStatus::kAccepted;
      if (open && r->status == iso::TxStatus::kAcsc) {
        Finish(p, true, PaymentStatus::kSettled, "", "Settled by the scheme (ACSC).", ctx);
      } else if (open && r->status == iso::TxStatus::kRjct) {
        std::string why = "Rejected by the scheme (" + r->reason_code + ")";
        if (!r->reason_text.empty()) why += ": " + r->reason_text;
        Finish(p, false, PaymentStatus::kRejected, r->reason_code, why, ctx);
      } else if (p.status == PaymentStatus::kSubmitted && r->status == iso::TxStatus::kAccp) {
        Advance(p, PaymentStatus::kAccepted, "", "Accepted by the scheme (ACCP).", ctx,
                ctx.batch_timestamp + config_.answer_timeout_ms * 1'000'000ull);
      } else if (p.status == PaymentStatus::kFailed && r->status == iso::TxStatus::kAcsc) {
        // Settled at the scheme after we gave up on it and gave the payer the money back:
        // reconciliation shows it (status_mismatch); the message is kept with the payment.
        std::fprintf(stderr, "corebank: payments: %s settled at the scheme after it failed here\n",
                     kernel::FormatId(kPaymentPrefix, p.id).c_str());
      }
      outcome = "booked";
    }
  } else if (type == iso::MessageType::kPacs004) {
    Result<iso::PaymentReturn> r = iso::ParsePacs004(m.xml);
    auto it = r.ok() ? payments_.find(PaymentOfMessageId(r->original_message_id)) : payments_.end();
    if (it != payments_.end() && Sent(it->second, r->original_end_to_end_id)) {
      Payment& p = it->second;
      Record(p, m.message_type, Direction::kInbound, m.xml, ctx);
      const bool same_money = r->returned_amount.currency == p.currency &&
                              r->returned_amount.amount_minor > 0 &&
                              static_cast<u128>(r->returned_amount.amount_minor) <= p.amount_minor;
      if (p.status == PaymentStatus::kSettled && same_money) {
        // The money came back to the clearing account: it goes back to the payer, linked to
        // the payment by its derived transfer id.
        const std::string description = "return of " + kernel::FormatId(kPaymentPrefix, p.id);
        const kernel::CreditRequest credit{
            .tenant = kernel::TenantId(p.tenant),
            .transfer = kernel::DerivedId(p.id, 'R'),
            .account = p.from_account,
            .amount_minor = static_cast<u128>(r->returned_amount.amount_minor),
            .currency = p.currency,
            .description = description};
        const Status st = money_->CreditFromRail(credit, ctx);
        if (st.ok()) {
          Advance(p, PaymentStatus::kReturned, r->reason_code,
                  "Returned by the payee's bank (" + r->reason_code + "); the payer was credited.",
                  ctx);
        } else {
          std::fprintf(stderr, "corebank: payments: return of %s not booked: %s\n",
                       kernel::FormatId(kPaymentPrefix, p.id).c_str(), st.ToString().c_str());
        }
      }
      outcome = "booked";
    }
  }
  if (type == iso::MessageType::kPacs008) outcome = BookInbound(m.xml, ctx);
  // Notifications (camt.054) are for reconciliation, which reads statements: only counted.
  AdvanceFeed(m.seq, ctx);
  return {200, outcome};
}

}  // namespace cb::modules::payments
