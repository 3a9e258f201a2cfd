// Applying log records to the scheme's state (scheme_state.h).
#include "scheme/scheme_state.h"

#include <algorithm>

#include "base/check.h"
#include "scheme/scheme_rules.h"

namespace cb::scheme {
namespace {

Status NotOurs(const std::string& why) { return Status::DataLoss("scheme log: " + why); }

}  // namespace

Status SchemeState::ApplyOpened(const OpenedRecord& record) {
  if (opened()) return NotOurs("a second opening record");
  if (record.format_version != kFormatVersion) {
    return NotOurs("format version " + std::to_string(record.format_version) + ", not " +
                   std::to_string(kFormatVersion));
  }
  if (!IsInstanceId(record.instance_id)) return NotOurs("a malformed instance id");
  instance_id_ = record.instance_id;
  last_stamp_ns_ = std::max(last_stamp_ns_, record.created_ns);
  return Status::Ok();
}

Status SchemeState::ApplyReceived(const ReceivedRecord& record) {
  if (!opened()) return NotOurs("a transfer before the opening record");
  TransferState t;
  t.message_id = record.message_id;
  t.end_to_end_id = record.end_to_end_id;
  t.tx_id = record.tx_id;
  t.body_sha256 = record.body_sha256;
  t.amount = record.amount;
  t.remittance = record.remittance;
  t.outcome = record.outcome;
  auto [it, inserted] = transfers_.emplace(record.message_id, std::move(t));
  if (!inserted) return NotOurs("MsgId received twice");
  receipt_order_.push_back(&it->second);
  by_end_to_end_id_[record.end_to_end_id].push_back(&it->second);
  last_stamp_ns_ = std::max(last_stamp_ns_, record.received_ns);
  inputs_++;
  return Status::Ok();
}

Status SchemeState::ApplyPublished(const PublishedRecord& record) {
  if (!opened()) return NotOurs("a feed message before the opening record");
  if (record.seq_first != last_seq_ + 1) {
    return NotOurs("feed sequence " + std::to_string(record.seq_first) + " after " +
                   std::to_string(last_seq_));
  }
  if (record.cause != PublishCause::kInboundCredit) {
    auto it = transfers_.find(record.subject_message_id);
    if (it == transfers_.end()) return NotOurs("a feed message about no received transfer");
    TransferState& t = it->second;
    if (record.cause == PublishCause::kStatusReport) {
      if (t.answered) return NotOurs("a transfer answered twice");
      t.answered = true;
      t.settled = record.settled;
    } else {
      if (!t.settled || t.returned) return NotOurs("a return of no settled transfer");
      t.returned = true;
    }
  } else {
    inputs_++;
  }
  last_seq_ = record.seq_first + record.copies - 1;
  last_stamp_ns_ = std::max(last_stamp_ns_, record.published_ns);
  return Status::Ok();
}

const TransferState* SchemeState::FindTransfer(std::string_view message_id) const {
  auto it = transfers_.find(std::string(message_id));
  return it == transfers_.end() ? nullptr : &it->second;
}

const TransferState* SchemeState::FindReturnable(std::string_view end_to_end_id,
                                                 bool* any_settled) const {
  *any_settled = false;
  auto it = by_end_to_end_id_.find(std::string(end_to_end_id));
  if (it == by_end_to_end_id_.end()) return nullptr;
  for (const TransferState* t : it->second) {
    if (!t->settled) continue;
    *any_settled = true;
    if (!t->returned) return t;
  }
  return nullptr;
}

void SchemeState::ForEachUnfinished(const std::function<void(const TransferState&)>& fn) const {
  for (const TransferState* t : receipt_order_) {
    const bool owes_answer = !t->answered && t->outcome.kind != OutcomeKind::kNoAnswer;
    const bool owes_return = t->settled && !t->returned && t->outcome.kind == OutcomeKind::kReturn;
    if (owes_answer || owes_return) fn(*t);
  }
}

}  // namespace cb::scheme
