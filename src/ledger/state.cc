#include "ledger/state.h"

#include <algorithm>

namespace cb::ledger {

// Cheap 64-bit mix of a record, folded into a running digest so the state hash covers every
// stored transfer without rehashing gigabytes (the journal's SHA-256 chain covers the bytes).
uint64_t MixRecordDigest(uint64_t digest, const Transfer& t) {
  uint64_t words[16];
  std::memcpy(words, &t, sizeof(words));
  uint64_t h = digest ^ 0x9E3779B97F4A7C15ull;
  for (uint64_t w : words) {
    h ^= w;
    h *= 0x100000001B3ull;
    h ^= h >> 29;
  }
  return h;
}

LedgerState::LedgerState(size_t transfers_expected, size_t accounts_expected)
    : account_index_(AccountKey{this}, accounts_expected),
      transfer_index_(TransferKey{this}, transfers_expected) {
  accounts_.reserve(accounts_expected);
}

const LedgerInfo* LedgerState::FindLedger(LedgerCode ledger) const {
  auto it = ledgers_.find(ledger);
  return it == ledgers_.end() ? nullptr : &it->second;
}

std::vector<uint32_t> LedgerState::DueExpiries(TimestampNs now, size_t count_max) const {
  std::vector<uint32_t> rows;
  for (auto it = expiries_.begin(); it != expiries_.end() && rows.size() < count_max; ++it) {
    if (it->first > now) break;
    rows.push_back(it->second);
  }
  return rows;
}

std::optional<TimestampNs> LedgerState::NextExpiry() const {
  if (expiries_.empty()) return std::nullopt;
  return expiries_.begin()->first;
}

Account& LedgerState::MutableAccount(AccountId id) {
  const uint32_t row = account_index_.Find(id.value);
  CB_CHECK(row != kNoRow);
  Touch(row);
  return accounts_[row];
}

void LedgerState::SaveBalances(uint32_t row) {
  if (undo_active_) {
    undo_.push_back({UndoEntry::Kind::kBalances, row, 0, accounts_[row].balances});
  }
}

void LedgerState::ReserveRecords(size_t count) {
  records_.Reserve(count);
  status_.Reserve(count);
  record_accounts_.Reserve(count);
}

void LedgerState::AppendRecord(const Transfer& t, PendingStatus status, RecordAccounts ra) {
  const uint32_t row = static_cast<uint32_t>(records_.size());
  CB_CHECK(records_.size() < kNoRow - 1);
  records_.push_back(t);
  status_.push_back(static_cast<uint8_t>(status));
  CB_DCHECK(ra.debit_row != ra.credit_row);
  Account& dr = accounts_[ra.debit_row];
  Account& cr = accounts_[ra.credit_row];
  ra.debit_prev = dr.history_head - 1;  // 0 (none) wraps to kNoRow
  ra.credit_prev = cr.history_head - 1;
  dr.history_head = row + 1;
  cr.history_head = row + 1;
  record_accounts_.push_back(ra);
  if (!t.id.zero()) transfer_index_.Insert(t.id.value, row);
  records_digest_ = MixRecordDigest(records_digest_, t);
  if (undo_active_) undo_.push_back({UndoEntry::Kind::kRecordAppended, row, 0, {}});
}

void LedgerState::SetStatus(uint32_t row, PendingStatus status) {
  if (undo_active_) undo_.push_back({UndoEntry::Kind::kStatus, row, status_[row], {}});
  status_[row] = static_cast<uint8_t>(status);
}

void LedgerState::InsertExpiry(uint64_t expires_at, uint32_t row) {
  expiries_.insert({expires_at, row});
  if (undo_active_) undo_.push_back({UndoEntry::Kind::kExpiryInserted, row, expires_at, {}});
}

void LedgerState::EraseExpiry(uint64_t expires_at, uint32_t row) {
  if (expiries_.erase({expires_at, row}) > 0 && undo_active_) {
    undo_.push_back({UndoEntry::Kind::kExpiryErased, row, expires_at, {}});
  }
}

void LedgerState::ApplyLedgerDefined(const LedgerInfo& info) {
  CB_CHECK(info.ledger != 0);
  CB_CHECK(!ledgers_.contains(info.ledger));
  ledgers_[info.ledger] = info;
  if (undo_active_) undo_.push_back({UndoEntry::Kind::kLedger, info.ledger, 0, {}});
}

void LedgerState::ApplyGlCodeDefined(const GlCode& gl) {
  CB_CHECK(gl.code != 0);
  CB_CHECK(!chart_.contains(gl.code));
  chart_[gl.code] = gl;
  if (undo_active_) undo_.push_back({UndoEntry::Kind::kGl, gl.code, 0, {}});
}

void LedgerState::ApplyAccountCreated(const Account& account) {
  CB_CHECK(!account.id.zero());
  CB_CHECK(account.balances == Balances{});
  CB_CHECK(accounts_.size() < kNoRow - 1);
  const uint32_t row = static_cast<uint32_t>(accounts_.size());
  CB_CHECK(account.history_head == 0);
  accounts_.push_back(account);
  account_index_.Insert(account.id.value, row);
  Touch(row);
  if (undo_active_) undo_.push_back({UndoEntry::Kind::kAccountAppended, row, 0, {}});
}

void LedgerState::ApplyTransferCreated(const Transfer& t) {
  const uint32_t dr = account_index_.Find(t.debit_account_id.value);
  const uint32_t cr = account_index_.Find(t.credit_account_id.value);
  CB_CHECK(dr != kNoRow);
  CB_CHECK(cr != kNoRow);
  Touch(dr);
  Touch(cr);
  SaveBalances(dr);
  SaveBalances(cr);
  Balances& d = accounts_[dr].balances;
  Balances& c = accounts_[cr].balances;
  if (t.flags & (kTransferPostPending | kTransferVoidPending)) {
    const uint32_t prow = transfer_index_.Find(t.pending_id.value);
    CB_CHECK(prow != kNoRow);
    CB_CHECK(status_[prow] == static_cast<uint8_t>(PendingStatus::kPending));
    const Transfer& p = records_[prow];
    CB_CHECK(d.debits_pending >= p.amount);
    CB_CHECK(c.credits_pending >= p.amount);
    d.debits_pending -= p.amount;
    c.credits_pending -= p.amount;
    if (t.flags & kTransferPostPending) {
      CB_CHECK(t.amount <= p.amount);
      CB_CHECK(CheckedAdd(d.debits_posted, t.amount, &d.debits_posted));
      CB_CHECK(CheckedAdd(c.credits_posted, t.amount, &c.credits_posted));
    }
    if (p.timeout_s > 0) EraseExpiry(ExpiresAt(p), prow);
    SetStatus(prow,
              (t.flags & kTransferPostPending) ? PendingStatus::kPosted : PendingStatus::kVoided);
    AppendRecord(t, PendingStatus::kNone, {dr, cr, prow});
  } else if (t.flags & kTransferPending) {
    CB_CHECK(CheckedAdd(d.debits_pending, t.amount, &d.debits_pending));
    CB_CHECK(CheckedAdd(c.credits_pending, t.amount, &c.credits_pending));
    AppendRecord(t, PendingStatus::kPending, {dr, cr, kNoRow});
    if (t.timeout_s > 0) InsertExpiry(ExpiresAt(t), static_cast<uint32_t>(records_.size() - 1));
  } else {
    CB_CHECK(CheckedAdd(d.debits_posted, t.amount, &d.debits_posted));
    CB_CHECK(CheckedAdd(c.credits_posted, t.amount, &c.credits_posted));
    AppendRecord(t, PendingStatus::kNone, {dr, cr, kNoRow});
  }
}

void LedgerState::ApplyPendingExpired(TransferId pending_id, TimestampNs timestamp) {
  const uint32_t prow = transfer_index_.Find(pending_id.value);
  CB_CHECK(prow != kNoRow);
  CB_CHECK(status_[prow] == static_cast<uint8_t>(PendingStatus::kPending));
  const Transfer p = records_[prow];
  CB_CHECK(p.timeout_s > 0);
  CB_CHECK(ExpiresAt(p) <= timestamp);
  const uint32_t dr = account_index_.Find(p.debit_account_id.value);
  const uint32_t cr = account_index_.Find(p.credit_account_id.value);
  Touch(dr);
  Touch(cr);
  SaveBalances(dr);
  SaveBalances(cr);
  CB_CHECK(accounts_[dr].balances.debits_pending >= p.amount);
  CB_CHECK(accounts_[cr].balances.credits_pending >= p.amount);
  accounts_[dr].balances.debits_pending -= p.amount;
  accounts_[cr].balances.credits_pending -= p.amount;
  EraseExpiry(ExpiresAt(p), prow);
  SetStatus(prow, PendingStatus::kExpired);
  // An expiry record keeps history complete: the account sees its pending amount released.
  Transfer rec = p;
  rec.id = TransferId{};
  rec.pending_id = pending_id;
  rec.flags = kTransferExpiryRecord;
  rec.timeout_s = 0;
  rec.timestamp = timestamp;
  AppendRecord(rec, PendingStatus::kNone, {dr, cr, prow});
}

void LedgerState::ApplyAccountLimitSet(AccountId id, uint64_t limit) {
  Account& a = MutableAccount(id);
  if (undo_active_) {
    undo_.push_back({UndoEntry::Kind::kLimit, AccountRow(id), a.limit, {}});
  }
  a.limit = limit;
}

void LedgerState::ApplyAccountFlagsSet(AccountId id, uint16_t flags) {
  Account& a = MutableAccount(id);
  if (undo_active_) {
    undo_.push_back({UndoEntry::Kind::kFlags, AccountRow(id), a.flags, {}});
  }
  a.flags = flags;
}

void LedgerState::BeginUndo() {
  CB_CHECK(!undo_active_);
  CB_CHECK(undo_.empty());
  undo_active_ = true;
  undo_digest_ = records_digest_;
}

void LedgerState::CommitUndo() {
  CB_CHECK(undo_active_);
  undo_active_ = false;
  undo_.clear();
}

void LedgerState::RollbackUndo() {
  CB_CHECK(undo_active_);
  undo_active_ = false;
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    switch (it->kind) {
      case UndoEntry::Kind::kBalances:
        accounts_[it->row].balances = it->balances;
        break;
      case UndoEntry::Kind::kAccountAppended:
        CB_CHECK(it->row == accounts_.size() - 1);
        account_index_.Erase(accounts_.back().id.value);
        accounts_.pop_back();
        break;
      case UndoEntry::Kind::kRecordAppended:
        CB_CHECK(it->row == records_.size() - 1);
        if (!records_[it->row].id.zero()) transfer_index_.Erase(records_[it->row].id.value);
        {
          // Unlink it from both accounts' chains.
          const RecordAccounts& ra = record_accounts_[it->row];
          CB_CHECK(accounts_[ra.debit_row].history_head == it->row + 1);
          CB_CHECK(accounts_[ra.credit_row].history_head == it->row + 1);
          accounts_[ra.debit_row].history_head = ra.debit_prev + 1;  // kNoRow wraps to 0
          accounts_[ra.credit_row].history_head = ra.credit_prev + 1;
        }
        records_.pop_back();
        status_.pop_back();
        record_accounts_.pop_back();
        break;
      case UndoEntry::Kind::kStatus:
        status_[it->row] = static_cast<uint8_t>(it->value);
        break;
      case UndoEntry::Kind::kExpiryInserted:
        expiries_.erase({it->value, it->row});
        break;
      case UndoEntry::Kind::kExpiryErased:
        expiries_.insert({it->value, it->row});
        break;
      case UndoEntry::Kind::kLimit:
        accounts_[it->row].limit = it->value;
        break;
      case UndoEntry::Kind::kFlags:
        accounts_[it->row].flags = static_cast<uint16_t>(it->value);
        break;
      case UndoEntry::Kind::kLedger:
        ledgers_.erase(it->row);
        break;
      case UndoEntry::Kind::kGl:
        chart_.erase(static_cast<uint16_t>(it->row));
        break;
    }
  }
  undo_.clear();
  records_digest_ = undo_digest_;
  CB_CHECK(history_.row_end_max() <= records_.size());
}

