#include "base/time.h"

#include <chrono>
#include <cstdio>

namespace cb {

TimestampNs SystemClock::NowNs() {
  return static_cast<TimestampNs>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count());
}

uint64_t MonotonicNowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

namespace {
// Howard Hinnant's civil-date algorithms (public domain), exact integer arithmetic.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

bool ParseDigits(std::string_view s, size_t pos, size_t count, unsigned* out) {
  if (pos + count > s.size()) return false;
  unsigned v = 0;
  for (size_t i = pos; i < pos + count; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  *out = v;
  return true;
}
}  // namespace

std::string FormatRfc3339(TimestampNs ts) {
  const uint64_t secs = ts / kNsPerSecond;
  const uint64_t nanos = ts % kNsPerSecond;
  const int64_t days = static_cast<int64_t>(secs / 86400);
  const uint64_t rem = secs % 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  if (nanos == 0) {
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02u:%02u:%02uZ", static_cast<long long>(y),
                  m, d, static_cast<unsigned>(rem / 3600), static_cast<unsigned>(rem / 60 % 60),
                  static_cast<unsigned>(rem % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02u:%02u:%02u.%09lluZ",
                  static_cast<long long>(y), m, d, static_cast<unsigned>(rem / 3600),
                  static_cast<unsigned>(rem / 60 % 60), static_cast<unsigned>(rem % 60),
                  static_cast<unsigned long long>(nanos));
  }
  return buf;
}

std::optional<TimestampNs> ParseRfc3339(std::string_view s) {
  unsigned year, month, day, hour, minute, second;
  if (!ParseDigits(s, 0, 4, &year) || s.size() < 20 || s[4] != '-' ||
      !ParseDigits(s, 5, 2, &month) || s[7] != '-' || !ParseDigits(s, 8, 2, &day) ||
      (s[10] != 'T' && s[10] != 't') || !ParseDigits(s, 11, 2, &hour) || s[13] != ':' ||
      !ParseDigits(s, 14, 2, &minute) || s[16] != ':' || !ParseDigits(s, 17, 2, &second)) {
    return std::nullopt;
  }
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 59) {
    return std::nullopt;
  }
  size_t pos = 19;
  uint64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    pos++;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits >= 9) return std::nullopt;
      nanos = nanos * 10 + static_cast<uint64_t>(s[pos] - '0');
      digits++;
      pos++;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 9; digits++) nanos *= 10;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    pos++;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    unsigned oh, om;
    if (!ParseDigits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ParseDigits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_s = (s[pos] == '+' ? 1 : -1) * static_cast<int64_t>(oh * 3600 + om * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  // Reject dates like 2026-02-31 by round-tripping the civil date.
  const int64_t days = DaysFromCivil(year, month, day);
  int64_t y2;
  unsigned m2, d2;
  CivilFromDays(days, &y2, &m2, &d2);
  if (y2 != static_cast<int64_t>(year) || m2 != month || d2 != day) return std::nullopt;
  const int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  if (secs < 0) return std::nullopt;
  // Past 2554-07-21T23:34:33.709551615Z the instant does not fit in u64 nanoseconds.
  uint64_t ts;
  if (__builtin_mul_overflow(static_cast<uint64_t>(secs), kNsPerSecond, &ts) ||
      __builtin_add_overflow(ts, nanos, &ts)) {
    return std::nullopt;
  }
  return ts;
}

}  // namespace cb
