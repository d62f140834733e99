// Unit tests for the shared utilities: durations, timestamps, strings, crypto, bounded JSON.
#include "common/crypto.hpp"
#include "common/duration.hpp"
#include "common/json.hpp"
#include "common/secret.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"

#include <gtest/gtest.h>
#include <type_traits>

using namespace mcpwatch::common;
using namespace std::chrono_literals;

TEST(Duration, ParsesEveryUnit) {
  EXPECT_EQ(parseDuration("500ms"), 500ms);
  EXPECT_EQ(parseDuration("20s"), 20s);
  EXPECT_EQ(parseDuration("5m"), 5min);
  EXPECT_EQ(parseDuration("1h"), 1h);
  EXPECT_EQ(parseDuration("90d"), std::chrono::milliseconds(90LL * 86'400'000));
  EXPECT_EQ(parseDuration("1h30m"), 90min);
}

TEST(Duration, RejectsGarbage) {
  for (auto bad : {"", "5", "s", "-5s", "5 s", "5sec", "1.5s", "5S", "99999999999999999999d"})
    EXPECT_FALSE(parseDuration(bad).has_value()) << bad;
}

TEST(Duration, RefusesValuesBeyondFiftyYears) {
  // 300000d used to parse, and its nanosecond conversion overflowed into the past: the daemon
  // then probed back to back.
  DurationProblem problem = DurationProblem::Invalid;
  EXPECT_EQ(parseDuration("18250d", &problem), kMaxDuration);
  for (auto big : {"18250d1ms", "300000d", "438001h", "9223372036854775807ms", "18249d25h"}) {
    problem = DurationProblem::Invalid;
    EXPECT_FALSE(parseDuration(big, &problem).has_value()) << big;
    EXPECT_EQ(problem, DurationProblem::TooLarge) << big;
  }
  problem = DurationProblem::TooLarge;
  EXPECT_FALSE(parseDuration("300000x", &problem).has_value());
  EXPECT_EQ(problem, DurationProblem::Invalid);
  // Every accepted duration converts to system_clock's nanoseconds without overflow.
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(kMaxDuration);
  EXPECT_GT(ns.count(), 0);
  EXPECT_LT(kMaxDuration.count(), std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::duration::max())
                                          .count() /
                                      2);
}

TEST(Duration, FormatsShortest) {
  EXPECT_EQ(formatDuration(0ms), "0s");
  EXPECT_EQ(formatDuration(500ms), "500ms");
  EXPECT_EQ(formatDuration(90s), "1m30s");
  EXPECT_EQ(formatDuration(24h), "1d");
}

