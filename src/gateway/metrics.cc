#include "gateway/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "base/check.h"

namespace cb::gateway {
namespace {

constexpr size_t kNameBytesMax = 200;
constexpr size_t kHelpBytesMax = 1024;
constexpr size_t kHistogramBoundsMax = 64;

enum class Type { kCounter, kGauge, kHistogram };

const char* TypeName(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  CB_CHECK(false);
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsMetricName(std::string_view s) {
  if (s.empty() || s.size() > kNameBytesMax) return false;
  if (!IsAlpha(s[0]) && s[0] != ':') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlpha(c) || IsDigit(c) || c == ':'; });
}

bool IsLabelName(std::string_view s) {
  if (s.empty() || s.size() > kNameBytesMax || !IsAlpha(s[0])) return false;
  if (s.starts_with("__")) return false;  // Reserved for Prometheus itself.
  return std::all_of(s.begin(), s.end(), [](char c) { return IsAlpha(c) || IsDigit(c); });
}

void AppendEscaped(std::string* out, std::string_view s, bool escape_quote) {
  for (char c : s) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '"' && escape_quote) {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

void AppendUint(std::string* out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

void AppendDouble(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
  } else {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);  // Shortest text that round-trips.
    out->append(buf, r.ptr);
  }
}

int ScaleDigits(uint64_t scale) {
  int digits = 0;
  while (scale > 1) {
    CB_CHECK(scale % 10 == 0);
    scale /= 10;
    digits++;
  }
  return digits;
}

// v / scale as an exact decimal without trailing zeros: 500000 at 1e9 is "0.0005".
void AppendScaled(std::string* out, uint64_t v, uint64_t scale) {
  AppendUint(out, v / scale);
  uint64_t frac = v % scale;
  if (frac == 0) return;
  int digits = ScaleDigits(scale);
  while (frac % 10 == 0) {
    frac /= 10;
    digits--;
  }
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), frac);
  out->push_back('.');
  out->append(static_cast<size_t>(digits - (r.ptr - buf)), '0');
  out->append(buf, r.ptr);
}

struct Series {
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Gauge> gauge;
  std::function<double()> gauge_fn;
  std::unique_ptr<Histogram> histogram;
};

struct Family {
  Type type = Type::kCounter;
  std::string help;
  std::vector<std::string> label_names;  // Sorted.
  HistogramSpec spec;
  // Keyed by the rendered label text (names sorted): deterministic render order.
  std::map<std::string, Series> series;
};

void AppendSeriesName(std::string* out, std::string_view name, std::string_view suffix,
                      const std::string& labels_text, std::string_view le) {
  out->append(name);
  out->append(suffix);
  if (labels_text.empty() && le.empty()) return;
  out->push_back('{');
  out->append(labels_text);
  if (!le.empty()) {
    if (!labels_text.empty()) out->push_back(',');
    out->append("le=\"");
    out->append(le);
    out->push_back('"');
  }
  out->push_back('}');
}

void RenderHistogram(std::string* out, const std::string& name, const std::string& labels_text,
                     const Histogram& h, uint64_t scale) {
  uint64_t cumulative = 0;
  std::string le;
  for (size_t i = 0; i <= h.bounds().size(); i++) {
    cumulative += h.bucket_count(i);
    le.clear();
    if (i < h.bounds().size()) {
      AppendScaled(&le, h.bounds()[i], scale);
    } else {
      le = "+Inf";
    }
    AppendSeriesName(out, name, "_bucket", labels_text, le);
    out->push_back(' ');
    AppendUint(out, cumulative);
    out->push_back('\n');
  }
  AppendSeriesName(out, name, "_sum", labels_text, "");
  out->push_back(' ');
  AppendScaled(out, h.sum(), scale);
  out->push_back('\n');
  // _count from the buckets, so it always equals the +Inf bucket even mid-update.
  AppendSeriesName(out, name, "_count", labels_text, "");
  out->push_back(' ');
  AppendUint(out, cumulative);
  out->push_back('\n');
}

}  // namespace

HistogramSpec LatencySecondsSpec() {
  constexpr uint64_t kUs = 1'000;
  constexpr uint64_t kMs = 1'000'000;
  constexpr uint64_t kS = 1'000'000'000;
  return HistogramSpec{
      .bounds = {500 * kUs, 1 * kMs, 2500 * kUs, 5 * kMs, 10 * kMs, 25 * kMs, 50 * kMs, 100 * kMs,
                 250 * kMs, 500 * kMs, 1 * kS, 2500 * kMs, 5 * kS, 10 * kS},
      .scale = kS};
}

Histogram::Histogram(std::vector<uint64_t> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  CB_CHECK(!bounds_.empty());
  CB_CHECK(bounds_.size() <= kHistogramBoundsMax);
  for (size_t i = 1; i < bounds_.size(); i++) CB_CHECK(bounds_[i - 1] < bounds_[i]);
}

