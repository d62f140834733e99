// Five-field cron expressions ("0 3 * * 2") evaluated in an IANA time zone, for maintenance.
#pragma once

#include "common/timezone.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::common {

class CronExpression {
public:
  // minute hour day-of-month month day-of-week; supports *, lists, ranges, steps (*/15, 1-5/2),
  // month and weekday names (jan, mon), 7 as Sunday, and the standard rule that when both
  // day-of-month and day-of-week are restricted a day matching either one matches.
  // On failure returns nullopt and sets `error` to a message naming the bad field.
  static std::optional<CronExpression> parse(std::string_view text, std::string* error = nullptr);

  // The first minute strictly after `after` that matches, in zone `tz` (local wall time; a
  // local time skipped by a DST jump does not match, a repeated one matches once).
  std::optional<std::chrono::system_clock::time_point>
  next(std::chrono::system_clock::time_point after, const TimeZone& tz) const;

  // The latest matching minute at or before `at` (searching back at most `horizon`).
  std::optional<std::chrono::system_clock::time_point>
  previous(std::chrono::system_clock::time_point at, const TimeZone& tz,
           std::chrono::minutes horizon = std::chrono::hours(24 * 366)) const;

  const std::string& text() const { return text_; }

private:
  std::string text_;
  unsigned long long minutes_ = 0; // bit per minute 0-59
  unsigned hours_ = 0;             // bit per hour 0-23
  unsigned days_ = 0;              // bit per day 1-31
  unsigned months_ = 0;            // bit per month 1-12
  unsigned weekdays_ = 0;          // bit per weekday 0-6 (Sunday = 0)
  bool dayOfMonthRestricted_ = false;
  bool dayOfWeekRestricted_ = false;

  bool matchesLocal(int month, int day, int weekday, int hour, int minute) const;
};

} // namespace mcpwatch::common
