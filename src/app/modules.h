#pragma once
// The modules src/modules/modules.cmake lists, in that order (the definition is generated
// by CMake into the build tree: modules_list.cc).
#include <span>

#include "api/module.h"

namespace cb::app {

std::span<const api::ServiceModule* const> RegisteredModules();

}  // namespace cb::app
