// HTML escaping and the small formatting helpers the pages share.
#pragma once

#include "common/clock.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::web {

// Replaces every invalid UTF-8 sequence with U+FFFD and drops NUL and other C0 controls except
// tab, LF and CR, so text from a probed server is always well-formed.
std::string sanitizeUtf8(std::string_view text);
// Escapes & < > " ' (after sanitizeUtf8): safe in element content and quoted attributes.
std::string escapeHtml(std::string_view text);
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
