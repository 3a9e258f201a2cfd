#include "sim/simulator.h"

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include "base/rng.h"
#include "base/sha256.h"
#include "journal/reader.h"
#include "journal/sim_disk.h"
#include "ledger/currency.h"
#include "ledger/ledger.h"
#include "platform/events.h"
#include "platform/money_audit.h"
#include "platform/service.h"
#include "platform/state.h"
#include "risk/dry_run.h"
#include "risk/events.h"
#include "risk/service.h"
#include "runtime/replay.h"
#include "runtime/service_set.h"
#include "runtime/shard.h"
#include "runtime/subscribers.h"
#include "sim/module_subscribers.h"
#include "sim/platform_workload.h"
#include "sim/sim_services.h"

namespace cb::sim {

namespace {

using namespace cb::ledger;
using namespace cb::runtime;

using runtime::testing::TickCancelOp;
using runtime::testing::TickNoteOp;
using runtime::testing::TickScheduleOp;
using runtime::testing::TickService;

constexpr int kRecoveryAttemptsMax = 50;
constexpr std::string_view kSubscriber = "sim-notes";
constexpr uint16_t kTickFired = kSimTickEventFirst;
constexpr TimestampNs kStartNs = 1'767'225'600ull * kNsPerSecond;  // 2026-01-01T00:00:00Z

class Simulation {
 public:
  explicit Simulation(const SimOptions& o)
      : options_(o),
        rng_(o.seed),
        workload_(&rng_, &live_.stack.keys, &live_.stack.risk,
                  [this](uint64_t seq) { return RecordedBody(seq); }),
        disk_(o.seed ^ 0xD15Cull, SimDiskFaults{}) {
    faults_.sync_fail_per_million = static_cast<uint32_t>(rng_.Below(30'000));
    shard_options_.data_dir = "/sim";
    // A segment holds the largest record: the set-up batch activating the default policy
    // bundle (~50 KB, journaled whole) with the sim's.
    shard_options_.segment_bytes = 65536 + rng_.Below(65536);
    shard_options_.snapshots_kept = 1 + rng_.Below(2);
    shard_options_.expiries_per_batch_max = 1 + rng_.Below(8);
    shard_options_.pipelined_recovery = false;  // journal_test covers the pipelined scan
    // The real services (platform, identity, modules) and the kernel's test service: durable
    // timers, and a subscriber whose results (a note of every firing's seq) commit with its
    // cursor.
    shard_options_.service = &live_.set();
    module_subs_ = std::make_unique<ModuleSubscribers>(&live_.stack, &disk_,
                                                       JournalDir(shard_options_.data_dir));
    now_ = kStartNs;
  }

  SimResult Run() {
    SimResult result;
    if (!Recover("start")) return Fail(0);
    durable_hash_ = StateHash();
    Setup();
    disk_.set_faults(faults_);  // faults from here on: set-up itself must land
    for (step_ = 1; step_ <= options_.steps; step_++) {
      Step();
      Expect(workload_.error().empty(), workload_.error());
      if (!error_.empty()) return Fail(step_);
    }
    if (!CheckReplay()) return Fail(step_);
    CheckDecisionsReproduce();
    if (!error_.empty()) return Fail(step_);
    result.summary = "batches=" + std::to_string(stat_batches_) +
                     " acked_transfers=" + std::to_string(acked_.size()) +
                     " crashes=" + std::to_string(stat_crashes_) +
                     " sync_failures=" + std::to_string(stat_sync_failures_) +
                     " snapshots=" + std::to_string(stat_snapshots_) +
                     " snapshot_fallbacks=" + std::to_string(stat_snapshot_fallbacks_) +
                     " torn_tails=" + std::to_string(stat_torn_tails_) +
                     " internal_moves=" + std::to_string(InternalMoves()) +
                     " timers_fired=" + std::to_string(live_.tick.fired().size()) +
                     " subscriber_notes=" + std::to_string(live_.tick.notes().size()) +
                     " records=" + std::to_string(shard_->state().record_count()) +
                     " money_audits=" + std::to_string(stat_money_audits_) +
                     " replays=" + std::to_string(stat_replays_) +
                     " module_subscriber_commits=" + std::to_string(module_subs_->commits()) +
                     " decisions_reproduced=" + std::to_string(stat_decisions_reproduced_) + " " +
                     workload_.Summary() + " state_digest=" + HashHex(StateHash()).substr(0, 16);
    return result;
  }

 private:
  SimResult Fail(uint64_t step) {
    SimResult r;
    r.ok = false;
    r.failed_step = step;
    r.message = error_;
    return r;
  }

  // The whole shard's state: the ledger's hash and every service's (and the kernel's)
  // snapshot bytes, which are deterministic.
  Hash256 StateHash() const { return Fingerprint(shard_->state(), live_.set()); }
  static Hash256 Fingerprint(const LedgerState& ledger, const runtime::ServiceSet& services) {
    Sha256 h;
    const Hash256 l = ledger.StateHash();
    h.Update(l.data(), l.size());
    const std::string s = services.CaptureSnapshot();
    h.Update(s.data(), s.size());
    return h.Finish();
  }

  void Expect(bool cond, const std::string& what) {
    if (!cond && error_.empty()) error_ = what;
  }

  bool Recover(const char* why) {
    shard_.reset();
    // Recovery writes too (it zeroes a torn tail); if one of its fsyncs fails the process
    // dies and starts over, as a real one would under its supervisor.
    RecoveryInfo info;
    auto shard = Shard::Open(&disk_, shard_options_, &info);
    for (int attempt = 1; !shard.ok() && shard.status().code() == StatusCode::kUnavailable &&
                          attempt < kRecoveryAttemptsMax;
         attempt++) {
      disk_.Crash();
      info = RecoveryInfo{};
      shard = Shard::Open(&disk_, shard_options_, &info);
    }
    if (!shard.ok()) {
      error_ = std::string("recovery (") + why + ") failed: " + shard.status().ToString();
      return false;
    }
    shard_ = std::move(*shard);
    sub_scan_ = 0;  // the subscriber's in-memory scan restarts at its durable cursor
    sub_from_ = 0;
    fired_seqs_.clear();
    fired_scan_next_ = 1;
    module_subs_->Recovered();
    stat_snapshot_fallbacks_ += info.snapshots_rejected.size();
    stat_torn_tails_ += info.torn_tail ? 1 : 0;
    return true;
  }

  // --- workload ---------------------------------------------------------------------
  void Setup() {
    std::vector<Command> cmds;
    cmds.push_back(DefineLedgerCmd{*CurrencyLedger(1, "EUR")});
    cmds.push_back(DefineLedgerCmd{*CurrencyLedger(2, "USD")});
    CreateAccountsCmd accounts;
    for (LedgerCode l : {1u, 2u}) {
      for (uint64_t i = 0; i < 6; i++) {
        Account a;
        a.id = AccountId{l * 100 + i};
        a.ledger = l;
        a.code = i == 0 ? 1000 : 2000;
        if (i == 0) {
          a.flags = kAccountInternal;  // the settlement account: moved by internal routes only
        } else if (i >= 1 && i <= 3) {
          a.flags = kAccountDebitsMustNotExceedCredits;
          a.limit = rng_.Below(3) == 0 ? rng_.Below(5000) : 0;
        } else if (i == 4) {
          a.flags = kAccountCreditsMustNotExceedDebits;
          a.limit = rng_.Below(20000);
        }
        accounts.accounts.push_back(a);
        account_ids_[l].push_back(a.id);
      }
    }
    cmds.push_back(std::move(accounts));
    for (Command& c : workload_.SetupCommands()) cmds.push_back(std::move(c));
    RunBatches({std::move(cmds)}, /*allow_faults=*/false);
  }

  AccountId RandomAccount(LedgerCode l) {
    const auto& ids = account_ids_[l];
    return ids[rng_.Below(ids.size())];
  }

  Transfer RandomSingle(LedgerCode l) {
    Transfer t;
    t.id = TransferId{next_id_++};
    t.debit_account_id = RandomAccount(l);
    do {
      t.credit_account_id = RandomAccount(l);
    } while (t.credit_account_id == t.debit_account_id);
    t.amount = 1 + rng_.Below(rng_.Chance(10) ? 100000 : 3000);
    t.ledger = l;
    t.code = 1;
    t.user_data_64 = rng_.Below(4);
    // Half the moves of the settlement account come by an internal route (a deposit); the
    // rest are the attack the ledger must refuse.
    const bool touches_internal =
        t.debit_account_id.value % 100 == 0 || t.credit_account_id.value % 100 == 0;
    if (touches_internal && rng_.Chance(50)) t.flags |= kTransferInternal;
    return t;
  }

  Transfer RandomTransfer() {
    const LedgerCode l = 1 + static_cast<LedgerCode>(rng_.Below(2));
    const uint64_t kind = rng_.Below(100);
    Transfer t = RandomSingle(l);
    if (kind < 35) return t;
    if (kind < 50) {
      t.flags = kTransferPending;
      if (rng_.Chance(60)) t.timeout_s = static_cast<uint32_t>(1 + rng_.Below(8));
      pendings_.push_back(t.id);
      return t;
    }
    if (kind < 65 && !pendings_.empty()) {
      Transfer p;
      p.id = TransferId{next_id_++};
      p.pending_id = pendings_[rng_.Below(pendings_.size())];
      p.flags = rng_.Chance(60) ? kTransferPostPending : kTransferVoidPending;
      if (p.flags == kTransferPostPending && rng_.Chance(50)) p.amount = 1 + rng_.Below(3000);
      return p;
    }
    if (kind < 72) {
      t.flags = rng_.Chance(50) ? kTransferBalancingDebit : kTransferBalancingCredit;
      return t;
    }
    if (kind < 82 && !sent_.empty()) {
      // Duplicate: the same transfer again, or the same id with a changed field.
      Transfer d = sent_[rng_.Below(sent_.size())];
      d.timestamp = 0;
      if (rng_.Chance(40)) d.user_data_64 ^= 1;
      if (rng_.Chance(20)) d.amount += 1;
      return d;
    }
    // Invalid in one of several ways.
    switch (rng_.Below(6)) {
      case 0:
        t.amount = 0;
        break;
      case 1:
        t.credit_account_id = t.debit_account_id;
        break;
      case 2:
        t.debit_account_id = AccountId{999};
        break;
      case 3:
        t.credit_account_id = RandomAccount(l == 1 ? 2 : 1);
        break;  // other ledger
      case 4:
        t.id = TransferId{};
        break;
      default:
        t.flags = kTransferPending | kTransferPostPending;
        break;
    }
    return t;
  }

  // Currency exchange: EUR from a customer to the FX liquidity account, USD from the FX
  // liquidity account to a customer, linked so that both happen or neither.
  void AppendFx(std::vector<Transfer>* out) {
    Transfer a = RandomSingle(1);
    a.credit_account_id = AccountId{105};
    if (a.debit_account_id == a.credit_account_id) a.debit_account_id = AccountId{101};
    a.flags = kTransferLinked;
    Transfer b = RandomSingle(2);
    b.debit_account_id = AccountId{205};
    if (b.credit_account_id == b.debit_account_id) b.credit_account_id = AccountId{201};
    b.amount = a.amount * 108 / 100 + 1;
    out->push_back(a);
    out->push_back(b);
  }

  Command RandomCommand() {
    const uint64_t r = rng_.Below(100);
    if (r >= 96) {
      if (auto c = module_subs_->NextCommit(&rng_, shard_->seq_durable_next())) return *c;
    }
    if (r >= 90) return RandomKernelCommand();
    if (r >= 50) return workload_.Next();  // the real services, through their ops
    if (r < 4) {
      const LedgerCode l = 1 + static_cast<LedgerCode>(rng_.Below(2));
      return SetAccountLimitCmd{RandomAccount(l), rng_.Below(8000)};
    }
    if (r < 6) {
      const LedgerCode l = 1 + static_cast<LedgerCode>(rng_.Below(2));
      return CloseAccountCmd{RandomAccount(l), rng_.Chance(50)};
    }
    if (r < 8) {
      // A new account, sometimes a duplicate id.
      CreateAccountsCmd c;
      Account a;
      const LedgerCode l = 1 + static_cast<LedgerCode>(rng_.Below(2));
      a.id = AccountId{rng_.Chance(70) ? next_account_id_++ : 100 * l + rng_.Below(6)};
      a.ledger = l;
      a.code = 2000;
      a.flags = rng_.Chance(50) ? kAccountDebitsMustNotExceedCredits : 0;
      c.accounts.push_back(a);
      new_accounts_.push_back(a);
      return c;
    }
    CreateTransfersCmd c;
    const size_t n = 1 + rng_.Below(12);
    while (c.transfers.size() < n) {
      const uint64_t shape = rng_.Below(100);
      if (shape < 10) {
        AppendFx(&c.transfers);
      } else if (shape < 20) {
        const size_t chain = 2 + rng_.Below(3);
        for (size_t k = 0; k < chain; k++) {
          Transfer t = RandomTransfer();
          if (k + 1 < chain) t.flags |= kTransferLinked;
          c.transfers.push_back(t);
        }
      } else {
        c.transfers.push_back(RandomTransfer());
      }
    }
    if (rng_.Chance(2)) c.transfers.back().flags |= kTransferLinked;  // chain left open
    for (const Transfer& t : c.transfers) {
      if (sent_.size() < 4096) sent_.push_back(t);
    }
    return c;
  }

  // --- stepping ----------------------------------------------------------------------
  void Step() {
    now_ += rng_.Below(rng_.Chance(10) ? 5 * kNsPerSecond : 300'000'000);
    std::vector<std::vector<Command>> batches(1 + rng_.Below(3));
    for (auto& b : batches) {
      const size_t n = rng_.Below(4);  // 0 commands: an expiry-only batch
      for (size_t k = 0; k < n; k++) b.push_back(RandomCommand());
    }
    RunBatches(std::move(batches), true);
    // A commit refused as a duplicate leaves the scan ahead of the cursor: start again from
    // the durable cursor, as the runner does after any commit that did not land.
    sub_scan_ = 0;
    sub_from_ = 0;
    module_subs_->StepDone();
    if (!error_.empty()) return;
    shard_->state().CheckInvariants();  // aborts with the seed in the message
    CheckInternalAccounts();
    CheckMoney();
    CheckRisk();
    CheckHistory();
    CheckSubscriber();
    CheckModuleSubscribers();
    if (rng_.Chance(4)) TakeSnapshot();
    if (rng_.Chance(1)) CorruptNewestSnapshot();
    if (rng_.Chance(3)) {
      stat_crashes_++;
      disk_.Crash();
      if (!Recover("crash after commit")) return;
      CheckRecovered({durable_hash_});
      CheckHistory();
      CheckReplay();
    }
    if (step_ % 97 == 0) CheckReplay();
    RegisterNewAccounts();
  }

  void RegisterNewAccounts() {
    for (const Account& a : new_accounts_) {
      const uint32_t row = shard_->state().AccountRow(a.id);
      if (row == kNoRow) continue;
      auto& ids = account_ids_[a.ledger];
      if (std::find(ids.begin(), ids.end(), a.id) == ids.end()) ids.push_back(a.id);
    }
    new_accounts_.clear();
  }

  void RunBatches(std::vector<std::vector<Command>> cmd_batches, bool allow_faults) {
    std::vector<std::unique_ptr<PreparedBatch>> batches;
    std::vector<std::vector<Reply>> replies(cmd_batches.size());
    // Hashes after each executed batch: recovery must land on one of these boundaries.
    std::vector<Hash256> boundaries = {durable_hash_};
    for (size_t i = 0; i < cmd_batches.size(); i++) {
      batches.push_back(std::make_unique<PreparedBatch>());
      std::vector<const Command*> ptrs;
      for (const Command& c : cmd_batches[i]) ptrs.push_back(&c);
      shard_->ExecuteBatch(ptrs, now_, batches.back().get(), &replies[i]);
      last_batch_ns_ = std::max(last_batch_ns_, batches.back()->timestamp_ns);
      boundaries.push_back(StateHash());
      CheckTimersFired(*batches.back());
      stat_batches_++;
    }
    if (allow_faults && rng_.Chance(3)) {
      // Crash before the group commit: nothing of it may survive.
      stat_crashes_++;
      disk_.Crash();
      if (!Recover("crash before commit")) return;
      CheckRecovered({durable_hash_});
      SettleWorkload(cmd_batches, batches, replies, 0, false);
      CheckReplay();
      return;
    }
    std::vector<PreparedBatch*> ptrs;
    for (auto& b : batches) ptrs.push_back(b.get());
    const Status st = shard_->Commit(ptrs);
    if (!st.ok()) {
      // fsync failed: unacknowledged; the process restarts and may find any prefix.
      stat_sync_failures_++;
      disk_.Crash();
      if (!Recover("sync failure")) return;
      const size_t durable_batches = CheckRecovered(boundaries);
      durable_hash_ = StateHash();
      SettleWorkload(cmd_batches, batches, replies, durable_batches, /*acknowledged=*/false);
      CheckReplay();
      return;
    }
    durable_hash_ = boundaries.back();
    SettleWorkload(cmd_batches, batches, replies, cmd_batches.size(), /*acknowledged=*/true);
    // Acknowledged: remember exactly what was stored.
    for (size_t i = 0; i < cmd_batches.size(); i++) {
      for (size_t k = 0; k < cmd_batches[i].size(); k++) {
        const auto* c = std::get_if<CreateTransfersCmd>(&cmd_batches[i][k]);
        if (c == nullptr) continue;
        Expect(replies[i][k].results.size() == c->transfers.size(), "one result per item");
        for (size_t j = 0; j < c->transfers.size(); j++) {
          if (replies[i][k].results[j] != 0) continue;
          const uint32_t row = shard_->state().TransferRow(c->transfers[j].id);
          Expect(row != kNoRow, "created transfer not found in live state");
          if (row != kNoRow) acked_[c->transfers[j].id.value] = shard_->state().record(row);
        }
      }
    }
  }

  // The workload learns which of its ops became durable (the first `durable_batches`, in
  // order, with the answers the shard gave; `acknowledged` if the commit succeeded) and
  // which were lost.
  void SettleWorkload(const std::vector<std::vector<Command>>& cmd_batches,
                      const std::vector<std::unique_ptr<PreparedBatch>>& batches,
                      const std::vector<std::vector<Reply>>& replies, size_t durable_batches,
                      bool acknowledged) {
    for (size_t i = 0; i < cmd_batches.size(); i++) {
      if (i < durable_batches) {
        workload_.OnDurableBatch(batches[i]->timestamp_ns, cmd_batches[i], replies[i],
                                 acknowledged);
      } else {
        workload_.OnLostBatch(cmd_batches[i]);
      }
    }
  }

  // Returns how many batches of the group the recovered state holds: `allowed` is the state
  // before the group and after each of its batches. A batch that changed nothing has the
  // hash of the one before; the later one is taken (its ops answered without a change).
  size_t CheckRecovered(const std::vector<Hash256>& allowed) {
    const Hash256 h = StateHash();
    const auto at = std::find(allowed.rbegin(), allowed.rend(), h);
    Expect(at != allowed.rend(),
           "recovered state is not at a batch boundary (half-applied or lost durable data)");
    for (const auto& [id, t] : acked_) {
      const uint32_t row = shard_->state().TransferRow(TransferId{id});
      if (row == kNoRow) {
        Expect(false, "acknowledged transfer " + U128ToString(id) + " lost after recovery");
        return 0;
      }
      Expect(std::memcmp(&shard_->state().record(row), &t, sizeof(Transfer)) == 0,
             "acknowledged transfer " + U128ToString(id) + " changed after recovery");
    }
    shard_->state().CheckInvariants();
    CheckSubscriber();
    CheckModuleSubscribers();
    CheckMoney();
    CheckRisk();
    return at == allowed.rend() ? 0 : static_cast<size_t>(allowed.rend() - at) - 1;
  }

  void CheckModuleSubscribers() {
    const std::string wrong = module_subs_->Check(shard_->seq_durable_next());
    Expect(wrong.empty(), wrong);
  }

  // Every tenant's books, as `corebank replay` audits them (money_audit=ok): zero-sum per
  // tenant and currency, settlement accounts moved only by sandbox deposits and approved
  // adjustments.
  void CheckMoney() {
    const Status st = platform::AuditMoney(live_.stack.service.state(), shard_->state());
    Expect(st.ok(), "money audit: " + st.ToString());
    stat_money_audits_++;
  }

  // Holds against the ledger: an open case's transfer is pending and held; an approved
  // case posted its reservation (or, for the client's own pending transfer, released it);
  // a rejected or timed-out one voided it (or found it expired). So a held transfer ends
  // posted iff its case was approved. And every movement a decision says ran or was held is
  // in the ledger.
  void CheckRisk() {
    const risk::RiskService& risk = live_.stack.risk;
    const LedgerState& ledger = shard_->state();
    for (const auto& [id, c] : risk.cases()) {
      if (c.kind != risk::CaseKind::kHold) continue;  // investigations hold no money
      const std::string what = "case " + U128ToString(id) + " (" + risk::CaseStatusName(c.status) +
                               ", transfer " + U128ToString(c.held_transfer) + "): ";
      const uint32_t row = ledger.TransferRow(TransferId{c.held_transfer});
      Expect(row != kNoRow, what + "its held transfer is not in the ledger");
      if (row == kNoRow) return;
      const PendingStatus status = ledger.status(row);
      switch (c.status) {
        case risk::CaseStatus::kOpen: {
          // A reservation the hold made has no ledger time-out; the client's own pending
          // transfer (held, or its post held) keeps its own and may lapse first.
          const risk::DecisionRec* d = risk.FindDecision(c.decision);
          const bool own = d != nullptr && d->operation != "post_pending" &&
                           c.action == kernel::HoldAction::kPost;
          Expect(risk.Held(c.held_transfer) && (status == PendingStatus::kPending ||
                                                (!own && status == PendingStatus::kExpired)),
                 what + "open, but its transfer is not a held reservation");
          break;
        }
        case risk::CaseStatus::kApproved:
          // Approving the client's own pending transfer only lifts the hold: the client
          // posts or voids it later.
          Expect(c.action == kernel::HoldAction::kRelease || status == PendingStatus::kPosted,
                 what + "approved, but its reservation was not posted");
          break;
        case risk::CaseStatus::kRejected:
        case risk::CaseStatus::kExpired: {
          // Or lapsed: past its own time-out, not yet swept by the ledger (bounded a batch).
          const Transfer& t = ledger.record(row);
          const bool lapsed = status == PendingStatus::kPending && t.timeout_s > 0 &&
                              ExpiresAt(t) <= last_batch_ns_;
          Expect(status == PendingStatus::kVoided || status == PendingStatus::kExpired || lapsed,
                 what + "rejected or timed out, but its reservation was not voided");
          break;
        }
        case risk::CaseStatus::kInvestigating:
        case risk::CaseStatus::kPendingApproval:
        case risk::CaseStatus::kClosed:
          Expect(false, what + "a hold's case in an investigation's status");
          break;
      }
    }
    for (const auto& [id, d] : risk.decisions()) {
      if (d.disposition != kernel::Disposition::kExecuted &&
          d.disposition != kernel::Disposition::kHeld) {
        continue;
      }
      // What ran is the subject (a post's record, or the transfer); what is held, the
      // reservation the caller sees.
      const u128 record = d.disposition == kernel::Disposition::kHeld ? d.transfer : d.subject;
      Expect(ledger.TransferRow(TransferId{record}) != kNoRow,
             "decision " + U128ToString(id) + " says " + d.operation +
                 " ran or was held, but the ledger has no record of it");
    }
  }

  // Every recorded decision evaluated again with the bundle version that made it (what
  // `corebank policy dry-run --replay` does): all must reproduce exactly.
  void CheckDecisionsReproduce() {
    risk::DryRun run(nullptr);
    journal::JournalReader reader(&disk_, JournalDir(shard_options_.data_dir));
    const Status st = run.ReadJournal(&reader, 0, shard_->seq_durable_next());
    Expect(st.ok(), "dry run: " + st.ToString());
    const risk::DryRunReport& r = run.report();
    std::string first;
    if (!r.changes.empty()) {
      const risk::DryRunChange& c = r.changes.front();
      first = " (first: decision " + U128ToString(c.decision) + " at seq " + std::to_string(c.seq) +
              " recorded " + c.recorded_outcome + ", now " + c.outcome + ")";
    }
    Expect(r.changed == 0, std::to_string(r.changed) +
                               " decisions did not reproduce with the bundle that made them" +
                               first);
    Expect(r.skipped == 0, "decisions made before any bundle was active, or undecodable");
    Expect(r.decisions == live_.stack.risk.decisions().size(),
           "the journal's decisions are not the live risk service's");
    stat_decisions_reproduced_ = r.decisions;
  }

  // The answer an IdempotencyRecorded event holds, read from the journal as the edge does.
  std::string RecordedBody(uint64_t seq) {
    journal::JournalReader reader(&disk_, JournalDir(shard_options_.data_dir));
    auto ev = reader.ReadEvent(seq, shard_->seq_durable_next());
    Expect(ev.ok(), "recorded answer at seq " + std::to_string(seq) + ": " +
                        (ev.ok() ? "" : ev.status().ToString()));
    platform::pb::IdempotencyRecorded m;
    const bool parsed =
        ev.ok() && ev->type == static_cast<uint16_t>(platform::EventType::kIdempotencyRecorded) &&
        m.ParseFromArray(ev->payload.data(), static_cast<int>(ev->payload.size()));
    Expect(parsed, "seq " + std::to_string(seq) + " is not an IdempotencyRecorded event");
    return m.body();
  }

  // Money enters and leaves only by internal routes: no record moved the settlement account
  // without kTransferInternal (on itself, or on the pending transfer it resolves).
  void CheckInternalAccounts() {
    const uint32_t row = FindUnauthorizedInternalMove(shard_->state());
    Expect(row == kNoRow, "record " + std::to_string(row) +
                              " moved an internal account without an internal route");
  }

  uint64_t InternalMoves() const {
    const LedgerState& s = shard_->state();
    uint64_t n = 0;
    for (uint32_t row = 0; row < s.record_count(); row++) {
      const RecordAccounts& ra = s.record_accounts(row);
      n += ((s.account(ra.debit_row).flags | s.account(ra.credit_row).flags) & kAccountInternal) !=
           0;
    }
    return n;
  }

  // History of two random accounts against a brute-force scan of every record: the same
  // records in order, and the balances after the last one are the live balances. The
  // index is extended lazily across steps, rollbacks and recoveries, so this checks the
  // record chains the writer links.
  void CheckHistory() {
    const LedgerState& s = shard_->state();
    if (s.account_count() == 0) return;
    for (int k = 0; k < 2; k++) {
      const auto row = static_cast<uint32_t>(rng_.Below(s.account_count()));
      std::vector<uint32_t> expected;
      for (uint32_t r = 0; r < s.record_count(); r++) {
        const RecordAccounts& ra = s.record_accounts(r);
        if (ra.debit_row == row || ra.credit_row == row) expected.push_back(r);
      }
      if (expected.size() > ledger::HistoryIndex::kLimitMax) continue;
      const auto entries = s.history().Get(
          s, row, {.account_id = s.account(row).id, .limit = ledger::HistoryIndex::kLimitMax});
      Expect(entries.size() == expected.size(), "history misses or adds records of an account");
      if (entries.size() != expected.size()) return;
      for (size_t i = 0; i < entries.size(); i++) {
        Expect(std::memcmp(&entries[i].transfer, &s.record(expected[i]), sizeof(Transfer)) == 0,
               "history lists a different record");
      }
      if (!entries.empty()) {
        Expect(entries.back().balances_after == s.account(row).balances,
               "history's last balances differ from the live balances");
      }
    }
  }

  // A fresh process replaying the durable journal from scratch (no snapshot) must rebuild
  // exactly the live state: the ledger and every service's snapshot bytes (platform,
  // identity, modules, the test service and the kernel's timers and cursors).
  bool CheckReplay() {
    LedgerState replayed;
    SimServices services;
    auto r = ReplayJournal(&disk_, shard_options_.data_dir, std::nullopt, &replayed,
                           &services.set(), /*pipelined=*/false);
    stat_replays_++;
    if (!r.ok()) {
      Expect(false, "replay failed: " + r.status().ToString());
      return false;
    }
    Expect(replayed.StateHash() == shard_->state().StateHash(),
           "replay does not reproduce the live ledger hash");
    Expect(services.stack.service.CaptureSnapshot() == live_.stack.service.CaptureSnapshot(),
           "replay does not reproduce the platform service's state");
    Expect(services.stack.identity.CaptureSnapshot() == live_.stack.identity.CaptureSnapshot(),
           "replay does not reproduce the identity service's state");
    Expect(services.stack.risk.CaptureSnapshot() == live_.stack.risk.CaptureSnapshot(),
           "replay does not reproduce the risk service's state (policies, decisions, cases, "
           "features)");
    for (size_t i = 0; i < services.stack.modules.size(); i++) {
      Expect(services.stack.modules[i].service->CaptureSnapshot() ==
                 live_.stack.modules[i].service->CaptureSnapshot(),
             "replay does not reproduce module " +
                 std::string(services.stack.modules[i].module->name) + "'s state");
    }
    Expect(Fingerprint(replayed, services.set()) == StateHash(),
           "replay does not reproduce the services' state (timers, cursors, firings, notes)");
    CheckKeysRecordedOnce();
    return error_.empty();
  }

  // However often a keyed request was sent, crashes or not, its answer was recorded (and
  // its effect applied) at most once; and every case was resolved at most once.
  void CheckKeysRecordedOnce() {
    std::map<std::string, int> recorded;
    std::map<std::string, int> resolved;  // by case id bytes
    journal::JournalReader reader(&disk_, JournalDir(shard_options_.data_dir));
    const Status st = reader.Read(
        1, shard_->seq_durable_next(),
        [&](const journal::RecordHeader&, std::span<const uint8_t> b) {
          journal::EventIterator it(b);
          journal::EventView ev;
          while (it.Next(&ev)) {
            if (ev.type == static_cast<uint16_t>(risk::EventType::kHoldResolved)) {
              corebank::risk::v1::HoldResolved m;
              if (!m.ParseFromArray(ev.payload.data(), static_cast<int>(ev.payload.size()))) {
                Expect(false, "undecodable HoldResolved");
                return false;
              }
              Expect(++resolved[m.case_id()] == 1, "a case was resolved twice");
              continue;
            }
            if (ev.type != static_cast<uint16_t>(platform::EventType::kIdempotencyRecorded)) {
              continue;
            }
            platform::pb::IdempotencyRecorded m;
            if (!m.ParseFromArray(ev.payload.data(), static_cast<int>(ev.payload.size()))) {
              Expect(false, "undecodable IdempotencyRecorded");
              return false;
            }
            if (workload_.IsWorkloadKey(m.key()) && ++recorded[m.key()] > 1) {
              Expect(false, "Idempotency-Key " + m.key() + " recorded twice");
            }
          }
          return true;
        });
    Expect(st.ok(), "journal read: " + st.ToString());
  }

  // --- the kernel: durable timers and a subscriber ------------------------------------
  Command RandomKernelCommand() {
    const uint64_t r = rng_.Below(100);
    if (r < 55 || scheduled_.empty()) {
      auto op = std::make_shared<TickScheduleOp>();
      op->key = "k" + std::to_string(next_timer_++);
      op->when = now_ + rng_.Below(10 * kNsPerSecond);
      if (periodic_ < 3 && rng_.Chance(10)) {
        periodic_++;
        op->key = "p" + op->key;  // periodic: it fires again every period
        op->payload = "again:" + std::to_string(kNsPerSecond * (1 + rng_.Below(5)));
      }
      scheduled_.push_back(op->key);
      return ServiceCmd{std::move(op)};
    }
    if (r < 70) {
      auto op = std::make_shared<TickCancelOp>();
      op->key = scheduled_[rng_.Below(scheduled_.size())];
      return ServiceCmd{std::move(op)};
    }
    return SubscriberCommit();
  }

  // What the subscriber's thread would send: the wanted events after its durable cursor
  // (and its in-memory scan position), noted, with the cursor's move, as one command.
  Command SubscriberCommit() {
    if (last_commit_ != nullptr && rng_.Chance(25)) {
      // The same commit again, as a runner sends it when the answer to the first was lost
      // (it may have landed): it must run nothing the second time.
      return ServiceCmd{last_commit_};
    }
    // Like the runner, which sends its next commit only after the previous one answered:
    // a later commit of this step expects the cursor where the one before will leave it
    // (and is refused if that one does not land). The cursor read here is the state before
    // this step's batches run.
    const uint64_t durable_cursor = live_.set().cursors().Get(kSubscriber).value_or(0);
    const uint64_t cursor = sub_from_ != 0 ? sub_from_ : durable_cursor;
    if (sub_scan_ < cursor) sub_scan_ = cursor;
    auto op = std::make_shared<runtime::SubscriberCommitOp>();
    op->name = std::string(kSubscriber);
    op->from = cursor;
    uint64_t scanned_to = std::max<uint64_t>(sub_scan_, 1);
    const size_t wanted_max = 1 + rng_.Below(8);
    journal::JournalReader reader(&disk_, JournalDir(shard_options_.data_dir));
    const uint64_t durable = shard_->seq_durable_next();
    const Status st = reader.Read(scanned_to, durable,
                                  [&](const journal::RecordHeader& h, std::span<const uint8_t> b) {
                                    journal::EventIterator it(b);
                                    journal::EventView ev;
                                    for (uint64_t seq = h.seq_first; it.Next(&ev); seq++) {
                                      if (seq < scanned_to) continue;
                                      if (op->ops.size() >= wanted_max || seq >= durable)
                                        return false;
                                      scanned_to = seq + 1;
                                      if (ev.type != kTickFired) continue;
                                      auto note = std::make_shared<TickNoteOp>();
                                      note->value = seq;
                                      op->ops.push_back(std::move(note));
                                    }
                                    return true;
                                  });
    Expect(st.ok(), "subscriber read: " + st.ToString());
    op->to = scanned_to;
    sub_scan_ = scanned_to;  // a range without firings moves only in memory
    if (op->ops.empty() && cursor != 0) return TrialBalanceQuery{};  // nothing to commit
    sub_from_ = op->to;
    last_commit_ = op;
    return ServiceCmd{std::move(op)};
  }

  // After a batch ran at its timestamp: every timer due by then fired, except those the
  // batch's own commands scheduled after the timer step.
  void CheckTimersFired(const PreparedBatch& batch) {
    live_.set().timers().ForEach([&](const runtime::Timer& t) {
      Expect(t.when > batch.timestamp_ns || t.order >= batch.seq_first,
             "timer " + t.key + " was due and did not fire");
    });
    std::map<std::string, int> fired;
    for (const auto& f : live_.tick.fired()) {
      if (f.key[0] != 'p') Expect(++fired[f.key] == 1, "timer " + f.key + " fired twice");
    }
  }

  // The subscriber's notes are exactly the firings' seqs, in journal order, each once: a
  // prefix of all firings (it may lag), never a gap, never a repeat.
  void CheckSubscriber() {
    // Only the journal's new durable part is read: what is durable stays (a recovery starts
    // the scan over all the same).
    std::vector<uint64_t>& fired = fired_seqs_;
    const uint64_t durable = shard_->seq_durable_next();
    journal::JournalReader reader(&disk_, JournalDir(shard_options_.data_dir));
    const Status st = reader.Read(fired_scan_next_, durable,
                                  [&](const journal::RecordHeader& h, std::span<const uint8_t> b) {
                                    journal::EventIterator it(b);
                                    journal::EventView ev;
                                    for (uint64_t seq = h.seq_first; it.Next(&ev); seq++) {
                                      if (seq < fired_scan_next_ || seq >= durable) continue;
                                      if (ev.type == kTickFired) fired.push_back(seq);
                                    }
                                    return true;
                                  });
    Expect(st.ok(), "journal read: " + st.ToString());
    fired_scan_next_ = std::max(fired_scan_next_, durable);
    const std::vector<uint64_t>& notes = live_.tick.notes();
    Expect(notes.size() <= fired.size(), "the subscriber noted more than fired");
    for (size_t i = 0; i < notes.size() && i < fired.size(); i++) {
      if (notes[i] != fired[i]) {
        Expect(false, "subscriber note " + std::to_string(i) + " is seq " +
                          std::to_string(notes[i]) + ", the firing is seq " +
                          std::to_string(fired[i]));
        return;
      }
    }
  }

  void TakeSnapshot() {
    stat_snapshots_++;
    const SnapshotJob job = shard_->CaptureSnapshot();
    // A failed snapshot is harmless: the journal stays authoritative.
    shard_->WriteSnapshot(job).IgnoreError();
  }

  void CorruptNewestSnapshot() {
    auto snaps = journal::ListSnapshots(&disk_, SnapshotDir(shard_options_.data_dir));
    if (!snaps.ok() || snaps->empty()) return;
    const uint64_t size = disk_.FileSize(snaps->front());
    if (size == 0) return;
    disk_.FlipBit(snaps->front(), rng_.Below(size), static_cast<int>(rng_.Below(8)));
  }

  SimOptions options_;
  Rng rng_;
  SimServices live_;  // the live shard's services (kept across recoveries, like a process's)
  PlatformWorkload workload_;
  std::unique_ptr<ModuleSubscribers> module_subs_;
  std::vector<std::string> scheduled_;
  uint64_t next_timer_ = 1;
  int periodic_ = 0;
  uint64_t sub_scan_ = 0;
  std::vector<uint64_t> fired_seqs_;  // the durable journal's firings, up to fired_scan_next_
  uint64_t fired_scan_next_ = 1;
  uint64_t sub_from_ = 0;  // the cursor this step's next commit expects (0: the live one)
  std::shared_ptr<const runtime::SubscriberCommitOp> last_commit_;
  SimDisk disk_;
  SimDiskFaults faults_;
  ShardOptions shard_options_;
  std::unique_ptr<Shard> shard_;
  TimestampNs now_;
  TimestampNs last_batch_ns_ = 0;  // the latest batch executed (durable or not)
  uint64_t step_ = 0;
  std::string error_;
  Hash256 durable_hash_{};
  std::map<LedgerCode, std::vector<AccountId>> account_ids_;
  std::vector<Account> new_accounts_;
  std::vector<TransferId> pendings_;
  std::vector<Transfer> sent_;
  std::map<u128, Transfer> acked_;
  uint64_t next_id_ = 1;
  uint64_t next_account_id_ = 1000;
  uint64_t stat_batches_ = 0, stat_crashes_ = 0, stat_sync_failures_ = 0, stat_snapshots_ = 0;
  uint64_t stat_snapshot_fallbacks_ = 0, stat_torn_tails_ = 0, stat_money_audits_ = 0;
  uint64_t stat_replays_ = 0, stat_decisions_reproduced_ = 0;
};

}  // namespace

SimResult RunSimulation(const SimOptions& options) {
  Simulation sim(options);
  return sim.Run();
}

}  // namespace cb::sim
