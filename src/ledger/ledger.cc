#include "ledger/ledger.h"

#include <algorithm>

#include "ledger/events.h"

namespace cb::ledger {

namespace {

using TR = TransferResult;
using AR = AccountResult;

TR CompareExistingTransfer(const Transfer& in, const Transfer& s) {
  if (in.flags != s.flags) return TR::kExistsWithDifferentFlags;
  const bool post_or_void = in.flags & (kTransferPostPending | kTransferVoidPending);
  if (post_or_void) {
    // Post/void inputs may leave fields zero ("take them from the pending transfer").
    if (!in.debit_account_id.zero() && in.debit_account_id != s.debit_account_id) {
      return TR::kExistsWithDifferentDebitAccountId;
    }
    if (!in.credit_account_id.zero() && in.credit_account_id != s.credit_account_id) {
      return TR::kExistsWithDifferentCreditAccountId;
    }
    if (in.amount != 0 && in.amount != s.amount) return TR::kExistsWithDifferentAmount;
  } else {
    if (in.debit_account_id != s.debit_account_id) return TR::kExistsWithDifferentDebitAccountId;
    if (in.credit_account_id != s.credit_account_id) {
      return TR::kExistsWithDifferentCreditAccountId;
    }
    const bool balancing = in.flags & (kTransferBalancingDebit | kTransferBalancingCredit);
    // A balancing transfer may have moved less than asked, never more.
    if (balancing ? s.amount > in.amount : s.amount != in.amount) {
      return TR::kExistsWithDifferentAmount;
    }
  }
  if (in.pending_id != s.pending_id) return TR::kExistsWithDifferentPendingId;
  if (in.user_data_128 != s.user_data_128 && !(post_or_void && in.user_data_128 == 0)) {
    return TR::kExistsWithDifferentUserData128;
  }
  if (in.user_data_64 != s.user_data_64 && !(post_or_void && in.user_data_64 == 0)) {
    return TR::kExistsWithDifferentUserData64;
  }
  if (in.user_data_32 != s.user_data_32 && !(post_or_void && in.user_data_32 == 0)) {
    return TR::kExistsWithDifferentUserData32;
  }
  if (in.timeout_s != s.timeout_s) return TR::kExistsWithDifferentTimeout;
  if (in.code != s.code && !(post_or_void && in.code == 0)) return TR::kExistsWithDifferentCode;
  if (in.ledger != s.ledger && !(post_or_void && in.ledger == 0)) {
    return TR::kExistsWithDifferentLedger;
  }
  return TR::kExists;
}

u128 SaturatingSub(u128 a, u128 b) { return a > b ? a - b : 0; }

// Checks overflow and balance limits of moving `amount` from dr to cr, pending or posted.
TR CheckBalances(const Account& dr, const Account& cr, u128 amount, bool pending) {
  const Balances& d = dr.balances;
  const Balances& c = cr.balances;
  u128 tmp;
  if (pending) {
    if (!CheckedAdd(d.debits_pending, amount, &tmp)) return TR::kOverflowsDebitsPending;
    if (!CheckedAdd(c.credits_pending, amount, &tmp)) return TR::kOverflowsCreditsPending;
  } else {
    if (!CheckedAdd(d.debits_posted, amount, &tmp)) return TR::kOverflowsDebitsPosted;
    if (!CheckedAdd(c.credits_posted, amount, &tmp)) return TR::kOverflowsCreditsPosted;
  }
  u128 debits, credits;
  if (!CheckedAdd(d.debits_pending, d.debits_posted, &debits) ||
      !CheckedAdd(debits, amount, &debits)) {
    return TR::kOverflowsDebits;
  }
  if (!CheckedAdd(c.credits_pending, c.credits_posted, &credits) ||
      !CheckedAdd(credits, amount, &credits)) {
    return TR::kOverflowsCredits;
  }
  if (dr.flags & kAccountDebitsMustNotExceedCredits) {
    u128 allowed;
    if (!CheckedAdd(d.credits_posted, dr.limit, &allowed)) allowed = kU128Max;
    if (debits > allowed) return TR::kExceedsCredits;
  }
  if (cr.flags & kAccountCreditsMustNotExceedDebits) {
    u128 allowed;
    if (!CheckedAdd(c.debits_posted, cr.limit, &allowed)) allowed = kU128Max;
    if (credits > allowed) return TR::kExceedsDebits;
  }
  return TR::kOk;
}

TR ValidatePostOrVoid(const LedgerState& state, const Transfer& in, TimestampNs now,
                      Transfer* out) {
  if (in.pending_id.zero()) return TR::kPendingIdMustNotBeZero;
  if (in.pending_id.max()) return TR::kPendingIdMustNotBeIntMax;
  if (in.pending_id.value == in.id.value) return TR::kPendingIdMustBeDifferent;
  if (in.timeout_s != 0) return TR::kTimeoutReservedForPendingTransfer;
  const uint32_t prow = state.TransferRow(in.pending_id);
  if (prow == kNoRow) return TR::kPendingTransferNotFound;
  const Transfer& p = state.record(prow);
  if (!(p.flags & kTransferPending)) return TR::kPendingTransferNotPending;
  if (!in.debit_account_id.zero() && in.debit_account_id != p.debit_account_id) {
    return TR::kPendingTransferHasDifferentDebitAccountId;
  }
  if (!in.credit_account_id.zero() && in.credit_account_id != p.credit_account_id) {
    return TR::kPendingTransferHasDifferentCreditAccountId;
  }
  if (in.ledger != 0 && in.ledger != p.ledger) return TR::kPendingTransferHasDifferentLedger;
  if (in.code != 0 && in.code != p.code) return TR::kPendingTransferHasDifferentCode;
  u128 amount = p.amount;
  if (in.flags & kTransferPostPending) {
    if (in.amount > p.amount) return TR::kExceedsPendingTransferAmount;
    if (in.amount != 0) amount = in.amount;  // partial post; 0 posts the full amount
  } else if (in.amount != 0 && in.amount != p.amount) {
    return TR::kPendingTransferHasDifferentAmount;
  }
  switch (state.status(prow)) {
    case PendingStatus::kPending:
      break;
    case PendingStatus::kPosted:
      return TR::kPendingTransferAlreadyPosted;
    case PendingStatus::kVoided:
      return TR::kPendingTransferAlreadyVoided;
    case PendingStatus::kExpired:
      return TR::kPendingTransferExpired;
    case PendingStatus::kNone:
      return TR::kPendingTransferNotPending;
  }
  if (p.timeout_s > 0 && ExpiresAt(p) <= now) return TR::kPendingTransferExpired;
  if (in.flags & kTransferPostPending) {
    const Account& dr = state.account(state.AccountRow(p.debit_account_id));
    const Account& cr = state.account(state.AccountRow(p.credit_account_id));
    u128 tmp;
    if (!CheckedAdd(dr.balances.debits_posted, amount, &tmp)) return TR::kOverflowsDebitsPosted;
    if (!CheckedAdd(cr.balances.credits_posted, amount, &tmp)) return TR::kOverflowsCreditsPosted;
  }
  *out = in;
  out->debit_account_id = p.debit_account_id;
  out->credit_account_id = p.credit_account_id;
  out->amount = amount;
  out->ledger = p.ledger;
  if (out->code == 0) out->code = p.code;
  if (out->user_data_128 == 0) out->user_data_128 = p.user_data_128;
  if (out->user_data_64 == 0) out->user_data_64 = p.user_data_64;
  if (out->user_data_32 == 0) out->user_data_32 = p.user_data_32;
  out->timestamp = now;
  return TR::kOk;
}

TR ValidateSingleOrPending(const LedgerState& state, const Transfer& in, TimestampNs now,
                           Transfer* out) {
  const bool pending = in.flags & kTransferPending;
  if (!in.pending_id.zero()) return TR::kPendingIdMustBeZero;
  if (in.debit_account_id.zero()) return TR::kDebitAccountIdMustNotBeZero;
  if (in.debit_account_id.max()) return TR::kDebitAccountIdMustNotBeIntMax;
  if (in.credit_account_id.zero()) return TR::kCreditAccountIdMustNotBeZero;
  if (in.credit_account_id.max()) return TR::kCreditAccountIdMustNotBeIntMax;
  if (in.debit_account_id == in.credit_account_id) return TR::kAccountsMustBeDifferent;
  if (in.timeout_s != 0 && !pending) return TR::kTimeoutReservedForPendingTransfer;
  if (in.amount == 0) return TR::kAmountMustNotBeZero;
  if (in.ledger == 0) return TR::kLedgerMustNotBeZero;
  if (in.code == 0) return TR::kCodeMustNotBeZero;
  if (state.FindLedger(in.ledger) == nullptr) return TR::kLedgerNotFound;
  const uint32_t drow = state.AccountRow(in.debit_account_id);
  if (drow == kNoRow) return TR::kDebitAccountNotFound;
  const uint32_t crow = state.AccountRow(in.credit_account_id);
  if (crow == kNoRow) return TR::kCreditAccountNotFound;
  const Account& dr = state.account(drow);
  const Account& cr = state.account(crow);
  if (dr.ledger != cr.ledger) return TR::kAccountsMustHaveTheSameLedger;
  if (in.ledger != dr.ledger) return TR::kTransferMustHaveTheSameLedgerAsAccounts;
  if (dr.flags & kAccountClosed) return TR::kDebitAccountClosed;
  if (cr.flags & kAccountClosed) return TR::kCreditAccountClosed;
  // Post and void records inherit this check from their pending transfer.
  if (((dr.flags | cr.flags) & kAccountInternal) && !(in.flags & kTransferInternal)) {
    return TR::kInternalAccountNeedsInternalTransfer;
  }
  u128 amount = in.amount;
  if (in.flags & kTransferBalancingDebit) {
    const Balances& b = dr.balances;
    u128 ceiling = b.credits_posted;
    if ((dr.flags & kAccountDebitsMustNotExceedCredits) &&
        !CheckedAdd(ceiling, dr.limit, &ceiling)) {
      ceiling = kU128Max;
    }
    amount =
        std::min(amount, SaturatingSub(SaturatingSub(ceiling, b.debits_posted), b.debits_pending));
    if (amount == 0) return TR::kExceedsCredits;
  }
  if (in.flags & kTransferBalancingCredit) {
    const Balances& b = cr.balances;
    u128 ceiling = b.debits_posted;
    if ((cr.flags & kAccountCreditsMustNotExceedDebits) &&
        !CheckedAdd(ceiling, cr.limit, &ceiling)) {
      ceiling = kU128Max;
    }
    amount = std::min(amount,
                      SaturatingSub(SaturatingSub(ceiling, b.credits_posted), b.credits_pending));
    if (amount == 0) return TR::kExceedsDebits;
  }
  if (pending && in.timeout_s > 0) {
    uint64_t expires;
    if (__builtin_mul_overflow(static_cast<uint64_t>(in.timeout_s), kNsPerSecond, &expires) ||
        __builtin_add_overflow(now, expires, &expires)) {
      return TR::kOverflowsTimeout;
    }
  }
  const TR r = CheckBalances(dr, cr, amount, pending);
  if (r != TR::kOk) return r;
  *out = in;
  out->amount = amount;
  out->timestamp = now;
  return TR::kOk;
}

AR ValidateAccount(const LedgerState& state, const Account& in) {
  if (in.timestamp != 0) return AR::kTimestampMustBeZero;
  constexpr uint16_t kCreatable = kAccountLinked | kAccountDebitsMustNotExceedCredits |
                                  kAccountCreditsMustNotExceedDebits | kAccountInternal;
  if (in.flags & ~kCreatable) return AR::kReservedFlag;
  if (in.history_head != 0 || in.reserved2 != 0) return AR::kReservedField;
  if (in.id.zero()) return AR::kIdMustNotBeZero;
  if (in.id.max()) return AR::kIdMustNotBeIntMax;
  if ((in.flags & kAccountDebitsMustNotExceedCredits) &&
      (in.flags & kAccountCreditsMustNotExceedDebits)) {
    return AR::kFlagsAreMutuallyExclusive;
  }
  if (!(in.balances == Balances{})) return AR::kBalancesMustBeZero;
  if (in.ledger == 0) return AR::kLedgerMustNotBeZero;
  if (in.code == 0) return AR::kCodeMustNotBeZero;
  const uint32_t row = state.AccountRow(in.id);
  if (row != kNoRow) {
    const Account& s = state.account(row);
    constexpr uint16_t kCompared =
        kAccountDebitsMustNotExceedCredits | kAccountCreditsMustNotExceedDebits | kAccountInternal;
    if ((in.flags & kCompared) != (s.flags & kCompared)) return AR::kExistsWithDifferentFlags;
    if (in.user_data_128 != s.user_data_128) return AR::kExistsWithDifferentUserData128;
    if (in.user_data_64 != s.user_data_64) return AR::kExistsWithDifferentUserData64;
    if (in.user_data_32 != s.user_data_32) return AR::kExistsWithDifferentUserData32;
    if (in.ledger != s.ledger) return AR::kExistsWithDifferentLedger;
    if (in.code != s.code) return AR::kExistsWithDifferentCode;
    if (in.limit != s.limit) return AR::kExistsWithDifferentLimit;
    return AR::kExists;
  }
  if (state.FindLedger(in.ledger) == nullptr) return AR::kLedgerNotFound;
  return AR::kOk;
}

// Runs `one(i)` over items with linked-chain semantics. `linked(i)` tells whether item i
// links to the next; `one` validates, emits and applies, returning its result.
template <typename Result, typename Linked, typename One>
void RunChains(LedgerState* state, size_t n, TimestampNs* ts_next, journal::RecordBuilder* out,
               std::vector<Result>* results, Result failed, Result chain_open, Linked linked,
               One one) {
  results->assign(n, Result{});
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && linked(j)) j++;
    if (j == n) {
      // The last chain never closes: every item fails, the last says why.
      for (size_t k = i; k < n; k++) (*results)[k] = failed;
      (*results)[n - 1] = chain_open;
      return;
    }
    if (j == i) {
      (*results)[i] = one(i);
      i++;
      continue;
    }
    state->BeginUndo();
    const auto mark = out->mark();
    const TimestampNs ts_mark = *ts_next;
    size_t failed_at = n;
    for (size_t k = i; k <= j; k++) {
      (*results)[k] = one(k);
      if (!Succeeded((*results)[k])) {
        failed_at = k;
        break;
      }
    }
    if (failed_at == n) {
      state->CommitUndo();
    } else {
      state->RollbackUndo();
      out->RollbackTo(mark);
      *ts_next = ts_mark;
      for (size_t k = i; k <= j; k++) {
        if (k != failed_at) (*results)[k] = failed;
      }
    }
    i = j + 1;
  }
}

}  // namespace

