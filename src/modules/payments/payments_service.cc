// The payments service on the writer thread: the envelope around each op, reads, the
// status machine's bookkeeping, replay and snapshots. Creating a payment is in
// payments_create.cc.
#include <algorithm>

#include "base/check.h"
#include "base/json_string.h"
#include "journal/format.h"
#include "kernel/scopes.h"
#include "modules/payments/payments_internal.h"
#include "runtime/command.h"

namespace cb::modules::payments {

using kernel::Answer;
using kernel::ErrorAnswer;
using kernel::ErrorKind;

namespace {

// The status machine: which transition may follow which (replay refuses any other).
bool Allowed(PaymentStatus from, PaymentStatus to) {
  using S = PaymentStatus;
  switch (from) {
    case S::kCreated:
      return to == S::kRejected || to == S::kHeld || to == S::kFundsReserved || to == S::kSettled ||
             to == S::kCancelled;
    case S::kHeld:
      return to == S::kSettled || to == S::kFundsReserved || to == S::kRejected;
    case S::kFundsReserved:
      return to == S::kSubmitted || to == S::kCancelled || to == S::kFailed;
    case S::kSubmitted:
      return to == S::kAccepted || to == S::kSettled || to == S::kRejected || to == S::kFailed;
    case S::kAccepted:
      return to == S::kSettled || to == S::kRejected || to == S::kFailed;
    case S::kSettled:
      return to == S::kReturned;
    case S::kRejected:
    case S::kReturned:
    case S::kFailed:
    case S::kCancelled:
      return false;
  }
  return false;
}

}  // namespace

PaymentsService::PaymentsService(kernel::EnvelopeRunner* envelope, kernel::MoneyPort* money,
                                 kernel::DecisionPort* risk, PaymentsConfig config,
                                 const kernel::Screener* screener)
    : envelope_(envelope),
      money_(money),
      risk_(risk),
      config_(std::move(config)),
      screener_(screener) {
  CB_CHECK(envelope_ != nullptr);
  CB_CHECK(money_ != nullptr);
  CB_CHECK(risk_ != nullptr);
}

const Payment* PaymentsService::Find(u128 id) const {
  auto it = payments_.find(id);
  return it == payments_.end() ? nullptr : &it->second;
}

const Payment* PaymentsService::Visible(const PaymentOp& op, u128 id) const {
  const Payment* p = Find(id);
  if (p == nullptr || p->tenant != op.caller.tenant.value) return nullptr;
  // A customer's own token sees the payments from its customer's accounts only.
  if (op.caller.delegated() && p->from_customer != op.caller.customer.value) return nullptr;
  return p;
}

void PaymentsService::Insert(Payment p) {
  std::vector<u128>& list = by_tenant_[p.tenant];
  p.order = static_cast<uint32_t>(list.size());
  list.push_back(p.id);
  CB_CHECK(by_transfer_.emplace(p.transfer, p.id).second);
  if (p.rail != Rail::kInternal) {
    external_order_.push_back(p.id);
    external_by_e2e_.emplace(p.end_to_end_id, p.id);
  }
  if (p.waiting()) scheduled_waiting_[p.tenant]++;
  const u128 id = p.id;
  CB_CHECK(payments_.emplace(id, std::move(p)).second);
}

Status PaymentsService::ApplyTransition(u128 id, const payments::Transition& t) {
  auto it = payments_.find(id);
  if (it == payments_.end()) return Status::DataLoss("payment status change of no payment");
  Payment& p = it->second;
  if (!Allowed(p.status, t.status) || p.history.size() >= kHistoryMax) {
    return Status::DataLoss(std::string("payment status change ") + StatusName(p.status) + " -> " +
                            StatusName(t.status) + " is not in the status machine");
  }
  // The answer deadline (journaled with `accepted`) lives while the scheme has the message.
  if (p.status == PaymentStatus::kAccepted && t.status != PaymentStatus::kAccepted) {
    for (const payments::Transition& h : p.history) {
      if (h.status == PaymentStatus::kAccepted) deadlines_.erase({h.deadline, p.id});
    }
  }
  if (t.status == PaymentStatus::kAccepted && t.deadline != 0) {
    deadlines_.insert({t.deadline, p.id});
  }
  if (p.waiting() && t.status != PaymentStatus::kCreated) {
    auto waiting = scheduled_waiting_.find(p.tenant);
    CB_CHECK(waiting != scheduled_waiting_.end() && waiting->second > 0);
    if (--waiting->second == 0) scheduled_waiting_.erase(waiting);
  }
  p.status = t.status;
  if (p.history.capacity() < 4) p.history.reserve(4);  // most payments have 2-5 transitions
  p.history.push_back(t);
  return Status::Ok();
}

const ReceivedPayment* PaymentsService::FindReceived(u128 id) const {
  auto it = received_.find(id);
  return it == received_.end() ? nullptr : &it->second;
}

void PaymentsService::InsertReceived(ReceivedPayment r) {
  CB_CHECK(received_by_message_.emplace(r.dedup_key, r.id).second);
  received_by_tenant_[r.tenant].push_back(r.id);
  received_order_.push_back(r.id);
  received_by_e2e_.emplace(r.end_to_end_id, r.id);
  const u128 id = r.id;
  CB_CHECK(received_.emplace(id, std::move(r)).second);
}

Answer PaymentsService::ListReceived(const PaymentOp& op, const ListReceivedOp& l) const {
  auto it = received_by_tenant_.find(op.caller.tenant.value);
  return PageNewestFirst(it == received_by_tenant_.end() ? nullptr : &it->second, l.limit, l.before,
                         'r', [&](u128 id, std::string* out) {
                           const ReceivedPayment& r = received_.at(id);
                           if (op.caller.delegated() && r.customer != op.caller.customer.value) {
                             return false;
                           }
                           if (l.account != 0 && r.account != l.account) return false;
                           out->append(RenderReceived(r));
                           return true;
                         });
}

Status PaymentsService::ApplyMessage(u128 id, Message m) {
  auto it = payments_.find(id);
  if (it == payments_.end()) return Status::DataLoss("payment message of no payment");
  if (it->second.messages.size() >= kMessagesMax) {
    return Status::DataLoss("a payment keeps at most 8 messages");
  }
  it->second.messages.push_back(std::move(m));
  return Status::Ok();
}

void PaymentsService::Advance(Payment& p, PaymentStatus to, std::string_view reason_code,
                              std::string_view reason, runtime::ServiceContext& ctx,
                              TimestampNs deadline) {
  pb::PaymentStatusChanged e;
  e.set_id(kernel::IdBytes(p.id));
  e.set_tenant_id(kernel::IdBytes(p.tenant));
  e.set_status(static_cast<uint32_t>(to));
  e.set_previous_status(static_cast<uint32_t>(p.status));
  e.set_reason_code(std::string(reason_code));
  e.set_reason(TruncateUtf8(reason, kReasonBytesMax));
  e.set_at_ns(ctx.batch_timestamp);
  e.set_deadline_ns(deadline);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kPaymentStatusChanged),
                           kEventVersion, e);
  payments::Transition t;
  CB_CHECK(FromProto(e, &t));
  CB_CHECK(ApplyTransition(p.id, t).ok());  // callers move only along the machine
}

