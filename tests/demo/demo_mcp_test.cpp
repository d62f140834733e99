// The demo MCP server over real loopback sockets, driven the way MCP clients drive real servers:
// modern discover/tools, legacy initialize/session/pagination/DELETE, legacy HTTP+SSE, header
// and version errors, outage and drift switches.
// clang-format off
#include <utility> // before common/asio.hpp: Boost 1.74's awaitable.hpp uses std::exchange
// clang-format on
#include "common/json.hpp"
#include "demo/demo_server.hpp"
#include "tests/demo/test_client.hpp"

#include <atomic>
#include <gtest/gtest.h>
#include <thread>

namespace mcpwatch::demo {
namespace {

using common::Json;
using testing::HttpReply;
using testing::rawRequest;
using testing::roundTrip;
using testing::TestConnection;
using Headers = std::vector<std::pair<std::string, std::string>>;
using namespace std::chrono_literals;

// Thread-safe manual clock: the server thread reads it while the test thread moves it.
class TestClock final : public common::Clock {
public:
  common::WallTime now() const override {
    return common::WallTime{common::WallTime::duration{ticks_.load()}};
  }
  common::MonoTime monoNow() const override {
    return common::MonoTime{} + std::chrono::duration_cast<common::MonoTime::duration>(
                                    common::WallTime::duration{ticks_.load()});
  }
  void advance(common::WallTime::duration d) { ticks_ += d.count(); }

private:
  std::atomic<common::WallTime::duration::rep> ticks_{
      std::chrono::duration_cast<common::WallTime::duration>(std::chrono::hours(24 * 365 * 56))
          .count()};
};

class DemoServerTest : public ::testing::Test {
protected:
  DemoServerTest() { start({}); }
  ~DemoServerTest() override { stop(); }

  void start(DemoOptions options) {
    stop();
    DemoServerConfig config;
    config.options = std::move(options);
    config.clock = clock_;
    auto started = startDemoServer(io_.get_executor(), "127.0.0.1", 0, std::move(config));
    ASSERT_TRUE(started) << started.error();
    server_ = std::move(*started);
    port_ = server_->port();
    io_.restart();
    thread_ = std::thread([this] { io_.run(); });
  }

  void stop() {
    if (server_) {
      server_->stop();
      thread_.join();
      server_.reset();
    }
  }

  HttpReply post(const Json& body, Headers extra = {}, std::string_view target = "/mcp") {
    Headers headers = {{"Content-Type", "application/json"},
                       {"Accept", "application/json, text/event-stream"}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    auto reply = roundTrip(port_, "POST", target, headers, body.dump());
    EXPECT_TRUE(reply);
    return reply.value_or(HttpReply{});
  }

  static Json meta(const std::string& version = "2026-07-28") {
    return {{"io.modelcontextprotocol/protocolVersion", version},
            {"io.modelcontextprotocol/clientCapabilities", Json::object()},
            {"io.modelcontextprotocol/clientInfo", {{"name", "demo-test"}, {"version", "1"}}}};
  }

  // A modern request with matching headers (each can be overridden through `extra`).
  HttpReply modern(const std::string& method, Json params = Json::object(), Headers extra = {},
                   const std::string& version = "2026-07-28") {
    params["_meta"] = meta(version);
    Json body = {{"jsonrpc", "2.0"}, {"id", 7}, {"method", method}, {"params", params}};
    Headers headers = {{"MCP-Protocol-Version", version}, {"Mcp-Method", method}};
    for (auto& [n, v] : extra) {
      bool replaced = false;
      for (auto& h : headers) {
        if (h.first == n) {
          h.second = v;
          replaced = true;
        }
      }
      if (!replaced) {
        headers.emplace_back(n, v);
      }
    }
    headers.erase(std::remove_if(headers.begin(), headers.end(),
                                 [](auto& h) { return h.second == "<absent>"; }),
                  headers.end());
    return post(body, headers);
  }

  static Json parse(const HttpReply& r) {
    auto j = common::parseJson(r.body);
    EXPECT_TRUE(j) << r.body;
    return j.value_or(Json());
  }

  // initialize + notifications/initialized; returns the session id.
  std::string legacySession(const std::string& version = "2025-11-25") {
    auto init = post({{"jsonrpc", "2.0"},
                      {"id", 1},
                      {"method", "initialize"},
                      {"params",
                       {{"protocolVersion", version},
                        {"capabilities", Json::object()},
                        {"clientInfo", {{"name", "demo-test"}, {"version", "1"}}}}}});
    EXPECT_EQ(init.status, 200) << init.body;
    auto sid = init.header("Mcp-Session-Id").value_or("");
    auto note = post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}},
                     {{"Mcp-Session-Id", sid}});
    EXPECT_EQ(note.status, 202);
    return sid;
  }

