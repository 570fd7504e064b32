#include "protocol/timestamp.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "protocol/error.hpp"

namespace portico::protocol {
namespace {

// Reference values computed with Python's calendar.timegm.
constexpr std::int64_t leap_day_2000 = 951'782'400;        // 2000-02-29 00:00:00
constexpr std::int64_t end_of_2020 = 1'609'459'199;        // 2020-12-31 23:59:59
constexpr std::int64_t past_int32 = 2'147'483'648;         // 2038-01-19 03:14:08
constexpr std::int64_t past_uint32 = 4'294'967'296;        // 2106-02-07 06:28:16
constexpr std::int64_t moon_landing = -14'182'940;         // 1969-07-20 20:17:40
constexpr std::int64_t end_of_9999 = 253'402'300'799;      // 9999-12-31 23:59:59
constexpr std::int64_t start_of_year_0 = -62'167'219'200;  // 0000-01-01 00:00:00

TEST(Timestamp, EpochIsJanuaryFirst1970) {
  EXPECT_EQ(to_civil(0), (civil_time{1970, 1, 1, 0, 0, 0}));
  EXPECT_EQ(from_civil({1970, 1, 1, 0, 0, 0}), 0);
  EXPECT_EQ(format_mdtm(0), "19700101000000");
}

TEST(Timestamp, LeapDayAndCenturyRulesAreGregorian) {
  EXPECT_EQ(to_civil(leap_day_2000), (civil_time{2000, 2, 29, 0, 0, 0}));
  EXPECT_EQ(from_civil({2000, 2, 29, 0, 0, 0}), leap_day_2000);
  // 1900 is not a leap year: Feb 28 is followed by Mar 1.
  EXPECT_EQ(to_civil(-2'203'891'200), (civil_time{1900, 3, 1, 0, 0, 0}));
  EXPECT_EQ(to_civil(-2'203'891'200 - 86'400), (civil_time{1900, 2, 28, 0, 0, 0}));
}

TEST(Timestamp, NegativeSecondsAreBeforeTheEpochNotTruncatedTowardIt) {
  EXPECT_EQ(to_civil(-1), (civil_time{1969, 12, 31, 23, 59, 59}));
  EXPECT_EQ(to_civil(moon_landing), (civil_time{1969, 7, 20, 20, 17, 40}));
  EXPECT_EQ(from_civil({1969, 7, 20, 20, 17, 40}), moon_landing);
  EXPECT_EQ(format_mdtm(-1), "19691231235959");
}

TEST(Timestamp, DatesPast2038And2106DoNotWrap) {
  EXPECT_EQ(to_civil(past_int32), (civil_time{2038, 1, 19, 3, 14, 8}));
  EXPECT_EQ(format_mdtm(past_int32), "20380119031408");
  EXPECT_EQ(to_civil(past_uint32), (civil_time{2106, 2, 7, 6, 28, 16}));
  EXPECT_EQ(parse_mdtm("21060207062816").value(), past_uint32);
}

TEST(Timestamp, CivilConversionRoundTripsEveryDayOfFourCenturies) {
  for (std::int64_t s = start_of_year_0; s <= end_of_9999; s += 86'400 * 397 + 3'601) {
    ASSERT_EQ(from_civil(to_civil(s)), s) << s;
  }
  EXPECT_EQ(to_civil(start_of_year_0), (civil_time{0, 1, 1, 0, 0, 0}));
  EXPECT_EQ(to_civil(end_of_9999), (civil_time{9999, 12, 31, 23, 59, 59}));
}

TEST(Timestamp, ExtremeSecondsSaturateInsteadOfOverflowing) {
  const civil_time low = to_civil(std::numeric_limits<std::int64_t>::min());
  const civil_time high = to_civil(std::numeric_limits<std::int64_t>::max());
  EXPECT_LT(low.year, -1'000'000'000);
  EXPECT_GT(high.year, 1'000'000'000);
  EXPECT_EQ(high.month, 12u);
}

TEST(Timestamp, FormatMdtmIsFourteenDigitsUtc) {
  EXPECT_EQ(format_mdtm(end_of_2020), "20201231235959");
  EXPECT_EQ(format_mdtm(leap_day_2000 + 3'661), "20000229010101");
}

TEST(Timestamp, FormatMdtmClampsToFourDigitYears) {
  EXPECT_EQ(format_mdtm(end_of_9999 + 1), "99991231235959");
  EXPECT_EQ(format_mdtm(std::numeric_limits<std::int64_t>::max()), "99991231235959");
  EXPECT_EQ(format_mdtm(start_of_year_0 - 1), "00000101000000");
  EXPECT_EQ(format_mdtm(std::numeric_limits<std::int64_t>::min()), "00000101000000");
}

TEST(Timestamp, ParseMdtmReadsWhatFormatWrites) {
  EXPECT_EQ(parse_mdtm("20201231235959").value(), end_of_2020);
  EXPECT_EQ(parse_mdtm("19700101000000").value(), 0);
  EXPECT_EQ(parse_mdtm("19691231235959").value(), -1);
  EXPECT_EQ(parse_mdtm("99991231235959").value(), end_of_9999);
  EXPECT_EQ(parse_mdtm("00000101000000").value(), start_of_year_0);
}

TEST(Timestamp, ParseMdtmDropsAFractionOfUpToThreeDigits) {
  EXPECT_EQ(parse_mdtm("20201231235959.123").value(), end_of_2020);
  EXPECT_EQ(parse_mdtm("20201231235959.9").value(), end_of_2020);
  EXPECT_EQ(parse_mdtm("20201231235959.05").value(), end_of_2020);
  EXPECT_FALSE(parse_mdtm("20201231235959."));
  EXPECT_FALSE(parse_mdtm("20201231235959.1234"));
  EXPECT_FALSE(parse_mdtm("20201231235959,123"));
  EXPECT_FALSE(parse_mdtm("20201231235959.12a"));
}

TEST(Timestamp, ParseMdtmAcceptsFebruary29OnlyInLeapYears) {
  EXPECT_EQ(parse_mdtm("20000229000000").value(), leap_day_2000);
  EXPECT_TRUE(parse_mdtm("20240229120000"));
  EXPECT_EQ(parse_mdtm("19990229000000").error(), errc::bad_timestamp);
  EXPECT_FALSE(parse_mdtm("19000229000000"));
  EXPECT_FALSE(parse_mdtm("21000229000000"));
}

TEST(Timestamp, ParseMdtmRejectsOutOfRangeFields) {
  EXPECT_FALSE(parse_mdtm("20201301000000"));  // month 13
  EXPECT_FALSE(parse_mdtm("20200001000000"));  // month 0
  EXPECT_FALSE(parse_mdtm("20200100000000"));  // day 0
  EXPECT_FALSE(parse_mdtm("20200431000000"));  // April 31
  EXPECT_FALSE(parse_mdtm("20200101240000"));  // hour 24
  EXPECT_FALSE(parse_mdtm("20200101006000"));  // minute 60
  EXPECT_FALSE(parse_mdtm("20200101000061"));  // second 61
}

TEST(Timestamp, ParseMdtmNormalisesALeapSecondIntoTheNextMinute) {
  EXPECT_EQ(parse_mdtm("20161231235960").value(), parse_mdtm("20170101000000").value());
}

TEST(Timestamp, ParseMdtmAcceptsNothingButTheDigits) {
  for (const char* text : {"", "2020123123595", "202012312359590", " 20201231235959",
                           "20201231235959 ", "2020-12-31 23:59", "+0201231235959",
                           "2020123123595\xff", "20201231235959Z", "-2020123123595"}) {
    const auto r = parse_mdtm(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error(), errc::bad_timestamp) << text;
  }
}

TEST(Timestamp, MonthAbbreviationsAreEnglishAsClientsExpect) {
  EXPECT_EQ(month_abbreviation(1), "Jan");
  EXPECT_EQ(month_abbreviation(2), "Feb");
  EXPECT_EQ(month_abbreviation(9), "Sep");
  EXPECT_EQ(month_abbreviation(12), "Dec");
  EXPECT_EQ(month_abbreviation(0), "");
  EXPECT_EQ(month_abbreviation(13), "");
}

}  // namespace
}  // namespace portico::protocol
