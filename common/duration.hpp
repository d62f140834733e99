// Human durations as used in the config: 500ms, 20s, 5m, 1h, 90d (and combinations like 1h30m).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::common {

// Parses "500ms", "20s", "5m", "1h", "90d", "1h30m". Rejects empty, negative, unknown units and
// overflow. Returns milliseconds.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);

// The shortest exact spelling: 90000ms -> "1m30s", 500ms -> "500ms", 0 -> "0s".
std::string formatDuration(std::chrono::milliseconds d);

} // namespace mcpwatch::common
