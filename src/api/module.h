#pragma once
// A pluggable service ("module"): everything it brings to the shard and the edge, in one
// descriptor its folder defines (src/modules/<name>/). The registration list is
// src/modules/modules.cmake: one name a module; CMake builds the folder and generates the
// list the binary hands to RegisterModules() at start. Nothing else in `src/` but the
// simulator's workload (which sends the counter's ops) names a module: the route registry, the
// event feed, the shard's ServiceSet and `serve`'s subscribers all iterate Modules().
// docs/adding-a-service.md says how to write one.
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/route_table.h"
#include "journal/format.h"
#include "kernel/customer_directory.h"
#include "kernel/decision_port.h"
#include "kernel/envelope.h"
#include "kernel/money_port.h"
#include "kernel/screener.h"
#include "runtime/pollers.h"
#include "runtime/service.h"
#include "runtime/subscribers.h"

namespace cb::api {

// Settings a module reads from `serve`'s configuration, by name ("scheme_url"); empty for
// the offline commands (replay, admin), which never run its routes, subscribers or pollers.
using ModuleSettings = std::map<std::string, std::string, std::less<>>;

// What a module's service may use of the core when it is created.
struct ModuleDeps {
  // The envelope every REST op shares (tenant, scope, consent, Idempotency-Key).
  kernel::EnvelopeRunner* envelope = nullptr;
  // The platform's customers: look one up, set its KYC tier in the caller's batch.
  kernel::CustomerDirectory* customers = nullptr;
  // Sanctions/PEP name screening against the lists the risk service loaded.
  const kernel::Screener* screener = nullptr;
  // Moving customers' money as a transfer does (payer checks, risk decision, ledger).
  kernel::MoneyPort* money = nullptr;
  // The risk core: to follow holds (AddHoldObserver) of movements made through `money`.
  kernel::DecisionPort* risk = nullptr;
  const ModuleSettings* settings = nullptr;  // never null
};

// The public event feed's view of one of the module's events: its tenant (the edge shows an
// event only to its own tenant), its "type" and its "data" JSON object. False: not public.
using ModuleEventRenderFn = bool (*)(const journal::EventView& event, u128* tenant,
                                     std::string* type, std::string* data);

// A scope the module adds (kernel/scopes.h): its routes name it in RouteSpec::scope_name,
// roles hold it by class, apps may be granted it; stored in events by name.
struct ScopeSpec {
  std::string_view name;
  kernel::ScopeClass cls = kernel::ScopeClass::kRead;
};

struct ServiceModule {
  std::string_view name;  // lower case; also its routes' `service`
  uint32_t service_id = 0;
  uint16_t event_type_first = 0;  // its journal event types, checked against every other's
  uint16_t event_type_last = 0;
  std::span<const RouteSpec> (*routes)() = nullptr;
  std::span<const ScopeSpec> scopes = {};  // registered before any route is
  ModuleEventRenderFn render_event = nullptr;
  // Null only for the built-in services (api/builtin_modules.cc).
  std::unique_ptr<runtime::Service> (*create)(const ModuleDeps& deps) = nullptr;
  // After-commit subscribers it runs beside the shard (`serve` only); may be null.
  std::vector<std::unique_ptr<runtime::Subscriber>> (*subscribers)(runtime::Service* service) =
      nullptr;
  // Pollers of outside sources it runs beside the shard (`serve` only); may be null.
  std::vector<std::unique_ptr<runtime::Poller>> (*pollers)(runtime::Service* service) = nullptr;
};

// Once, at start, before any route look-up (main does it from the generated list). Checks
// names, ids and event ranges for clashes with each other and the built-in services.
void RegisterModules(std::span<const ServiceModule* const> modules);
// Every service: the built-in ones (platform, identity; no `create`, the platform stack
// builds them) and then the registered modules.
std::span<const ServiceModule* const> Modules();
// The module owning an event type, or null.
const ServiceModule* ModuleOfEvent(uint16_t event_type);

}  // namespace cb::api
