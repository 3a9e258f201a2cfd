#pragma once
// The services every command that opens a data directory needs: the journal holds
// platform and identity events beside ledger events, so replay, recovery and snapshots
// need both, composed on the shard by a ServiceSet.
#include "identity/events.h"
#include "identity/service.h"
#include "platform/key_directory.h"
#include "platform/service.h"
#include "runtime/service_set.h"

namespace cb::app {

struct PlatformStack {
  explicit PlatformStack(platform::PlatformOptions options = {})
      : service(&keys, options), identity(&service) {
    services.Add(0, &service, runtime::kServiceEventTypeFirst, identity::kEventTypeFirst - 1);
    services.Add(identity::kIdentityServiceId, &identity, identity::kEventTypeFirst,
                 identity::kEventTypeLast);
    service.SetAccessPolicy(&identity);
  }
  PlatformStack(const PlatformStack&) = delete;
  PlatformStack& operator=(const PlatformStack&) = delete;

  platform::KeyDirectory keys;
  platform::PlatformService service;
  identity::IdentityService identity;
  runtime::ServiceSet services;  // what the shard runs
};

}  // namespace cb::app
