// Human durations as used in the config: 500ms, 20s, 5m, 1h, 90d (and combinations like 1h30m).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::common {

// The longest duration parseDuration accepts: 50 years. Far below what system_clock's
// nanosecond durations hold (about 292 years), and small enough that adding it to any date of
// the supported range (common/time.hpp: up to 2200) stays before the clock's end in 2262.
inline constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(24 * 18250);

enum class DurationProblem {
  Invalid,  // not a duration: empty, negative, unknown unit, stray characters
  TooLarge, // well-formed but longer than kMaxDuration
};

// Parses "500ms", "20s", "5m", "1h", "90d", "1h30m". Rejects empty, negative, unknown units and
// anything longer than kMaxDuration (`problem`, when given, says which). Returns milliseconds.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text,
                                                       DurationProblem* problem = nullptr);

// The shortest exact spelling: 90000ms -> "1m30s", 500ms -> "500ms", 0 -> "0s".
std::string formatDuration(std::chrono::milliseconds d);

} // namespace mcpwatch::common
