#include "api/executor_metrics.h"

#include <cstdio>

namespace cb::api {

namespace {
void Family(std::string* out, const char* name, const char* type, const char* help) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}
void Sample(std::string* out, const char* name, uint64_t value) {
  out->append(name).append(" ").append(std::to_string(value)).append("\n");
}
}  // namespace

void AppendExecutorMetrics(const runtime::ExecutorStats& s, std::string* out) {
  Family(out, "corebank_executor_batches_committed_total", "counter",
         "Batches made durable by the journal.");
  Sample(out, "corebank_executor_batches_committed_total", s.batches_committed.load());
  Family(out, "corebank_executor_events_committed_total", "counter",
         "Journal events made durable.");
  Sample(out, "corebank_executor_events_committed_total", s.events_committed.load());
  Family(out, "corebank_executor_commands_rejected_total", "counter",
         "Commands refused because the queue was full.");
  Sample(out, "corebank_executor_commands_rejected_total", s.commands_rejected_full.load());
  Family(out, "corebank_executor_queue_depth", "gauge", "Commands waiting for the writer.");
  Sample(out, "corebank_executor_queue_depth", s.queue_depth.load());
  Family(out, "corebank_executor_snapshots_written_total", "counter", "Snapshots written.");
  Sample(out, "corebank_executor_snapshots_written_total", s.snapshots_written.load());

  Family(out, "corebank_executor_batch_commands", "histogram",
         "Commands (requests) executed per writer batch.");
  uint64_t batches = 0;
  for (size_t i = 0; i < std::size(s.batch_commands); i++) {
    const uint64_t n = s.batch_commands[i].load();
    batches += n;
    out->append("corebank_executor_batch_commands_bucket{le=\"");
    out->append(std::to_string((uint64_t{1} << i) - 1));
    out->append("\"} ").append(std::to_string(batches)).append("\n");
  }
  out->append("corebank_executor_batch_commands_bucket{le=\"+Inf\"} ")
      .append(std::to_string(batches))
      .append("\n");
  out->append("corebank_executor_batch_commands_sum ")
      .append(std::to_string(s.batch_commands_sum.load()));
  out->append("\ncorebank_executor_batch_commands_count ").append(std::to_string(batches));
  out->append("\n");

  Family(out, "corebank_journal_fsync_duration_seconds", "histogram",
         "Latency of one group commit (write + fdatasync).");
  uint64_t cumulative = 0;
  char le[32];
  for (size_t i = 0; i < runtime::LatencyHistogram::kBuckets; i++) {
    cumulative += s.fsync_latency.bucket(i);
    // Bucket i holds latencies below 2^i microseconds.
    const uint64_t us = uint64_t{1} << i;
    std::snprintf(le, sizeof(le), "%llu.%06llu", static_cast<unsigned long long>(us / 1000000),
                  static_cast<unsigned long long>(us % 1000000));
    out->append("corebank_journal_fsync_duration_seconds_bucket{le=\"").append(le).append("\"} ");
    out->append(std::to_string(cumulative)).append("\n");
  }
  out->append("corebank_journal_fsync_duration_seconds_bucket{le=\"+Inf\"} ")
      .append(std::to_string(cumulative))
      .append("\n");
  const uint64_t sum_ns = s.fsync_latency.sum_ns();
  char sum[48];
  std::snprintf(sum, sizeof(sum), "%llu.%09llu",
                static_cast<unsigned long long>(sum_ns / 1000000000),
                static_cast<unsigned long long>(sum_ns % 1000000000));
  out->append("corebank_journal_fsync_duration_seconds_sum ").append(sum).append("\n");
  out->append("corebank_journal_fsync_duration_seconds_count ")
      .append(std::to_string(cumulative))
      .append("\n");
}

}  // namespace cb::api