Answer PaymentsService::List(const PaymentOp& op, const ListPaymentsOp& l) const {
  auto it = by_tenant_.find(op.caller.tenant.value);
  return PageNewestFirst(
      it == by_tenant_.end() ? nullptr : &it->second, l.limit, l.before, 'p',
      [&](u128 id, std::string* out) {
        const Payment& p = payments_.at(id);
        if (op.caller.delegated() && p.from_customer != op.caller.customer.value) return false;
        if (l.account != 0 && p.from_account != l.account && p.to.account != l.account) {
          return false;
        }
        if ((l.status && p.status != *l.status) || p.created < l.from || p.created > l.to) {
          return false;
        }
        out->append(RenderPayment(p));
        return true;
      });
}

void PaymentsService::Execute(const runtime::ServiceOp& base, runtime::ServiceContext& ctx,
                              runtime::Reply* reply) {
  const auto& op = static_cast<const PaymentOp&>(base);
  // The rail's own ops (the outbox, the feed poller) have no caller and no envelope: no
  // route builds them.
  if (const auto* page = std::get_if<FeedPageOp>(&op.body)) {
    if (page->read_after && *page->read_after != feed_seq_) {
      reply->http_status = 409;
      reply->body = std::to_string(feed_seq_);  // where to read from instead
      return;
    }
    for (const FeedMessageOp& m : page->messages) OnFeedMessage(m, ctx);
    if (page->read_through_ns != 0) MarkFeedRead(page->read_through_ns, ctx);
    reply->http_status = 200;
    reply->body = "ok";
    return;
  }
  if (const auto* m = std::get_if<FeedMessageOp>(&op.body)) {
    const Answer a = OnFeedMessage(*m, ctx);
    reply->http_status = a.http_status;
    reply->body = a.body;
    return;
  }
  if (const auto* d = std::get_if<SchemeDeliveredOp>(&op.body)) {
    const Answer a = OnSchemeDelivered(*d, ctx);
    reply->http_status = a.http_status;
    reply->body = a.body;
    return;
  }
  if (const auto* r = std::get_if<SchemeRefusedOp>(&op.body)) {
    const Answer a = OnSchemeRefused(*r, ctx);
    reply->http_status = a.http_status;
    reply->body = a.body;
    return;
  }
  if (std::holds_alternative<FeedCursorOp>(op.body)) {
    reply->http_status = 200;
    reply->body = std::to_string(feed_seq_);
    return;
  }
  const bool fees_write = std::holds_alternative<SetFeesOp>(op.body);
  const bool order_write = std::holds_alternative<CreateStandingOrderOp>(op.body) ||
                           std::holds_alternative<StandingOrderActionOp>(op.body) ||
                           std::holds_alternative<CreateBatchOp>(op.body);
  const bool write = std::holds_alternative<CreatePaymentOp>(op.body) ||
                     std::holds_alternative<CancelPaymentOp>(op.body) || order_write;
  const auto* create = std::get_if<CreatePaymentOp>(&op.body);
  const bool scheduled = create != nullptr && create->scheduled_for != 0;
  // Reconciliation is the bank's books: an admin's (and the handler requires the root tenant).
  const bool books = std::holds_alternative<ReconcileOp>(op.body) ||
                     std::holds_alternative<GetReconciliationOp>(op.body) ||
                     std::holds_alternative<ListReconExceptionsOp>(op.body) ||
                     std::holds_alternative<GetReconExceptionOp>(op.body);
  const kernel::Envelope env{
      .caller = op.caller,
      .trace_id = op.trace_id,
      .idempotency_key = op.idempotency_key,
      .request_sha256 = op.request_sha256,
      .scope = books || fees_write ? kernel::kScopeAdmin
               : write             ? kernel::kScopePaymentsWrite
                                   : kernel::kScopeTransactionsRead,
      // Open banking: a payment initiation consent pays from the accounts it covers (the
      // money port checks which); the bank's books are never a customer's.
      // Standing orders pay later as their maker: an operator's or an app's, not a
      // customer's token (whose consent may lapse before the last occurrence).
      // A payment scheduled for later is paid as its maker too.
      .delegated_allowed = !books && !order_write && !scheduled && !fees_write &&
                           !std::holds_alternative<GetFeesOp>(op.body)};
  envelope_->RunEnveloped(env, ctx, reply, [&]() -> Answer {
    if (const auto* c = std::get_if<CreatePaymentOp>(&op.body)) return Create(op, *c, ctx);
    if (const auto* c = std::get_if<CancelPaymentOp>(&op.body)) return Cancel(op, *c, ctx);
    if (const auto* f = std::get_if<SetFeesOp>(&op.body)) return SetFees(op, *f, ctx);
    if (std::holds_alternative<GetFeesOp>(op.body)) return GetFees(op);
    if (const auto* l = std::get_if<ListPaymentsOp>(&op.body)) return List(op, *l);
    if (const auto* l = std::get_if<ListReceivedOp>(&op.body)) return ListReceived(op, *l);
    if (const auto* r = std::get_if<ReconcileOp>(&op.body)) return Reconcile(op, *r, ctx);
    if (const auto* l = std::get_if<ListReconExceptionsOp>(&op.body)) {
      return ListReconExceptions(op, *l);
    }
    if (const auto* g = std::get_if<GetReconExceptionOp>(&op.body)) {
      return GetReconException(op, *g);
    }
    if (const auto* c = std::get_if<CreateBatchOp>(&op.body)) return CreateBatch(op, *c, ctx);
    if (const auto* g = std::get_if<GetBatchOp>(&op.body)) {
      auto it = batches_.find(g->id);
      if (it == batches_.end() || it->second.tenant != op.caller.tenant.value ||
          (op.caller.delegated() && it->second.customer != op.caller.customer.value)) {
        return ErrorAnswer(ErrorKind::kNotFound, "payment_batch_not_found",
                           "payment batch not found", "id", op.trace_id);
      }
      return {200, RenderBatch(it->second, payments_)};
    }
    if (const auto* c = std::get_if<CreateStandingOrderOp>(&op.body)) {
      return CreateOrder(op, *c, ctx);
    }
    if (const auto* a = std::get_if<StandingOrderActionOp>(&op.body)) {
      return ActOnOrder(op, *a, ctx);
    }
    if (const auto* l = std::get_if<ListStandingOrdersOp>(&op.body)) return ListOrders(op, *l);
    if (const auto* g = std::get_if<GetStandingOrderOp>(&op.body)) {
      const StandingOrder* o = VisibleOrder(op, g->id);
      if (o == nullptr) {
        return ErrorAnswer(ErrorKind::kNotFound, "standing_order_not_found",
                           "standing order not found", "id", op.trace_id);
      }
      return {200, RenderStandingOrder(*o)};
    }
    if (const auto* g = std::get_if<GetReconciliationOp>(&op.body)) {
      auto it = reconciliations_.find(g->id);
      // The bank's own books: root admins only, like the statement itself.
      if (!op.caller.root || it == reconciliations_.end()) {
        return ErrorAnswer(ErrorKind::kNotFound, "reconciliation_not_found",
                           "reconciliation not found", "id", op.trace_id);
      }
      return {200, RenderReconciliation(it->second)};
    }
    if (const auto* g = std::get_if<GetReceivedOp>(&op.body)) {
      const ReceivedPayment* r = FindReceived(g->id);
      if (r == nullptr || r->tenant != op.caller.tenant.value ||
          (op.caller.delegated() && r->customer != op.caller.customer.value)) {
        return ErrorAnswer(ErrorKind::kNotFound, "received_payment_not_found",
                           "received payment not found", "id", op.trace_id);
      }
      return {200, RenderReceived(*r)};
    }
    const bool messages = std::holds_alternative<GetMessagesOp>(op.body);
    const Payment* p = Visible(
        op, messages ? std::get<GetMessagesOp>(op.body).id : std::get<GetPaymentOp>(op.body).id);
    if (p == nullptr) {
      return ErrorAnswer(ErrorKind::kNotFound, "payment_not_found", "payment not found", "id",
                         op.trace_id);
    }
    return {200, messages ? RenderMessages(*p) : RenderPayment(*p)};
  });
}