void Histogram::Observe(uint64_t value) {
  // Prometheus buckets are "le": a value equal to a bound counts in that bound's bucket.
  const size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                       bounds_.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

struct MetricsRegistry::State {
  explicit State(size_t series_max_in) : series_max(series_max_in) {}

  const size_t series_max;
  std::mutex mu;
  std::map<std::string, Family, std::less<>> families;  // Guarded by mu.
  size_t series_count = 0;                              // Guarded by mu.

  // Called with mu held, so Render never sees a series before its metric exists.
  Series* FindOrAddLocked(std::string_view name, std::string_view help, const Labels& labels,
                          Type type, const HistogramSpec* spec);
};

Series* MetricsRegistry::State::FindOrAddLocked(std::string_view name, std::string_view help,
                                                const Labels& labels, Type type,
                                                const HistogramSpec* spec) {
  CB_CHECK(IsMetricName(name));
  CB_CHECK(help.size() <= kHelpBytesMax);
  Labels sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> label_names;
  std::string labels_text;
  for (size_t i = 0; i < sorted.size(); i++) {
    const auto& [label, value] = sorted[i];
    CB_CHECK(IsLabelName(label));
    CB_CHECK(label != "le");  // Histograms add it; banned everywhere to keep one rule.
    CB_CHECK(i == 0 || sorted[i - 1].first != label);
    CB_CHECK(value.size() <= kLabelValueBytesMax);
    label_names.push_back(label);
    if (i > 0) labels_text.push_back(',');
    labels_text.append(label);
    labels_text.append("=\"");
    AppendEscaped(&labels_text, value, /*escape_quote=*/true);
    labels_text.push_back('"');
  }

  auto fit = families.find(name);
  if (fit == families.end()) {
    Family family;
    family.type = type;
    family.help = help;
    family.label_names = label_names;
    if (spec != nullptr) {
      ScaleDigits(spec->scale);  // Checks it is a power of 10.
      family.spec = *spec;
    }
    fit = families.emplace(std::string(name), std::move(family)).first;
  }
  Family& family = fit->second;
  // One family, one shape: a mismatch is a bug in the code registering it.
  CB_CHECK(family.type == type);
  CB_CHECK(family.help == help);
  CB_CHECK(family.label_names == label_names);
  if (spec != nullptr) {
    CB_CHECK(family.spec.bounds == spec->bounds);
    CB_CHECK(family.spec.scale == spec->scale);
  }
  auto [sit, added] = family.series.try_emplace(std::move(labels_text));
  if (added) {
    CB_CHECK(series_count < series_max);
    series_count++;
  }
  return &sit->second;
}

MetricsRegistry::MetricsRegistry(size_t series_max) : state_(std::make_unique<State>(series_max)) {
  CB_CHECK(series_max >= 1);
}

MetricsRegistry::~MetricsRegistry() = default;

Counter* MetricsRegistry::Counter(std::string_view name, std::string_view help,
                                  const Labels& labels) {
  std::lock_guard<std::mutex> lock(state_->mu);
  Series* s = state_->FindOrAddLocked(name, help, labels, Type::kCounter, nullptr);
  if (s->counter == nullptr) s->counter = std::make_unique<gateway::Counter>();
  return s->counter.get();
}

Gauge* MetricsRegistry::Gauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard<std::mutex> lock(state_->mu);
  Series* s = state_->FindOrAddLocked(name, help, labels, Type::kGauge, nullptr);
  CB_CHECK(!s->gauge_fn);
  if (s->gauge == nullptr) s->gauge = std::make_unique<gateway::Gauge>();
  return s->gauge.get();
}

Histogram* MetricsRegistry::Histogram(std::string_view name, std::string_view help,
                                      const Labels& labels, const HistogramSpec& spec) {
  std::lock_guard<std::mutex> lock(state_->mu);
  Series* s = state_->FindOrAddLocked(name, help, labels, Type::kHistogram, &spec);
  if (s->histogram == nullptr) s->histogram = std::make_unique<gateway::Histogram>(spec.bounds);
  return s->histogram.get();
}

void MetricsRegistry::GaugeFn(std::string_view name, std::string_view help, const Labels& labels,
                              std::function<double()> fn) {
  CB_CHECK(fn != nullptr);
  std::lock_guard<std::mutex> lock(state_->mu);
  Series* s = state_->FindOrAddLocked(name, help, labels, Type::kGauge, nullptr);
  CB_CHECK(s->gauge == nullptr);
  s->gauge_fn = std::move(fn);
}

