// HTML escaping, UTF-8 repair and display formatting.
#include "common/time.hpp"
#include "web/html.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::web {
namespace {

TEST(Html, EscapesMarkupCharacters) {
  EXPECT_EQ(escapeHtml("<script>alert(\"x\")</script>"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  EXPECT_EQ(escapeHtml("a & b 'c'"), "a &amp; b &#39;c&#39;");
  EXPECT_EQ(escapeHtml("plain ünïcode ✓"), "plain ünïcode ✓");
}

TEST(Html, RepairsInvalidUtf8AndDropsControls) {
  EXPECT_EQ(sanitizeUtf8("ok\xff"), "ok\xEF\xBF\xBD");
  EXPECT_EQ(sanitizeUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                 // overlong '/'
  EXPECT_EQ(sanitizeUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // surrogate
  EXPECT_EQ(sanitizeUtf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");                 // truncated
  EXPECT_EQ(sanitizeUtf8(std::string("a\0b\x1b[31m\x7f", 9)), "ab[31m");
  EXPECT_EQ(sanitizeUtf8("tab\tnl\n"), "tab\tnl\n");
  EXPECT_EQ(sanitizeUtf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

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
