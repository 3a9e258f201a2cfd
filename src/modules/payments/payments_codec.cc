// The payments module's names and the events' protobuf to and from payments.
#include <array>

#include "base/check.h"
#include "kernel/ids.h"
#include "modules/payments/payments_internal.h"

namespace cb::modules::payments {

namespace {

constexpr std::array<const char*, 10> kStatusNames = {
    "created",  "rejected", "held",     "funds_reserved", "submitted",
    "accepted", "settled",  "returned", "failed",         "cancelled"};
constexpr std::array<const char*, 5> kRailNames = {"internal", "sepa_instant", "sepa", "fps",
                                                   "swift"};
constexpr std::array<const char*, 4> kPayeeKindNames = {"account", "alias", "iban", "uk_account"};

bool Id(const std::string& bytes, u128* out, bool required) {
  if (bytes.empty()) {
    *out = 0;
    return !required;
  }
  return kernel::IdFromBytes(bytes, out);
}

}  // namespace

const char* StatusName(PaymentStatus s) {
  const auto i = static_cast<size_t>(s) - 1;
  CB_CHECK(i < kStatusNames.size());
  return kStatusNames[i];
}

bool ParseStatus(std::string_view s, PaymentStatus* out) {
  for (size_t i = 0; i < kStatusNames.size(); i++) {
    if (s == kStatusNames[i]) {
      *out = static_cast<PaymentStatus>(i + 1);
      return true;
    }
  }
  return false;
}

bool IsFinal(PaymentStatus s) {
  return s == PaymentStatus::kRejected || s == PaymentStatus::kSettled ||
         s == PaymentStatus::kReturned || s == PaymentStatus::kFailed ||
         s == PaymentStatus::kCancelled;
}

const char* RailName(Rail r) {
  const auto i = static_cast<size_t>(r) - 1;
  CB_CHECK(i < kRailNames.size());
  return kRailNames[i];
}

bool ParseRail(std::string_view s, Rail* out) {
  for (size_t i = 0; i < kRailNames.size(); i++) {
    if (s == kRailNames[i]) {
      *out = static_cast<Rail>(i + 1);
      return true;
    }
  }
  return false;
}

const char* PayeeKindName(PayeeKind k) {
  const auto i = static_cast<size_t>(k) - 1;
  CB_CHECK(i < kPayeeKindNames.size());
  return kPayeeKindNames[i];
}

void ToProto(const Payee& p, pb::Payee* to) {
  to->set_kind(static_cast<uint32_t>(p.kind));
  if (p.account != 0) to->set_account(kernel::IdBytes(p.account));
  to->set_alias(p.alias);
  to->set_name(p.name);
  to->set_iban(p.iban);
  to->set_bic(p.bic);
  to->set_sort_code(p.sort_code);
  to->set_account_number(p.account_number);
}

bool FromProto(const pb::Payee& to, Payee* p) {
  if (to.kind() < 1 || to.kind() > kPayeeKindNames.size()) return false;
  p->kind = static_cast<PayeeKind>(to.kind());
  if (!Id(to.account(), &p->account, false)) return false;
  if (to.alias().size() > kAliasBytesMax || to.name().size() > kNameBytesMax ||
      to.iban().size() > 64 || to.bic().size() > 11 || to.sort_code().size() > 8 ||
      to.account_number().size() > 8) {
    return false;
  }
  p->alias = to.alias();
  p->name = to.name();
  p->iban = to.iban();
  p->bic = to.bic();
  p->sort_code = to.sort_code();
  p->account_number = to.account_number();
  return true;
}

void ToProto(const StandingOrder& o, pb::StandingOrderCreated* e) {
  e->set_id(kernel::IdBytes(o.id));
  e->set_tenant_id(kernel::IdBytes(o.tenant));
  if (o.customer != 0) e->set_customer_id(kernel::IdBytes(o.customer));
  ToProto(o.creator, e->mutable_creator());
  e->set_from_account(kernel::IdBytes(o.from_account));
  ToProto(o.to, e->mutable_to());
  e->set_amount_minor(kernel::IdBytes(o.amount_minor));
  e->set_currency(o.currency);
  e->set_rail(static_cast<uint32_t>(o.rail));
  e->set_reference(o.reference);
  e->set_frequency(static_cast<uint32_t>(o.frequency));
  e->set_start_ns(o.start);
  e->set_day_of_month(o.day_of_month);
  e->set_end_ns(o.end);
  e->set_count_max(o.count_max);
  e->set_at_ns(o.created);
}

bool FromProto(const pb::StandingOrderCreated& e, StandingOrder* o) {
  *o = StandingOrder{};
  if (!Id(e.id(), &o->id, true) || !Id(e.tenant_id(), &o->tenant, true) ||
      !Id(e.customer_id(), &o->customer, false) || !Id(e.from_account(), &o->from_account, true) ||
      !FromProto(e.to(), &o->to) || !FromProto(e.creator(), o->tenant, &o->creator) ||
      e.amount_minor().size() != 16 || e.currency().size() != 3 || e.rail() < 1 ||
      e.rail() > kRailNames.size() || e.frequency() < 1 || e.frequency() > 4 ||
      e.day_of_month() > 31 || e.count_max() > kOccurrencesMax ||
      e.reference().size() > kReferenceBytesMax) {
    return false;
  }
  o->amount_minor = kernel::IdFromBytesOrZero(e.amount_minor());
  if (o->amount_minor == 0) return false;
  o->currency = e.currency();
  o->rail = static_cast<Rail>(e.rail());
  o->reference = e.reference();
  o->frequency = static_cast<Frequency>(e.frequency());
  o->start = e.start_ns();
  o->day_of_month = e.day_of_month();
  o->end = e.end_ns();
  o->count_max = e.count_max();
  o->created = o->updated = e.at_ns();
  return true;
}

void ToProto(const kernel::Principal& p, pb::Creator* c) {
  c->set_kind(static_cast<uint32_t>(p.kind));
  if (!p.key.zero()) c->set_key(kernel::IdBytes(p.key.value));
  if (!p.client.zero()) c->set_client(kernel::IdBytes(p.client.value));
  if (!p.user.zero()) c->set_user(kernel::IdBytes(p.user.value));
  c->set_role(static_cast<uint32_t>(p.role));
  c->set_tenant_seq(p.tenant_seq);
  c->set_sandbox(p.sandbox);
  c->set_acr(static_cast<uint32_t>(p.acr));
}

bool FromProto(const pb::Creator& c, u128 tenant, kernel::Principal* p) {
  *p = kernel::Principal{};
  if (!Id(c.key(), &p->key.value, false) || !Id(c.client(), &p->client.value, false) ||
      !Id(c.user(), &p->user.value, false) || c.kind() < 1 || c.kind() > 2 || c.role() < 1 ||
      c.role() > 3 || c.acr() > 2) {
    return false;
  }
  p->tenant = kernel::TenantId(tenant);
  p->kind = static_cast<kernel::PrincipalKind>(c.kind());
  p->role = static_cast<kernel::Role>(c.role());
  p->tenant_seq = c.tenant_seq();
  p->sandbox = c.sandbox();
  p->acr = static_cast<kernel::AuthLevel>(c.acr());
  return true;
}

u128 BatchPaymentId(u128 batch, uint32_t index) {
  return kernel::DerivedId(batch + index + 1, 'B');
}

u128 ReconExceptionId(u128 reconciliation, uint32_t index) {
  return kernel::DerivedId(reconciliation + index + 1, 'X');
}

void ToProto(const PaymentBatch& b, pb::BatchCreated* e) {
  e->set_id(kernel::IdBytes(b.id));
  e->set_tenant_id(kernel::IdBytes(b.tenant));
  if (b.customer != 0) e->set_customer_id(kernel::IdBytes(b.customer));
  ToProto(b.creator, e->mutable_creator());
  e->set_from_account(kernel::IdBytes(b.from_account));
  e->set_source(b.source);
  for (const BatchRow& r : b.rows) {
    pb::BatchItem* x = e->add_items();
    x->set_index(r.index);
    x->set_line(r.line);
    if (r.error_code.empty()) {
      ToProto(r.payment.to, x->mutable_to());
      x->set_amount_minor(kernel::IdBytes(r.payment.amount_minor));
      x->set_currency(r.payment.currency);
      x->set_rail(static_cast<uint32_t>(r.payment.rail.value_or(Rail::kInternal)));
      x->set_reference(r.payment.reference);
      x->set_end_to_end_id(r.payment.end_to_end_id);
    } else {
      x->set_error_code(r.error_code);
      x->set_error_field(r.error_field);
      x->set_error_message(r.error_message);
    }
  }
  e->set_at_ns(b.created);
}

bool FromProto(const pb::BatchCreated& e, PaymentBatch* b) {
  *b = PaymentBatch{};
  if (!Id(e.id(), &b->id, true) || !Id(e.tenant_id(), &b->tenant, true) ||
      !Id(e.customer_id(), &b->customer, false) || !Id(e.from_account(), &b->from_account, true) ||
      !FromProto(e.creator(), b->tenant, &b->creator) ||
      static_cast<size_t>(e.items_size()) > kBatchItemsMax || e.source().size() > 16) {
    return false;
  }
  b->source = e.source();
  b->created = e.at_ns();
  for (const pb::BatchItem& x : e.items()) {
    BatchRow r;
    r.index = x.index();
    r.line = x.line();
    if (!x.error_code().empty()) {
      if (x.error_code().size() > 64 || x.error_field().size() > 128 ||
          x.error_message().size() > 512) {
        return false;
      }
      r.error_code = x.error_code();
      r.error_field = x.error_field();
      r.error_message = x.error_message();
    } else {
      if (!FromProto(x.to(), &r.payment.to) || x.amount_minor().size() != 16 ||
          x.currency().size() != 3 || x.rail() < 1 || x.rail() > kRailNames.size() ||
          x.reference().size() > kReferenceBytesMax ||
          x.end_to_end_id().size() > kEndToEndIdBytesMax) {
        return false;
      }
      r.payment.from_account = b->from_account;
      r.payment.amount_minor = kernel::IdFromBytesOrZero(x.amount_minor());
      if (r.payment.amount_minor == 0) return false;
      r.payment.currency = x.currency();
      r.payment.rail = static_cast<Rail>(x.rail());
      r.payment.reference = x.reference();
      r.payment.end_to_end_id = x.end_to_end_id();
    }
    b->rows.push_back(std::move(r));
  }
  return true;
}

const char* FrequencyName(Frequency f) {
  switch (f) {
    case Frequency::kOnce:
      return "once";
    case Frequency::kDaily:
      return "daily";
    case Frequency::kWeekly:
      return "weekly";
    case Frequency::kMonthly:
      return "monthly";
  }
  return "once";
}

bool ParseFrequency(std::string_view s, Frequency* out) {
  for (Frequency f :
       {Frequency::kOnce, Frequency::kDaily, Frequency::kWeekly, Frequency::kMonthly}) {
    if (s == FrequencyName(f)) {
      *out = f;
      return true;
    }
  }
  return false;
}

const char* OrderStatusName(OrderStatus s) {
  switch (s) {
    case OrderStatus::kActive:
      return "active";
    case OrderStatus::kPaused:
      return "paused";
    case OrderStatus::kCancelled:
      return "cancelled";
    case OrderStatus::kCompleted:
      return "completed";
  }
  return "active";
}

void ToProto(const Payment& p, pb::PaymentCreated* e) {
  e->set_id(kernel::IdBytes(p.id));
  e->set_tenant_id(kernel::IdBytes(p.tenant));
  e->set_from_account(kernel::IdBytes(p.from_account));
  if (p.from_customer != 0) e->set_from_customer(kernel::IdBytes(p.from_customer));
  ToProto(p.to, e->mutable_to());
  e->set_amount_minor(kernel::IdBytes(p.amount_minor));
  e->set_currency(p.currency);
  e->set_rail(static_cast<uint32_t>(p.rail));
  e->set_reference(p.reference);
  e->set_end_to_end_id(p.end_to_end_id);
  e->set_transfer_id(kernel::IdBytes(p.transfer));
  if (p.decision != 0) e->set_decision_id(kernel::IdBytes(p.decision));
  for (const std::string& r : p.decision_reasons) e->add_decision_reasons(r);
  e->set_cop_result(static_cast<uint32_t>(p.cop));
  e->set_cop_name(p.cop_name);
  e->set_at_ns(p.created);
  if (p.scheduled_for != 0) {
    e->set_scheduled_for_ns(p.scheduled_for);
    ToProto(p.creator, e->mutable_creator());
  }
  if (p.fee_minor != 0) {
    e->set_fee_minor(kernel::IdBytes(p.fee_minor));
    e->set_fee_account(kernel::IdBytes(p.fee_account));
  }
}

bool FromProto(const pb::PaymentCreated& e, Payment* p) {
  *p = Payment{};
  if (!Id(e.id(), &p->id, true) || !Id(e.tenant_id(), &p->tenant, true) ||
      !Id(e.from_account(), &p->from_account, true) ||
      !Id(e.from_customer(), &p->from_customer, false) ||
      !Id(e.transfer_id(), &p->transfer, true) || !Id(e.decision_id(), &p->decision, false)) {
    return false;
  }
  if (!FromProto(e.to(), &p->to) || (p->to.internal() && p->to.account == 0)) return false;
  if (e.amount_minor().size() != 16) return false;
  p->amount_minor = kernel::IdFromBytesOrZero(e.amount_minor());
  if (p->amount_minor == 0 || e.currency().size() != 3) return false;
  p->currency = e.currency();
  if (e.rail() < 1 || e.rail() > kRailNames.size()) return false;
  p->rail = static_cast<Rail>(e.rail());
  if (e.reference().size() > kReferenceBytesMax || e.end_to_end_id().size() > kEndToEndIdBytesMax ||
      e.cop_result() > 3 || e.cop_name().size() > kNameBytesMax) {
    return false;
  }
  p->reference = e.reference();
  p->end_to_end_id = e.end_to_end_id();
  p->decision_reasons.assign(e.decision_reasons().begin(), e.decision_reasons().end());
  p->cop = static_cast<CopResult>(e.cop_result());
  p->cop_name = e.cop_name();
  p->created = e.at_ns();
  p->scheduled_for = e.scheduled_for_ns();
  if (p->scheduled_for != 0 && !FromProto(e.creator(), p->tenant, &p->creator)) return false;
  if (!e.fee_minor().empty()) {
    // A fee only on an external payment, to an account, never zero.
    if (e.fee_minor().size() != 16 || p->to.internal() ||
        !kernel::IdFromBytes(e.fee_account(), &p->fee_account)) {
      return false;
    }
    p->fee_minor = kernel::IdFromBytesOrZero(e.fee_minor());
    if (p->fee_minor == 0) return false;
  }
  p->status = PaymentStatus::kCreated;
  p->history.push_back({PaymentStatus::kCreated, p->created, "", ""});
  return true;
}

void ToProto(u128 payment, u128 tenant, const Message& m, pb::PaymentMessage* e) {
  e->set_id(kernel::IdBytes(payment));
  e->set_tenant_id(kernel::IdBytes(tenant));
  e->set_message_type(m.type);
  e->set_direction(static_cast<uint32_t>(m.direction));
  e->set_xml(m.xml);
  e->set_at_ns(m.at);
}

bool FromProto(const pb::PaymentMessage& e, Message* m) {
  if (e.direction() < 1 || e.direction() > 2 || e.message_type().empty() ||
      e.message_type().size() > 32 || e.xml().size() > kMessageBytesMax) {
    return false;
  }
  m->type = e.message_type();
  m->direction = static_cast<Direction>(e.direction());
  m->xml = e.xml();
  m->at = e.at_ns();
  return true;
}

void ToProto(const ReceivedPayment& r, pb::ReceivedPaymentBooked* e) {
  e->set_id(kernel::IdBytes(r.id));
  e->set_tenant_id(kernel::IdBytes(r.tenant));
  e->set_account(kernel::IdBytes(r.account));
  if (r.customer != 0) e->set_customer_id(kernel::IdBytes(r.customer));
  e->set_amount_minor(kernel::IdBytes(r.amount_minor));
  e->set_currency(r.currency);
  e->set_debtor_name(r.debtor_name);
  e->set_debtor_iban(r.debtor_iban);
  e->set_debtor_bic(r.debtor_bic);
  e->set_end_to_end_id(r.end_to_end_id);
  e->set_message_id(r.message_id);
  e->set_dedup_key(r.dedup_key);
  e->set_reference(r.reference);
  e->set_transfer_id(kernel::IdBytes(r.transfer));
  e->set_at_ns(r.created);
}

bool FromProto(const pb::ReceivedPaymentBooked& e, ReceivedPayment* r) {
  *r = ReceivedPayment{};
  if (!Id(e.id(), &r->id, true) || !Id(e.tenant_id(), &r->tenant, true) ||
      !Id(e.account(), &r->account, true) || !Id(e.customer_id(), &r->customer, false) ||
      !Id(e.transfer_id(), &r->transfer, true) || e.amount_minor().size() != 16 ||
      e.currency().size() != 3 || e.message_id().empty() ||
      e.message_id().size() > kIsoId35BytesMax || e.end_to_end_id().size() > kIsoId35BytesMax ||
      e.debtor_name().size() > kNameBytesMax || e.reference().size() > kReferenceBytesMax ||
      e.debtor_iban().size() > 64 || e.debtor_bic().size() > 11 ||
      e.dedup_key().size() > 12 + kIsoId35BytesMax) {
    return false;
  }
  r->amount_minor = kernel::IdFromBytesOrZero(e.amount_minor());
  if (r->amount_minor == 0) return false;
  r->currency = e.currency();
  r->debtor_name = e.debtor_name();
  r->debtor_iban = e.debtor_iban();
  r->debtor_bic = e.debtor_bic();
  r->end_to_end_id = e.end_to_end_id();
  r->message_id = e.message_id();
  r->dedup_key = e.dedup_key().empty() ? DedupKey(e.debtor_bic(), e.message_id()) : e.dedup_key();
  r->reference = e.reference();
  r->created = e.at_ns();
  return true;
}

const char* ReconExceptionName(ReconExceptionType t) {
  switch (t) {
    case ReconExceptionType::kMissingEntry:
      return "missing_entry";
    case ReconExceptionType::kAmountMismatch:
      return "amount_mismatch";
    case ReconExceptionType::kUnknownEntry:
      return "unknown_entry";
    case ReconExceptionType::kStatusMismatch:
      return "status_mismatch";
  }
  return "unknown_entry";
}

bool ParseReconException(std::string_view s, ReconExceptionType* out) {
  for (ReconExceptionType t :
       {ReconExceptionType::kMissingEntry, ReconExceptionType::kAmountMismatch,
        ReconExceptionType::kUnknownEntry, ReconExceptionType::kStatusMismatch}) {
    if (s == ReconExceptionName(t)) {
      *out = t;
      return true;
    }
  }
  return false;
}

void ToProto(const Reconciliation& r, pb::ReconciliationCompleted* e) {
  e->set_id(kernel::IdBytes(r.id));
  e->set_statement_id(r.statement_id);
  e->set_account_iban(r.account_iban);
  e->set_currency(r.currency);
  e->set_from_ns(r.from);
  e->set_to_ns(r.to);
  e->set_entries(r.entries);
  e->set_matched(r.matched);
  e->set_exceptions_total(r.exceptions_total);
  for (const ReconItem& x : r.exceptions) {
    pb::ReconException* p = e->add_exceptions();
    p->set_type(static_cast<uint32_t>(x.type));
    p->set_end_to_end_id(x.end_to_end_id);
    p->set_amount_minor(kernel::IdBytes(x.amount_minor));
    p->set_credit(x.credit);
    if (x.object != 0) p->set_object_id(kernel::IdBytes(x.object));
    p->set_detail(x.detail);
  }
  e->set_at_ns(r.created);
}

bool FromProto(const pb::ReconciliationCompleted& e, Reconciliation* r) {
  *r = Reconciliation{};
  if (!Id(e.id(), &r->id, true) || e.currency().size() != 3 ||
      static_cast<size_t>(e.exceptions_size()) > kReconExceptionsMax ||
      e.statement_id().size() > kIsoId35BytesMax || e.account_iban().size() > 64) {
    return false;
  }
  r->statement_id = e.statement_id();
  r->account_iban = e.account_iban();
  r->currency = e.currency();
  r->from = e.from_ns();
  r->to = e.to_ns();
  r->entries = e.entries();
  r->matched = e.matched();
  r->exceptions_total = e.exceptions_total();
  r->created = e.at_ns();
  for (const pb::ReconException& p : e.exceptions()) {
    ReconItem x;
    if (p.type() < 1 || p.type() > 4 || p.amount_minor().size() != 16 ||
        !Id(p.object_id(), &x.object, false) || p.end_to_end_id().size() > kIsoId35BytesMax ||
        p.detail().size() > 256) {
      return false;
    }
    x.type = static_cast<ReconExceptionType>(p.type());
    x.end_to_end_id = p.end_to_end_id();
    x.amount_minor = kernel::IdFromBytesOrZero(p.amount_minor());
    x.credit = p.credit();
    x.detail = p.detail();
    r->exceptions.push_back(std::move(x));
  }
  return true;
}

std::string MessageIdOf(u128 payment) { return "CB" + kernel::FormatId("", payment); }

u128 PaymentOfMessageId(std::string_view message_id) {
  u128 id = 0;
  if (!message_id.starts_with("CB") || !kernel::ParseId(message_id.substr(2), "", &id)) return 0;
  return id;
}

bool FromProto(const pb::PaymentStatusChanged& e, Transition* t) {
  if (e.status() < 1 || e.status() > kStatusNames.size()) return false;
  if (e.reason_code().size() > 64 || e.reason().size() > kReasonBytesMax) return false;
  t->status = static_cast<PaymentStatus>(e.status());
  t->at = e.at_ns();
  t->reason_code = e.reason_code();
  t->reason = e.reason();
  t->deadline = e.deadline_ns();
  return true;
}

}  // namespace cb::modules::payments
