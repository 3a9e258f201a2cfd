#pragma once
// Inside the payments module only: the events' protobuf <-> Payment (payments_codec.cc),
// shared by the service (apply, snapshot) and the event-feed renderer.
#include "modules/payments/payments.h"
#include "payments.pb.h"

namespace cb::modules::payments {

namespace pb = corebank::payments::v1;

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
