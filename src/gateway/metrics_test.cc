#include "gateway/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "base/temp_dir.h"

namespace cb::gateway {
namespace {

constexpr uint64_t kMs = 1'000'000;

TEST(MetricsTest, RenderMatchesTheExpositionFormatExactly) {
  MetricsRegistry registry;
  const std::string help = "Requests.\nSecond \\ line";
  registry.Counter("test_requests_total", help, {{"route", "/v1/x"}, {"method", "GET"}})->Inc(3);
  registry.Counter("test_requests_total", help, {{"method", "POST"}, {"route", "/v1/\"q\"\n\\"}})
      ->Inc();
  registry.Gauge("test_queue_depth", "Queue depth.")->Set(-7);
  registry.GaugeFn("test_build_info", "Build.", {{"version", "1.2"}}, [] { return 1.0; });
  Histogram* h = registry.Histogram("test_latency_seconds", "Latency.", {{"route", "/a"}},
                                    HistogramSpec{.bounds = {1 * kMs, 5 * kMs}});
  h->Observe(1 * kMs);  // On the bound: counts in that bucket ("le").
  h->Observe(2500'000);
  h->Observe(7000 * kMs);

  EXPECT_EQ(registry.Render(),
            "# HELP test_build_info Build.\n"
            "# TYPE test_build_info gauge\n"
            "test_build_info{version=\"1.2\"} 1\n"
            "# HELP test_latency_seconds Latency.\n"
            "# TYPE test_latency_seconds histogram\n"
            "test_latency_seconds_bucket{route=\"/a\",le=\"0.001\"} 1\n"
            "test_latency_seconds_bucket{route=\"/a\",le=\"0.005\"} 2\n"
            "test_latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"
            "test_latency_seconds_sum{route=\"/a\"} 7.0035\n"
            "test_latency_seconds_count{route=\"/a\"} 3\n"
            "# HELP test_queue_depth Queue depth.\n"
            "# TYPE test_queue_depth gauge\n"
            "test_queue_depth -7\n"
            "# HELP test_requests_total Requests.\\nSecond \\\\ line\n"
            "# TYPE test_requests_total counter\n"
            "test_requests_total{method=\"GET\",route=\"/v1/x\"} 3\n"
            "test_requests_total{method=\"POST\",route=\"/v1/\\\"q\\\"\\n\\\\\"} 1\n");
}

TEST(MetricsTest, RegisteringASeriesAgainReturnsTheSameHandle) {
  MetricsRegistry registry;
  Counter* a = registry.Counter("x_total", "X.", {{"a", "1"}, {"b", "2"}});
  Counter* b = registry.Counter("x_total", "X.", {{"b", "2"}, {"a", "1"}});
  Counter* c = registry.Counter("x_total", "X.", {{"a", "1"}, {"b", "3"}});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  a->Inc();
  b->Inc();
  EXPECT_EQ(a->value(), 2u);
  EXPECT_EQ(c->value(), 0u);
}

TEST(MetricsTest, LatencySpecRendersTheStandardBounds) {
  MetricsRegistry registry;
  registry.Histogram("lat_seconds", "L.", {}, LatencySecondsSpec())->Observe(10'000 * kMs);
  const std::string text = registry.Render();
  for (const char* le : {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                         "0.25", "0.5", "1", "2.5", "5"}) {
    EXPECT_NE(text.find(std::string("lat_seconds_bucket{le=\"") + le + "\"} 0\n"),
              std::string::npos)
        << le;
  }
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"10\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_sum 10\nlat_seconds_count 1\n"), std::string::npos) << text;
}

TEST(MetricsTest, GaugeFnIsReadAtEachScrape) {
  MetricsRegistry registry;
  double value = 1.5;
  registry.GaugeFn("depth", "D.", {}, [&] { return value; });
  EXPECT_NE(registry.Render().find("depth 1.5\n"), std::string::npos);
  value = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(registry.Render().find("depth NaN\n"), std::string::npos);
  value = -std::numeric_limits<double>::infinity();
  EXPECT_NE(registry.Render().find("depth -Inf\n"), std::string::npos);
}

TEST(MetricsDeathTest, InvalidNamesAndMismatchedFamiliesAreRejected) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  MetricsRegistry registry;
  registry.Counter("ok_total", "Ok.", {{"a", "1"}});
  EXPECT_DEATH(registry.Counter("1bad_total", "B."), "IsMetricName");
  EXPECT_DEATH(registry.Counter("bad-name_total", "B."), "IsMetricName");
  EXPECT_DEATH(registry.Counter("b_total", "B.", {{"__reserved", "x"}}), "IsLabelName");
  EXPECT_DEATH(registry.Counter("b_total", "B.", {{"bad-label", "x"}}), "IsLabelName");
  EXPECT_DEATH(registry.Counter("b_total", "B.", {{"le", "x"}}), "le");
  EXPECT_DEATH(registry.Counter("b_total", "B.", {{"a", "x"}, {"a", "y"}}), "");
  EXPECT_DEATH(registry.Gauge("ok_total", "Ok.", {{"a", "1"}}), "type");
  EXPECT_DEATH(registry.Counter("ok_total", "Ok.", {{"b", "1"}}), "label_names");
  EXPECT_DEATH(registry.Histogram("h_seconds", "H.", {}, HistogramSpec{.bounds = {2, 1}}), "<");
}

TEST(MetricsTest, HttpMetricsCountsRequestsPerRouteMethodAndStatus) {
  MetricsRegistry registry;
  HttpMetrics http(&registry);
  http.Record("/v1/transfers/{id}", "GET", 200, 3 * kMs);
  http.Record("/v1/transfers/{id}", "GET", 200, 30 * kMs);
  http.Record("/v1/transfers/{id}", "GET", 404, 1 * kMs);
  http.Record("/v1/transfers", "BREW", 1000, 1 * kMs);
  const std::string text = registry.Render();
  EXPECT_NE(text.find("corebank_http_requests_total{method=\"GET\",route=\"/v1/transfers/{id}\","
                      "status=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("corebank_http_requests_total{method=\"GET\",route=\"/v1/transfers/{id}\","
                      "status=\"404\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("corebank_http_requests_total{method=\"OTHER\",route=\"/v1/transfers\","
                      "status=\"invalid\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("corebank_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/"
                      "transfers/{id}\",le=\"0.005\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("corebank_http_request_duration_seconds_sum{method=\"GET\",route=\"/v1/"
                      "transfers/{id}\"} 0.034\n"),
            std::string::npos);
}

TEST(MetricsTest, HttpMetricsPastSeriesMaxRecordsUnderOtherRoute) {
  MetricsRegistry registry;
  HttpMetrics http(&registry, /*series_max=*/2);
  for (int i = 0; i < 100; i++) http.Record("/r" + std::to_string(i), "GET", 200, kMs);
  const std::string text = registry.Render();
  EXPECT_NE(text.find("route=\"/r0\",status=\"200\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("route=\"/r1\",status=\"200\"} 1\n"), std::string::npos);
  EXPECT_EQ(text.find("route=\"/r2\""), std::string::npos);
  EXPECT_NE(text.find("route=\"other\",status=\"200\"} 98\n"), std::string::npos) << text;
}

TEST(MetricsTest, ConcurrentRecordsAreAllCounted) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20'000;
  MetricsRegistry registry;
  HttpMetrics http(&registry);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; i++) {
        http.Record(i % 2 == 0 ? "/v1/a" : "/v1/b", "POST", t % 2 == 0 ? 201 : 409, kMs);
      }
    });
  }
  for (auto& th : threads) th.join();
  const std::string text = registry.Render();
  for (const char* series :
       {"route=\"/v1/a\",status=\"201\"} 20000\n", "route=\"/v1/b\",status=\"409\"} 20000\n"}) {
    EXPECT_NE(text.find(series), std::string::npos) << series << "\n" << text;
  }
  EXPECT_NE(text.find("duration_seconds_count{method=\"POST\",route=\"/v1/a\"} 40000\n"),
            std::string::npos);
}

