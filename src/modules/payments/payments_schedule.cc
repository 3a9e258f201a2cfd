// Scheduled and recurring payments (issue 15, ADR 0019): a standing order pays on its
// dates, each occurrence a payment made by the order's durable timer with an id derived from
// the order's and the occurrence's number, so a timer that fires again after a crash finds
// the payment already made. After downtime the timer fires late and missed occurrences run
// one after another (catch-up); occurrences that fall while the order is paused are skipped.
#include <algorithm>
#include <cstdio>

#include "base/check.h"
#include "kernel/ids.h"
#include "modules/payments/payments_internal.h"
#include "runtime/timers.h"

namespace cb::modules::payments {

using kernel::Answer;
using kernel::ErrorAnswer;
using kernel::ErrorKind;

namespace {

constexpr TimestampNs kDayNs = 86400ull * kNsPerSecond;

// Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms), UTC.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

std::string OrderKey(u128 id) { return "order:" + kernel::FormatId("", id); }

}  // namespace

TimestampNs OccurrenceAt(const StandingOrder& o, uint32_t n) {
  if ((o.frequency == Frequency::kOnce && n > 0) || (o.count_max != 0 && n >= o.count_max) ||
      n >= kOccurrencesMax) {
    return 0;
  }
  TimestampNs at = o.start;
  switch (o.frequency) {
    case Frequency::kOnce:
      break;
    case Frequency::kDaily:
      at = o.start + n * kDayNs;
      break;
    case Frequency::kWeekly:
      at = o.start + n * 7 * kDayNs;
      break;
    case Frequency::kMonthly: {
      // The anchor day in every month; a shorter month pays on its last day (31 -> Feb 28,
      // then Mar 31 again), at the start's time of day.
      int64_t y;
      unsigned m, d;
      CivilFromDays(static_cast<int64_t>(o.start / kDayNs), &y, &m, &d);
      const unsigned anchor = o.day_of_month != 0 ? o.day_of_month : d;
      auto in_month = [&](uint64_t k) {  // the anchor day of the k-th month from the start's
        const uint64_t months = (m - 1) + k;
        const int64_t y2 = y + static_cast<int64_t>(months / 12);
        const unsigned m2 = static_cast<unsigned>(months % 12) + 1;
        const unsigned d2 = std::min(anchor, DaysInMonth(y2, m2));
        return static_cast<TimestampNs>(DaysFromCivil(y2, m2, d2)) * kDayNs + o.start % kDayNs;
      };
      // An anchor day before the start's day begins next month: nothing pays before start_at.
      const uint64_t first = in_month(0) < o.start ? 1 : 0;
      at = in_month(first + n);
      break;
    }
  }
  if (o.end != 0 && at > o.end) return 0;
  return at;
}

const StandingOrder* PaymentsService::VisibleOrder(const PaymentOp& op, u128 id) const {
  auto it = orders_.find(id);
  if (it == orders_.end() || it->second.tenant != op.caller.tenant.value) return nullptr;
  if (op.caller.delegated() && it->second.customer != op.caller.customer.value) return nullptr;
  return &it->second;
}

Status PaymentsService::ApplyOrderChanged(u128 id, OrderStatus status, uint32_t runs,
                                          u128 last_payment, TimestampNs at) {
  auto it = orders_.find(id);
  if (it == orders_.end()) return Status::DataLoss("standing order change of no order");
  StandingOrder& o = it->second;
  if (runs < o.runs || runs > kOccurrencesMax) return Status::DataLoss("order ran backwards");
  o.status = status;
  o.runs = runs;
  if (last_payment != 0) o.last_payment = last_payment;
  o.updated = at;
  return Status::Ok();
}

void PaymentsService::ChangeOrder(StandingOrder& o, runtime::ServiceContext& ctx) {
  if (o.status == OrderStatus::kActive && OccurrenceAt(o, o.runs) == 0) {
    o.status = OrderStatus::kCompleted;
  }
  pb::StandingOrderChanged e;
  e.set_id(kernel::IdBytes(o.id));
  e.set_status(static_cast<uint32_t>(o.status));
  e.set_runs(o.runs);
  if (o.last_payment != 0) e.set_last_payment(kernel::IdBytes(o.last_payment));
  e.set_at_ns(ctx.batch_timestamp);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kStandingOrderChanged),
                           kEventVersion, e);
  CB_CHECK(ApplyOrderChanged(o.id, o.status, o.runs, o.last_payment, ctx.batch_timestamp).ok());
  CB_CHECK(ctx.timers != nullptr);
  if (o.status == OrderStatus::kActive) {
    const Status st =
        ctx.timers->Schedule(OrderKey(o.id), OccurrenceAt(o, o.runs), kernel::IdBytes(o.id));
    if (!st.ok()) {
      std::fprintf(stderr, "corebank: payments: standing order timer: %s\n", st.ToString().c_str());
    }
  } else {
    ctx.timers->Cancel(OrderKey(o.id));
  }
}

