#pragma once
// Keeps a BalanceView equal to the durable state (runtime/durable_view.h, ADR 0013): the
// ledger and the platform state mark what their events change; after each batch the writer
// copies those rows into the batch's staging area (a reused buffer: no allocation per row
// once warm), and the executor publishes them once the batch is durable, before its replies.
// Load() fills the view from the recovered state (snapshot + replay) before the executor
// starts. Marks are detached on destruction.
#include <memory>
#include <optional>
#include <vector>

#include "ledger/state.h"
#include "ledger/touched_rows.h"
#include "platform/balance_view.h"
#include "platform/service.h"
#include "runtime/durable_view.h"

namespace cb::platform {

class BalanceViewFeed final : public runtime::DurableView {
 public:
  // None owned; all outlive the feed. Attaches the change marks to both states.
  BalanceViewFeed(BalanceView* view, ledger::LedgerState* ledger, PlatformService* platform);
  ~BalanceViewFeed() override;
  BalanceViewFeed(const BalanceViewFeed&) = delete;
  BalanceViewFeed& operator=(const BalanceViewFeed&) = delete;

  // Every account of the state into the view (writer thread or before it runs, with no
  // batch in flight: the state is then all durable). Forgets marks made so far.
  void Load();

  std::unique_ptr<Staged> NewStaged() override;
  void Stage(Staged* staged) override;
  void Publish(const Staged& staged) override;

  // The view's row for ledger row `row` as the state has it now; nullopt for an account
  // without platform metadata (never served from the view). Writer thread.
  std::optional<BalanceRow> RowFromState(uint32_t row) const;

 private:
  struct Batch;

  BalanceView* view_;
  ledger::LedgerState* ledger_;
  PlatformService* platform_;
  ledger::TouchedRows touched_;
  std::vector<AccountId> accounts_touched_;  // by platform events; emptied each batch
};

}  // namespace cb::platform