std::vector<LedgerTotals> LedgerState::TrialBalance() const {
  std::map<LedgerCode, LedgerTotals> totals;
  for (const Account& a : accounts_) {
    LedgerTotals& t = totals[a.ledger];
    t.ledger = a.ledger;
    t.debits_posted.Add(a.balances.debits_posted);
    t.credits_posted.Add(a.balances.credits_posted);
    t.debits_pending.Add(a.balances.debits_pending);
    t.credits_pending.Add(a.balances.credits_pending);
  }
  std::vector<LedgerTotals> out;
  for (const auto& [ledger, t] : totals) out.push_back(t);
  return out;
}

std::vector<GlTotals> LedgerState::GlTrialBalance() const {
  std::map<std::pair<LedgerCode, uint16_t>, GlTotals> totals;
  for (const Account& a : accounts_) {
    GlTotals& t = totals[{a.ledger, a.code}];
    t.ledger = a.ledger;
    t.code = a.code;
    t.debits_posted.Add(a.balances.debits_posted);
    t.credits_posted.Add(a.balances.credits_posted);
  }
  std::vector<GlTotals> out;
  for (const auto& [key, t] : totals) out.push_back(t);
  return out;
}

bool WithinLimits(const Account& a) {
  const Balances& b = a.balances;
  if (a.flags & kAccountDebitsMustNotExceedCredits) {
    u128 used, allowed;
    if (!CheckedAdd(b.debits_pending, b.debits_posted, &used)) return false;
    if (!CheckedAdd(b.credits_posted, a.limit, &allowed)) allowed = kU128Max;
    if (used > allowed) return false;
  }
  if (a.flags & kAccountCreditsMustNotExceedDebits) {
    u128 used, allowed;
    if (!CheckedAdd(b.credits_pending, b.credits_posted, &used)) return false;
    if (!CheckedAdd(b.debits_posted, a.limit, &allowed)) allowed = kU128Max;
    if (used > allowed) return false;
  }
  return true;
}

