// What the sink tests share beyond the outbox harness and the fakes: an event body as the
// renderers see it.
#pragma once

#include "channels/event_view.hpp"
#include "common/json.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::channels {

// Parses a section 7 body the way every sink does (fails the test when it does not parse).
inline EventView view(const common::Json& body) {
  auto e = parseEvent(body.dump());
  EXPECT_TRUE(e) << e.error();
  return e ? *e : EventView{};
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

} // namespace mcpwatch::channels