TransferResult ValidateTransfer(const LedgerState& state, const Transfer& in, TimestampNs now,
                                Transfer* resolved) {
  if (in.timestamp != 0) return TR::kTimestampMustBeZero;
  if (in.flags & ~kTransferFlagsClient) return TR::kReservedFlag;
  if (in.id.zero()) return TR::kIdMustNotBeZero;
  if (in.id.max()) return TR::kIdMustNotBeIntMax;
  const uint16_t f = in.flags;
  const int kinds =
      !!(f & kTransferPending) + !!(f & kTransferPostPending) + !!(f & kTransferVoidPending);
  const bool balancing = f & (kTransferBalancingDebit | kTransferBalancingCredit);
  if (kinds > 1) return TR::kFlagsAreMutuallyExclusive;
  if (balancing && (f & (kTransferPostPending | kTransferVoidPending))) {
    return TR::kFlagsAreMutuallyExclusive;
  }
  const uint32_t existing = state.TransferRow(in.id);
  if (existing != kNoRow) return CompareExistingTransfer(in, state.record(existing));
  if (f & (kTransferPostPending | kTransferVoidPending)) {
    return ValidatePostOrVoid(state, in, now, resolved);
  }
  return ValidateSingleOrPending(state, in, now, resolved);
}

void CreateTransfers(LedgerState* state, std::span<const Transfer> transfers, TimestampNs* ts_next,
                     journal::RecordBuilder* out, std::vector<TransferResult>* results) {
  CB_CHECK(transfers.size() <= kItemsPerCommandMax);
  // Warm the id indexes a few items ahead: the lookups are the cache misses that dominate.
  constexpr size_t kPrefetchAhead = 8;
  for (size_t k = 0; k < std::min(2 * kPrefetchAhead, transfers.size()); k++) {
    state->PrefetchTransfer(transfers[k].id);
    state->PrefetchAccount(transfers[k].debit_account_id);
    state->PrefetchAccount(transfers[k].credit_account_id);
  }
  RunChains(
      state, transfers.size(), ts_next, out, results, TR::kLinkedEventFailed,
      TR::kLinkedEventChainOpen,
      [&](size_t i) { return (transfers[i].flags & kTransferLinked) != 0; },
      [&](size_t i) {
        // Two-stage prefetch: index slots far ahead, then the account rows they name.
        if (i + 2 * kPrefetchAhead < transfers.size()) {
          const Transfer& far = transfers[i + 2 * kPrefetchAhead];
          state->PrefetchTransfer(far.id);
          state->PrefetchAccount(far.debit_account_id);
          state->PrefetchAccount(far.credit_account_id);
        }
        if (i + kPrefetchAhead < transfers.size()) {
          const Transfer& ahead = transfers[i + kPrefetchAhead];
          state->PrefetchAccountRow(ahead.debit_account_id);
          state->PrefetchAccountRow(ahead.credit_account_id);
        }
        Transfer resolved;
        const TR r = ValidateTransfer(*state, transfers[i], *ts_next, &resolved);
        if (r != TR::kOk) return r;
        (*ts_next)++;
        EmitEvent(out, EventType::kTransferCreated, resolved);
        state->ApplyTransferCreated(resolved);
        return TR::kOk;
      });
}