void LedgerState::CheckInvariants() const {
  for (const LedgerTotals& t : TrialBalance()) CB_CHECK(t.balanced());
  for (const Account& a : accounts_) CB_CHECK(WithinLimits(a));
}

Hash256 LedgerState::StateHash() const {
  Sha256 h;
  const uint64_t counts[3] = {accounts_.size(), records_.size(), expiries_.size()};
  h.Update(counts, sizeof(counts));
  for (const auto& [code, info] : ledgers_) h.Update(&info, sizeof(info));
  for (const auto& [code, gl] : chart_) h.Update(&gl, sizeof(gl));
  h.Update(accounts_.data(), accounts_.size() * sizeof(Account));
  h.Update(&records_digest_, sizeof(records_digest_));
  // Pending statuses, chunk by chunk.
  for (size_t i = 0; i < status_.size(); i += decltype(status_)::kChunkSize) {
    const size_t n = std::min(decltype(status_)::kChunkSize, status_.size() - i);
    h.Update(&status_[i], n);
  }
  return h.Finish();
}

void LedgerState::ApplyRecordEffect(uint32_t row, uint32_t account_row, Balances* b) const {
  const Transfer& t = records_[row];
  const bool debit = record_accounts_[row].debit_row == account_row;
  CB_CHECK(debit || record_accounts_[row].credit_row == account_row);
  u128& pending = debit ? b->debits_pending : b->credits_pending;
  u128& posted = debit ? b->debits_posted : b->credits_posted;
  if (t.flags & kTransferExpiryRecord) {
    pending -= t.amount;  // the expiry record carries the pending amount
  } else if (t.flags & (kTransferPostPending | kTransferVoidPending)) {
    // Not the id index: this may run on the history thread while the writer inserts.
    const uint32_t prow = record_accounts_[row].pending_row;
    CB_CHECK(prow < row);
    pending -= records_[prow].amount;
    if (t.flags & kTransferPostPending) posted += t.amount;
  } else if (t.flags & kTransferPending) {
    pending += t.amount;
  } else {
    posted += t.amount;
  }
}

}  // namespace cb::ledger
