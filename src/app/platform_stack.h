#pragma once
// The services every command that opens a data directory needs: the journal holds
// platform and identity events beside ledger events, so replay, recovery and snapshots
// need both, composed on the shard by a ServiceSet.
#include "api/module.h"
#include "identity/events.h"
#include "identity/service.h"
#include "journal/disk.h"
#include "platform/key_directory.h"
#include "platform/service.h"
#include "risk/events.h"
#include "risk/service.h"
#include "runtime/service_set.h"
#include "runtime/shard.h"

namespace cb::app {

struct PlatformStack {
  explicit PlatformStack(platform::PlatformOptions options = {},
                         identity::IdentityOptions identity_options = {},
                         risk::RiskOptions risk_options = {},
                         api::ModuleSettings module_settings = {})
      : module_settings(std::move(module_settings)),
        service(&keys, options),
        identity(&service, identity_options),
        risk(&service, risk_options) {
    services.Add(0, &service, runtime::kServiceEventTypeFirst, identity::kEventTypeFirst - 1);
    services.Add(identity::kIdentityServiceId, &identity, identity::kEventTypeFirst,
                 identity::kEventTypeLast);
    services.Add(risk::kRiskServiceId, &risk, risk::kEventTypeFirst, risk::kEventTypeLast);
    service.SetAccessPolicy(&identity);
    service.SetDecisionPort(&risk);
    risk.SetFourEyes(&service);
    // Every registered module (api/module.h): its journal events need it to replay too.
    for (const api::ServiceModule* m : api::Modules()) {
      if (m->create == nullptr) continue;  // built-in: constructed above
      modules.push_back({m, m->create(api::ModuleDeps{.envelope = &service,
                                                      .customers = &service,
                                                      .screener = &risk,
                                                      .money = &service,
                                                      .risk = &risk,
                                                      .settings = &this->module_settings})});
      services.Add(m->service_id, modules.back().service.get(), m->event_type_first,
                   m->event_type_last);
    }
  }
  PlatformStack(const PlatformStack&) = delete;
  PlatformStack& operator=(const PlatformStack&) = delete;

  api::ModuleSettings module_settings;  // before the modules that point at it
  platform::KeyDirectory keys;
  platform::PlatformService service;
  identity::IdentityService identity;
  risk::RiskService risk;
  struct Module {
    const api::ServiceModule* module;
    std::unique_ptr<runtime::Service> service;
  };
  std::vector<Module> modules;
  runtime::ServiceSet services;  // what the shard runs (destroyed first: it points at these)
};

// Recovers the shard of an existing data directory (snapshot + journal tail) with `stack`'s
// services (offline commands: replay tools, admin). NotFound when there is no journal.
inline Result<std::unique_ptr<runtime::Shard>> OpenShard(Disk* disk, const std::string& data_dir,
                                                         PlatformStack* stack,
                                                         runtime::RecoveryInfo* info) {
  if (!disk->Exists(runtime::JournalDir(data_dir))) {
    return Status::NotFound("no journal in " + data_dir);
  }
  runtime::ShardOptions options;
  options.data_dir = data_dir;
  options.service = &stack->services;
  return runtime::Shard::Open(disk, options, info);
}

}  // namespace cb::app
