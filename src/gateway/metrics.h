#pragma once
// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
// text exposition format 0.0.4 for GET /metrics. Registration takes a mutex and returns a
// stable pointer the caller caches; recording through it is one relaxed atomic add.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cb::gateway {

// Label name -> value; order does not matter (series are keyed by labels sorted by name).
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(int64_t delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Observations and bucket bounds are integers in 1/scale of the exported unit, so recording
// is integer-only and the rendered bounds are exact decimals: observe nanoseconds and export
// seconds with scale = 1e9. scale must be a power of 10.
struct HistogramSpec {
  std::vector<uint64_t> bounds;  // Strictly increasing upper bounds; +Inf is implied.
  uint64_t scale = 1'000'000'000;
};
// 0.0005, 0.001, 0.0025, ... 10 seconds, observed in nanoseconds.
HistogramSpec LatencySecondsSpec();

class Histogram {
 public:
  explicit Histogram(std::vector<uint64_t> bounds);
  void Observe(uint64_t value);

  // Per-bucket (not cumulative) counts; index bounds().size() is the +Inf bucket.
  uint64_t bucket_count(size_t i) const { return counts_[i].load(std::memory_order_relaxed); }
  uint64_t sum() const { return sum_.load(std::memory_order_relaxed); }
  const std::vector<uint64_t>& bounds() const { return bounds_; }

 private:
  const std::vector<uint64_t> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<uint64_t> sum_{0};
};

// Thread-safe. Names are checked at registration (CB_CHECK: they come from code, not
// clients): metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*
// and do not start with "__"; "le" is reserved. All series of a family share one type, help
// text, set of label names and (histograms) spec. Registering an existing series returns the
// same pointer. Pointers live as long as the registry.
class MetricsRegistry {
 public:
  static constexpr size_t kLabelValueBytesMax = 256;

  // More than series_max series is a registration bug (e.g. a raw path as a label): CB_CHECK.
  explicit MetricsRegistry(size_t series_max = 100'000);
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  gateway::Counter* Counter(std::string_view name, std::string_view help,
                            const Labels& labels = {});
  gateway::Gauge* Gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  gateway::Histogram* Histogram(std::string_view name, std::string_view help, const Labels& labels,
                                const HistogramSpec& spec);
  // A gauge read at scrape time, under the registry lock: fn must be cheap, thread-safe and
  // must not call into this registry. Registering the same series again replaces fn.
  void GaugeFn(std::string_view name, std::string_view help, const Labels& labels,
               std::function<double()> fn);

  // Families sorted by name, series by their label text: the same state renders the same.
  std::string Render() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Request counter and latency histogram per route template, found or created on first use:
//   corebank_http_requests_total{method,route,status}
//   corebank_http_request_duration_seconds{method,route}
// route must be a template from the route table ("/v1/transfers/{id}"), never a raw path.
// Methods outside the standard set become "OTHER", statuses outside 100..599 "invalid". Past
// series_max distinct (route, method, status), new ones are recorded under route="other".
class HttpMetrics {
 public:
  explicit HttpMetrics(MetricsRegistry* registry, size_t series_max = 2048);
  ~HttpMetrics();
  HttpMetrics(const HttpMetrics&) = delete;
  HttpMetrics& operator=(const HttpMetrics&) = delete;

  void Record(std::string_view route, std::string_view method, uint32_t status,
              uint64_t latency_ns);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cb::gateway
