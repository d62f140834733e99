// Model behaviour: route selection, maintenance windows in time, and reload diffs.
#include "common/time.hpp"
#include "config/diff.hpp"
#include "tests/config/test_support.hpp"

namespace mcpwatch::config {
namespace {

using namespace std::chrono_literals;
using test::envOf;
using test::errorsOf;
using test::load;

Config mustLoad(const std::string& yaml) {
  auto result =
      load(yaml, envOf({{"KEY_A", std::string(32, 'a')}, {"KEY_B", std::string(32, 'b')}}));
  EXPECT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  return result ? std::move(result).value() : Config{};
}

TimePoint at(const char* text) {
  return *common::parseRfc3339(text);
}

constexpr const char* kRouting = R"(servers:
  - {slug: db, url: "http://db.example/mcp", tags: [internal, data]}
  - {slug: web, url: "http://web.example/mcp", tags: [public]}
  - {slug: gh, url: "http://gh.example/mcp"}
sinks:
  internal: {type: webhook, url: "http://i.example/"}
  special: {type: webhook, url: "http://s.example/"}
  all: {type: webhook, url: "http://a.example/"}
routes:
  - match: {servers: [gh]}
    sinks: [special]
    severity: warning
  - match: {tags: [internal]}
    sinks: [internal, special]
    continue: false
  - sinks: [all, special]
)";

TEST(ConfigModel, RouteTargetsFollowOrderMatchAndContinue) {
  Config c = mustLoad(kRouting);
  ASSERT_EQ(c.servers.size(), 3u);
  // db: route 1 skipped, route 2 matches by tag and stops.
  EXPECT_EQ(routeTargets(c.routes, *c.findServer("db")),
            (std::vector<RouteTarget>{{"internal", std::nullopt}, {"special", std::nullopt}}));
  // web: only the catch-all.
  EXPECT_EQ(routeTargets(c.routes, *c.findServer("web")),
            (std::vector<RouteTarget>{{"all", std::nullopt}, {"special", std::nullopt}}));
  // gh: slug route first (its severity wins for `special`), then the catch-all adds `all`.
  EXPECT_EQ(routeTargets(c.routes, *c.findServer("gh")),
            (std::vector<RouteTarget>{{"special", Severity::Warning}, {"all", std::nullopt}}));
  EXPECT_TRUE(RouteMatch{}.matches(*c.findServer("gh")));
  EXPECT_EQ(c.findServer("nope"), nullptr);
  EXPECT_NE(c.findSink("all"), nullptr);
  EXPECT_EQ(c.findSink("none"), nullptr);
}

// The loader hands the windows over as written; when they are active is the detector's
// (detector/maintenance.cpp, tests/detector/maintenance_test.cpp).
TEST(ConfigModel, MaintenanceWindowsAsWritten) {
  Config c = mustLoad(R"(servers:
  - {slug: db, url: "http://db.example/mcp", tags: [internal]}
maintenance:
  windows:
    - {name: m, tags: [internal], start: "2026-12-01T02:00:00Z", end: "2026-12-01T04:00:00Z"}
    - {name: utc, cron: "0 3 * * 2", duration: 30m}
    - {name: berlin, servers: [db], cron: "0 3 * * 2", duration: 90m, timezone: Europe/Berlin}
)");
  ASSERT_EQ(c.maintenance.windows.size(), 3u);
  const auto& fixed = std::get<FixedWindow>(c.maintenance.windows[0].schedule);
  EXPECT_EQ(c.maintenance.windows[0].tags, std::vector<std::string>{"internal"});
  EXPECT_EQ(fixed.start, at("2026-12-01T02:00:00Z"));
  EXPECT_EQ(fixed.end, at("2026-12-01T04:00:00Z"));
  const auto& utc = std::get<RecurringWindow>(c.maintenance.windows[1].schedule);
  EXPECT_TRUE(c.maintenance.windows[1].servers.empty());
  EXPECT_EQ(utc.cron.text(), "0 3 * * 2");
  EXPECT_EQ(utc.duration, std::chrono::minutes(30));
  EXPECT_EQ(utc.timezone, "UTC");
  const auto& berlin = std::get<RecurringWindow>(c.maintenance.windows[2].schedule);
  EXPECT_EQ(c.maintenance.windows[2].servers, std::vector<std::string>{"db"});
  EXPECT_EQ(berlin.duration, std::chrono::minutes(90));
  EXPECT_EQ(berlin.timezone, "Europe/Berlin");
  ASSERT_NE(berlin.zone, nullptr);
}

constexpr const char* kBefore = R"(servers:
  - {slug: same, url: "http://s.example/mcp", tags: [a]}
  - {slug: gone, url: "http://g.example/mcp"}
  - {slug: url, url: "http://u.example/mcp"}
  - {slug: hdr, url: "http://h.example/mcp", headers: {Authorization: "Bearer ${KEY_A}"}}
  - {slug: check, url: "http://c.example/mcp"}
  - {slug: label, url: "http://l.example/mcp", name: Old}
  - {slug: inherits, url: "http://i.example/mcp"}
sinks:
  keep: {type: webhook, url: "http://k.example/"}
  rotate: {type: pagerduty, routing_key: "${KEY_A}"}
  drop: {type: webhook, url: "http://d.example/"}
)";