  HttpReply legacy(const std::string& sid, const std::string& method, Json params = nullptr,
                   int id = 2) {
    Json body = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
    if (!params.is_null()) {
      body["params"] = std::move(params);
    }
    return post(body, {{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", "2025-11-25"}});
  }

  static std::vector<std::string> names(const Json& result) {
    std::vector<std::string> out;
    for (const auto& t : result["tools"]) {
      out.push_back(t["name"].get<std::string>());
    }
    return out;
  }

  std::shared_ptr<TestClock> clock_ = std::make_shared<TestClock>();
  asio::io_context io_;
  std::unique_ptr<DemoServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

const std::vector<std::string> kAllTools = {"echo", "add", "get_time", "random_number",
                                            "reverse_text"};

TEST_F(DemoServerTest, ModernDiscover) {
  auto r = modern("server/discover");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  Json j = parse(r);
  EXPECT_EQ(j["jsonrpc"], "2.0");
  EXPECT_EQ(j["id"], 7);
  const Json& res = j["result"];
  EXPECT_EQ(res["supportedVersions"], Json({"2026-07-28", "2025-11-25"}));
  EXPECT_EQ(res["capabilities"], Json({{"tools", {{"listChanged", false}}}}));
  EXPECT_EQ(res["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "mcpwatch-demo");
  EXPECT_EQ(res["_meta"]["io.modelcontextprotocol/serverInfo"]["version"], MCPWATCH_VERSION);
  EXPECT_EQ(res["resultType"], "complete");
  EXPECT_TRUE(res["ttlMs"].is_number_integer());
  EXPECT_TRUE(res["cacheScope"] == "public" || res["cacheScope"] == "private");
}

TEST_F(DemoServerTest, ModernToolsListPaginates) {
  auto first = parse(modern("tools/list"));
  ASSERT_TRUE(first.contains("result")) << first;
  EXPECT_EQ(names(first["result"]),
            std::vector<std::string>(kAllTools.begin(), kAllTools.begin() + 3));
  EXPECT_EQ(first["result"]["resultType"], "complete");
  EXPECT_TRUE(first["result"].contains("ttlMs"));
  const Json& echo = first["result"]["tools"][0];
  EXPECT_EQ(echo["title"], "Echo");
  EXPECT_EQ(echo["inputSchema"]["type"], "object");
  EXPECT_TRUE(echo.contains("annotations"));
  EXPECT_FALSE(echo.contains("execution")); // moved to an extension in 2026-07-28
  ASSERT_TRUE(first["result"]["nextCursor"].is_string());

  auto second = parse(modern("tools/list", {{"cursor", first["result"]["nextCursor"]}}));
  EXPECT_EQ(names(second["result"]),
            std::vector<std::string>(kAllTools.begin() + 3, kAllTools.end()));
  EXPECT_FALSE(second["result"].contains("nextCursor"));

  auto bogus = parse(modern("tools/list", {{"cursor", "not-a-cursor"}}));
  EXPECT_EQ(bogus["error"]["code"], -32602);
}

TEST_F(DemoServerTest, ModernToolsCall) {
  auto r = modern("tools/call", {{"name", "add"}, {"arguments", {{"a", 2}, {"b", 3}}}},
                  {{"Mcp-Name", "add"}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json res = parse(r)["result"];
  EXPECT_EQ(res["content"][0]["text"], "5");
  EXPECT_EQ(res["structuredContent"]["sum"], 5);
  EXPECT_EQ(res["resultType"], "complete");
  EXPECT_EQ(res["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "mcpwatch-demo");

  // Mcp-Name may be base64-encoded.
  r = modern("tools/call", {{"name", "echo"}, {"arguments", {{"message", "hi"}}}},
             {{"Mcp-Name", "=?base64?ZWNobw==?="}});
  EXPECT_EQ(parse(r)["result"]["content"][0]["text"], "hi");

  r = modern("tools/call", {{"name", "echo"}, {"arguments", {{"message", "hi"}}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(parse(r)["error"]["code"], -32020);
}

TEST_F(DemoServerTest, ModernHeaderMismatchGets32020) {
  auto noMethod = modern("tools/list", Json::object(), {{"Mcp-Method", "<absent>"}});
  EXPECT_EQ(noMethod.status, 400);
  Json j = parse(noMethod);
  EXPECT_EQ(j["error"]["code"], -32020);
  EXPECT_EQ(j["id"], 7);
  EXPECT_NE(j["error"]["message"].get<std::string>().find("Mcp-Method"), std::string::npos);

  auto wrongMethod = modern("server/discover", Json::object(), {{"Mcp-Method", "tools/list"}});
  EXPECT_EQ(wrongMethod.status, 400);
  EXPECT_EQ(parse(wrongMethod)["error"]["code"], -32020);

  auto wrongVersion =
      modern("tools/list", Json::object(), {{"MCP-Protocol-Version", "2025-11-25"}});
  EXPECT_EQ(wrongVersion.status, 400);
  EXPECT_EQ(parse(wrongVersion)["error"]["code"], -32020);
}

TEST_F(DemoServerTest, ModernUnsupportedVersionGets32022) {
  auto r = modern("server/discover", Json::object(), {}, "2099-01-01");
  EXPECT_EQ(r.status, 400);
  Json err = parse(r)["error"];
  EXPECT_EQ(err["code"], -32022);
  EXPECT_EQ(err["data"]["supported"], Json({"2026-07-28", "2025-11-25"}));
  EXPECT_EQ(err["data"]["requested"], "2099-01-01");
}

TEST_F(DemoServerTest, ModernUnknownMethodIs404WithMethodNotFound) {
  auto r = modern("ping");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(parse(r)["error"]["code"], -32601);
}

TEST_F(DemoServerTest, LegacyInitializeSessionPaginationAndDelete) {
  auto init = post({{"jsonrpc", "2.0"},
                    {"id", 1},
                    {"method", "initialize"},
                    {"params",
                     {{"protocolVersion", "2025-11-25"},
                      {"capabilities", Json::object()},
                      {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}});
  ASSERT_EQ(init.status, 200) << init.body;
  EXPECT_EQ(init.header("Content-Type"), "application/json");
  Json res = parse(init)["result"];
  EXPECT_EQ(res["protocolVersion"], "2025-11-25");
  EXPECT_EQ(res["serverInfo"]["name"], "mcpwatch-demo");
  EXPECT_TRUE(res["serverInfo"].contains("version"));
  EXPECT_TRUE(res["capabilities"].contains("tools"));
  auto sid = init.header("Mcp-Session-Id");
  ASSERT_TRUE(sid);
  for (char c : *sid) {
    EXPECT_TRUE(c >= 0x21 && c <= 0x7E);
  }

  auto note = post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}},
                   {{"Mcp-Session-Id", *sid}, {"MCP-Protocol-Version", "2025-11-25"}});
  EXPECT_EQ(note.status, 202);
  EXPECT_TRUE(note.body.empty());

  Json page1 = parse(legacy(*sid, "tools/list", Json::object()));
  EXPECT_EQ(page1["id"], 2);
  EXPECT_EQ(names(page1["result"]),
            std::vector<std::string>(kAllTools.begin(), kAllTools.begin() + 3));
  EXPECT_EQ(page1["result"]["tools"][0]["execution"]["taskSupport"], "forbidden");
  ASSERT_TRUE(page1["result"].contains("nextCursor"));
  Json page2 = parse(legacy(*sid, "tools/list", {{"cursor", page1["result"]["nextCursor"]}}, 3));
  EXPECT_EQ(names(page2["result"]),
            std::vector<std::string>(kAllTools.begin() + 3, kAllTools.end()));
  EXPECT_FALSE(page2["result"].contains("nextCursor"));

  Json call = parse(
      legacy(*sid, "tools/call", {{"name", "reverse_text"}, {"arguments", {{"text", "abc"}}}}, 4));
  EXPECT_EQ(call["result"]["content"][0]["text"], "cba");
  Json ping = parse(legacy(*sid, "ping", nullptr, 5));
  EXPECT_EQ(ping["result"], Json::object());
  auto unknown = legacy(*sid, "resources/list", nullptr, 6);
  EXPECT_EQ(unknown.status, 200);
  EXPECT_EQ(parse(unknown)["error"]["code"], -32601);

  auto missing = post({{"jsonrpc", "2.0"}, {"id", 8}, {"method", "tools/list"}});
  EXPECT_EQ(missing.status, 400);

  auto del = roundTrip(port_, "DELETE", "/mcp", {{"Mcp-Session-Id", *sid}});
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200);
  auto after = legacy(*sid, "tools/list");
  EXPECT_EQ(after.status, 404);
  EXPECT_EQ(parse(after)["error"]["code"], -32001);
}

TEST_F(DemoServerTest, LegacyVersionNegotiation) {
  auto negotiate = [&](const std::string& offered) {
    auto r = post({{"jsonrpc", "2.0"},
                   {"id", 1},
                   {"method", "initialize"},
                   {"params",
                    {{"protocolVersion", offered},
                     {"capabilities", Json::object()},
                     {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}});
    return parse(r)["result"]["protocolVersion"];
  };
  EXPECT_EQ(negotiate("2099-01-01"), "2025-11-25");
  EXPECT_EQ(negotiate("2026-07-28"), "2025-11-25");
  EXPECT_EQ(negotiate("2025-06-18"), "2025-06-18");
  EXPECT_EQ(negotiate("2025-03-26"), "2025-03-26");
  EXPECT_EQ(negotiate("2024-11-05"), "2024-11-05");

  // A 2025-03-26 session sees tools as that version defines them: no title, no execution.
  auto sid = legacySession("2025-03-26");
  Json page = parse(legacy(sid, "tools/list"));
  const Json& tool = page["result"]["tools"][0];
  EXPECT_FALSE(tool.contains("title"));
  EXPECT_FALSE(tool.contains("execution"));
  EXPECT_TRUE(tool.contains("annotations"));
}

TEST_F(DemoServerTest, LegacyHttpErrors) {
  auto get = roundTrip(port_, "GET", "/mcp", {{"Accept", "text/event-stream"}});
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);

  Json ping = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}};
  auto notAcceptable = roundTrip(
      port_, "POST", "/mcp", {{"Content-Type", "application/json"}, {"Accept", "application/json"}},
      ping.dump());
  ASSERT_TRUE(notAcceptable);
  EXPECT_EQ(notAcceptable->status, 406);
  auto wrongType = roundTrip(port_, "POST", "/mcp",
                             {{"Content-Type", "text/plain"}, {"Accept", "*/*"}}, ping.dump());
  ASSERT_TRUE(wrongType);
  EXPECT_EQ(wrongType->status, 415);
  auto malformed = roundTrip(port_, "POST", "/mcp",
                             {{"Content-Type", "application/json"}, {"Accept", "*/*"}}, "{nope");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_EQ(parse(*malformed)["error"]["code"], -32700);

  auto sid = legacySession();
  auto badVersion = post(ping, {{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", "1999-01-01"}});
  EXPECT_EQ(badVersion.status, 400);
  auto unknownSession = legacy("0123456789abcdef", "ping");
  EXPECT_EQ(unknownSession.status, 404);
  auto evilOrigin = post(ping, {{"Mcp-Session-Id", sid}, {"Origin", "http://evil.example"}});
  EXPECT_EQ(evilOrigin.status, 403);
}

TEST_F(DemoServerTest, LegacySseTransport) {
  TestConnection stream(port_);
  ASSERT_TRUE(stream.send(rawRequest("GET", "/sse", {{"Accept", "text/event-stream"}})));
  auto head = stream.readHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Type"), "text/event-stream");
  std::string text = stream.readChunksUntil("\n\n");
  const std::string prefix = "event: endpoint\ndata: ";
  ASSERT_EQ(text.rfind(prefix, 0), 0u) << text;
  std::string endpoint = text.substr(prefix.size(), text.find('\n', prefix.size()) - prefix.size());
  ASSERT_EQ(endpoint.rfind("/message?sessionId=", 0), 0u) << endpoint;

  auto send = [&](const Json& msg) {
    auto r = roundTrip(port_, "POST", endpoint, {{"Content-Type", "application/json"}}, msg.dump());
    EXPECT_TRUE(r);
    return r ? r->status : 0;
  };
  auto nextMessage = [&] {
    std::string event = stream.readChunksUntil("\n\n");
    const std::string tag = "event: message\ndata: ";
    EXPECT_EQ(event.rfind(tag, 0), 0u) << event;
    return common::parseJson(event.substr(tag.size())).value_or(Json());
  };

  EXPECT_EQ(send({{"jsonrpc", "2.0"},
                  {"id", 1},
                  {"method", "initialize"},
                  {"params",
                   {{"protocolVersion", "2024-11-05"},
                    {"capabilities", Json::object()},
                    {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}}),
            202);
  Json init = nextMessage();
  EXPECT_EQ(init["id"], 1);
  EXPECT_EQ(init["result"]["protocolVersion"], "2024-11-05");
  EXPECT_EQ(init["result"]["serverInfo"]["name"], "mcpwatch-demo");
  EXPECT_EQ(send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}), 202);
  EXPECT_EQ(send({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}}), 202);
  Json list = nextMessage();
  EXPECT_EQ(list["id"], 2);
  EXPECT_EQ(list["result"]["tools"].size(), 3u);
  EXPECT_FALSE(list["result"]["tools"][0].contains("annotations")); // 2024-11-05 had none
  EXPECT_TRUE(list["result"].contains("nextCursor"));

  // An unknown session is refused at once instead of hanging.
  auto unknown =
      roundTrip(port_, "POST", "/message?sessionId=nope", {{"Content-Type", "application/json"}},
                R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
}

TEST_F(DemoServerTest, SseKeepAliveComments) {
  DemoOptions options;
  options.sseKeepAlive = 30ms;
  start(options);
  TestConnection stream(port_);
  ASSERT_TRUE(stream.send(rawRequest("GET", "/sse")));
  ASSERT_TRUE(stream.readHead());
  std::string text = stream.readChunksUntil(": keep-alive\n\n");
  EXPECT_NE(text.find("event: endpoint"), std::string::npos);
  EXPECT_NE(text.find(": keep-alive\n\n"), std::string::npos);
}

TEST_F(DemoServerTest, OutageAnswers503ThenRecovers) {
  auto started = roundTrip(port_, "POST", "/demo/outage?seconds=60");
  ASSERT_TRUE(started);
  EXPECT_EQ(started->status, 200);

  auto down = modern("server/discover");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.header("Retry-After"), "60");
  auto sse = roundTrip(port_, "GET", "/sse");
  ASSERT_TRUE(sse);
  EXPECT_EQ(sse->status, 503);
  auto state = roundTrip(port_, "GET", "/demo/outage");
  ASSERT_TRUE(state);
  EXPECT_EQ(parse(*state)["active"], true);

  clock_->advance(59s);
  EXPECT_EQ(modern("server/discover").status, 503);
  clock_->advance(1s);
  EXPECT_EQ(modern("server/discover").status, 200); // over after exactly 60 s

  ASSERT_TRUE(roundTrip(port_, "POST", "/demo/outage?seconds=600"));
  EXPECT_EQ(modern("server/discover").status, 503);
  auto ended = roundTrip(port_, "DELETE", "/demo/outage");
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->status, 200);
  EXPECT_EQ(modern("server/discover").status, 200);

  auto crossSite =
      roundTrip(port_, "POST", "/demo/outage?seconds=5", {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(crossSite);
  EXPECT_EQ(crossSite->status, 403);
  EXPECT_EQ(modern("server/discover").status, 200);

  for (const char* bad : {"/demo/outage?seconds=0", "/demo/outage?seconds=abc",
                          "/demo/outage?seconds=-5", "/demo/outage?seconds=99999999999999999999"}) {
    auto r = roundTrip(port_, "POST", bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad;
  }
}

TEST_F(DemoServerTest, OutageEndsOpenSseStreams) {
  TestConnection stream(port_);
  ASSERT_TRUE(stream.send(rawRequest("GET", "/sse")));
  ASSERT_TRUE(stream.readHead());
  EXPECT_NE(stream.readChunksUntil("\n\n").find("event: endpoint"), std::string::npos);
  ASSERT_TRUE(roundTrip(port_, "POST", "/demo/outage?seconds=5"));
  EXPECT_EQ(stream.readChunk(), std::nullopt); // the terminating chunk
  EXPECT_TRUE(stream.waitClosed());
}

TEST_F(DemoServerTest, DriftTogglesAnExtraTool) {
  auto all = [&] {
    std::vector<std::string> out;
    Json params = Json::object();
    for (int page = 0; page < 10; ++page) {
      Json res = parse(modern("tools/list", params))["result"];
      auto n = names(res);
      out.insert(out.end(), n.begin(), n.end());
      if (!res.contains("nextCursor")) {
        break;
      }
      params = {{"cursor", res["nextCursor"]}};
    }
    return out;
  };
  EXPECT_EQ(all(), kAllTools);
  auto on = roundTrip(port_, "POST", "/demo/drift");
  ASSERT_TRUE(on);
  EXPECT_EQ(on->status, 200);
  auto withDrift = all();
  ASSERT_EQ(withDrift.size(), 6u);
  EXPECT_EQ(withDrift.back(), "demo_drift");
  ASSERT_TRUE(roundTrip(port_, "POST", "/demo/drift"));
  EXPECT_EQ(all(), kAllTools);
  ASSERT_TRUE(roundTrip(port_, "POST", "/demo/drift?enabled=true"));
  ASSERT_TRUE(roundTrip(port_, "POST", "/demo/drift?enabled=true"));
  EXPECT_EQ(all().size(), 6u);
}

TEST_F(DemoServerTest, HelpAndUnknownPaths) {
  auto help = roundTrip(port_, "GET", "/demo");
  ASSERT_TRUE(help);
  EXPECT_EQ(help->status, 200);
  EXPECT_NE(help->body.find("/demo/outage"), std::string::npos);
  auto missing = roundTrip(port_, "POST", "/other");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST(StartDemoServer, PortInUseIsAnError) {
  asio::io_context io;
  auto first = startDemoServer(io.get_executor(), "127.0.0.1", 0);
  ASSERT_TRUE(first);
  auto second = startDemoServer(io.get_executor(), "127.0.0.1", (*first)->port());
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("listen 127.0.0.1:"), std::string::npos) << second.error();
  (*first)->stop();
  io.run();
}

} // namespace
} // namespace mcpwatch::demo