void CreateAccounts(LedgerState* state, std::span<const Account> accounts, TimestampNs* ts_next,
                    journal::RecordBuilder* out, std::vector<AccountResult>* results) {
  CB_CHECK(accounts.size() <= kItemsPerCommandMax);
  RunChains(
      state, accounts.size(), ts_next, out, results, AR::kLinkedEventFailed,
      AR::kLinkedEventChainOpen,
      [&](size_t i) { return (accounts[i].flags & kAccountLinked) != 0; },
      [&](size_t i) {
        const AR r = ValidateAccount(*state, accounts[i]);
        if (r != AR::kOk) return r;
        Account a = accounts[i];
        a.timestamp = (*ts_next)++;
        EmitEvent(out, EventType::kAccountCreated, a);
        state->ApplyAccountCreated(a);
        return AR::kOk;
      });
}

AccountResult DefineLedger(LedgerState* state, const LedgerInfo& info,
                           journal::RecordBuilder* out) {
  if (info.ledger == 0) return AR::kLedgerMustNotBeZero;
  size_t len = 0;
  while (len < sizeof(info.currency) && info.currency[len] != 0) len++;
  // NUL-padded, 3 to 7 characters (types.h): a full 8 would leave no terminator.
  if (len < 3 || len == sizeof(info.currency)) return AR::kCurrencyInvalid;
  for (size_t k = 0; k < sizeof(info.currency); k++) {
    const char c = info.currency[k];
    const bool ok = k < len ? ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) : c == 0;
    if (!ok) return AR::kCurrencyInvalid;
  }
  if (info.scale > 18 || info.reserved[0] || info.reserved[1] || info.reserved[2]) {
    return AR::kCurrencyInvalid;
  }
  if (const LedgerInfo* s = state->FindLedger(info.ledger)) {
    return std::memcmp(s, &info, sizeof(info)) == 0 ? AR::kExists : AR::kExistsWithDifferentLedger;
  }
  EmitEvent(out, EventType::kLedgerDefined, info);
  state->ApplyLedgerDefined(info);
  return AR::kOk;
}

