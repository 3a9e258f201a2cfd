#include "platform/balance_view_feed.h"

#include <algorithm>

#include "base/check.h"

namespace cb::platform {

struct BalanceViewFeed::Batch final : Staged {
  struct Entry {
    uint32_t row;
    BalanceRow data;
  };
  std::vector<Entry> entries;  // cleared, never shrunk: keeps its capacity across batches
};

BalanceViewFeed::BalanceViewFeed(BalanceView* view, ledger::LedgerState* ledger,
                                 PlatformService* platform)
    : view_(view), ledger_(ledger), platform_(platform), touched_(view->rows_max()) {
  ledger_->set_touched_rows(&touched_);
  platform_->set_accounts_touched(&accounts_touched_);
}

BalanceViewFeed::~BalanceViewFeed() {
  ledger_->set_touched_rows(nullptr);
  platform_->set_accounts_touched(nullptr);
}

std::optional<BalanceRow> BalanceViewFeed::RowFromState(uint32_t row) const {
  const ledger::Account& a = ledger_->account(row);
  const AccountMeta* meta = platform_->state().FindAccount(a.id);
  if (meta == nullptr) return std::nullopt;  // a ledger-only account: the writer answers
  const ledger::LedgerInfo* info = ledger_->FindLedger(a.ledger);
  CB_CHECK(info != nullptr);  // an account's ledger is defined before it
  BalanceRow r;
  r.id = a.id;
  r.tenant = meta->tenant;
  r.customer = meta->customer;
  r.balances = a.balances;
  r.info = *info;
  r.timestamp = a.timestamp;
  r.type = meta->type;
  r.status = meta->status;
  r.flags = a.flags;
  return r;
}

void BalanceViewFeed::Load() {
  const size_t rows = std::min(ledger_->account_count(), view_->rows_max());
  for (uint32_t row = 0; row < rows; row++) {
    if (const std::optional<BalanceRow> r = RowFromState(row)) view_->Publish(row, *r);
  }
  touched_.Clear();
  accounts_touched_.clear();
}

std::unique_ptr<runtime::DurableView::Staged> BalanceViewFeed::NewStaged() {
  auto batch = std::make_unique<Batch>();
  batch->entries.reserve(1024);
  return batch;
}

void BalanceViewFeed::Stage(Staged* staged) {
  auto* batch = static_cast<Batch*>(staged);
  batch->entries.clear();
  // Metadata-only changes (an account frozen) touch no ledger row: mark theirs too.
  for (AccountId id : accounts_touched_) {
    const uint32_t row = ledger_->AccountRow(id);
    if (row != ledger::kNoRow) touched_.Mark(row);
  }
  accounts_touched_.clear();
  const size_t rows = ledger_->account_count();
  for (uint32_t row : touched_.rows()) {
    // A row past the end was appended by a chain that was rolled back: nothing to show.
    if (row >= rows) continue;
    if (std::optional<BalanceRow> r = RowFromState(row)) batch->entries.push_back({row, *r});
  }
  touched_.Clear();
}

void BalanceViewFeed::Publish(const Staged& staged) {
  const auto& batch = static_cast<const Batch&>(staged);
  for (const Batch::Entry& e : batch.entries) view_->Publish(e.row, e.data);
}

}  // namespace cb::platform
