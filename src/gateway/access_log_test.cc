#include "gateway/access_log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/temp_dir.h"

namespace cb::gateway {
namespace {

constexpr uint64_t kTs = 1'767'225'600'123'456'789ull;  // 2026-01-01T00:00:00.123456789Z

// Just enough JSON for one access log line: a flat object whose values are strings or
// unsigned integers. Returns the fields in order (numbers as their text), or nullopt when
// the line is not valid JSON of that shape.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseFlatJson(std::string_view s) {
  size_t i = 0;
  auto peek = [&]() -> int { return i < s.size() ? static_cast<unsigned char>(s[i]) : -1; };
  auto parse_string = [&]() -> std::optional<std::string> {
    if (peek() != '"') return std::nullopt;
    i++;
    std::string out;
    while (i < s.size() && s[i] != '"') {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x20) return std::nullopt;  // Raw control characters are not JSON.
      if (c != '\\') {
        out.push_back(s[i++]);
        continue;
      }
      if (++i >= s.size()) return std::nullopt;
      const char e = s[i++];
      switch (e) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'u': {
          if (i + 4 > s.size()) return std::nullopt;
          const unsigned long cp = std::stoul(std::string(s.substr(i, 4)), nullptr, 16);
          i += 4;
          if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
          } else if (cp == 0xfffd) {
            out.append("\xef\xbf\xbd");
          } else {
            return std::nullopt;  // The log never emits other escapes.
          }
          break;
        }
        default:
          return std::nullopt;
      }
    }
    if (peek() != '"') return std::nullopt;
    i++;
    return out;
  };
  std::vector<std::pair<std::string, std::string>> fields;
  if (peek() != '{') return std::nullopt;
  i++;
  while (true) {
    auto key = parse_string();
    if (!key || peek() != ':') return std::nullopt;
    i++;
    std::string value;
    if (peek() == '"') {
      auto v = parse_string();
      if (!v) return std::nullopt;
      value = *v;
    } else {
      while (peek() >= '0' && peek() <= '9') value.push_back(s[i++]);
      if (value.empty()) return std::nullopt;
    }
    fields.emplace_back(*key, value);
    if (peek() == ',') {
      i++;
      continue;
    }
    if (peek() != '}') return std::nullopt;
    i++;
    break;
  }
  if (i != s.size()) return std::nullopt;
  return fields;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

AccessLogEntry SampleEntry() {
  return AccessLogEntry{.ts_ns = kTs,
                        .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
                        .request_id = "req-1",
                        .method = "POST",
                        .route = "/v1/transfers",
                        .status = 201,
                        .duration_us = 1234,
                        .bytes_in = 200,
                        .bytes_out = 512,
                        .remote_ip = "10.0.0.7",
                        .key_id = "key_abc",
                        .tenant = "acme"};
}

TEST(AccessLogTest, LineHasTheFixedFieldsInOrder) {
  std::string line;
  AppendAccessLogLine(SampleEntry(), &line);
  EXPECT_EQ(line,
            "{\"ts\":\"2026-01-01T00:00:00.123456789Z\",\"level\":\"info\",\"msg\":\"request\","
            "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"request_id\":\"req-1\","
            "\"method\":\"POST\",\"route\":\"/v1/transfers\",\"status\":201,\"duration_us\":1234,"
            "\"bytes_in\":200,\"bytes_out\":512,\"remote_ip\":\"10.0.0.7\",\"key_id\":\"key_abc\","
            "\"tenant\":\"acme\"}\n");
  ASSERT_TRUE(ParseFlatJson(std::string_view(line).substr(0, line.size() - 1)).has_value());
}

TEST(AccessLogTest, EveryStringIsEscapedToValidJson) {
  const std::string nasty = std::string("a\"b\\c\nd\re\tf\x01g\x7fh\0i", 17) + "\xc3\xa9";
  const std::string bad_utf8 = "x\xff\xc3y\xed\xa0\x80z";  // Stray byte, cut sequence, surrogate.
  AccessLogEntry e = SampleEntry();
  e.trace_id = nasty;
  e.request_id = bad_utf8;
  e.method = "\"}";
  e.route = "\\";
  e.remote_ip = "";
  e.key_id = nasty;
  e.tenant = "\n";
  std::string line;
  AppendAccessLogLine(e, &line);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto fields = ParseFlatJson(line);
  ASSERT_TRUE(fields.has_value()) << line;
  std::map<std::string, std::string> by_name(fields->begin(), fields->end());
  EXPECT_EQ(fields->size(), 14u);
  EXPECT_EQ(by_name.size(), 14u);
  EXPECT_EQ(by_name["trace_id"], nasty);
  EXPECT_EQ(by_name["key_id"], nasty);
  EXPECT_EQ(by_name["request_id"],
            "x\xef\xbf\xbd\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz");
  EXPECT_EQ(by_name["method"], "\"}");
  EXPECT_EQ(by_name["route"], "\\");
  EXPECT_EQ(by_name["remote_ip"], "");
  EXPECT_EQ(by_name["tenant"], "\n");
  EXPECT_EQ(by_name["status"], "201");
}