Status PaymentsService::ApplyEvent(const journal::EventView& event, uint64_t /*seq*/,
                                   TimestampNs /*record_timestamp*/) {
  const auto* bytes = event.payload.data();
  const int size = static_cast<int>(event.payload.size());
  switch (static_cast<EventType>(event.type)) {
    case EventType::kPaymentCreated: {
      pb::PaymentCreated e;
      Payment p;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &p)) {
        return Status::DataLoss("malformed PaymentCreated");
      }
      if (payments_.contains(p.id) || by_transfer_.contains(p.transfer)) {
        return Status::DataLoss("PaymentCreated of an existing payment");
      }
      Insert(std::move(p));
      return Status::Ok();
    }
    case EventType::kFeeScheduleSet: {
      pb::FeeScheduleSet e;
      u128 tenant = 0;
      FeeSchedule f;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &tenant, &f)) {
        return Status::DataLoss("malformed FeeScheduleSet");
      }
      return ApplyFees(tenant, std::move(f));
    }
    case EventType::kScheduledPaymentRan: {
      pb::ScheduledPaymentRan e;
      u128 id = 0, decision = 0;
      if (!e.ParseFromArray(bytes, size) || !kernel::IdFromBytes(e.id(), &id) ||
          (!e.decision_id().empty() && !kernel::IdFromBytes(e.decision_id(), &decision))) {
        return Status::DataLoss("malformed ScheduledPaymentRan");
      }
      return ApplyScheduledRan(id, decision,
                               {e.decision_reasons().begin(), e.decision_reasons().end()});
    }
    case EventType::kPaymentStatusChanged: {
      pb::PaymentStatusChanged e;
      payments::Transition t;
      u128 id = 0;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &t) ||
          !kernel::IdFromBytes(e.id(), &id)) {
        return Status::DataLoss("malformed PaymentStatusChanged");
      }
      return ApplyTransition(id, t);
    }
    case EventType::kPaymentMessage: {
      pb::PaymentMessage e;
      Message m;
      u128 id = 0;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &m) ||
          !kernel::IdFromBytes(e.id(), &id)) {
        return Status::DataLoss("malformed PaymentMessage");
      }
      return ApplyMessage(id, std::move(m));
    }
    case EventType::kReceivedPaymentBooked: {
      pb::ReceivedPaymentBooked e;
      ReceivedPayment r;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &r) || received_.contains(r.id) ||
          received_by_message_.contains(r.dedup_key)) {
        return Status::DataLoss("malformed ReceivedPaymentBooked");
      }
      InsertReceived(std::move(r));
      return Status::Ok();
    }
    case EventType::kReconciliationCompleted: {
      pb::ReconciliationCompleted e;
      Reconciliation r;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &r)) {
        return Status::DataLoss("malformed ReconciliationCompleted");
      }
      return ApplyReconciliation(std::move(r));
    }
    case EventType::kStandingOrderCreated: {
      pb::StandingOrderCreated e;
      StandingOrder o;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &o) || orders_.contains(o.id)) {
        return Status::DataLoss("malformed StandingOrderCreated");
      }
      orders_by_tenant_[o.tenant].push_back(o.id);
      orders_.emplace(o.id, std::move(o));
      return Status::Ok();
    }
    case EventType::kStandingOrderChanged: {
      pb::StandingOrderChanged e;
      u128 id = 0;
      if (!e.ParseFromArray(bytes, size) || !kernel::IdFromBytes(e.id(), &id) || e.status() < 1 ||
          e.status() > 4) {
        return Status::DataLoss("malformed StandingOrderChanged");
      }
      return ApplyOrderChanged(id, static_cast<OrderStatus>(e.status()), e.runs(),
                               kernel::IdFromBytesOrZero(e.last_payment()), e.at_ns());
    }
    case EventType::kBatchCreated: {
      pb::BatchCreated e;
      PaymentBatch b;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &b) || batches_.contains(b.id)) {
        return Status::DataLoss("malformed BatchCreated");
      }
      InsertBatch(std::move(b));
      return Status::Ok();
    }
    case EventType::kBatchProgressed: {
      pb::BatchProgressed e;
      u128 id = 0;
      if (!e.ParseFromArray(bytes, size) || !kernel::IdFromBytes(e.id(), &id) ||
          !batches_.contains(id)) {
        return Status::DataLoss("malformed BatchProgressed");
      }
      PaymentBatch& b = batches_.at(id);
      if (e.next() < b.next || e.next() > b.rows.size()) {
        return Status::DataLoss("a batch progressed backwards");
      }
      b.next = e.next();
      if (b.next >= b.rows.size()) std::erase(batches_open_, id);
      return ApplyRowsRefused(e.refused(), &b);
    }
    case EventType::kFeedAdvanced: {
      pb::FeedAdvanced e;
      if (!e.ParseFromArray(bytes, size)) return Status::DataLoss("malformed FeedAdvanced");
      return ApplyFeedAdvanced(e.seq(), e.read_through_ns());
    }
  }
  return Status::DataLoss("unknown payments event type " + std::to_string(event.type));
}