TEST(MetricsTest, RenderPassesPromtoolLint) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "no promtool";
  MetricsRegistry registry;
  HttpMetrics http(&registry);
  http.Record("/v1/transfers/{id}", "GET", 200, 3 * kMs);
  http.Record("/v1/transfers", "POST", 201, 12 * kMs);
  http.Record("/v1/accounts/{id}", "GET", 404, 700'000);
  registry.Gauge("corebank_executor_queue_depth", "Commands waiting for the executor.")->Set(3);
  registry.GaugeFn("corebank_process_start_time_seconds", "Start time since the epoch.", {},
                   [] { return 1.7e9; });
  registry
      .Counter("corebank_rate_limited_total", "Requests refused by the rate limiter.",
               {{"limit", "api_key"}})
      ->Inc(5);
  registry
      .Histogram("corebank_batch_size_bytes", "Journal batch size.", {},
                 HistogramSpec{.bounds = {1024, 65536}, .scale = 1})
      ->Observe(2000);

  TempDir dir;
  const std::string path = dir.path() + "/metrics.txt";
  {
    std::ofstream out(path);
    out << registry.Render();
  }
  const std::string command = "promtool check metrics < " + path + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[512];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) output.append(buf, n);
  const int status = ::pclose(pipe);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "");
}

}  // namespace
}  // namespace cb::gateway
