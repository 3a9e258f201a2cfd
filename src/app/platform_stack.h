#pragma once
// The platform service and its key directory, as every command that opens a data
// directory needs them (the journal holds platform events beside ledger events).
#include "platform/key_directory.h"
#include "platform/service.h"

namespace cb::app {

struct PlatformStack {
  explicit PlatformStack(platform::PlatformOptions options = {}) : service(&keys, options) {}
  platform::KeyDirectory keys;
  platform::PlatformService service;
};

}  // namespace cb::app