Answer PaymentsService::CreateOrder(const PaymentOp& op, const CreateStandingOrderOp& c,
                                    runtime::ServiceContext& ctx) {
  if (orders_.contains(c.id)) {
    return ErrorAnswer(ErrorKind::kConflict, "resource_exists", "Id collision; retry.", "id",
                       op.trace_id);
  }
  // A minute of slack for a clock read at the edge; the first run within a year.
  if (c.start + 60 * kNsPerSecond < ctx.batch_timestamp ||
      c.start > ctx.batch_timestamp + kScheduleHorizonNs) {
    return ErrorAnswer(ErrorKind::kUnprocessable, "schedule_invalid",
                       "start_at must be from now to a year ahead.", "start_at", op.trace_id);
  }
  if (c.end != 0 && c.end < c.start) {
    return ErrorAnswer(ErrorKind::kUnprocessable, "schedule_invalid",
                       "end_at must not be before start_at.", "end_at", op.trace_id);
  }
  const CreatePaymentOp& p = c.payment;
  kernel::PayeeInfo payer;
  if (std::optional<Answer> refused =
          CheckPayerLater(op, p.from_account, p.currency, ctx, &payer)) {
    return *refused;
  }
  StandingOrder o;
  o.to = p.to;
  if (p.to.internal()) {
    const std::optional<kernel::PayeeInfo> payee =
        money_->ResolvePayee(op.caller.tenant, p.to.account, p.to.alias, ctx);
    if (!payee) {
      return ErrorAnswer(
          ErrorKind::kNotFound, "account_not_found",
          p.to.kind == PayeeKind::kAlias ? "No account has this alias." : "account not found",
          p.to.kind == PayeeKind::kAlias ? "to.alias" : "to.account", op.trace_id);
    }
    o.to.account = payee->account;  // the alias as it named an account today
    if (o.to.account == p.from_account) {
      return ErrorAnswer(ErrorKind::kTransferRejected, "same_account",
                         "Source and destination are the same account.", "to", op.trace_id);
    }
  } else if (std::optional<Answer> refused = RefuseExternal(op, p, ctx)) {
    return *refused;
  }
  o.id = c.id;
  o.tenant = op.caller.tenant.value;
  o.customer = payer.customer;
  o.creator = op.caller;
  o.from_account = p.from_account;
  o.amount_minor = p.amount_minor;
  o.currency = p.currency;
  o.rail = p.rail.value_or(Rail::kInternal);
  o.reference = p.reference;
  o.frequency = c.frequency;
  o.start = c.start;
  o.day_of_month = c.day_of_month;
  o.end = c.end;
  o.count_max = c.count_max;
  o.created = o.updated = ctx.batch_timestamp;
  pb::StandingOrderCreated e;
  ToProto(o, &e);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kStandingOrderCreated),
                           kEventVersion, e);
  StandingOrder stored;
  CB_CHECK(FromProto(e, &stored));
  orders_by_tenant_[stored.tenant].push_back(stored.id);
  StandingOrder& live = orders_.emplace(stored.id, std::move(stored)).first->second;
  ChangeOrder(live, ctx);  // arms the first occurrence (or completes an order with none)
  return {201, RenderStandingOrder(live)};
}

