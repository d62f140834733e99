// HTML escaping and the small formatting helpers the pages share.
#pragma once

#include "common/clock.hpp"
#include "common/strings.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::web {

// The pages escape with the shared helpers (also used by the email sink).
using common::escapeHtml;
using common::sanitizeUtf8;
// "99.95%" (rounded down, so anything short of 100% never shows as 100.00%); "–" when unknown.
std::string formatPercent(std::optional<double> ratio);
// "123 ms", "1.23 s"; "–" when unknown.
std::string formatLatency(std::optional<double> ms);
// "3d 4h", "2h 5m", "45s".
std::string formatHumanDuration(std::chrono::seconds d);
// "2026-11-24 02:03 UTC".
std::string formatShortTime(common::WallTime t);
// "2026-11-24".
std::string formatDay(common::WallTime t);

} // namespace mcpwatch::web
