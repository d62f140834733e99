// Display formatting for the status pages (escaping lives in common/strings.hpp).
#include "web/html.hpp"

#include "common/time.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fmt/format.h>

namespace mcpwatch::web {

std::string formatPercent(std::optional<double> ratio) {
  if (!ratio || !std::isfinite(*ratio))
    return "–";
  double pct = std::floor(std::clamp(*ratio, 0.0, 1.0) * 10000.0) / 100.0;
  return fmt::format("{:.2f}%", pct);
}

std::string formatLatency(std::optional<double> ms) {
  if (!ms || !std::isfinite(*ms) || *ms < 0)
    return "–";
  if (*ms < 1000)
    return fmt::format("{:.0f} ms", *ms);
  return fmt::format("{:.2f} s", *ms / 1000.0);
}

std::string formatHumanDuration(std::chrono::seconds d) {
  long long s = std::max<long long>(0, d.count());
  long long days = s / 86400, hours = (s % 86400) / 3600, minutes = (s % 3600) / 60;
  if (days > 0)
    return fmt::format("{}d {}h", days, hours);
  if (hours > 0)
    return fmt::format("{}h {}m", hours, minutes);
  if (minutes > 0)
    return fmt::format("{}m {}s", minutes, s % 60);
  return fmt::format("{}s", s);
}

std::string formatShortTime(common::WallTime t) {
  std::string text = common::formatRfc3339(t); // 2026-11-24T02:03:04Z
  return text.substr(0, 10) + " " + text.substr(11, 5) + " UTC";
}

std::string formatDay(common::WallTime t) {
  return common::formatRfc3339(t).substr(0, 10);
}

} // namespace mcpwatch::web
