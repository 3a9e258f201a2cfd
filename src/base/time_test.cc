#include "base/time.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace cb {
namespace {

constexpr TimestampNs Seconds(uint64_t s) { return s * kNsPerSecond; }

TEST(TimeTest, EpochFormatsAsMidnightJanuaryFirst1970) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
}

TEST(TimeTest, WholeSecondsFormatWithoutFraction) {
  EXPECT_EQ(FormatRfc3339(Seconds(1'700'000'000)), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatRfc3339(Seconds(1'793'534'400)), "2026-11-01T12:00:00Z");
}

TEST(TimeTest, SubSecondTimestampsFormatWithNineFractionDigits) {
  EXPECT_EQ(FormatRfc3339(Seconds(1'700'000'000) + 123'456'789), "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(FormatRfc3339(Seconds(1'700'000'000) + 1), "2023-11-14T22:13:20.000000001Z");
}

TEST(TimeTest, LeapDayFormatsAndParses) {
  EXPECT_EQ(FormatRfc3339(Seconds(1'709'208'000)), "2024-02-29T12:00:00Z");
  EXPECT_EQ(ParseRfc3339("2024-02-29T12:00:00Z"), Seconds(1'709'208'000));
  EXPECT_EQ(ParseRfc3339("2000-02-29T00:00:00Z"), Seconds(951'868'800 - 86'400));
}

TEST(TimeTest, FormatThenParseRoundTripsExactly) {
  const TimestampNs samples[] = {0,
                                 1,
                                 Seconds(1),
                                 Seconds(59) + 999'999'999,
                                 Seconds(951'868'800),
                                 Seconds(1'700'000'000) + 123'456'789,
                                 Seconds(4'102'444'800) - 1,  // 2099-12-31T23:59:59.999999999
                                 UINT64_MAX};
  for (TimestampNs ts : samples) {
    const std::string text = FormatRfc3339(ts);
    EXPECT_EQ(ParseRfc3339(text), ts) << text;
  }
}

TEST(TimeTest, ParseThenFormatRoundTripsCanonicalText) {
  for (const char* text : {"1970-01-01T00:00:00Z", "2026-11-01T12:00:00Z",
                           "2023-11-14T22:13:20.123456789Z", "2099-12-31T23:59:59Z"}) {
    const std::optional<TimestampNs> ts = ParseRfc3339(text);
    ASSERT_TRUE(ts.has_value()) << text;
    EXPECT_EQ(FormatRfc3339(*ts), text);
  }
}

TEST(TimeTest, ShortFractionsAreScaledToNanoseconds) {
  const TimestampNs base = Seconds(1'700'000'000);
  EXPECT_EQ(ParseRfc3339("2023-11-14T22:13:20.5Z"), base + 500'000'000);
  EXPECT_EQ(ParseRfc3339("2023-11-14T22:13:20.05Z"), base + 50'000'000);
  EXPECT_EQ(ParseRfc3339("2023-11-14T22:13:20.123Z"), base + 123'000'000);
  EXPECT_EQ(ParseRfc3339("2023-11-14T22:13:20.000000001Z"), base + 1);
}

TEST(TimeTest, OffsetsAreConvertedToUtc) {
  const TimestampNs utc = Seconds(1'700'000'000);
  EXPECT_EQ(ParseRfc3339("2023-11-14T23:13:20+01:00"), utc);
  EXPECT_EQ(ParseRfc3339("2023-11-14T16:43:20-05:30"), utc);
  EXPECT_EQ(ParseRfc3339("2023-11-14T22:13:20+00:00"), utc);
  EXPECT_EQ(ParseRfc3339("2023-11-14T22:13:20-00:00"), utc);
  // An offset can move the instant across midnight into the next day.
  EXPECT_EQ(ParseRfc3339("2023-11-15T08:13:20.25+10:00"), utc + 250'000'000);
}

TEST(TimeTest, LowercaseSeparatorsAreAccepted) {
  EXPECT_EQ(ParseRfc3339("2023-11-14t22:13:20z"), Seconds(1'700'000'000));
}

TEST(TimeTest, ImpossibleCalendarDatesAreRejected) {
  EXPECT_EQ(ParseRfc3339("2026-02-30T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-02-29T00:00:00Z"), std::nullopt);  // 2026 is not a leap year
  EXPECT_EQ(ParseRfc3339("1900-02-29T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-04-31T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-13-01T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-00-10T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-01-00T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-01-32T00:00:00Z"), std::nullopt);
}

TEST(TimeTest, OutOfRangeClockFieldsAreRejected) {
  EXPECT_EQ(ParseRfc3339("2026-01-01T24:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-01-01T23:60:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-01-01T23:59:60Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-01-01T12:00:00+24:00"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-01-01T12:00:00+01:60"), std::nullopt);
}

TEST(TimeTest, MalformedTextIsRejected) {
  for (const char* text :
       {"", "garbage", "2026-01-01", "2026-01-01T12:00:00", "2026-01-01 12:00:00Z",
        "2026/01/01T12:00:00Z", "26-01-01T12:00:00Z", "2026-1-01T12:00:00Z",
        "2026-01-01T12:00:00ZZ", "2026-01-01T12:00:00Z ", " 2026-01-01T12:00:00Z",
        "2026-01-01T12:00:00.Z", "2026-01-01T12:00:00.1234567890Z", "2026-01-01T12:00:00+0100",
        "2026-01-01T12:00:00+01", "2026-01-01T12:00:00+01:0", "2026-01-01T12:00:00+01:00:00",
        "2026-01-01T12:0a:00Z", "+026-01-01T12:00:00Z"}) {
    EXPECT_EQ(ParseRfc3339(text), std::nullopt) << "'" << text << "'";
  }
}

TEST(TimeTest, InstantsBeforeTheEpochAreRejected) {
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59Z"), std::nullopt);
  // 1970 on the wall clock, but 1969 in UTC.
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:30:00+01:00"), std::nullopt);
}

// The latest representable instant is 2554-07-21T23:34:33.709551615Z (UINT64_MAX ns).
TEST(TimeTest, InstantsBeyondTheNanosecondRangeAreRejected) {
  EXPECT_EQ(ParseRfc3339("2554-07-21T23:34:33.709551615Z"), UINT64_MAX);
  EXPECT_EQ(ParseRfc3339("2554-07-21T23:34:33.709551616Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2554-07-21T23:34:34Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("9999-12-31T23:59:59Z"), std::nullopt);
}

}  // namespace
}  // namespace cb