void PaymentsService::Clear() {
  payments_.clear();
  scheduled_waiting_.clear();
  fees_.clear();
  by_transfer_.clear();
  by_tenant_.clear();
  feed_seq_ = 0;
  feed_read_through_ = 0;
  received_.clear();
  received_by_message_.clear();
  received_by_tenant_.clear();
  reconciliations_.clear();
  reconciliation_order_.clear();
  exception_positions_.clear();
  exceptions_forgotten_ = 0;
  exceptions_by_id_.clear();
  external_order_.clear();
  received_order_.clear();
  external_by_e2e_.clear();
  received_by_e2e_.clear();
  orders_.clear();
  orders_by_tenant_.clear();
  batches_.clear();
  batch_order_.clear();
  batches_open_.clear();
  deadlines_.clear();
}

std::string PaymentsService::CaptureSnapshot() const {
  // In each tenant's creation order, so the lists' positions survive a snapshot.
  pb::PaymentsSnapshot s;
  for (const auto& [tenant, ids] : by_tenant_) {
    for (u128 id : ids) {
      const Payment& p = payments_.at(id);
      pb::PaymentRecord* r = s.add_payments();
      ToProto(p, r->mutable_created());
      for (size_t i = 1; i < p.history.size(); i++) {
        const payments::Transition& t = p.history[i];
        pb::PaymentStatusChanged* c = r->add_transitions();
        c->set_status(static_cast<uint32_t>(t.status));
        c->set_reason_code(t.reason_code);
        c->set_reason(t.reason);
        c->set_at_ns(t.at);
        c->set_deadline_ns(t.deadline);
      }
      for (const Message& m : p.messages) ToProto(p.id, p.tenant, m, r->add_messages());
    }
  }
  s.set_feed_seq(feed_seq_);
  s.set_feed_read_through_ns(feed_read_through_);
  for (const auto& [tenant, ids] : received_by_tenant_) {
    for (u128 id : ids) ToProto(received_.at(id), s.add_received());
  }
  for (u128 id : reconciliation_order_) ToProto(reconciliations_.at(id), s.add_reconciliations());
  for (const auto& [tenant, f] : fees_) ToProto(tenant, f, s.add_fee_schedules());
  s.set_exceptions_forgotten(exceptions_forgotten_);
  for (u128 id : batch_order_) {
    pb::BatchSnapshot* x = s.add_batches();
    const PaymentBatch& b = batches_.at(id);
    ToProto(b, x->mutable_created());
    x->set_next(b.next);
    for (const BatchRow& r : b.rows) {
      if (!r.refused_when_made) continue;
      pb::BatchRowRefused* y = x->add_refused();
      y->set_index(r.index);
      y->set_code(r.error_code);
      y->set_param(r.error_field);
      y->set_message(r.error_message);
    }
  }
  for (const auto& [tenant, ids] : orders_by_tenant_) {
    for (u128 id : ids) {
      const StandingOrder& o = orders_.at(id);
      pb::StandingOrderSnapshot* x = s.add_standing_orders();
      ToProto(o, x->mutable_created());
      pb::StandingOrderChanged* c = x->mutable_state();
      c->set_id(kernel::IdBytes(o.id));
      c->set_status(static_cast<uint32_t>(o.status));
      c->set_runs(o.runs);
      if (o.last_payment != 0) c->set_last_payment(kernel::IdBytes(o.last_payment));
      c->set_at_ns(o.updated);
    }
  }
  return s.SerializeAsString();
}

