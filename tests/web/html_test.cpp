// Display formatting for the status pages (escaping is tested with common/strings).
#include "common/time.hpp"
#include "web/html.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::web {
namespace {

TEST(Html, Formatting) {
  EXPECT_EQ(formatPercent(std::nullopt), "–");
  EXPECT_EQ(formatPercent(1.0), "100.00%");
  EXPECT_EQ(formatPercent(0.99999), "99.99%"); // never rounds up to 100%
  EXPECT_EQ(formatPercent(0.5), "50.00%");
  EXPECT_EQ(formatLatency(42.4), "42 ms");
  EXPECT_EQ(formatLatency(1534), "1.53 s");
  EXPECT_EQ(formatLatency(std::nullopt), "–");
  EXPECT_EQ(formatHumanDuration(std::chrono::seconds(45)), "45s");
  EXPECT_EQ(formatHumanDuration(std::chrono::seconds(125)), "2m 5s");
  EXPECT_EQ(formatHumanDuration(std::chrono::seconds(7500)), "2h 5m");
  EXPECT_EQ(formatHumanDuration(std::chrono::hours(76)), "3d 4h");
  auto t = *common::parseRfc3339("2026-11-24T02:03:04Z");
  EXPECT_EQ(formatShortTime(t), "2026-11-24 02:03 UTC");
  EXPECT_EQ(formatDay(t), "2026-11-24");
}

} // namespace
} // namespace mcpwatch::web
