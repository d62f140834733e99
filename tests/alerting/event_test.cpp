// The one event model: its JSON is the DESIGN.md section 7 body, and parsing gives it back.
#include "alerting/event.hpp"

#include <gtest/gtest.h>
#include <set>

namespace mcpwatch::alerting {
namespace {

using common::Json;

Event fullTrigger() {
  Event e;
  e.type = EventType::Triggered;
  e.id = "evt_1";
  e.occurredAt = "2026-11-24T02:03:04Z";
  e.incidentId = "inc_1";
  e.reason = "http_error";
  e.detail = "HTTP 503 from upstream";
  e.consecutiveFailures = 2;
  e.recentFailures = {{"2026-11-24T02:02:04Z", "http_error", "HTTP 503"},
                      {"2026-11-24T02:03:04Z", "http_error", "HTTP 503 from upstream"}};
  e.downSince = "2026-11-24T02:02:04Z";
  e.protocolVersion = "2025-11-25";
  e.slug = "github-mcp";
  e.name = "GitHub MCP";
  e.checkUrl = "https://api.example.com/mcp";
  e.statusUrl = "https://status.example.com/status/github-mcp";
  e.tags = {"thirdparty", "search"};
  e.description = "Code search";
  e.owner = "Team Search";
  e.runbookUrl = "https://wiki.example.com/runbooks/github-mcp";
  e.links = {{"Grafana", "https://grafana.example.com/d/mcp"}};
  e.dependents = {"docs-mcp"};
  e.summary = "HTTP 503";
  e.note = "held back by maintenance since 2026-11-24T01:00:00Z";
  return e;
}

TEST(EventModel, TheBodyHasEverySection7FieldAndNoOther) {
  const Json body = toJson(fullTrigger());
  std::set<std::string> keys;
  for (const auto& [key, value] : body.items())
    keys.insert(key);
  EXPECT_EQ(keys, (std::set<std::string>{"id",
                                         "type",
                                         "occurred_at",
                                         "incident_id",
                                         "server_slug",
                                         "server_name",
                                         "check_url",
                                         "server_tags",
                                         "failure_reason",
                                         "failure_detail",
                                         "failure_summary",
                                         "consecutive_failures",
                                         "recent_failures",
                                         "down_since",
                                         "duration_seconds",
                                         "response_time_ms",
                                         "protocol_version",
                                         "status_url",
                                         "server_description",
                                         "server_owner",
                                         "runbook_url",
                                         "server_links",
                                         "dependents",
                                         "note",
                                         "test"}));
  EXPECT_EQ(body["type"], "alert.triggered");
  EXPECT_EQ(body["recent_failures"][1], (Json{{"at", "2026-11-24T02:03:04Z"},
                                              {"reason", "http_error"},
                                              {"detail", "HTTP 503 from upstream"}}));
  EXPECT_EQ(body["server_links"][0],
            (Json{{"name", "Grafana"}, {"url", "https://grafana.example.com/d/mcp"}}));
  EXPECT_TRUE(body["duration_seconds"].is_null());
  EXPECT_TRUE(body["response_time_ms"].is_null());
  EXPECT_EQ(body["test"], false);
}

TEST(EventModel, WhatIsNotSetIsNullAndAnEmptyNoteIsLeftOut) {
  Event drift;
  drift.type = EventType::SchemaDrifted;
  drift.id = "evt_2";
  drift.slug = "a";
  drift.name = "a";
  drift.detail = "1 added (fresh)";
  drift.schema = SchemaDrift{"sha256:1", "sha256:2", {"fresh"}, {}, {}};
  const Json body = toJson(drift);
  for (const char* key : {"incident_id", "failure_reason", "failure_summary", "down_since",
                          "protocol_version", "server_description", "server_owner", "runbook_url"})
    EXPECT_TRUE(body[key].is_null()) << key;
  EXPECT_EQ(body["failure_detail"], "1 added (fresh)") << "a change event says what changed";
  EXPECT_EQ(body["status_url"], "") << "a string even without web.public_url";
  EXPECT_FALSE(body.contains("note"));
  EXPECT_FALSE(body.contains("protocol"));
  EXPECT_EQ(body["schema"], (Json{{"old_fingerprint", "sha256:1"},
                                  {"new_fingerprint", "sha256:2"},
                                  {"added", {"fresh"}},
                                  {"removed", Json::array()},
                                  {"changed", Json::array()}}));
  Event bare;
  bare.id = "evt_3";
  EXPECT_TRUE(toJson(bare)["failure_detail"].is_null()) << "no reason and no detail";
  bare.reason = "timeout";
  EXPECT_EQ(toJson(bare)["failure_detail"], "") << "a failure always has a detail string";
}

TEST(EventModel, ParsingTheBodyGivesTheSameEventBack) {
  Event resolve = fullTrigger();
  resolve.type = EventType::Resolved;
  resolve.durationSeconds = 250;
  resolve.responseTimeMs = 42.5;
  Event change = fullTrigger();
  change.type = EventType::ProtocolChanged;
  change.reason.clear();
  change.summary.clear();
  change.protocol = ProtocolSwitch{"streamable-http", "2025-11-25", "modern", ""};
  Event reminder = fullTrigger();
  reminder.type = EventType::Reminder;
  reminder.test = true;
  for (const auto& event : {fullTrigger(), resolve, change, reminder}) {
    auto back = parseEvent(toJson(event).dump());
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, event) << toJson(event).dump();
  }
  EXPECT_TRUE(toJson(change)["protocol"]["to"]["protocol_version"].is_null());
}

TEST(EventModel, TypesHaveTheirWireNames) {
  for (auto type : {EventType::Triggered, EventType::Resolved, EventType::SchemaDrifted,
                    EventType::ProtocolChanged, EventType::Reminder})
    EXPECT_EQ(parseEventType(toString(type)), type);
  EXPECT_EQ(toString(EventType::SchemaDrifted), "schema.drifted");
  EXPECT_EQ(toString(EventType::Reminder), "alert.reminder");
  EXPECT_FALSE(parseEventType("alert.other"));
  EXPECT_TRUE(isChangeEvent(EventType::ProtocolChanged));
  EXPECT_FALSE(isChangeEvent(EventType::Triggered));
}

TEST(EventModel, ABadBodyIsAnErrorThatNamesTheField) {
  EXPECT_FALSE(parseEvent("not json"));
  EXPECT_FALSE(parseEvent("[1,2]"));
  auto unknown = parseEvent(R"({"id":"e","type":"alert.exploded","server_slug":"a"})");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("alert.exploded"), std::string::npos);
  auto tags =
      parseEvent(R"({"id":"e","type":"alert.triggered","server_slug":"a","server_tags":[1]})");
  ASSERT_FALSE(tags);
  EXPECT_NE(tags.error().find("server_tags"), std::string::npos);
  auto missing = parseEvent(R"({"type":"alert.triggered","server_slug":"a"})");
  EXPECT_FALSE(missing);
}

} // namespace
} // namespace mcpwatch::alerting
