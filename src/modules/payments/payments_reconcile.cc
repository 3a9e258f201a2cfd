// Reconciliation (issue 15, ADR 0019): a camt.053 statement of the bank's settlement account
// at the scheme, matched entry by entry against what we booked. A debit matches one external
// payment we settled (end-to-end id, currency, amount); a credit one received payment, or
// the return of a payment. Whatever does not match is an exception: an entry we do not
// know, an amount or a status that differs, or a payment settled in the statement's period
// that the statement lacks. Each object matches at most once, so nothing matches falsely.
#include <algorithm>
#include <unordered_set>

#include "base/check.h"
#include "kernel/ids.h"
#include "kernel/money.h"
#include "ledger/currency.h"
#include "modules/payments/payments_internal.h"
#include "payments/iso20022.h"

namespace cb::modules::payments {

namespace iso = ::cb::payments::iso;
using kernel::Answer;
using kernel::ErrorAnswer;
using kernel::ErrorKind;

namespace {

Answer RootOnly(const PaymentOp& op) {
  return ErrorAnswer(ErrorKind::kPermissionDenied, "root_admin_required",
                     "Reconciliation reads the bank's own settlement account: root tenant "
                     "admins only.",
                     "", op.trace_id);
}

// When the payment settled (its `settled` transition), or 0.
TimestampNs SettledAt(const Payment& p) {
  for (const Transition& t : p.history) {
    if (t.status == PaymentStatus::kSettled) return t.at;
  }
  return 0;
}

bool Booked(const Payment& p) { return SettledAt(p) != 0; }  // settled, maybe returned since

// The objects booked under an end-to-end id, in id order: the match must not depend on a hash
// map's order (it is journaled, and replay and the live run must make the same).
std::vector<u128> Candidates(const std::unordered_multimap<std::string, u128>& index,
                             const std::string& end_to_end_id) {
  std::vector<u128> ids;
  auto [b, e] = index.equal_range(end_to_end_id);
  for (auto it = b; it != e; ++it) ids.push_back(it->second);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string Amounts(u128 statement, u128 ours, uint8_t scale) {
  return "statement " + kernel::FormatAmount(statement, scale) + ", booked " +
         kernel::FormatAmount(ours, scale);
}

}  // namespace

Status PaymentsService::ApplyReconciliation(Reconciliation r) {
  if (reconciliations_.contains(r.id)) return Status::DataLoss("reconciliation recorded twice");
  if (r.exceptions.size() > kReconExceptionsMax) {
    return Status::DataLoss("reconciliation with too many exceptions");
  }
  if (reconciliation_order_.size() >= kReconciliationsMax) {
    // The oldest goes, and its exceptions (the front of the bank-wide list) with it.
    const Reconciliation& old = reconciliations_.at(reconciliation_order_.front());
    CB_CHECK(old.position_first == exceptions_forgotten_);
    for (uint32_t i = 0; i < old.exceptions.size(); i++) {
      CB_CHECK(exception_positions_.front() == std::make_pair(old.id, i));
      exception_positions_.pop_front();
      CB_CHECK(exceptions_by_id_.erase(ReconExceptionId(old.id, i)) == 1);
    }
    exceptions_forgotten_ += old.exceptions.size();
    reconciliations_.erase(old.id);
    reconciliation_order_.erase(reconciliation_order_.begin());
  }
  r.position_first = exceptions_forgotten_ + exception_positions_.size();
  for (uint32_t i = 0; i < r.exceptions.size(); i++) {
    exception_positions_.emplace_back(r.id, i);
    if (!exceptions_by_id_.emplace(ReconExceptionId(r.id, i), std::make_pair(r.id, i)).second) {
      return Status::DataLoss("reconciliation exception id collides");
    }
  }
  reconciliation_order_.push_back(r.id);
  const u128 id = r.id;
  reconciliations_.emplace(id, std::move(r));
  return Status::Ok();
}

std::string PaymentsService::RenderException(const Reconciliation& r, uint32_t index) const {
  const ReconItem& x = r.exceptions.at(index);
  // What we booked: the matched object's amount (it is never deleted), or nothing.
  std::optional<u128> booked;
  if (x.object != 0 && x.credit) {
    if (const ReceivedPayment* p = FindReceived(x.object)) booked = p->amount_minor;
  } else if (x.object != 0) {
    if (const Payment* p = Find(x.object)) booked = p->amount_minor;
  }
  return RenderReconException(r, index, booked);
}

Answer PaymentsService::ListReconExceptions(const PaymentOp& op,
                                            const ListReconExceptionsOp& l) const {
  if (!op.caller.root) return RootOnly(op);
  // One reconciliation's exceptions are a window of the bank-wide positions.
  uint64_t first = exceptions_forgotten_;
  uint64_t end = exceptions_forgotten_ + exception_positions_.size();
  if (l.reconciliation != 0) {
    auto it = reconciliations_.find(l.reconciliation);
    if (it == reconciliations_.end()) {
      return ErrorAnswer(ErrorKind::kNotFound, "reconciliation_not_found",
                         "reconciliation not found", "reconciliation", op.trace_id);
    }
    first = it->second.position_first;
    end = first + it->second.exceptions.size();
  }
  return PagePositions(first, end, l.limit, l.before, 'x', [&](uint64_t pos, std::string* out) {
    const auto& [rec, index] = exception_positions_.at(pos - exceptions_forgotten_);
    const Reconciliation& r = reconciliations_.at(rec);
    if (l.type && r.exceptions[index].type != *l.type) return false;
    out->append(RenderException(r, index));
    return true;
  });
}

Answer PaymentsService::GetReconException(const PaymentOp& op, const GetReconExceptionOp& g) const {
  auto it = exceptions_by_id_.find(g.id);
  // The bank's own books: root admins only, like the reconciliation (others see nothing).
  if (!op.caller.root || it == exceptions_by_id_.end()) {
    return ErrorAnswer(ErrorKind::kNotFound, "reconciliation_exception_not_found",
                       "reconciliation exception not found", "id", op.trace_id);
  }
  const auto& [rec, index] = it->second;
  return {200, RenderException(reconciliations_.at(rec), index)};
}

void PaymentsService::RaiseAlert(const Reconciliation& r, u128 tenant,
                                 runtime::ServiceContext& ctx) {
  // One alert per reconciliation with exceptions, not one per exception: a statement of
  // thousands of breaks is one thing for an analyst to look at, and the list route has
  // them all. It names the first kReconAlertExceptionsMax.
  if (r.exceptions_total == 0) return;
  std::vector<std::string> ids;
  bool severe = false;  // anything but a missing entry (which may only be late)
  for (uint32_t i = 0; i < r.exceptions.size(); i++) {
    if (r.exceptions[i].type != ReconExceptionType::kMissingEntry) severe = true;
    if (ids.size() < kReconAlertExceptionsMax) {
      ids.push_back(kernel::FormatId(kReconExceptionPrefix, ReconExceptionId(r.id, i)));
    }
  }
  const std::string rec = kernel::FormatId(kReconciliationPrefix, r.id);
  risk_->RaiseReconciliationAlert({.id = kernel::DerivedId(r.id, 'A'),
                                   .tenant = tenant,
                                   .reconciliation = rec,
                                   .reason = "reconciliation_exceptions",
                                   .severe = severe,
                                   .entries = ids},
                                  ctx);
}

Answer PaymentsService::Reconcile(const PaymentOp& op, const ReconcileOp& req,
                                  runtime::ServiceContext& ctx) {
  // The statement is of the bank's own settlement account, across every tenant.
  if (!op.caller.root) return RootOnly(op);
  if (reconciliations_.contains(req.id)) {
    return ErrorAnswer(ErrorKind::kConflict, "resource_exists", "Id collision; retry.", "id",
                       op.trace_id);
  }
  Result<iso::Statement> st = iso::ParseCamt053(req.camt053);
  if (!st.ok()) {
    return ErrorAnswer(ErrorKind::kUnprocessable, "statement_invalid",
                       std::string(st.status().message()), "camt053", op.trace_id);
  }
  const auto currency = ledger::FindCurrency(st->currency);
  CB_CHECK(currency.has_value());  // the parser knows only ISO 4217 currencies
  Reconciliation r;
  r.id = req.id;
  r.statement_id = st->statement_id;
  r.account_iban = st->account_iban;
  r.currency = st->currency;
  r.from = st->from;
  r.to = st->to;
  r.created = ctx.batch_timestamp;
  auto add = [&r](ReconItem x) {
    r.exceptions_total++;
    if (r.exceptions.size() < kReconExceptionsMax) r.exceptions.push_back(std::move(x));
  };
  std::unordered_set<u128, kernel::U128Hash> debits, returns, credits;  // matched once each
  for (const iso::Entry& e : st->entries) {
    r.entries++;
    const u128 amount = static_cast<u128>(e.amount_minor);
    ReconItem x{.end_to_end_id = e.end_to_end_id, .amount_minor = amount, .credit = e.credit};
    if (!e.credit) {
      const Payment* exact = nullptr;
      const Payment* other_amount = nullptr;
      const Payment* other_status = nullptr;
      for (u128 id : Candidates(external_by_e2e_, e.end_to_end_id)) {
        if (exact != nullptr) break;
        const Payment& p = payments_.at(id);
        if (debits.contains(p.id) || p.currency != st->currency) continue;
        if (Booked(p) && p.amount_minor == amount) exact = &p;
        if (Booked(p) && other_amount == nullptr) other_amount = &p;
        if (!Booked(p) && other_status == nullptr) other_status = &p;
      }
      if (exact != nullptr) {
        debits.insert(exact->id);
        r.matched++;
      } else if (other_amount != nullptr) {
        debits.insert(other_amount->id);  // reported here, not again as missing
        x.type = ReconExceptionType::kAmountMismatch;
        x.object = other_amount->id;
        x.detail = Amounts(amount, other_amount->amount_minor, currency->scale);
        add(std::move(x));
      } else if (other_status != nullptr) {
        x.type = ReconExceptionType::kStatusMismatch;
        x.object = other_status->id;
        x.detail =
            std::string("settled on the statement, ") + StatusName(other_status->status) + " here";
        add(std::move(x));
      } else {
        x.type = ReconExceptionType::kUnknownEntry;
        x.detail = "a debit we have no payment for";
        add(std::move(x));
      }
      continue;
    }
    // A credit: money received, or a payment of ours coming back.
    const ReceivedPayment* received = nullptr;
    const ReceivedPayment* received_other = nullptr;
    for (u128 id : Candidates(received_by_e2e_, e.end_to_end_id)) {
      if (received != nullptr) break;
      const ReceivedPayment& p = received_.at(id);
      if (credits.contains(p.id) || p.currency != st->currency) continue;
      if (p.amount_minor == amount) received = &p;
      if (received_other == nullptr) received_other = &p;
    }
    if (received != nullptr) {
      credits.insert(received->id);
      r.matched++;
      continue;
    }
    const Payment* returned = nullptr;
    for (u128 id : Candidates(external_by_e2e_, e.end_to_end_id)) {
      if (returned != nullptr) break;
      const Payment& p = payments_.at(id);
      if (!returns.contains(p.id) && p.currency == st->currency &&
          p.status == PaymentStatus::kReturned && p.amount_minor >= amount) {
        returned = &p;
      }
    }
    if (returned != nullptr) {
      returns.insert(returned->id);
      r.matched++;
    } else if (received_other != nullptr) {
      credits.insert(received_other->id);
      x.type = ReconExceptionType::kAmountMismatch;
      x.object = received_other->id;
      x.detail = Amounts(amount, received_other->amount_minor, currency->scale);
      add(std::move(x));
    } else {
      x.type = ReconExceptionType::kUnknownEntry;
      x.detail = "a credit we booked nothing for";
      add(std::move(x));
    }
  }
  // What we booked in the statement's period that the statement lacks. Creation order is
  // time order, so only the period (and a day before it, for payments settled later than
  // they were made) is walked.
  constexpr TimestampNs kDayNs = 86400ull * kNsPerSecond;
  const TimestampNs since = r.from > kDayNs ? r.from - kDayNs : 0;
  auto first = std::partition_point(external_order_.begin(), external_order_.end(),
                                    [&](u128 id) { return payments_.at(id).created < since; });
  for (auto it = first; it != external_order_.end(); ++it) {
    const Payment& p = payments_.at(*it);
    if (p.created > r.to) break;
    const TimestampNs settled = SettledAt(p);
    if (settled == 0 || settled < r.from || settled > r.to || debits.contains(p.id) ||
        p.currency != st->currency) {
      continue;
    }
    add({ReconExceptionType::kMissingEntry, p.end_to_end_id, p.amount_minor, false, p.id,
         "settled here, not on the statement"});
  }
  auto rfirst = std::partition_point(received_order_.begin(), received_order_.end(),
                                     [&](u128 id) { return received_.at(id).created < r.from; });
  for (auto it = rfirst; it != received_order_.end(); ++it) {
    const ReceivedPayment& p = received_.at(*it);
    if (p.created > r.to) break;
    if (credits.contains(p.id) || p.currency != st->currency) continue;
    add({ReconExceptionType::kMissingEntry, p.end_to_end_id, p.amount_minor, true, p.id,
         "received here, not on the statement"});
  }
  pb::ReconciliationCompleted e;
  ToProto(r, &e);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kReconciliationCompleted),
                           kEventVersion, e);
  std::string body = RenderReconciliation(r);
  const u128 id = r.id;
  CB_CHECK(ApplyReconciliation(std::move(r)).ok());
  // In this batch, after the reconciliation's event: both commit, and replay, together.
  RaiseAlert(reconciliations_.at(id), op.caller.tenant.value, ctx);
  return {201, std::move(body)};
}

}  // namespace cb::modules::payments