Status PaymentsService::LoadSnapshot(std::string_view bytes) {
  Clear();
  pb::PaymentsSnapshot s;
  if (!s.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::DataLoss("malformed payments snapshot");
  }
  for (const pb::PaymentRecord& r : s.payments()) {
    Payment p;
    if (!FromProto(r.created(), &p) || payments_.contains(p.id) ||
        by_transfer_.contains(p.transfer)) {
      return Status::DataLoss("malformed payment in snapshot");
    }
    const u128 id = p.id;
    Insert(std::move(p));
    for (const pb::PaymentStatusChanged& c : r.transitions()) {
      payments::Transition t;
      if (!FromProto(c, &t)) return Status::DataLoss("malformed payment transition in snapshot");
      if (Status st = ApplyTransition(id, t); !st.ok()) return st;
    }
    for (const pb::PaymentMessage& e : r.messages()) {
      Message m;
      if (!FromProto(e, &m)) return Status::DataLoss("malformed payment message in snapshot");
      if (Status st = ApplyMessage(id, std::move(m)); !st.ok()) return st;
    }
  }
  feed_seq_ = s.feed_seq();
  feed_read_through_ = s.feed_read_through_ns();
  // Reconciliation walks these in time order; a snapshot lists payments tenant by tenant.
  auto by_time = [this](bool received) {
    return [this, received](u128 a, u128 b) {
      const TimestampNs ta = received ? received_.at(a).created : payments_.at(a).created;
      const TimestampNs tb = received ? received_.at(b).created : payments_.at(b).created;
      return ta != tb ? ta < tb : a < b;
    };
  };
  for (const pb::ReceivedPaymentBooked& e : s.received()) {
    ReceivedPayment r;
    if (!FromProto(e, &r) || received_.contains(r.id) ||
        received_by_message_.contains(r.dedup_key)) {
      return Status::DataLoss("malformed received payment in snapshot");
    }
    InsertReceived(std::move(r));
  }
  std::sort(external_order_.begin(), external_order_.end(), by_time(false));
  std::sort(received_order_.begin(), received_order_.end(), by_time(true));
  exceptions_forgotten_ = s.exceptions_forgotten();
  for (const pb::ReconciliationCompleted& e : s.reconciliations()) {
    Reconciliation r;
    if (!FromProto(e, &r)) return Status::DataLoss("malformed reconciliation in snapshot");
    if (Status st = ApplyReconciliation(std::move(r)); !st.ok()) return st;
  }
  for (const pb::FeeScheduleSet& e : s.fee_schedules()) {
    u128 tenant = 0;
    FeeSchedule f;
    if (!FromProto(e, &tenant, &f)) return Status::DataLoss("malformed fee schedule in snapshot");
    if (Status st = ApplyFees(tenant, std::move(f)); !st.ok()) return st;
  }
  for (const pb::BatchSnapshot& x : s.batches()) {
    PaymentBatch b;
    if (!FromProto(x.created(), &b) || batches_.contains(b.id) || x.next() > b.rows.size()) {
      return Status::DataLoss("malformed payment batch in snapshot");
    }
    b.next = x.next();
    if (Status st = ApplyRowsRefused(x.refused(), &b); !st.ok()) return st;
    InsertBatch(std::move(b));
  }
  for (const pb::StandingOrderSnapshot& x : s.standing_orders()) {
    StandingOrder o;
    if (!FromProto(x.created(), &o) || orders_.contains(o.id) || x.state().status() < 1 ||
        x.state().status() > 4) {
      return Status::DataLoss("malformed standing order in snapshot");
    }
    const u128 id = o.id;
    orders_by_tenant_[o.tenant].push_back(id);
    orders_.emplace(id, std::move(o));
    if (Status st = ApplyOrderChanged(
            id, static_cast<OrderStatus>(x.state().status()), x.state().runs(),
            kernel::IdFromBytesOrZero(x.state().last_payment()), x.state().at_ns());
        !st.ok()) {
      return st;
    }
  }
  return Status::Ok();
}

}  // namespace cb::modules::payments
