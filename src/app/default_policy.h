#pragma once
// The default risk policy bundle (policies/default), compiled into the binary: `serve`
// activates it on a data directory that never had a policy (ServeConfig::default_policy).
#include <span>

namespace cb::app {

struct DefaultPolicyFile {
  const char* path;  // relative to the bundle's folder
  const char* content;
};
std::span<const DefaultPolicyFile> DefaultPolicyFiles();

}  // namespace cb::app