AccountResult DefineGlCode(LedgerState* state, const GlCode& gl, journal::RecordBuilder* out) {
  if (gl.code == 0) return AR::kCodeMustNotBeZero;
  if (gl.reserved != 0 || gl.name[sizeof(gl.name) - 1] != 0) return AR::kReservedField;
  const uint8_t kind = static_cast<uint8_t>(gl.kind);
  if (kind < 1 || kind > 5) return AR::kReservedField;
  auto it = state->chart().find(gl.code);
  if (it != state->chart().end()) {
    return std::memcmp(&it->second, &gl, sizeof(gl)) == 0 ? AR::kExists
                                                          : AR::kExistsWithDifferentCode;
  }
  EmitEvent(out, EventType::kGlCodeDefined, gl);
  state->ApplyGlCodeDefined(gl);
  return AR::kOk;
}

uint32_t FindUnauthorizedInternalMove(const LedgerState& state) {
  for (uint32_t row = 0; row < state.record_count(); row++) {
    const Transfer& t = state.record(row);
    const RecordAccounts& ra = state.record_accounts(row);
    const bool internal =
        (state.account(ra.debit_row).flags | state.account(ra.credit_row).flags) & kAccountInternal;
    if (!internal) continue;
    const Transfer* authorizing = &t;
    if (t.flags & (kTransferPostPending | kTransferVoidPending | kTransferExpiryRecord)) {
      if (ra.pending_row == kNoRow || ra.pending_row >= row) return row;
      authorizing = &state.record(ra.pending_row);
    }
    if (!(authorizing->flags & kTransferInternal)) return row;
  }
  return kNoRow;
}

