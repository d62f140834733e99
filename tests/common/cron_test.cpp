// Unit tests for CronExpression: parsing and messages, next/previous in UTC and across DST.
#include "common/cron.hpp"
#include "common/time.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

using namespace mcpwatch::common;
using namespace std::chrono_literals;

namespace {

std::chrono::system_clock::time_point at(const std::string& rfc3339) {
  auto t = parseRfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(std::chrono::system_clock::time_point{});
}

CronExpression cron(const std::string& text) {
  std::string error;
  auto expr = CronExpression::parse(text, &error);
  EXPECT_TRUE(expr.has_value()) << text << ": " << error;
  return expr.value_or(*CronExpression::parse("* * * * *"));
}

std::string show(const std::optional<std::chrono::system_clock::time_point>& t) {
  return t ? formatRfc3339(*t) : "none";
}

std::shared_ptr<const TimeZone> berlin() {
  auto tz = TimeZone::load("Europe/Berlin");
  EXPECT_NE(tz, nullptr) << "tzdata must be installed";
  return tz ? tz : TimeZone::utc();
}

struct Case {
  const char* expr;
  const char* from;
  const char* expected;
};

} // namespace

TEST(CronParse, AcceptsStandardForms) {
  for (auto text : {"0 3 * * 2", "*/15 * * * *", "0 9-17/2 * * mon-fri", "0 0 1,15 jan,JUL *",
                    "0 0 * * 7", "5/20 * * * *", "0-59/10 0-23 1-31 1-12 0-7", "  0 0 * * *  ",
                    "0\t0\t*\t*\t*", "@hourly", "@daily", "@weekly", "@monthly", "@yearly",
                    "@annually", "@MIDNIGHT", "0 0 * * SUN", "0 0 * * fri-sun"}) {
    std::string error;
    auto expr = CronExpression::parse(text, &error);
    EXPECT_TRUE(expr.has_value()) << text << ": " << error;
  }
  EXPECT_EQ(cron("  0 3 * * 2 ").text(), "0 3 * * 2");
  EXPECT_EQ(cron("@weekly").text(), "@weekly");
}

TEST(CronParse, RejectsWithMessagesNamingTheField) {
  std::vector<std::pair<const char*, const char*>> cases{
      {"0 0 * *", "expected 5 fields, got 4"},
      {"", "expected 5 fields, got 0"},
      {"* * * * * *", "expected 5 fields, got 6"},
      {"61 * * * *", "minute field: value 61 out of range 0-59"},
      {"* 24 * * *", "hour field: value 24 out of range 0-23"},
      {"* * 0 * *", "day-of-month field: value 0 out of range 1-31"},
      {"* * 32 * *", "day-of-month field: value 32 out of range 1-31"},
      {"* * * 13 *", "month field: value 13 out of range 1-12"},
      {"* * * 0 *", "month field: value 0 out of range 1-12"},
      {"* * * * 8", "day-of-week field: value 8 out of range 0-7"},
      {"* * * foo *", "month field: invalid value 'foo'"},
      {"* * * * funday", "day-of-week field: invalid value 'funday'"},
      {"jan * * * *", "minute field: invalid value 'jan'"},
      {"* * * mon *", "month field: invalid value 'mon'"},
      {"*/0 * * * *", "minute field: step 0 out of range 1-60"},
      {"*/x * * * *", "minute field: invalid step 'x'"},
      {"*/ * * * *", "minute field: invalid step ''"},
      {"5-2 * * * *", "minute field: range 5-2 is backwards"},
      {"1,,2 * * * *", "minute field: empty list item"},
      {"* * * * mon-", "day-of-week field: missing value"},
      {"-5 * * * *", "minute field: missing value"},
      {"99999999999 * * * *", "minute field: value '99999999999' out of range 0-59"},
      {"? * * * *", "minute field: invalid value '?'"},
      {"@reboot", "unknown macro '@reboot'"},
      {"@daily extra", "unknown macro '@daily extra'"},
  };
  for (auto& [text, message] : cases) {
    std::string error;
    EXPECT_FALSE(CronExpression::parse(text, &error).has_value()) << text;
    EXPECT_EQ(error, message) << text;
  }
  EXPECT_FALSE(CronExpression::parse("61 * * * *").has_value()); // no error sink is fine
}

