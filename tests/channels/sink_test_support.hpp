// What the sink tests share beyond the outbox harness and the fakes: an event body as the
// renderers see it.
#pragma once

#include "alerting/reminders.hpp"
#include "channels/event_text.hpp"
#include "common/json.hpp"
#include "common/time.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::channels {

// Parses a section 7 body the way every sink does (fails the test when it does not parse).
inline Event view(const common::Json& body) {
  auto e = alerting::parseEvent(body.dump());
  EXPECT_TRUE(e) << e.error();
  return e ? *e : Event{};
}

// `body` with the server context of the config (description, owner, runbook, two links).
inline common::Json withServerContext(common::Json body) {
  body["server_description"] = "Code search for the platform team <b>";
  body["server_owner"] = "Team Search (#search-oncall)";
  body["runbook_url"] = "https://wiki.example.com/runbooks/github-mcp";
  body["server_links"] =
      common::Json::array({{{"name", "Grafana"}, {"url", "https://grafana.example.com/d/mcp"}},
                           {{"name", "Logs"}, {"url", "https://logs.example.com/?q=github-mcp"}}});
  return body;
}

// The reminder the dispatcher makes of `trigger` (alerting::reminderEvent) `seconds` after its
// incident opened, with the concrete failure "HTTP 503" as its summary: id "evt_rem_1_<seconds>".
inline common::Json reminderOf(common::Json trigger, std::int64_t seconds = 4800) {
  trigger["failure_reason"] = "http_error";
  trigger["failure_summary"] = "HTTP 503";
  const auto opened = *common::parseRfc3339("2026-11-24T02:02:04Z");
  auto event = alerting::eventFromJson(trigger);
  EXPECT_TRUE(event) << event.error();
  if (!event)
    return common::Json();
  return alerting::toJson(alerting::reminderEvent(*event, "evt_rem_1_" + std::to_string(seconds),
                                                  opened, opened + std::chrono::seconds(seconds)));
}

} // namespace mcpwatch::channels
