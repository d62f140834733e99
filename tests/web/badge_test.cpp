// The badge renderer: escaping, widths that grow with the text, colours by state and threshold.
#include "web/badge.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::web {
namespace {

std::string widthOf(const std::string& svg) {
  auto at = svg.find("width=\"");
  return svg.substr(at + 7, svg.find('"', at + 7) - at - 7);
}

TEST(Badge, EscapesAndLabelsForScreenReaders) {
  auto svg = renderBadge("a<b", "\"x\" & y", "#123456");
  EXPECT_EQ(svg.find("a<b"), std::string::npos);
  EXPECT_NE(svg.find("aria-label=\"a&lt;b: &quot;x&quot; &amp; y\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("<title>a&lt;b: &quot;x&quot; &amp; y</title>"), std::string::npos);
  EXPECT_NE(svg.find("fill=\"#123456\""), std::string::npos);
  EXPECT_LT(std::stoi(widthOf(renderBadge("mcp", "up", "#000"))),
            std::stoi(widthOf(renderBadge("mcp", "maintenance", "#000"))));
}

TEST(Badge, UptimeNeverRoundsAnOutageUpAndColoursByThreshold) {
  EXPECT_NE(uptimeBadge(0.99999, "30d").find("uptime 30d: 99.99%"), std::string::npos);
  EXPECT_NE(uptimeBadge(1.0, "7d").find("uptime 7d: 100%"), std::string::npos);
  EXPECT_NE(uptimeBadge(0.9, "24h").find("uptime 24h: 90.0%"), std::string::npos);
  EXPECT_NE(uptimeBadge(std::nullopt, "90d").find("uptime 90d: no data"), std::string::npos);
  const auto colourOf = [](const std::string& svg) {
    auto at = svg.find("<rect x=");
    auto fill = svg.find("fill=\"", at);
    return svg.substr(fill + 6, 7);
  };
  EXPECT_EQ(colourOf(uptimeBadge(1.0, "30d")), "#2e7d32");
  EXPECT_EQ(colourOf(uptimeBadge(0.995, "30d")), "#558b2f");
  EXPECT_EQ(colourOf(uptimeBadge(0.97, "30d")), "#a15c00");
  EXPECT_EQ(colourOf(uptimeBadge(0.5, "30d")), "#c62828");
}

TEST(Badge, StateAndLatency) {
  ServerView v;
  v.state.status = detector::HealthState::Down;
  EXPECT_NE(statusBadge(v).find("mcp: down"), std::string::npos);
  v.paused = true;
  EXPECT_NE(statusBadge(v).find("mcp: paused"), std::string::npos);
  EXPECT_NE(latencyBadge(1234.4).find("latency: 1234 ms"), std::string::npos);
  EXPECT_NE(latencyBadge(std::nullopt).find("latency: no data"), std::string::npos);
}

} // namespace
} // namespace mcpwatch::web
