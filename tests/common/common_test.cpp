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
