// Manual adjustments: the one way, besides sandbox deposits, that money moves between a
// customer account and the tenant's settlement account. Requested with a reason by one
// actor, applied only when a different actor approves (four-eyes); both are journaled.
#include "ledger/currency.h"
#include "ledger/ledger.h"
#include "platform/events.h"
#include "platform/handler_context.h"
#include "platform/ids.h"
#include "platform/list_page.h"

namespace cb::platform {

namespace {

const ledger::LedgerInfo& InfoOf(HandlerContext& h, ledger::LedgerCode code) {
  const ledger::LedgerInfo* info = h.ledger().FindLedger(code);
  CB_CHECK(info != nullptr);
  return *info;
}

Answer AdjustmentAnswer(HandlerContext& h, uint16_t status, const Adjustment& a, uint64_t seq) {
  Answer out{status, {}};
  RenderAdjustment(&out.body, a, InfoOf(h, a.ledger));
  if (seq != 0) AppendJournalSeq(&out, seq);
  return out;
}

// The adjustment if it is this tenant's.
const Adjustment* TenantAdjustment(HandlerContext& h, AdjustmentId id) {
  const Adjustment* a = h.st.FindAdjustment(id);
  return a != nullptr && a->tenant == h.tenant() ? a : nullptr;
}

Answer Create(HandlerContext& h, const CreateAdjustmentOp& op) {
  const AccountMeta* meta = TenantAccount(h, op.account);
  if (meta == nullptr) return h.NotFound("account_not_found", "account", "account");
  if (IsInternalAccount(meta->type)) {
    return h.Error(ErrorKind::kUnprocessable, "account_not_customer",
                   "Adjust a customer account; the other side is the settlement account.",
                   "account");
  }
  if (meta->status == AccountStatus::kClosed) {
    return h.Error(ErrorKind::kTransferRejected, "account_closed", "The account is closed.",
                   "account");
  }
  const ledger::Account& la = h.ledger().account(h.ledger().AccountRow(op.account));
  const ledger::LedgerInfo& info = InfoOf(h, la.ledger);
  if (std::string_view(info.currency) != op.currency) {
    return h.Error(ErrorKind::kTransferRejected, "currency_mismatch",
                   "The account holds " + std::string(info.currency) + ".", "currency");
  }
  if (h.st.FindAdjustment(op.id) != nullptr ||
      h.ledger().TransferRow(op.transfer_id) != ledger::kNoRow) {
    return h.Error(ErrorKind::kConflict, "resource_exists", "Id collision; retry.");
  }
  const uint64_t seq = h.sc.NextSeq();
  pb::AdjustmentRequested m;
  m.set_id(IdBytes(op.id.value));
  m.set_tenant_id(IdBytes(h.tenant().value));
  m.set_account_id(IdBytes(op.account.value));
  m.set_transfer_id(IdBytes(op.transfer_id.value));
  m.set_direction(static_cast<uint32_t>(op.direction));
  m.set_amount(IdBytes(op.amount_minor));
  m.set_ledger(la.ledger);
  m.set_reason(op.reason);
  ActorToProto(ActorOf(h.caller()), m.mutable_requested_by());
  m.set_requested_ns(h.sc.batch_timestamp);
  EmitProto(h.sc.out, EventType::kAdjustmentRequested, m);
  h.st.ApplyAdjustmentRequested(m);
  return AdjustmentAnswer(h, 201, *h.st.FindAdjustment(op.id), seq);
}

void EmitDecided(HandlerContext& h, const Adjustment& a, AdjustmentStatus status,
                 const std::string& note) {
  pb::AdjustmentDecided m;
  m.set_id(IdBytes(a.id.value));
  m.set_tenant_id(IdBytes(a.tenant.value));
  m.set_status(static_cast<uint32_t>(status));
  ActorToProto(ActorOf(h.caller()), m.mutable_decided_by());
  m.set_note(note);
  m.set_decided_ns(h.sc.batch_timestamp);
  EmitProto(h.sc.out, EventType::kAdjustmentDecided, m);
  h.st.ApplyAdjustmentDecided(m);
}

Answer Decide(HandlerContext& h, const DecideAdjustmentOp& op) {
  const Adjustment* a = TenantAdjustment(h, op.id);
  if (a == nullptr) return h.NotFound("adjustment_not_found", "adjustment", "id");
  if (a->status != AdjustmentStatus::kPendingApproval) {
    return h.Error(
        ErrorKind::kUnprocessable, "adjustment_not_pending",
        std::string("The adjustment is already ") + AdjustmentStatusName(a->status) + ".", "id");
  }
  if (!op.approve) {  // anyone allowed to approve may reject, the requester included
    const uint64_t seq = h.sc.NextSeq();
    EmitDecided(h, *a, AdjustmentStatus::kRejected, op.note);
    return AdjustmentAnswer(h, 200, *a, seq);
  }
  if (std::string_view why = FourEyesRefusalOf(h.st, h.caller(), a->requested_by, a->requested);
      !why.empty()) {
    return h.Error(ErrorKind::kPermissionDenied, "four_eyes_required", why, "id");
  }
  const std::optional<AccountId> settlement = h.st.SettlementAccount(a->ledger);
  CB_CHECK(settlement.has_value());
  const bool credit = a->direction == AdjustmentDirection::kCredit;
  ledger::Transfer t;
  t.id = a->transfer;
  t.debit_account_id = credit ? *settlement : a->account;
  t.credit_account_id = credit ? a->account : *settlement;
  t.amount = a->amount_minor;
  t.ledger = a->ledger;
  t.code = kTransferCodeAdjustment;
  t.flags = ledger::kTransferInternal;
  const uint64_t seq = h.sc.NextSeq();
  std::vector<ledger::TransferResult> results;
  ledger::CreateTransfers(&h.ledger(), {&t, 1}, h.sc.ts_next, h.sc.out, &results);
  // Refused (a debit beyond the balance, a closed account): nothing was written, the
  // adjustment stays pending and may be approved later or rejected.
  if (results.at(0) != ledger::TransferResult::kOk) return TransferRejected(h, results[0]);
  EmitDecided(h, *a, AdjustmentStatus::kApplied, op.note);
  return AdjustmentAnswer(h, 200, *a, seq);
}

Answer List(HandlerContext& h, const ListAdjustmentsOp& op) {
  const TenantLists* lists = h.st.Lists(h.tenant());
  static const std::vector<AdjustmentId> kNone;
  return ListByOrder(
      h, lists != nullptr ? lists->adjustments : kNone, op.after, op.limit, prefix::kAdjustment,
      [&h](AdjustmentId id) { return h.st.FindAdjustment(id); },
      [&h, &op](std::string* out, AdjustmentId id, bool comma) {
        const Adjustment& a = *h.st.FindAdjustment(id);
        if (op.status && a.status != *op.status) return false;
        if (comma) out->push_back(',');
        RenderAdjustment(out, a, InfoOf(h, a.ledger));
        return true;
      });
}

}  // namespace

Answer HandleAdjustmentOp(HandlerContext& h) {
  if (const auto* op = std::get_if<CreateAdjustmentOp>(&h.op.body)) return Create(h, *op);
  if (const auto* op = std::get_if<DecideAdjustmentOp>(&h.op.body)) return Decide(h, *op);
  if (const auto* op = std::get_if<ListAdjustmentsOp>(&h.op.body)) return List(h, *op);
  const auto& op = std::get<GetAdjustmentOp>(h.op.body);
  const Adjustment* a = TenantAdjustment(h, op.id);
  if (a == nullptr) return h.NotFound("adjustment_not_found", "adjustment", "id");
  return AdjustmentAnswer(h, 200, *a, 0);
}

}  // namespace cb::platform
