// RFC 3339 timestamps (UTC, "Z") for events, APIs and logs.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::common {

// "2026-11-24T02:03:04Z" (whole seconds).
std::string formatRfc3339(std::chrono::system_clock::time_point t);
// "2026-11-24T02:03:04.123Z" (milliseconds).
std::string formatRfc3339Millis(std::chrono::system_clock::time_point t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)"; lower-case t/z accepted too.
std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text);

} // namespace mcpwatch::common
