// The counter module's descriptor (api/module.h): what the registration list hands the
// core. Also its public event-feed view and its subscriber.
#include "api/module.h"
#include "corebank/platform/v1/events.pb.h"
#include "counter.pb.h"
#include "kernel/ids.h"
#include "modules/counter/counter.h"
#include "platform/events.h"

namespace cb::modules::counter {

namespace {

namespace pb = corebank::counter::v1;

bool RenderEvent(const journal::EventView& ev, u128* tenant, std::string* type, std::string* data) {
  const auto* bytes = ev.payload.data();
  const int size = static_cast<int>(ev.payload.size());
  switch (static_cast<EventType>(ev.type)) {
    case EventType::kIncremented: {
      pb::CounterIncremented e;
      if (!e.ParseFromArray(bytes, size) || !kernel::IdFromBytes(e.tenant_id(), tenant)) {
        return false;
      }
      *type = "counter.incremented";
      *data = R"({"name":")" + e.name() + R"(","by":)" + std::to_string(e.by()) + R"(,"value":)" +
              std::to_string(e.value()) + "}";
      return true;
    }
    case EventType::kReset: {
      pb::CounterReset e;
      if (!e.ParseFromArray(bytes, size) || !kernel::IdFromBytes(e.tenant_id(), tenant)) {
        return false;
      }
      *type = "counter.reset";
      *data = R"({"name":")" + e.name() + R"("})";  // names are [a-z0-9_]: no escaping
      return true;
    }
  }
  return false;
}

// Counts account.opened events into each tenant's "accounts_opened" counter, exactly once
// per event (its results commit with its cursor).
class AccountsOpened final : public runtime::Subscriber {
 public:
  std::string_view name() const override { return "counter.accounts_opened"; }
  bool Wants(uint16_t type) const override {
    return type == static_cast<uint16_t>(platform::EventType::kAccountOpened);
  }
  std::vector<std::shared_ptr<const runtime::ServiceOp>> Handle(
      std::span<const runtime::CommittedEvent> events) override {
    std::vector<std::shared_ptr<const runtime::ServiceOp>> ops;
    for (const runtime::CommittedEvent& e : events) {
      corebank::platform::v1::AccountOpened m;
      u128 tenant = 0;
      if (!m.ParseFromArray(e.payload.data(), static_cast<int>(e.payload.size())) ||
          !kernel::IdFromBytes(m.tenant_id(), &tenant)) {
        continue;  // the platform's replay would have refused it; nothing to count
      }
      auto op = std::make_shared<CounterOp>();
      op->body = CountAccountOp{tenant};
      ops.push_back(std::move(op));
    }
    return ops;
  }
};

std::unique_ptr<runtime::Service> Create(const api::ModuleDeps& deps) {
  return std::make_unique<CounterService>(deps.envelope);
}

std::vector<std::unique_ptr<runtime::Subscriber>> Subscribers(runtime::Service* /*service*/) {
  std::vector<std::unique_ptr<runtime::Subscriber>> out;
  out.push_back(std::make_unique<AccountsOpened>());
  return out;
}

}  // namespace

extern const api::ServiceModule kModule;
constexpr api::ScopeSpec kScopes[] = {{kScopeRead, kernel::ScopeClass::kRead},
                                      {kScopeWrite, kernel::ScopeClass::kWrite}};
const api::ServiceModule kModule{.name = "counter",
                                 .service_id = kServiceId,
                                 .event_type_first = kEventTypeFirst,
                                 .event_type_last = kEventTypeLast,
                                 .routes = Routes,
                                 .scopes = kScopes,
                                 .render_event = RenderEvent,
                                 .create = Create,
                                 .subscribers = Subscribers};

}  // namespace cb::modules::counter
