// DemoMcp and the demo tools without sockets: session bounds and expiry on a fake clock, tool
// results and argument errors.
// clang-format off
#include <utility> // before common/asio.hpp: Boost 1.74's awaitable.hpp uses std::exchange
// clang-format on
#include "common/json.hpp"
#include "demo/demo_mcp.hpp"
#include "demo/demo_tools.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::demo {
namespace {

using common::Json;
using namespace std::chrono_literals;

net::ServerRequest mcpPost(const Json& body, const std::string& sessionId = "") {
  net::ServerRequest req;
  req.method = "POST";
  req.path = "/mcp";
  req.target = "/mcp";
  req.headers.add("Content-Type", "application/json");
  req.headers.add("Accept", "application/json, text/event-stream");
  if (!sessionId.empty()) {
    req.headers.add("Mcp-Session-Id", sessionId);
  }
  req.body = body.dump();
  return req;
}

std::string initialize(DemoMcp& mcp) {
  auto r = mcp.handle(mcpPost({{"jsonrpc", "2.0"},
                               {"id", 1},
                               {"method", "initialize"},
                               {"params",
                                {{"protocolVersion", "2025-11-25"},
                                 {"capabilities", Json::object()},
                                 {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}}));
  EXPECT_EQ(r.status, 200);
  return r.header("Mcp-Session-Id").value_or("");
}

int pingStatus(DemoMcp& mcp, const std::string& sid) {
  return mcp.handle(mcpPost({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}}, sid)).status;
}

TEST(DemoMcpSessions, TableIsBoundedLeastRecentlyUsedGoesFirst) {
  auto clock = std::make_shared<common::FakeClock>();
  DemoOptions options;
  options.maxSessions = 2;
  DemoMcp mcp(clock, options);
  std::string a = initialize(mcp);
  clock->advance(1s);
  std::string b = initialize(mcp);
  clock->advance(1s);
  EXPECT_EQ(pingStatus(mcp, a), 200); // a is now the most recently used
  clock->advance(1s);
  std::string c = initialize(mcp);
  EXPECT_EQ(mcp.sessionCount(), 2u);
  EXPECT_EQ(pingStatus(mcp, b), 404);
  EXPECT_EQ(pingStatus(mcp, a), 200);
  EXPECT_EQ(pingStatus(mcp, c), 200);
  for (int i = 0; i < 100; ++i) {
    initialize(mcp);
  }
  EXPECT_EQ(mcp.sessionCount(), 2u);
}

TEST(DemoMcpSessions, IdleSessionsExpire) {
  auto clock = std::make_shared<common::FakeClock>();
  DemoOptions options;
  options.sessionIdleTimeout = 60s;
  DemoMcp mcp(clock, options);
  std::string sid = initialize(mcp);
  clock->advance(59s);
  EXPECT_EQ(pingStatus(mcp, sid), 200); // use refreshes the session
  clock->advance(59s);
  EXPECT_EQ(pingStatus(mcp, sid), 200);
  clock->advance(60s);
  EXPECT_EQ(pingStatus(mcp, sid), 404);
  EXPECT_EQ(mcp.sessionCount(), 0u);
}

TEST(DemoMcpSessions, SecondInitializeInALiveSessionIsRejected) {
  auto clock = std::make_shared<common::FakeClock>();
  DemoMcp mcp(clock);
  std::string sid = initialize(mcp);
  auto again = mcp.handle(mcpPost({{"jsonrpc", "2.0"},
                                   {"id", 3},
                                   {"method", "initialize"},
                                   {"params", {{"protocolVersion", "2025-11-25"}}}},
                                  sid));
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(common::parseJson(again.body).value()["error"]["code"], -32600);
}

TEST(DemoMcpSessions, OutageFollowsTheClock) {
  auto clock = std::make_shared<common::FakeClock>();
  DemoMcp mcp(clock);
  net::ServerRequest start;
  start.method = "POST";
  start.path = "/demo/outage";
  start.queryParams = {{"seconds", "10"}};
  EXPECT_EQ(mcp.handle(start).status, 200);
  EXPECT_TRUE(mcp.outageActive());
  auto during = mcp.handle(mcpPost({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}));
  EXPECT_EQ(during.status, 503);
  EXPECT_EQ(during.header("Retry-After"), "10");
  clock->advance(10s);
  EXPECT_FALSE(mcp.outageActive());
}

TEST(DemoMcpInput, HostileBodiesGetJsonRpcErrorsNotCrashes) {
  auto clock = std::make_shared<common::FakeClock>();
  DemoMcp mcp(clock);
  const std::vector<std::string> bodies = {
      "",
      "null",
      "[]",
      "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]",
      "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":\"x\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":\"x\"}}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":7}}",
      std::string(100000, '['),
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\",\"params\":{\"_meta\":{"
      "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}",
  };
  for (const auto& body : bodies) {
    net::ServerRequest req = mcpPost(Json::object());
    req.body = body;
    req.headers.add("Mcp-Method", "\xff\xfe");
    req.headers.add("MCP-Protocol-Version", "2026-07-28");
    auto r = mcp.handle(req);
    EXPECT_GE(r.status, 400) << body.substr(0, 80);
    EXPECT_LT(r.status, 500) << body.substr(0, 80);
  }
}