TEST(Time, FormatsAndParsesRfc3339) {
  auto t = parseRfc3339("2026-11-24T02:03:04Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(formatRfc3339(*t), "2026-11-24T02:03:04Z");
  auto withOffset = parseRfc3339("2026-11-24T03:03:04.250+01:00");
  ASSERT_TRUE(withOffset);
  EXPECT_EQ(formatRfc3339Millis(*withOffset), "2026-11-24T02:03:04.250Z");
  EXPECT_FALSE(parseRfc3339("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(parseRfc3339("2026-11-24 02:03:04"));
  EXPECT_EQ(formatRfc3339(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00Z");
  EXPECT_FALSE(parseRfc3339("2026-11-24T02:03:04+24:00"));
  EXPECT_FALSE(parseRfc3339("2026-11-24T02:03:04+01:60"));
}

TEST(Time, RefusesYearsOutsideTheSupportedRangeBeforeAnyArithmetic) {
  // Years past 2262 (or before 1678) overflowed system_clock's nanoseconds: undefined behaviour
  // reachable from the API's `since` parameter.
  for (auto out : {"9999-12-31T23:59:59Z", "2201-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
                   "1799-12-31T23:59:59Z", "2262-04-12T00:00:00Z", "1600-01-01T00:00:00Z"}) {
    std::string error;
    EXPECT_FALSE(parseRfc3339(out, &error)) << out;
    EXPECT_NE(error.find("out of range"), std::string::npos) << out << ": " << error;
    EXPECT_NE(error.find("1800-01-01 to 2200-12-31"), std::string::npos) << error;
  }
  std::string error = "stale";
  auto last = parseRfc3339("2200-12-31T23:59:59.999Z", &error);
  ASSERT_TRUE(last);
  EXPECT_EQ(error, "");
  EXPECT_EQ(formatRfc3339Millis(*last), "2200-12-31T23:59:59.999Z");
  auto epoch = parseRfc3339("1970-01-01T00:00:00Z");
  ASSERT_TRUE(epoch);
  EXPECT_EQ(epoch->time_since_epoch().count(), 0);
  auto first = parseRfc3339("1800-01-01T00:00:00Z");
  ASSERT_TRUE(first);
  EXPECT_EQ(formatRfc3339(*first), "1800-01-01T00:00:00Z");
  // The widest date plus the longest duration still fits the clock.
  EXPECT_EQ(formatRfc3339(addSaturating(*last, kMaxDuration)).substr(0, 4), "2250");
  EXPECT_EQ(formatRfc3339(addSaturating(*first, -kMaxDuration)).substr(0, 4), "1750");
  // A malformed text is not "out of range".
  EXPECT_FALSE(parseRfc3339("99999-01-01T00:00:00Z", &error));
  EXPECT_EQ(error, "");
}

TEST(Time, AddSaturatingNeverWrapsAround) {
  using std::chrono::system_clock;
  auto t = *parseRfc3339("2026-11-24T02:03:04Z");
  EXPECT_EQ(addSaturating(t, 90s), t + 90s);
  EXPECT_EQ(addSaturating(t, -90s), t - 90s);
  EXPECT_EQ(addSaturating(t, kMaxDuration), t + kMaxDuration);
  EXPECT_EQ(addSaturating(t, std::chrono::milliseconds::max()), system_clock::time_point::max());
  EXPECT_EQ(addSaturating(t, std::chrono::milliseconds::min()), system_clock::time_point::min());
  EXPECT_EQ(addSaturating(system_clock::time_point::max() - 1s, 2s),
            system_clock::time_point::max());
  EXPECT_EQ(addSaturating(system_clock::time_point::min() + 1s, -2s),
            system_clock::time_point::min());
}

TEST(Strings, TruncatesOnUtf8Boundaries) {
  std::string s = "ab\xC3\xA9"; // "abé": é is two bytes
  EXPECT_EQ(truncateUtf8(s, 3), "ab");
  EXPECT_EQ(truncateUtf8(s, 4), s);
  EXPECT_EQ(truncateCodePoints("abcdef", 4), "abc\xE2\x80\xA6");
  EXPECT_EQ(truncateCodePoints("abc", 4), "abc");
  EXPECT_TRUE(iequals("Mcp-Session-Id", "mcp-session-id"));
  EXPECT_EQ(trim("  x \r\n"), "x");
}

TEST(Strings, EscapesHtmlMarkupCharacters) {
  EXPECT_EQ(escapeHtml("<script>alert(\"x\")</script>"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  EXPECT_EQ(escapeHtml("a & b 'c'"), "a &amp; b &#39;c&#39;");
  EXPECT_EQ(escapeHtml("plain ünïcode ✓"), "plain ünïcode ✓");
}

TEST(Strings, RepairsInvalidUtf8AndDropsControls) {
  EXPECT_EQ(sanitizeUtf8("ok\xff"), "ok\xEF\xBF\xBD");
  EXPECT_EQ(sanitizeUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                 // overlong '/'
  EXPECT_EQ(sanitizeUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // surrogate
  EXPECT_EQ(sanitizeUtf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");                 // truncated
  EXPECT_EQ(sanitizeUtf8(std::string("a\0b\x1b[31m\x7f", 9)), "ab[31m");
  EXPECT_EQ(sanitizeUtf8("tab\tnl\n"), "tab\tnl\n");
  EXPECT_EQ(sanitizeUtf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

TEST(Strings, DecodesUtf8OneCharacterAtATime) {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  auto ch = decodeUtf8(text, 0);
  EXPECT_EQ(ch.codePoint, U'a');
  EXPECT_EQ(ch.length, 1u);
  ch = decodeUtf8(text, 1);
  EXPECT_EQ(ch.codePoint, U'\u00E9');
  EXPECT_EQ(ch.length, 2u);
  ch = decodeUtf8(text, 3);
  EXPECT_EQ(ch.codePoint, U'\u20AC');
  EXPECT_EQ(ch.length, 3u);
  ch = decodeUtf8(text, 6);
  EXPECT_EQ(ch.codePoint, U'\U0001F600');
  EXPECT_EQ(ch.length, 4u);
  EXPECT_TRUE(ch.valid);
  // Invalid: a continuation byte, an overlong form, a surrogate, a cut-short sequence.
  for (std::string bad : {"\x80", "\xC0\xAF", "\xED\xA0\x80", "\xE2\x82", "\xF4\x90\x80\x80"}) {
    ch = decodeUtf8(bad, 0);
    EXPECT_FALSE(ch.valid) << bad.size();
    EXPECT_EQ(ch.codePoint, 0xFFFDu);
    EXPECT_EQ(ch.length, 1u);
  }
}

TEST(Crypto, KnownVectors) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(toHex(hmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(base64Encode("hello"), "aGVsbG8=");
  EXPECT_EQ(base64Decode("aGVsbG8="), "hello");
  EXPECT_EQ(base64Decode("aGk="), "hi");
  EXPECT_FALSE(base64Decode("abc"));
  EXPECT_TRUE(constantTimeEquals("token", "token"));
  EXPECT_FALSE(constantTimeEquals("token", "tokem"));
  // Lengths differ: still a digest comparison, never an early return on the length.
  EXPECT_FALSE(constantTimeEquals("token", "token-and-more"));
  EXPECT_FALSE(constantTimeEquals("", "token"));
  EXPECT_TRUE(constantTimeEquals("", ""));
  const std::string digest = sha256("s3cret-admin-token");
  EXPECT_TRUE(matchesDigest("s3cret-admin-token", digest));
  EXPECT_FALSE(matchesDigest("s3cret-admin-toke", digest));
  EXPECT_FALSE(matchesDigest("s3cret-admin-token\n", digest));
  EXPECT_FALSE(matchesDigest("", digest));
  EXPECT_FALSE(matchesDigest("s3cret-admin-token", "not a digest"));
  EXPECT_EQ(randomHex(8).size(), 16u);
}

TEST(Json, RejectsDeepNestingBeforeParsing) {
  std::string deep(100000, '[');
  JsonParseError err;
  EXPECT_FALSE(parseJson(deep, &err));
  EXPECT_TRUE(err.tooDeep);
  EXPECT_TRUE(parseJson(R"({"a":[1,{"b":"[[[[[["}]})"));
  JsonParseError malformed;
  EXPECT_FALSE(parseJson("{\"a\":", &malformed));
  EXPECT_FALSE(malformed.tooDeep);
  EXPECT_EQ(malformed.message, "malformed JSON");
}

template <class T>
concept Streamable = requires(std::ostream& os, const T& t) {
  os << t;
};

TEST(Secret, CannotBeStreamed) {
  static_assert(!Streamable<Secret>);
  Secret s("value");
  EXPECT_EQ(s.reveal(), "value");
}
