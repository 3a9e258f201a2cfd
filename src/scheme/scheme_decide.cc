// The writer's decisions (scheme_decide.h).
#include "scheme/scheme_decide.h"

#include "base/check.h"
#include "platform/account_iban.h"

namespace cb::scheme {
namespace {

namespace iso = payments::iso;

// pacs.004 of a settled transfer, published as `seq`, with the CRDT entry it books.
Result<PublishedRecord> ReturnOf(const SchemeState& state, const TransferState& t,
                                 std::string_view reason_code, TimestampNs now) {
  CB_CHECK(t.settled);
  CB_CHECK(!t.returned);
  PublishedRecord rec;
  rec.published_ns = now;
  rec.seq_first = state.last_seq() + 1;
  rec.message_type = iso::MessageType::kPacs004;
  rec.cause = PublishCause::kReturn;
  rec.subject_message_id = t.message_id;
  rec.message_id = MakeMessageId(state.instance_id(), IdKind::kReturn, rec.seq_first);
  iso::PaymentReturn r;
  r.message_id = rec.message_id;
  r.created = now;
  r.original_message_id = t.message_id;
  r.original_end_to_end_id = t.end_to_end_id;
  r.original_tx_id = t.tx_id;
  r.returned_amount = t.amount;
  r.settlement_date = iso::DateOf(now);
  r.reason_code = std::string(reason_code);
  CB_ASSIGN_OR_RETURN(rec.xml, iso::BuildPacs004(r));
  rec.entry = BookedEntry{.booked_ns = now,
                          .kind = EntryKind::kReturnIn,
                          .credit = true,
                          .amount_minor = t.amount.amount_minor,
                          .entry_ref = rec.message_id,
                          .end_to_end_id = t.end_to_end_id,
                          .remittance = t.remittance};
  return rec;
}

}  // namespace

ReceiveDecision DecideReceive(const SchemeState& state, const SchemeConfig& config,
                              const TransferSubmission& submission, TimestampNs now) {
  const iso::CreditTransfer& transfer = submission.transfer;
  ReceiveDecision d;
  if (const TransferState* seen = state.FindTransfer(transfer.message_id)) {
    // The original answer, never a new one: the participant re-sends under the same MsgId
    // until it hears back, and must learn the same thing each time.
    d.answer.result = seen->body_sha256 == submission.body_sha256 ? SubmitResult::kDuplicate
                                                                  : SubmitResult::kMessageIdReused;
    d.answer.message_id = seen->message_id;
    d.answer.end_to_end_id = seen->end_to_end_id;
    return d;
  }
  ReceivedRecord rec;
  rec.received_ns = now;
  rec.message_id = transfer.message_id;
  rec.end_to_end_id = transfer.end_to_end_id;
  rec.tx_id = transfer.tx_id;
  rec.body_sha256 = submission.body_sha256;
  rec.amount = transfer.amount;
  rec.remittance = transfer.remittance;
  rec.outcome = DecideOutcome(transfer, config.rules);
  rec.xml = submission.xml;
  d.answer.result = SubmitResult::kAccepted;
  d.answer.message_id = rec.message_id;
  d.answer.end_to_end_id = rec.end_to_end_id;
  d.record = std::move(rec);
  return d;
}

Result<std::optional<PublishedRecord>> DecideAnswer(const SchemeState& state,
                                                    const SchemeConfig& /*config*/,
                                                    std::string_view message_id, TimestampNs now) {
  const TransferState* t = state.FindTransfer(message_id);
  if (t == nullptr || t->answered || t->outcome.kind == OutcomeKind::kNoAnswer) {
    return std::optional<PublishedRecord>();
  }
  const bool settled = t->outcome.kind != OutcomeKind::kReject;
  PublishedRecord rec;
  rec.published_ns = now;
  rec.seq_first = state.last_seq() + 1;
  rec.message_type = iso::MessageType::kPacs002;
  rec.cause = PublishCause::kStatusReport;
  rec.subject_message_id = t->message_id;
  rec.message_id = MakeMessageId(state.instance_id(), IdKind::kStatusReport, rec.seq_first);
  rec.settled = settled;
  iso::PaymentStatusReport report;
  report.message_id = rec.message_id;
  report.created = now;
  report.original_message_id = t->message_id;
  report.original_end_to_end_id = t->end_to_end_id;
  report.original_tx_id = t->tx_id;
  report.status = settled ? iso::TxStatus::kAcsc : iso::TxStatus::kRjct;
  if (!settled) report.reason_code = t->outcome.reason_code;
  CB_ASSIGN_OR_RETURN(rec.xml, iso::BuildPacs002(report));
  if (settled) {
    // ACSC moves the money: our settlement account pays the creditor's bank.
    rec.entry = BookedEntry{.booked_ns = now,
                            .kind = EntryKind::kTransferOut,
                            .credit = false,
                            .amount_minor = t->amount.amount_minor,
                            .entry_ref = rec.message_id,
                            .end_to_end_id = t->end_to_end_id,
                            .remittance = t->remittance};
  }
  return std::optional<PublishedRecord>(std::move(rec));
}

Result<std::optional<PublishedRecord>> DecideAutoReturn(const SchemeState& state,
                                                        const SchemeConfig& /*config*/,
                                                        std::string_view message_id,
                                                        TimestampNs now) {
  const TransferState* t = state.FindTransfer(message_id);
  if (t == nullptr || !t->settled || t->returned || t->outcome.kind != OutcomeKind::kReturn) {
    return std::optional<PublishedRecord>();
  }
  CB_ASSIGN_OR_RETURN(PublishedRecord rec, ReturnOf(state, *t, t->outcome.reason_code, now));
  return std::optional<PublishedRecord>(std::move(rec));
}

Result<PublishedRecord> DecideInboundCredit(const SchemeState& state, const SchemeConfig& config,
                                            const InboundCreditRequest& request, TimestampNs now) {
  CB_CHECK(request.copies >= 1);
  CB_CHECK(request.copies <= kCopiesMax);
  if (!platform::AccountNumberOfIban(request.iban)) {
    return Status::InvalidArgument("iban: not a customer account IBAN of this bank");
  }
  PublishedRecord rec;
  rec.published_ns = now;
  rec.seq_first = state.last_seq() + 1;
  rec.copies = request.copies;
  rec.message_type = iso::MessageType::kPacs008;
  rec.cause = PublishCause::kInboundCredit;
  rec.message_id = MakeMessageId(state.instance_id(), IdKind::kCredit, rec.seq_first);
  rec.subject_message_id = rec.message_id;
  iso::CreditTransfer t;
  t.message_id = rec.message_id;
  t.created = now;
  t.end_to_end_id = request.end_to_end_id.empty() ? rec.message_id : request.end_to_end_id;
  t.tx_id = rec.message_id;
  t.settlement_date = iso::DateOf(now);
  t.amount = {request.amount_minor, config.rules.currency, config.exponent};
  t.debtor = {request.debtor_name, request.debtor_iban, "", "", request.debtor_bic};
  t.creditor = {request.creditor_name.empty() ? std::string(kNotProvided) : request.creditor_name,
                request.iban, "", "", std::string(platform::kBankBic)};
  t.remittance = request.remittance;
  // The builder names the field it refuses ("debtor.name: longer than 140 characters").
  CB_ASSIGN_OR_RETURN(rec.xml, iso::BuildPacs008(t));
  rec.entry = BookedEntry{.booked_ns = now,
                          .kind = EntryKind::kCreditIn,
                          .credit = true,
                          .amount_minor = request.amount_minor,
                          .entry_ref = rec.message_id,
                          .end_to_end_id = t.end_to_end_id,
                          .remittance = request.remittance};
  return rec;
}

Result<PublishedRecord> DecideSandboxReturn(const SchemeState& state,
                                            const SchemeConfig& /*config*/,
                                            const ReturnRequest& request, TimestampNs now) {
  bool any_settled = false;
  const TransferState* t = state.FindReturnable(request.original_end_to_end_id, &any_settled);
  if (t == nullptr) {
    if (any_settled) {
      return Status::AlreadyExists("every settled transfer with this end_to_end_id is returned");
    }
    return Status::NotFound("no settled transfer has this end_to_end_id");
  }
  return ReturnOf(state, *t, request.reason_code, now);
}

}  // namespace cb::scheme