TEST(DemoMcpEras, ModernShapedRequestInALegacyVersionTakesTheLegacyPath) {
  auto clock = std::make_shared<common::FakeClock>();
  DemoMcp mcp(clock);
  auto discover = [&](const std::string& headerVersion, const std::string& metaVersion) {
    net::ServerRequest req = mcpPost(
        {{"jsonrpc", "2.0"},
         {"id", 1},
         {"method", "server/discover"},
         {"params", {{"_meta", {{"io.modelcontextprotocol/protocolVersion", metaVersion}}}}}});
    req.headers.add("MCP-Protocol-Version", headerVersion);
    req.headers.add("Mcp-Method", "server/discover");
    auto r = mcp.handle(req);
    return std::make_pair(r.status, common::parseJson(r.body).value()["error"]["code"]);
  };
  // 2025-11-25 is served through initialize: no session yet, so the legacy "session required".
  EXPECT_EQ(discover("2025-11-25", "2025-11-25"), std::make_pair(400, Json(-32000)));
  // Disagreeing versions are still a header mismatch, unknown ones still -32022.
  EXPECT_EQ(discover("2026-07-28", "2025-11-25"), std::make_pair(400, Json(-32020)));
  EXPECT_EQ(discover("1999-01-01", "1999-01-01"), std::make_pair(400, Json(-32022)));
}

TEST(DemoTools, ResultsAndArgumentErrors) {
  common::FakeClock clock(common::WallTime{} + std::chrono::seconds(1'795'000'000));
  auto call = [&](const std::string& name, const Json& args) {
    return callTool(name, args, false, "2025-11-25", clock);
  };
  EXPECT_EQ(call("echo", {{"message", "hé"}}).value()["content"][0]["text"], "hé");
  EXPECT_EQ(call("add", {{"a", 1.5}, {"b", 2}}).value()["structuredContent"]["sum"], 3.5);
  EXPECT_EQ(call("get_time", Json()).value()["structuredContent"]["utc"], "2026-11-18T11:06:40Z");
  EXPECT_EQ(call("reverse_text", {{"text", "añb€"}}).value()["content"][0]["text"], "€bña");

  auto r1 = call("random_number", {{"min", 1}, {"max", 6}, {"seed", 42}}).value();
  auto r2 = call("random_number", {{"min", 1}, {"max", 6}, {"seed", 42}}).value();
  EXPECT_EQ(r1, r2);
  auto v = r1["structuredContent"]["value"].get<std::int64_t>();
  EXPECT_GE(v, 1);
  EXPECT_LE(v, 6);

  for (const auto& [name, args] : std::vector<std::pair<std::string, Json>>{
           {"echo", Json::object()},
           {"echo", {{"message", 5}}},
           {"add", {{"a", "1"}, {"b", 2}}},
           {"add", {{"a", 1e308}, {"b", 1e308}}},
           {"random_number", {{"min", 6}, {"max", 1}}},
           {"random_number", {{"min", 0}, {"max", 1e300}}},
           {"random_number", {{"min", std::numeric_limits<std::int64_t>::min()}, {"max", 0}}},
           {"reverse_text", {{"text", std::string(70000, 'x')}}},
           {"echo", Json::array()}}) {
    auto r = call(name, args);
    ASSERT_TRUE(r) << name << " " << args;
    EXPECT_EQ(r.value()["isError"], true) << name << " " << args;
  }
  auto unknown = call("nope", Json::object());
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, -32602);
  // The drift tool only exists while drift is on.
  EXPECT_FALSE(call(std::string(kDriftToolName), Json::object()));
  EXPECT_TRUE(callTool(kDriftToolName, Json::object(), true, "2026-07-28", clock));
}

TEST(DemoTools, DefinitionsFollowTheVersion) {
  auto modern = toolDefinitions(false, "2026-07-28");
  ASSERT_EQ(modern.size(), 5u);
  EXPECT_TRUE(modern[1].contains("outputSchema"));
  EXPECT_FALSE(modern[1].contains("execution"));
  auto v1105 = toolDefinitions(true, "2024-11-05");
  ASSERT_EQ(v1105.size(), 6u);
  for (const auto& t : v1105) {
    EXPECT_FALSE(t.contains("title"));
    EXPECT_FALSE(t.contains("annotations"));
    EXPECT_FALSE(t.contains("outputSchema"));
    EXPECT_EQ(t["inputSchema"]["type"], "object");
  }
}

} // namespace
} // namespace mcpwatch::demo