AccountResult SetAccountLimit(LedgerState* state, AccountId id, uint64_t limit,
                              TimestampNs* ts_next, journal::RecordBuilder* out) {
  const uint32_t row = state->AccountRow(id);
  if (row == kNoRow) return AR::kAccountNotFound;
  Account probe = state->account(row);
  if (probe.flags & kAccountClosed) return AR::kAccountClosed;
  probe.limit = limit;
  if (!WithinLimits(probe)) return AR::kLimitBelowCurrentBalance;
  AccountLimitSetEvent ev{id, limit, (*ts_next)++};
  EmitEvent(out, EventType::kAccountLimitSet, ev);
  state->ApplyAccountLimitSet(id, limit);
  return AR::kOk;
}

namespace {
AccountResult SetClosed(LedgerState* state, AccountId id, bool closed, TimestampNs* ts_next,
                        journal::RecordBuilder* out) {
  const uint32_t row = state->AccountRow(id);
  if (row == kNoRow) return AR::kAccountNotFound;
  const uint16_t flags = state->account(row).flags;
  const bool is_closed = flags & kAccountClosed;
  if (closed && is_closed) return AR::kAccountAlreadyClosed;
  if (!closed && !is_closed) return AR::kAccountNotClosed;
  AccountFlagsSetEvent ev;
  ev.account_id = id;
  ev.flags = closed ? static_cast<uint16_t>(flags | kAccountClosed)
                    : static_cast<uint16_t>(flags & ~kAccountClosed);
  ev.timestamp = (*ts_next)++;
  EmitEvent(out, EventType::kAccountFlagsSet, ev);
  state->ApplyAccountFlagsSet(id, ev.flags);
  return AR::kOk;
}
}  // namespace

AccountResult CloseAccount(LedgerState* state, AccountId id, TimestampNs* ts_next,
                           journal::RecordBuilder* out) {
  return SetClosed(state, id, true, ts_next, out);
}

AccountResult ReopenAccount(LedgerState* state, AccountId id, TimestampNs* ts_next,
                            journal::RecordBuilder* out) {
  return SetClosed(state, id, false, ts_next, out);
}

size_t ExpireDue(LedgerState* state, TimestampNs now, size_t count_max, TimestampNs* ts_next,
                 journal::RecordBuilder* out) {
  const std::vector<uint32_t> rows = state->DueExpiries(now, count_max);
  for (uint32_t row : rows) {
    PendingExpiredEvent ev;
    ev.pending_id = state->record(row).id;
    ev.timestamp = (*ts_next)++;
    EmitEvent(out, EventType::kPendingExpired, ev);
    state->ApplyPendingExpired(ev.pending_id, ev.timestamp);
  }
  return rows.size();
}

}  // namespace cb::ledger
