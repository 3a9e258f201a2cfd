#pragma once
// Prometheus text for the shard executor's own counters and fsync latency histogram.
#include <string>

#include "runtime/executor.h"

namespace cb::api {

void AppendExecutorMetrics(const runtime::ExecutorStats& stats, std::string* out);

}  // namespace cb::api
