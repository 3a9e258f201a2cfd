// The payments module's descriptor (api/module.h) and its public event-feed view.
#include "api/module.h"
#include "base/check.h"
#include "kernel/ids.h"
#include "kernel/json_out.h"
#include "modules/payments/payments_internal.h"
#include "modules/payments/payments_rail.h"

namespace cb::modules::payments {

namespace {

bool RenderEvent(const journal::EventView& ev, u128* tenant, std::string* type, std::string* data) {
  const auto* bytes = ev.payload.data();
  const int size = static_cast<int>(ev.payload.size());
  switch (static_cast<EventType>(ev.type)) {
    case EventType::kPaymentCreated: {
      pb::PaymentCreated e;
      Payment p;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &p)) return false;
      *tenant = p.tenant;
      *type = "payment.created";
      *data = RenderPayment(p);
      return true;
    }
    case EventType::kReceivedPaymentBooked: {
      pb::ReceivedPaymentBooked e;
      ReceivedPayment r;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &r)) return false;
      *tenant = r.tenant;
      *type = "received_payment.booked";
      *data = RenderReceived(r);
      return true;
    }
    case EventType::kPaymentMessage:
    case EventType::kFeedAdvanced:
    case EventType::kReconciliationCompleted:  // the bank's books: never a tenant's feed
    case EventType::kStandingOrderCreated:     // read over the API; occurrences are payments
    case EventType::kStandingOrderChanged:
    case EventType::kBatchCreated:  // read over the API; its rows become payments
    case EventType::kBatchProgressed:
    case EventType::kScheduledPaymentRan:  // its transition that follows is in the feed
    case EventType::kFeeScheduleSet:       // the tenant's set-up, read over the API
      return false;  // the messages are read per payment; the feed's position is internal
    case EventType::kPaymentStatusChanged: {
      pb::PaymentStatusChanged e;
      Transition t;
      u128 id = 0;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &t) ||
          !kernel::IdFromBytes(e.id(), &id) || !kernel::IdFromBytes(e.tenant_id(), tenant)) {
        return false;
      }
      // One type per status ("payment.settled"); the data is the transition.
      *type = std::string("payment.") + StatusName(t.status);
      std::string& d = *data;
      d = R"({"id":")";
      kernel::AppendId(&d, kPaymentPrefix, id);
      d.append(R"(","status":")").append(StatusName(t.status)).append(R"(","previous_status":)");
      if (e.previous_status() >= 1 && e.previous_status() <= 10) {
        d.append("\"")
            .append(StatusName(static_cast<PaymentStatus>(e.previous_status())))
            .append("\"");
      } else {
        d.append("null");
      }
      d.append(R"(,"reason_code":)");
      kernel::AppendJsonStringOrNull(&d, t.reason_code);
      d.append(R"(,"reason":)");
      kernel::AppendJsonStringOrNull(&d, t.reason);
      d.append(R"(,"at":)");
      kernel::AppendTimestamp(&d, t.at);
      d.push_back('}');
      return true;
    }
  }
  return false;
}

std::unique_ptr<runtime::Service> Create(const api::ModuleDeps& deps) {
  CB_CHECK(deps.money != nullptr && deps.risk != nullptr && deps.settings != nullptr);
  PaymentsConfig config;
  if (auto it = deps.settings->find("scheme_url"); it != deps.settings->end()) {
    config.scheme_url = it->second;
  }
  if (auto it = deps.settings->find("scheme_answer_timeout_ms"); it != deps.settings->end()) {
    config.answer_timeout_ms = std::strtoull(it->second.c_str(), nullptr, 10);
  }
  auto service = std::make_unique<PaymentsService>(deps.envelope, deps.money, deps.risk,
                                                   std::move(config), deps.screener);
  // A held payment follows its risk case (approve settles it, reject or time-out rejects it).
  deps.risk->AddHoldObserver(service.get());
  return service;
}

std::vector<std::unique_ptr<runtime::Subscriber>> Subscribers(runtime::Service* service) {
  return RailSubscribers(static_cast<PaymentsService*>(service)->config());
}

std::vector<std::unique_ptr<runtime::Poller>> Pollers(runtime::Service* service) {
  return RailPollers(static_cast<PaymentsService*>(service)->config());
}

}  // namespace

extern const api::ServiceModule kModule;
const api::ServiceModule kModule{.name = "payments",
                                 .service_id = kServiceId,
                                 .event_type_first = kEventTypeFirst,
                                 .event_type_last = kEventTypeLast,
                                 .routes = Routes,
                                 .render_event = RenderEvent,
                                 .create = Create,
                                 .subscribers = Subscribers,
                                 .pollers = Pollers};

}  // namespace cb::modules::payments
