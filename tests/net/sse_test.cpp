// SseParser against the WHATWG event-stream rules, with input split at every possible offset.
#include "net/sse.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::net {
namespace {

std::vector<SseEvent> feedAll(SseParser& parser, std::string_view text, std::size_t split) {
  auto out = parser.feed(text.substr(0, split));
  auto rest = parser.feed(text.substr(split));
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

std::vector<SseEvent> feedBytewise(SseParser& parser, std::string_view text) {
  std::vector<SseEvent> out;
  for (char c : text) {
    auto got = parser.feed(std::string_view(&c, 1));
    out.insert(out.end(), got.begin(), got.end());
  }
  return out;
}

// Mixed line endings, a BOM, comments, multi-line data, a priming event, retry and ids.
const std::string kSample = "\xEF\xBB\xBF"
                            ": keep-alive\r\n"
                            "id: prime-1\r\n"
                            "data:\r\n"
                            "\r\n"
                            "event: endpoint\r"
                            "data: /message?sessionId=abc\r"
                            "\r"
                            "data: line one\n"
                            "data:line two\n"
                            "data:  indented\n"
                            "retry: 1500\n"
                            "id: 7\n"
                            "\n"
                            "event: no-data-here\n"
                            "id: 8\n"
                            "\n"
                            ":another comment\n"
                            "unknown: field\n"
                            "data: {\"jsonrpc\":\"2.0\"}\r\n"
                            "\r\n"
                            "data: unterminated";

void expectSample(const std::vector<SseEvent>& events, const SseParser& parser) {
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].event, "message");
  EXPECT_EQ(events[0].data, "");
  EXPECT_EQ(events[0].id, "prime-1");
  EXPECT_EQ(events[0].retryMs, std::nullopt);

  EXPECT_EQ(events[1].event, "endpoint");
  EXPECT_EQ(events[1].data, "/message?sessionId=abc");

  EXPECT_EQ(events[2].event, "message");
  EXPECT_EQ(events[2].data, "line one\nline two\n indented");
  EXPECT_EQ(events[2].id, "7");
  EXPECT_EQ(events[2].retryMs, 1500);

  // The "no-data-here" event was never dispatched, but its id is the stream's last event id.
  EXPECT_EQ(events[3].event, "message");
  EXPECT_EQ(events[3].data, "{\"jsonrpc\":\"2.0\"}");
  EXPECT_EQ(events[3].id, "8");
  EXPECT_EQ(parser.commentCount(), 2u);
  EXPECT_FALSE(parser.overflowed());
}

TEST(SseParserTest, WholeSample) {
  SseParser parser;
  expectSample(parser.feed(kSample), parser);
}

TEST(SseParserTest, SampleSplitAtEveryOffset) {
  for (std::size_t split = 0; split <= kSample.size(); ++split) {
    SCOPED_TRACE(split);
    SseParser parser;
    expectSample(feedAll(parser, kSample, split), parser);
  }
}

TEST(SseParserTest, SampleOneByteAtATime) {
  SseParser parser;
  expectSample(feedBytewise(parser, kSample), parser);
}

TEST(SseParserTest, CrlfSplitAcrossChunksIsOneLineEnd) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("data: a\r").empty());
  // If the LF were a second line end, this would dispatch an event with data "a".
  EXPECT_TRUE(parser.feed("\ndata: b\r").empty());
  auto events = parser.feed("\n\r\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a\nb");
}

TEST(SseParserTest, CrOnlyLineEnds) {
  SseParser parser;
  auto events = parser.feed("data: x\r\rdata: y\r\r");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "x");
  EXPECT_EQ(events[1].data, "y");
}

TEST(SseParserTest, BomOnlyAtStreamStartAndMayBeSplit) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("\xEF").empty());
  EXPECT_TRUE(parser.feed("\xBB").empty());
  auto events = parser.feed("\xBF"
                            "data: a\n\n\xEF\xBB\xBF"
                            "data: b\n\n");
  // A second BOM is part of a field name, so that line is an unknown field and ignored.
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a");
}

TEST(SseParserTest, ShortStreamThatIsNotABom) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("\xEF").empty());
  EXPECT_TRUE(parser.feed("\n").empty());
  auto events = parser.feed("data: ok\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "ok");
}

TEST(SseParserTest, FieldRules) {
  SseParser parser;
  auto events = parser.feed("data\n\n"             // no colon: field "data", empty value
                            "event\ndata: x\n\n"); // empty event type -> "message"
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "");
  EXPECT_EQ(events[1].event, "message");
  EXPECT_EQ(events[1].data, "x");
}

TEST(SseParserTest, IdWithNulIsIgnoredAndEmptyIdResets) {
  SseParser parser;
  std::string text = "id: 1\ndata: a\n\n";
  text += std::string("id: 2\0x\ndata: b\n\n", 17);
  text += "id\ndata: c\n\n";
  auto events = parser.feed(text);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].id, "1");
  EXPECT_EQ(events[1].id, "1");
  EXPECT_EQ(events[2].id, std::nullopt);
}

TEST(SseParserTest, RetryAcceptsDigitsOnly) {
  SseParser parser;
  auto events = parser.feed("retry: 250\ndata: a\n\n"
                            "retry: 12x\ndata: b\n\n"
                            "retry: -5\ndata: c\n\n"
                            "retry:\ndata: d\n\n"
                            "retry: 99999999999999999999999\ndata: e\n\n"
                            "retry:0\ndata: f\n\n");
  ASSERT_EQ(events.size(), 6u);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(events[i].retryMs, 250) << i;
  EXPECT_EQ(events[5].retryMs, 0);
}

TEST(SseParserTest, EventWithoutDataIsNotDispatched) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("event: ping\nid: 3\n\n\n\n").empty());
  auto events = parser.feed("data: after\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "message"); // the event type does not leak into the next event
  EXPECT_EQ(events[0].id, "3");
}

TEST(SseParserTest, LongLineOverflowsAndStops) {
  SseParser parser(16);
  auto first = parser.feed("data: short\n\ndata: 0123456789");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_FALSE(parser.overflowed());
  EXPECT_TRUE(parser.feed("abcdef\n\n").empty());
  EXPECT_TRUE(parser.overflowed());
  EXPECT_TRUE(parser.feed("data: x\n\n").empty());
}

TEST(SseParserTest, LineExactlyAtTheCapIsAccepted) {
  SseParser parser(8);
  auto events = parser.feed("data:123\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "123");
  EXPECT_FALSE(parser.overflowed());
}

} // namespace
} // namespace mcpwatch::net