constexpr const char* kAfter = R"(defaults:
  timeout: 5s
servers:
  - {slug: same, url: "http://s.example/mcp", tags: [a], timeout: 10s}
  - {slug: new, url: "http://n.example/mcp"}
  - {slug: url, url: "http://u2.example/mcp"}
  - {slug: hdr, url: "http://h.example/mcp", headers: {Authorization: "Bearer ${KEY_B}"}}
  - {slug: check, url: "http://c.example/mcp", flapping: {enabled: false}, timeout: 10s}
  - {slug: label, url: "http://l.example/mcp", name: New, public: false, timeout: 10s}
  - {slug: inherits, url: "http://i.example/mcp"}
sinks:
  keep: {type: webhook, url: "http://k.example/"}
  rotate: {type: pagerduty, routing_key: "${KEY_B}"}
  fresh: {type: webhook, url: "http://f.example/"}
)";

TEST(ConfigDiff, ServersAddedRemovedChangedAndRelabeled) {
  Config before = mustLoad(kBefore);
  Config after = mustLoad(kAfter);
  ServerDiff d = diffServers(before, after);
  EXPECT_EQ(d.added, (std::vector<std::string>{"new"}));
  EXPECT_EQ(d.removed, (std::vector<std::string>{"gone"}));
  // `inherits` changed through the defaults (timeout 10s -> 5s): resolved settings are compared.
  EXPECT_EQ(d.changed, (std::vector<std::string>{"url", "hdr", "check", "inherits"}));
  EXPECT_EQ(d.relabeled, (std::vector<std::string>{"label"}));
  EXPECT_FALSE(d.empty());
  EXPECT_TRUE(diffServers(before, before).empty());
}

TEST(ConfigDiff, SinksAddedRemovedAndChanged) {
  Config before = mustLoad(kBefore);
  Config after = mustLoad(kAfter);
  SinkDiff d = diffSinks(before, after);
  EXPECT_EQ(d.added, (std::vector<std::string>{"fresh"}));
  EXPECT_EQ(d.removed, (std::vector<std::string>{"drop"}));
  EXPECT_EQ(d.changed, (std::vector<std::string>{"rotate"})); // routing key rotated
  EXPECT_TRUE(diffSinks(after, after).empty());
}

TEST(ConfigModel, EnumSpellingsMatchTheConfigKeys) {
  EXPECT_EQ(toString(SchemaDriftPolicy::Ignore), "ignore");
  EXPECT_EQ(toString(Transport::StreamableHttp), "streamable-http");
  EXPECT_EQ(toString(Severity::Warning), "warning");
  EXPECT_EQ(toString(LogLevel::Warn), "warn");
  EXPECT_EQ(toString(LogFormat::Json), "json");
  EXPECT_EQ((ConfigError{"a.b", "bad", 3}.toString()), "a.b: bad (line 3)");
  EXPECT_EQ((ConfigError{"", "bad", 0}.toString()), "bad");
}

} // namespace
} // namespace mcpwatch::config