std::string MetricsRegistry::Render() const {
  std::string out;
  std::lock_guard<std::mutex> lock(state_->mu);
  out.reserve(state_->series_count * 96);
  for (const auto& [name, family] : state_->families) {
    out.append("# HELP ");
    out.append(name);
    out.push_back(' ');
    AppendEscaped(&out, family.help, /*escape_quote=*/false);
    out.append("\n# TYPE ");
    out.append(name);
    out.push_back(' ');
    out.append(TypeName(family.type));
    out.push_back('\n');
    for (const auto& [labels_text, series] : family.series) {
      switch (family.type) {
        case Type::kCounter:
          AppendSeriesName(&out, name, "", labels_text, "");
          out.push_back(' ');
          AppendUint(&out, series.counter->value());
          out.push_back('\n');
          break;
        case Type::kGauge:
          AppendSeriesName(&out, name, "", labels_text, "");
          out.push_back(' ');
          if (series.gauge != nullptr) {
            AppendInt(&out, series.gauge->value());
          } else {
            AppendDouble(&out, series.gauge_fn());
          }
          out.push_back('\n');
          break;
        case Type::kHistogram:
          RenderHistogram(&out, name, labels_text, *series.histogram, family.spec.scale);
          break;
      }
    }
  }
  return out;
}

// HttpMetrics

namespace {

constexpr std::string_view kRequestsName = "corebank_http_requests_total";
constexpr std::string_view kRequestsHelp = "HTTP requests by route template, method and status.";
constexpr std::string_view kDurationName = "corebank_http_request_duration_seconds";
constexpr std::string_view kDurationHelp =
    "HTTP request latency by route template and method, from first byte read to last written.";
constexpr std::string_view kOverflowRoute = "other";
constexpr uint32_t kStatusInvalid = 0;

// A client picks the method: mapping it onto a fixed set keeps series bounded.
std::string_view NormalizeMethod(std::string_view method) {
  static constexpr std::string_view kMethods[] = {"GET",   "HEAD",   "POST",   "PUT",
                                                  "PATCH", "DELETE", "OPTIONS"};
  for (std::string_view m : kMethods) {
    if (method == m) return m;
  }
  return "OTHER";
}

struct KeyView {
  std::string_view route;
  std::string_view method;  // One of NormalizeMethod's static strings.
  uint32_t status;
};

struct Key {
  std::string route;
  std::string_view method;
  uint32_t status;
};

KeyView View(const Key& k) { return {k.route, k.method, k.status}; }
KeyView View(const KeyView& k) { return k; }

struct KeyHash {
  using is_transparent = void;
  template <typename K>
  size_t operator()(const K& key) const {
    const KeyView k = View(key);
    size_t h = std::hash<std::string_view>{}(k.route);
    h = h * 31 + std::hash<std::string_view>{}(k.method);
    return h * 31 + k.status;
  }
};

struct KeyEq {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    const KeyView x = View(a);
    const KeyView y = View(b);
    return x.status == y.status && x.method == y.method && x.route == y.route;
  }
};

struct Handles {
  Counter* requests;
  Histogram* duration;
};

}  // namespace

struct HttpMetrics::Impl {
  Impl(MetricsRegistry* registry_in, size_t series_max_in)
      : registry(registry_in), series_max(series_max_in) {}

  MetricsRegistry* const registry;
  const size_t series_max;
  std::shared_mutex mu;
  std::unordered_map<Key, Handles, KeyHash, KeyEq> series;  // Guarded by mu.

  Handles AddLocked(const KeyView& key) {
    auto it = series.find(key);
    if (it != series.end()) return it->second;
    if (key.route != kOverflowRoute && series.size() >= series_max) {
      // Overflow keys may pass series_max, by at most methods x statuses.
      return AddLocked(KeyView{kOverflowRoute, key.method, key.status});
    }
    const std::string route(key.route);
    const std::string method(key.method);
    const std::string status =
        key.status == kStatusInvalid ? std::string("invalid") : std::to_string(key.status);
    Handles h{
        .requests = registry->Counter(kRequestsName, kRequestsHelp,
                                      {{"route", route}, {"method", method}, {"status", status}}),
        .duration =
            registry->Histogram(kDurationName, kDurationHelp,
                                {{"route", route}, {"method", method}}, LatencySecondsSpec())};
    series.emplace(Key{route, key.method, key.status}, h);
    return h;
  }
};

HttpMetrics::HttpMetrics(MetricsRegistry* registry, size_t series_max)
    : impl_(std::make_unique<Impl>(registry, series_max)) {
  CB_CHECK(registry != nullptr);
  CB_CHECK(series_max >= 1);
}

HttpMetrics::~HttpMetrics() = default;

void HttpMetrics::Record(std::string_view route, std::string_view method, uint32_t status,
                         uint64_t latency_ns) {
  if (route.size() > MetricsRegistry::kLabelValueBytesMax) route = kOverflowRoute;
  const KeyView key{route, NormalizeMethod(method),
                    status >= 100 && status <= 599 ? status : kStatusInvalid};
  Handles h;
  bool found = false;
  {
    std::shared_lock<std::shared_mutex> lock(impl_->mu);
    auto it = impl_->series.find(key);
    if (it != impl_->series.end()) {
      h = it->second;
      found = true;
    }
  }
  if (!found) {
    std::unique_lock<std::shared_mutex> lock(impl_->mu);
    h = impl_->AddLocked(key);
  }
  h.requests->Inc();
  h.duration->Observe(latency_ns);
}

}  // namespace cb::gateway