void PaymentsService::RunOccurrence(StandingOrder& o, runtime::ServiceContext& ctx) {
  PaymentOp op;
  op.caller = o.creator;
  op.trace_id = "standing-order";
  CreatePaymentOp c;
  // The occurrence's payment id is fixed by the order and the occurrence's number.
  c.id = kernel::DerivedId(o.id + o.runs + 1, 'O');
  c.from_account = o.from_account;
  c.to = o.to;
  if (c.to.kind == PayeeKind::kAlias) {
    // Paid to the account the alias named when the order was made, not where it points now.
    c.to.kind = PayeeKind::kAccount;
    c.to.alias.clear();
  }
  c.amount_minor = o.amount_minor;
  c.currency = o.currency;
  c.rail = o.rail;
  c.reference = o.reference;
  c.end_to_end_id = kernel::FormatId("", c.id);
  if (!payments_.contains(c.id)) Create(op, c, ctx);  // its answer goes to no one
  // A refused occurrence (an account closed since, a step-up) leaves no payment: the order
  // goes on, and last_payment names the last one made.
  if (payments_.contains(c.id)) o.last_payment = c.id;
  o.runs++;
  ChangeOrder(o, ctx);
}

Answer PaymentsService::ActOnOrder(const PaymentOp& op, const StandingOrderActionOp& a,
                                   runtime::ServiceContext& ctx) {
  const StandingOrder* visible = VisibleOrder(op, a.id);
  if (visible == nullptr) {
    return ErrorAnswer(ErrorKind::kNotFound, "standing_order_not_found", "standing order not found",
                       "id", op.trace_id);
  }
  StandingOrder& o = orders_.at(a.id);
  const bool ok = (a.action == OrderAction::kPause && o.status == OrderStatus::kActive) ||
                  (a.action == OrderAction::kResume && o.status == OrderStatus::kPaused) ||
                  (a.action == OrderAction::kCancel &&
                   (o.status == OrderStatus::kActive || o.status == OrderStatus::kPaused));
  if (!ok) {
    return ErrorAnswer(ErrorKind::kConflict, "standing_order_state",
                       std::string("The standing order is ") + OrderStatusName(o.status) + ".",
                       "id", op.trace_id);
  }
  if (a.action == OrderAction::kPause) o.status = OrderStatus::kPaused;
  if (a.action == OrderAction::kCancel) o.status = OrderStatus::kCancelled;
  if (a.action == OrderAction::kResume) {
    o.status = OrderStatus::kActive;
    // What fell due while paused is skipped, not caught up.
    while (OccurrenceAt(o, o.runs) != 0 && OccurrenceAt(o, o.runs) < ctx.batch_timestamp) {
      o.runs++;
    }
  }
  ChangeOrder(o, ctx);
  return {200, RenderStandingOrder(o)};
}

Answer PaymentsService::ListOrders(const PaymentOp& op, const ListStandingOrdersOp& l) const {
  auto it = orders_by_tenant_.find(op.caller.tenant.value);
  return PageNewestFirst(it == orders_by_tenant_.end() ? nullptr : &it->second, l.limit, l.before,
                         's', [&](u128 id, std::string* out) {
                           const StandingOrder& x = orders_.at(id);
                           if (op.caller.delegated() && x.customer != op.caller.customer.value) {
                             return false;
                           }
                           out->append(RenderStandingOrder(x));
                           return true;
                         });
}

}  // namespace cb::modules::payments
