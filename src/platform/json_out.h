#pragma once
// JSON by hand for the platform's answers: the kernel's helpers (kernel/json_out.h).
#include "kernel/json_out.h"

namespace cb::platform {
using kernel::AppendJsonString;
using kernel::AppendJsonStringOrNull;
}  // namespace cb::platform