TEST(CronNext, UtcTable) {
  auto utc = TimeZone::utc();
  std::vector<Case> cases{
      {"0 3 * * 2", "2026-11-23T12:00:00Z", "2026-11-24T03:00:00Z"},
      {"0 3 * * 2", "2026-11-24T03:00:00Z", "2026-12-01T03:00:00Z"}, // strictly after
      {"0 3 * * 2", "2026-11-24T02:59:59Z", "2026-11-24T03:00:00Z"},
      {"* * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"},
      {"* * * * *", "2026-01-01T00:00:30Z", "2026-01-01T00:01:00Z"},
      {"*/15 * * * *", "2026-01-01T10:16:00Z", "2026-01-01T10:30:00Z"},
      {"*/15 * * * *", "2026-01-01T23:50:00Z", "2026-01-02T00:00:00Z"},
      {"5/20 * * * *", "2026-01-01T10:26:00Z", "2026-01-01T10:45:00Z"},
      {"0 9-17/4 * * *", "2026-01-01T13:00:00Z", "2026-01-01T17:00:00Z"},
      {"0 9-17/4 * * *", "2026-01-01T17:00:00Z", "2026-01-02T09:00:00Z"},
      {"30 12 * * mon-fri", "2026-01-02T13:00:00Z", "2026-01-05T12:30:00Z"}, // Fri -> Mon
      {"0 0 * * 7", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"},         // Sunday
      {"0 0 * * sun", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"},
      {"0 0 * * fri-sun", "2026-01-04T00:00:00Z", "2026-01-09T00:00:00Z"},
      {"0 0 1 jan *", "2026-06-01T00:00:00Z", "2027-01-01T00:00:00Z"},
      {"0 0 31 * *", "2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z"}, // April has no 31st
      {"@hourly", "2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z"},
      {"@daily", "2026-01-01T10:00:00Z", "2026-01-02T00:00:00Z"},
      {"@weekly", "2026-01-01T10:00:00Z", "2026-01-04T00:00:00Z"},
      {"@monthly", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"},
      {"@yearly", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"},
      {"59 23 31 12 *", "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z"},
  };
  for (auto& c : cases)
    EXPECT_EQ(show(cron(c.expr).next(at(c.from), *utc)), c.expected)
        << c.expr << " from " << c.from;
}

TEST(CronNext, SubSecondInstantsAreStrictlyAfter) {
  auto utc = TimeZone::utc();
  auto expr = cron("0 * * * *");
  auto ten = at("2026-01-01T10:00:00Z");
  EXPECT_EQ(show(expr.next(ten - 1ms, *utc)), "2026-01-01T10:00:00Z");
  EXPECT_EQ(show(expr.next(ten, *utc)), "2026-01-01T11:00:00Z");
  EXPECT_EQ(show(expr.next(ten + 1ms, *utc)), "2026-01-01T11:00:00Z");
}

TEST(CronNext, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  auto utc = TimeZone::utc();
  auto firstOrMonday = cron("0 0 1 * 1");
  // Monday 2026-06-29 -> Wednesday 1 July (the 1st) -> Monday 6 July.
  auto a = firstOrMonday.next(at("2026-06-29T00:00:00Z"), *utc);
  EXPECT_EQ(show(a), "2026-07-01T00:00:00Z");
  EXPECT_EQ(show(firstOrMonday.next(*a, *utc)), "2026-07-06T00:00:00Z");
  // Friday the 13th style: "13 or Friday" fires on every Friday and on every 13th.
  EXPECT_EQ(show(cron("0 0 13 * fri").next(at("2026-07-10T00:00:00Z"), *utc)),
            "2026-07-13T00:00:00Z");
  // A "*"-prefixed field counts as unrestricted (Vixie cron): odd days that are Mondays.
  EXPECT_EQ(show(cron("0 0 */2 * 1").next(at("2026-07-01T00:00:00Z"), *utc)),
            "2026-07-13T00:00:00Z");
  // Only one restricted: both must hold (Mondays in July).
  EXPECT_EQ(show(cron("0 0 * 7 1").next(at("2026-06-01T00:00:00Z"), *utc)), "2026-07-06T00:00:00Z");
}

TEST(CronNext, LeapDayAcrossYears) {
  auto utc = TimeZone::utc();
  auto leap = cron("0 0 29 2 *");
  EXPECT_EQ(show(leap.next(at("2026-01-01T00:00:00Z"), *utc)), "2028-02-29T00:00:00Z");
  EXPECT_EQ(show(leap.next(at("2028-02-29T00:00:00Z"), *utc)), "2032-02-29T00:00:00Z");
  // 2100 is not a leap year: eight years between leap days.
  EXPECT_EQ(show(leap.next(at("2096-03-01T00:00:00Z"), *utc)), "2104-02-29T00:00:00Z");
  EXPECT_EQ(show(leap.previous(at("2031-06-01T00:00:00Z"), *utc, 24h * 366 * 4)),
            "2028-02-29T00:00:00Z");
  EXPECT_EQ(show(leap.previous(at("2031-06-01T00:00:00Z"), *utc)), "none"); // beyond one year
  // "*/28" is days 1 and 29 and counts as unrestricted, so both must hold: 1 Feb 2027 is a Monday.
  EXPECT_EQ(show(cron("0 0 */28 2 mon").next(at("2026-03-01T00:00:00Z"), *utc)),
            "2027-02-01T00:00:00Z");
}

TEST(CronNext, NeverMatchingReturnsNothing) {
  auto utc = TimeZone::utc();
  for (auto text : {"0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *"}) {
    auto expr = cron(text);
    EXPECT_EQ(show(expr.next(at("2026-01-01T00:00:00Z"), *utc)), "none") << text;
    EXPECT_EQ(show(expr.previous(at("2026-01-01T00:00:00Z"), *utc, 24h * 366 * 100)), "none")
        << text;
    EXPECT_EQ(show(expr.next(at("2026-01-01T00:00:00Z"), *berlin())), "none") << text;
  }
}

TEST(CronNext, EdgesOfRepresentableTime) {
  auto utc = TimeZone::utc();
  auto max = std::chrono::system_clock::time_point::max();
  auto min = std::chrono::system_clock::time_point::min();
  EXPECT_EQ(show(cron("* * * * *").next(max, *utc)), "none");
  // time_point ends in April 2262 and begins in September 1677.
  EXPECT_EQ(show(cron("0 0 1 1 *").next(max - 24h * 300, *berlin())), "2261-12-31T23:00:00Z");
  EXPECT_EQ(show(cron("0 0 1 1 *").next(max - 24h * 30, *berlin())), "none");
  EXPECT_EQ(show(cron("0 0 1 1 *").previous(min + 24h * 30, *utc, std::chrono::minutes::max())),
            "none");
  EXPECT_EQ(show(cron("0 0 1 1 *").previous(min + 24h * 200, *utc, std::chrono::minutes::max())),
            "1678-01-01T00:00:00Z");
}

TEST(CronNext, BerlinWallTime) {
  auto tz = berlin();
  std::vector<Case> cases{
      {"0 3 * * 2", "2026-11-23T12:00:00Z", "2026-11-24T02:00:00Z"}, // 03:00 CET
      {"0 3 * * 2", "2026-07-06T12:00:00Z", "2026-07-07T01:00:00Z"}, // 03:00 CEST
      {"0 0 * * *", "2026-06-30T21:59:00Z", "2026-06-30T22:00:00Z"},
      {"0 0 1 * *", "2026-12-15T00:00:00Z", "2026-12-31T23:00:00Z"}, // 1 Jan local
      {"0 3 * * 2", "2080-07-01T00:00:00Z", "2080-07-02T01:00:00Z"}, // footer era
  };
  for (auto& c : cases)
    EXPECT_EQ(show(cron(c.expr).next(at(c.from), *tz)), c.expected) << c.expr << " from " << c.from;
}

TEST(CronNext, SpringForwardGapDoesNotFire) {
  auto tz = berlin();
  auto expr = cron("30 2 * * *");
  // 02:30 does not exist on 2026-03-29 in Berlin: from the 28th the next run is the 30th.
  auto first = expr.next(at("2026-03-28T12:00:00Z"), *tz);
  EXPECT_EQ(show(first), "2026-03-30T00:30:00Z");
  // Just before the gap, the next 02:xx is also skipped; 03:00 still exists.
  EXPECT_EQ(show(cron("0 3 * * *").next(at("2026-03-29T00:59:00Z"), *tz)), "2026-03-29T01:00:00Z");
  EXPECT_EQ(show(cron("*/15 * * * *").next(at("2026-03-29T00:45:00Z"), *tz)),
            "2026-03-29T01:00:00Z");
  auto newYork = TimeZone::load("America/New_York");
  ASSERT_NE(newYork, nullptr);
  // New York skips 02:00-03:00 on 2026-03-08; the next 02:30 is 02:30 EDT on the 9th.
  EXPECT_EQ(show(expr.next(at("2026-03-07T12:00:00Z"), *newYork)), "2026-03-09T06:30:00Z");
}

TEST(CronNext, FallBackRepeatedHourFiresOnce) {
  auto tz = berlin();
  auto expr = cron("30 2 * * *");
  auto first = expr.next(at("2026-10-24T12:00:00Z"), *tz);
  EXPECT_EQ(show(first), "2026-10-25T00:30:00Z"); // 02:30 CEST, the first occurrence
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(show(expr.next(*first, *tz)), "2026-10-26T01:30:00Z"); // not 01:30Z on the 25th
  // Between the two occurrences of 02:30 nothing fires until the next day.
  EXPECT_EQ(show(expr.next(at("2026-10-25T00:45:00Z"), *tz)), "2026-10-26T01:30:00Z");
  EXPECT_EQ(show(expr.next(at("2026-10-25T01:15:00Z"), *tz)), "2026-10-26T01:30:00Z");
  // Every half hour: the repeated 02:00 and 02:30 CET are skipped, 03:00 CET follows.
  auto halfHourly = cron("*/30 * * * *");
  EXPECT_EQ(show(halfHourly.next(at("2026-10-25T00:00:00Z"), *tz)), "2026-10-25T00:30:00Z");
  EXPECT_EQ(show(halfHourly.next(at("2026-10-25T00:30:00Z"), *tz)), "2026-10-25T02:00:00Z");
}

TEST(CronNext, SydneyAndKolkata) {
  auto sydney = TimeZone::load("Australia/Sydney");
  auto kolkata = TimeZone::load("Asia/Kolkata");
  ASSERT_TRUE(sydney && kolkata);
  // 2026-10-04 02:00-03:00 is skipped in Sydney.
  EXPECT_EQ(show(cron("30 2 * * *").next(at("2026-10-03T00:00:00Z"), *sydney)),
            "2026-10-04T15:30:00Z");
  EXPECT_EQ(show(cron("0 9 * * *").next(at("2026-01-01T00:00:00Z"), *kolkata)),
            "2026-01-01T03:30:00Z");
}

TEST(CronPrevious, UtcAndBerlin) {
  auto utc = TimeZone::utc();
  auto tz = berlin();
  auto weekly = cron("0 3 * * 2");
  EXPECT_EQ(show(weekly.previous(at("2026-11-24T03:10:00Z"), *utc)), "2026-11-24T03:00:00Z");
  EXPECT_EQ(show(weekly.previous(at("2026-11-24T03:00:00Z"), *utc)), "2026-11-24T03:00:00Z");
  EXPECT_EQ(show(weekly.previous(at("2026-11-24T02:59:59Z"), *utc)), "2026-11-17T03:00:00Z");
  EXPECT_EQ(show(weekly.previous(at("2026-11-24T02:10:00Z"), *tz)), "2026-11-24T02:00:00Z");
  EXPECT_EQ(show(weekly.previous(at("2026-11-24T01:59:00Z"), *tz)), "2026-11-17T02:00:00Z");
  // The horizon bounds the search: "did a window start within the last 30 minutes?"
  EXPECT_EQ(show(weekly.previous(at("2026-11-24T02:30:00Z"), *tz, 30min)), "2026-11-24T02:00:00Z");
  EXPECT_EQ(show(weekly.previous(at("2026-11-24T02:31:00Z"), *tz, 30min)), "none");
  EXPECT_EQ(show(cron("*/15 * * * *").previous(at("2026-01-01T00:07:00Z"), *utc)),
            "2026-01-01T00:00:00Z");
  EXPECT_EQ(show(cron("59 23 * * *").previous(at("2026-01-01T00:07:00Z"), *utc)),
            "2025-12-31T23:59:00Z");
  EXPECT_EQ(show(cron("0 0 1 jan *").previous(at("2026-06-01T00:00:00Z"), *utc)),
            "2026-01-01T00:00:00Z");
  EXPECT_EQ(show(cron("0 0 1 * 1").previous(at("2026-07-05T00:00:00Z"), *utc)),
            "2026-07-01T00:00:00Z");
}

TEST(CronPrevious, AcrossDstChanges) {
  auto tz = berlin();
  auto expr = cron("30 2 * * *");
  // Spring forward: no 02:30 on 2026-03-29, so the latest run is the day before.
  EXPECT_EQ(show(expr.previous(at("2026-03-29T12:00:00Z"), *tz)), "2026-03-28T01:30:00Z");
  // Fall back: during the second 02:xx hour, the first 02:30 is the latest run.
  EXPECT_EQ(show(expr.previous(at("2026-10-25T01:40:00Z"), *tz)), "2026-10-25T00:30:00Z");
  // At 02:40 CET (second pass) the first 02:45 CEST already happened.
  EXPECT_EQ(show(cron("45 2 * * *").previous(at("2026-10-25T01:40:00Z"), *tz)),
            "2026-10-25T00:45:00Z");
  // A local time in the repeated hour is matched once: next and previous agree.
  auto n = expr.next(at("2026-10-24T12:00:00Z"), *tz);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(expr.previous(at("2026-10-26T00:00:00Z"), *tz), n);
}

TEST(CronPrevious, AgreesWithNextOverAYear) {
  // For every run found by next(), previous() at that instant returns it, and previous() just
  // before it returns the run before: the two searches see the same set of instants.
  auto tz = berlin();
  for (auto text : {"30 2 * * *", "0 3 * * 2", "*/20 1-3 * * 0", "0 0 1,15 * *"}) {
    auto expr = cron(text);
    auto t = at("2026-01-01T00:00:00Z");
    std::optional<std::chrono::system_clock::time_point> prev;
    for (int i = 0; i < 400; ++i) {
      auto n = expr.next(t, *tz);
      ASSERT_TRUE(n.has_value()) << text;
      if (*n > at("2027-01-01T00:00:00Z"))
        break;
      EXPECT_EQ(expr.previous(*n, *tz), n) << text;
      if (prev) {
        EXPECT_EQ(show(expr.previous(*n - 1s, *tz)), show(prev)) << text;
      }
      prev = n;
      t = *n;
    }
  }
}
