#pragma once
// Inside the payments module only: the events' protobuf <-> Payment (payments_codec.cc),
// shared by the service (apply, snapshot) and the event-feed renderer.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "base/check.h"
#include "modules/payments/payments.h"
#include "payments.pb.h"

namespace cb::modules::payments {

namespace pb = corebank::payments::v1;

// A newest-first page of the list positions [first, end) below `before`: `render(position,
// out)` appends an object's JSON and returns true, or returns false to leave it out (a
// filter). A page looks at kListScanMax positions at most, so a filter matching few answers
// a short (even empty) page with a cursor to go on, never an unbounded scan on the writer.
// The cursor is `cursor_prefix` and the position to continue below.
template <typename Render>
kernel::Answer PagePositions(uint64_t first, uint64_t end, uint32_t limit, uint64_t before,
                             char cursor_prefix, Render render) {
  CB_CHECK(limit >= 1 && limit <= 100);
  CB_CHECK(first <= end);
  std::string o = R"({"object":"list","data":[)";
  bool more = false;
  uint64_t i = std::min(before, end);
  size_t n = 0, scanned = 0;
  while (i > first) {
    if (n == limit || scanned == kListScanMax) {
      more = true;
      break;
    }
    i--;
    scanned++;
    const size_t mark = o.size();
    if (n > 0) o.push_back(',');
    if (!render(i, &o)) {
      o.resize(mark);
      continue;
    }
    n++;
  }
  o.append(R"(],"has_more":)").append(more ? "true" : "false");
  o.append(R"(,"next_cursor":)");
  o.append(more ? std::string("\"") + cursor_prefix + std::to_string(i) + "\"" : "null");
  o.push_back('}');
  return {200, std::move(o)};
}

// The same over `ids` (positions are indexes; null: an empty list), rendering by id.
template <typename Render>
kernel::Answer PageNewestFirst(const std::vector<u128>* ids, uint32_t limit, uint32_t before,
                               char cursor_prefix, Render render) {
  return PagePositions(0, ids == nullptr ? 0 : ids->size(), limit, before, cursor_prefix,
                       [&](uint64_t i, std::string* out) { return render((*ids)[i], out); });
}

// A PaymentOp for a route call: the caller, trace, idempotency key and request hash
// (payments_routes.cc).
std::shared_ptr<PaymentOp> NewPaymentOp(const api::RouteCall& c);
// The route call's op carrying `body`, handed to the executor; true (a builder's answer).
template <typename Body>
bool Emit(const api::RouteCall& c, Body body, api::BuiltOp* out) {
  auto op = NewPaymentOp(c);
  op->body = std::move(body);
  out->op = std::move(op);
  return true;
}
// The {id} path parameter as an id with `prefix`; 404 resource_not_found when it is not one.
bool PathId(const api::RouteCall& c, std::string_view prefix, u128* out, api::DecodeError* err);
// No query parameters (each one is refused by name).
bool NoQuery(const api::RouteCall& c, api::DecodeError* err);
// GET of one object by its prefixed id: `Op{id}` for the service (which answers 404 for an
// id that is not the caller's).
template <typename Op, const std::string_view& kPrefix>
bool BuildGetById(const api::RouteCall& c, api::BuiltOp* out, api::DecodeError* err) {
  Op get;
  return PathId(c, kPrefix, &get.id, err) && NoQuery(c, err) && Emit(c, get, out);
}
// The fee schedule's routes (payments_fees.cc).
bool BuildGetFees(const api::RouteCall& c, api::BuiltOp* out, api::DecodeError* err);
bool BuildSetFees(const api::RouteCall& c, api::BuiltOp* out, api::DecodeError* err);
void ToProto(u128 tenant, const FeeSchedule& f, pb::FeeScheduleSet* e);
bool FromProto(const pb::FeeScheduleSet& e, u128* tenant, FeeSchedule* f);

// Rows whose payments the platform refused when made (BatchRowRefused), kept on `b` with
// their reasons; DataLoss for a row that is not one of b's valid ones.
Status ApplyRowsRefused(const google::protobuf::RepeatedPtrField<pb::BatchRowRefused>& rows,
                        PaymentBatch* b);

// The durable timer of a payment scheduled for later.
inline std::string ScheduledKey(u128 payment) { return "payment:" + kernel::FormatId("", payment); }

void ToProto(const Payment& p, pb::PaymentCreated* e);
// False on anything a writer could not have produced (bad ids, enums, sizes).
bool FromProto(const pb::PaymentCreated& e, Payment* p);
bool FromProto(const pb::PaymentStatusChanged& e, Transition* t);
void ToProto(u128 payment, u128 tenant, const Message& m, pb::PaymentMessage* e);
void ToProto(const ReceivedPayment& r, pb::ReceivedPaymentBooked* e);
bool FromProto(const pb::ReceivedPaymentBooked& e, ReceivedPayment* r);
void ToProto(const Reconciliation& r, pb::ReconciliationCompleted* e);
bool FromProto(const pb::ReconciliationCompleted& e, Reconciliation* r);
void ToProto(const StandingOrder& o, pb::StandingOrderCreated* e);
bool FromProto(const pb::StandingOrderCreated& e, StandingOrder* o);
void ToProto(const Payee& p, pb::Payee* e);
void ToProto(const PaymentBatch& b, pb::BatchCreated* e);
bool FromProto(const pb::BatchCreated& e, PaymentBatch* b);
void ToProto(const kernel::Principal& p, pb::Creator* c);
bool FromProto(const pb::Creator& c, u128 tenant, kernel::Principal* p);
bool FromProto(const pb::Payee& e, Payee* p);
bool FromProto(const pb::PaymentMessage& e, Message* m);

}  // namespace cb::modules::payments