TEST(AccessLogTest, LongFieldsAreCut) {
  const std::string long_id(10'000, 'k');
  AccessLogEntry e = SampleEntry();
  e.key_id = long_id;
  std::string line;
  AppendAccessLogLine(e, &line);
  line.pop_back();
  auto fields = ParseFlatJson(line);
  ASSERT_TRUE(fields.has_value());
  EXPECT_EQ((*fields)[12].first, "key_id");
  EXPECT_EQ((*fields)[12].second, std::string(kAccessLogFieldBytesMax, 'k'));
}

TEST(AccessLogTest, LinesFromManyThreadsAllReachTheFile) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2'000;
  TempDir dir;
  const std::string path = dir.path() + "/access.log";
  {
    Result<std::unique_ptr<AccessLog>> log = AccessLog::Open(
        AccessLogOptions{.sink = AccessLogOptions::Sink::kFile, .path = path, .flush_bytes = 4096});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; t++) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; i++) {
          const std::string id = std::to_string(t) + "-" + std::to_string(i);
          AccessLogEntry e = SampleEntry();
          e.request_id = id;
          (*log)->Log(e);
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ((*log)->dropped_count(), 0u);
    EXPECT_EQ((*log)->write_error_count(), 0u);
  }  // The destructor flushes.
  const std::vector<std::string> lines = ReadLines(path);
  ASSERT_EQ(lines.size(), size_t{kThreads} * kPerThread);
  std::map<std::string, int> seen;
  for (const std::string& line : lines) {
    auto fields = ParseFlatJson(line);
    ASSERT_TRUE(fields.has_value()) << line;
    seen[(*fields)[4].second]++;
  }
  EXPECT_EQ(seen.size(), size_t{kThreads} * kPerThread);
}

TEST(AccessLogTest, WriterFlushesWithoutBeingAsked) {
  TempDir dir;
  const std::string path = dir.path() + "/access.log";
  auto log = AccessLog::Open(AccessLogOptions{
      .sink = AccessLogOptions::Sink::kFile, .path = path, .flush_interval_ms = 20});
  ASSERT_TRUE(log.ok());
  (*log)->Log(SampleEntry());
  // Bounded wait: the writer wakes every 20 ms.
  for (int i = 0; i < 500 && ReadLines(path).empty(); i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ReadLines(path).size(), 1u);
}

TEST(AccessLogTest, LinesPastTheBufferBoundAreDroppedAndCounted) {
  TempDir dir;
  const std::string path = dir.path() + "/access.log";
  std::string one;
  AppendAccessLogLine(SampleEntry(), &one);
  // Room for exactly three lines; the writer sleeps for an hour, so nothing drains.
  auto log = AccessLog::Open(AccessLogOptions{.sink = AccessLogOptions::Sink::kFile,
                                              .path = path,
                                              .flush_interval_ms = 3'600'000,
                                              .flush_bytes = 1 << 30,
                                              .buffer_bytes_max = 3 * one.size() + 10});
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 10; i++) (*log)->Log(SampleEntry());
  EXPECT_EQ((*log)->dropped_count(), 7u);
  (*log)->Flush();
  EXPECT_EQ(ReadLines(path).size(), 3u);
  // Flushing made room again.
  (*log)->Log(SampleEntry());
  (*log)->Flush();
  EXPECT_EQ(ReadLines(path).size(), 4u);
  EXPECT_EQ((*log)->dropped_count(), 7u);
}

TEST(AccessLogTest, DisabledSinkWritesNothing) {
  auto log = AccessLog::Open(AccessLogOptions{.sink = AccessLogOptions::Sink::kDisabled});
  ASSERT_TRUE(log.ok());
  (*log)->Log(SampleEntry());
  (*log)->Flush();
  EXPECT_EQ((*log)->dropped_count(), 0u);
}

TEST(AccessLogTest, UnopenableFileIsAnError) {
  auto log = AccessLog::Open(AccessLogOptions{.sink = AccessLogOptions::Sink::kFile,
                                              .path = "/nonexistent-dir/access.log"});
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kUnavailable);
  auto empty = AccessLog::Open(AccessLogOptions{.sink = AccessLogOptions::Sink::kFile});
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cb::gateway
