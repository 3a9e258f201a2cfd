#include "platform/money_audit.h"

#include <string>
#include <unordered_map>

#include "ledger/ledger.h"
#include "platform/ids.h"

namespace cb::platform {

namespace {

// Applied adjustments by the ledger transfer they became.
std::unordered_map<u128, const Adjustment*, U128Hash> AppliedAdjustments(
    const PlatformState& state) {
  std::unordered_map<u128, const Adjustment*, U128Hash> out;
  for (TenantId tenant : state.tenant_order()) {
    const TenantLists* lists = state.Lists(tenant);
    if (lists == nullptr) continue;
    for (AdjustmentId id : lists->adjustments) {
      const Adjustment* a = state.FindAdjustment(id);
      if (a->status == AdjustmentStatus::kApplied) out.emplace(a->transfer.value, a);
    }
  }
  return out;
}

// The record is exactly what the approved adjustment said: its account, direction, amount.
bool MatchesAdjustment(const ledger::Transfer& t, const Adjustment& a, AccountId settlement) {
  const bool credit = a.direction == AdjustmentDirection::kCredit;
  return t.amount == a.amount_minor && t.ledger == a.ledger &&
         t.debit_account_id == (credit ? settlement : a.account) &&
         t.credit_account_id == (credit ? a.account : settlement);
}

}  // namespace

Status AuditMoney(const PlatformState& state, const ledger::LedgerState& ledger) {
  for (const ledger::LedgerTotals& t : ledger.TrialBalance()) {
    if (!t.balanced()) {
      return Status::DataLoss("ledger " + std::to_string(t.ledger) +
                              ": debits and credits differ (balances do not sum to zero)");
    }
  }
  if (const uint32_t row = ledger::FindUnauthorizedInternalMove(ledger); row != ledger::kNoRow) {
    return Status::DataLoss("record " + std::to_string(row) +
                            " moved an internal account without an internal route");
  }
  const auto adjustments = AppliedAdjustments(state);
  for (uint32_t row = 0; row < ledger.record_count(); row++) {
    const ledger::RecordAccounts& ra = ledger.record_accounts(row);
    const AccountMeta* internal = nullptr;
    for (uint32_t account_row : {ra.debit_row, ra.credit_row}) {
      const AccountMeta* meta = state.FindAccount(ledger.account(account_row).id);
      if (meta != nullptr && IsInternalAccount(meta->type)) internal = meta;
    }
    if (internal == nullptr) continue;
    const ledger::Transfer& t = ledger.record(row);
    const ledger::Transfer& route =
        ra.pending_row != ledger::kNoRow ? ledger.record(ra.pending_row) : t;
    const Tenant* tenant = state.FindTenant(internal->tenant);
    const bool deposit = route.code == kTransferCodeDeposit && tenant != nullptr && tenant->sandbox;
    auto adj = adjustments.find(route.id.value);
    const bool adjustment = route.code == kTransferCodeAdjustment && adj != adjustments.end() &&
                            MatchesAdjustment(route, *adj->second, internal->id);
    // A payment rail's: made through the money port, which annotates it (kernel/money_port.h).
    const bool rail = route.code == kTransferCodeRail && state.IsRailTransfer(route.id);
    if (!deposit && !adjustment && !rail) {
      return Status::DataLoss("record " + std::to_string(row) + " (" +
                              FormatId(prefix::kTransfer, route.id.value) + ", code " +
                              std::to_string(route.code) + ") moved settlement account " +
                              FormatId(prefix::kAccount, internal->id.value) +
                              " outside sandbox deposits, applied adjustments and payment rails");
    }
  }
  return Status::Ok();
}

}  // namespace cb::platform
