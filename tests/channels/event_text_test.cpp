// Tests of the texts every channel shares, from parsed section 7 bodies.
#include "channels/event_text.hpp"
#include "tests/channels/sink_test_support.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::channels {
namespace {

using alerting::parseEvent;

const char* kTrigger =
    R"({"id":"evt_1","type":"alert.triggered","occurred_at":"2026-11-24T02:03:04Z",
 "incident_id":"inc_1","server_slug":"github-mcp","server_name":"GitHub MCP",
 "check_url":"https://api.example.com/mcp","server_tags":["thirdparty"],
 "failure_reason":"connect_timeout","failure_detail":"no answer in 10s","consecutive_failures":2,
 "recent_failures":[{"at":"2026-11-24T02:02:04Z","reason":"connect_timeout","detail":"x"}],
 "down_since":"2026-11-24T02:02:04Z","duration_seconds":null,"response_time_ms":null,
 "protocol_version":"2025-11-25","status_url":"https://status.example.com/status/github-mcp",
 "test":false})";

TEST(Event, ParsesATrigger) {
  auto e = parseEvent(kTrigger);
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->type, EventType::Triggered);
  EXPECT_EQ(e->name, "GitHub MCP");
  EXPECT_EQ(e->tags, std::vector<std::string>{"thirdparty"});
  EXPECT_EQ(e->reason, "connect_timeout");
  ASSERT_EQ(e->recentFailures.size(), 1u);
  EXPECT_EQ(e->recentFailures[0].detail, "x");
  EXPECT_FALSE(e->durationSeconds);
  EXPECT_EQ(headline(*e), "MCP server down: GitHub MCP (connect_timeout)");
}

TEST(Event, ResolveAndDriftHeadlines) {
  auto r = parseEvent(R"({"id":"evt_2","type":"alert.resolved","server_slug":"a",
    "server_name":"A","duration_seconds":250,"test":true})");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(headline(*r), "[TEST] MCP server recovered: A (down 4m 10s)");
  auto d = parseEvent(R"({"id":"evt_3","type":"schema.drifted","server_slug":"a",
    "schema":{"old_fingerprint":"o","new_fingerprint":"n","added":["x"],"removed":[],
    "changed":["y","z"]}})");
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->name, "a");
  EXPECT_EQ(headline(*d), "MCP tools changed: a (1 added, 2 changed)");
}

TEST(Event, ProtocolChange) {
  auto p = parseEvent(R"({"id":"evt_4","type":"protocol.changed","server_slug":"a",
    "server_name":"A","protocol":{"from":{"transport":"streamable-http","protocol_version":"2025-11-25"},
    "to":{"transport":"modern","protocol_version":"2026-07-28"}}})");
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->type, EventType::ProtocolChanged);
  ASSERT_TRUE(p->protocol);
  EXPECT_EQ(p->protocol->toVersion, "2026-07-28");
  EXPECT_EQ(headline(*p),
            "MCP protocol changed: A (streamable-http 2025-11-25 \xE2\x86\x92 modern 2026-07-28)");
  EXPECT_EQ(statusWord(p->type), "PROTOCOL CHANGED");
}

TEST(Event, AReminderSaysHowLongItIsStillDownAndWhatFailed) {
  auto trigger = common::Json::parse(kTrigger);
  auto e = parseEvent(reminderOf(trigger, 4800).dump());
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->type, EventType::Reminder);
  EXPECT_EQ(e->id, "evt_rem_1_4800");
  EXPECT_EQ(e->incidentId, "inc_1");
  EXPECT_EQ(e->durationSeconds, 4800);
  EXPECT_EQ(headline(*e), "Still down for 1h 20m: GitHub MCP \xE2\x80\x94 HTTP 503");
  EXPECT_EQ(statusWord(e->type), "STILL DOWN");
  EXPECT_TRUE(isDownEvent(e->type));
  EXPECT_FALSE(isDownEvent(EventType::Resolved));
  // Without a summary (an older body) the reason; without a duration, no "for".
  auto bare = parseEvent(R"({"id":"evt_5","type":"alert.reminder","server_slug":"a",
    "server_name":"A","failure_reason":"connect_timeout"})");
  ASSERT_TRUE(bare) << bare.error();
  EXPECT_EQ(headline(*bare), "Still down: A \xE2\x80\x94 connect_timeout");
}

TEST(Event, RejectsBadBodies) {
  EXPECT_FALSE(parseEvent("not json"));
  EXPECT_FALSE(parseEvent(R"({"id":"e","type":"alert.exploded","server_slug":"a"})"));
  auto e = parseEvent(R"({"id":"e","type":"alert.triggered","server_slug":"a","server_tags":[1]})");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("server_tags"), std::string::npos);
}

TEST(Event, HumanDurations) {
  EXPECT_EQ(humanDuration(12), "12s");
  EXPECT_EQ(humanDuration(3720), "1h 2m");
  EXPECT_EQ(humanDuration(90000), "1d 1h");
  EXPECT_EQ(humanDuration(-5), "0s");
}

TEST(Event, ReadsTheServerContext) {
  auto body = withServerContext(*common::parseJson(kTrigger));
  body["server_links"].push_back({{"name", ""}, {"url", "https://x.example"}}); // no name: dropped
  const auto e = view(body);
  EXPECT_EQ(e.description, "Code search for the platform team <b>");
  EXPECT_EQ(e.owner, "Team Search (#search-oncall)");
  EXPECT_EQ(e.runbookUrl, "https://wiki.example.com/runbooks/github-mcp");
  ASSERT_EQ(e.links.size(), 2u);
  EXPECT_EQ(e.links[1].name, "Logs");
  // null (not configured) reads as empty
  body["server_owner"] = nullptr;
  EXPECT_EQ(view(body).owner, "");
}

TEST(Event, TheHeadlineNamesTheConcreteFailureWhenTheBodyHasIt) {
  auto body = *common::parseJson(kTrigger);
  body["failure_summary"] = "HTTP 503";
  const auto e = view(body);
  EXPECT_EQ(e.summary, "HTTP 503");
  EXPECT_EQ(e.reason, "connect_timeout");
  EXPECT_EQ(headline(e), "MCP server down: GitHub MCP (HTTP 503)");
  body["failure_summary"] = nullptr; // older bodies in the outbox have none
  EXPECT_EQ(headline(view(body)), "MCP server down: GitHub MCP (connect_timeout)");
}

} // namespace
} // namespace mcpwatch::channels
