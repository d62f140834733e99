// RFC 3339 timestamps (UTC, "Z") for events, APIs and logs, and overflow-safe time arithmetic.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::common {

// The dates mcpwatch accepts from users (config, API, admin API) and parses anywhere: years 1800
// through 2200 as written. system_clock counts nanoseconds in 64 bits, which only reaches
// 1677-09..2262-04; this range stays more than 50 years inside both ends, so adding or
// subtracting any parsed duration (at most 50 years, common::kMaxDuration) to an accepted date
// cannot overflow either.
inline constexpr int kMinSupportedYear = 1800;
inline constexpr int kMaxSupportedYear = 2200;
// "dates from 1800-01-01 to 2200-12-31", for error messages.
std::string supportedDateRange();

// "2026-11-24T02:03:04Z" (whole seconds).
std::string formatRfc3339(std::chrono::system_clock::time_point t);
// "2026-11-24T02:03:04.123Z" (milliseconds).
std::string formatRfc3339Millis(std::chrono::system_clock::time_point t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)"; lower-case t/z accepted too. Years
// outside kMinSupportedYear..kMaxSupportedYear are refused before any arithmetic; `error`, when
// given, is then set to a message saying so (and left empty for a malformed text).
std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text,
                                                                  std::string* error = nullptr);

// `t + d`, saturating at the ends of system_clock's range instead of overflowing (undefined
// behaviour that would turn a far-future deadline into a past one).
std::chrono::system_clock::time_point addSaturating(std::chrono::system_clock::time_point t,
                                                    std::chrono::milliseconds d);

// Calendar arithmetic shared by the cron parser, the time zones and the store's rollups.
// a / b rounded towards negative infinity (b != 0), so days before 1970 still start at midnight.
constexpr std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
// Days since 1970-01-01 of a proleptic Gregorian date.
constexpr std::int64_t daysFromCivil(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}}
      .time_since_epoch()
      .count();
}

} // namespace mcpwatch::common
