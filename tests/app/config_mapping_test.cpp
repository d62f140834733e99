// What the config means for the detector and the prober, read from a real config text.
#include "app/config_mapping.hpp"
#include "app/sinks.hpp"
#include "common/time.hpp"
#include "config/loader.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::app {
namespace {

config::Config load(const std::string& yaml) {
  auto loaded = config::loadConfigText(
      yaml, "test.yaml",
      [](std::string_view name) {
        return name == "TOKEN" ? std::optional<std::string>("s3cret") : std::nullopt;
      },
      sinkTypes());
  if (!loaded) {
    std::string all;
    for (const auto& e : loaded.error())
      all += e.toString() + "\n";
    ADD_FAILURE() << all;
    return {};
  }
  return std::move(loaded.value());
}

const char* kConfig = R"(storage: {path: ./m.db}
web: {public_url: "https://status.example.com"}
defaults:
  failure_threshold: 3
  success_threshold: 2
  interval: 30s
  retry_interval: 10s
  schema_drift: fail
servers:
  - slug: api
    name: API
    url: "https://api.example.com/mcp"
    tags: [prod]
    owner: Team API
    headers: {Authorization: "Bearer ${TOKEN}"}
  - slug: docs
    url: "https://docs.example.com/mcp"
    depends_on: [api]
  - slug: off
    url: "https://off.example.com/mcp"
    enabled: false
    depends_on: [api]
maintenance:
  windows:
    - name: deploys
      cron: "0 3 * * 2"
      duration: 30m
      timezone: Europe/Berlin
      servers: [api]
    - name: move
      start: "2026-12-01T00:00:00Z"
      end: "2026-12-01T02:00:00Z"
)";

TEST(ConfigMapping, DetectorScheduleAndProbeSettingsOfAServer) {
  const auto config = load(kConfig);
  ASSERT_EQ(config.servers.size(), 3u);
  const auto& api = config.servers[0];
  const auto settings = detectorSettings(api);
  EXPECT_EQ(settings.failureThreshold, 3);
  EXPECT_EQ(settings.successThreshold, 2);
  EXPECT_EQ(settings.drift, detector::DriftPolicy::Fail);
  const auto schedule = scheduleOf(api);
  EXPECT_EQ(schedule.interval, std::chrono::seconds(30));
  EXPECT_EQ(schedule.retryInterval, std::chrono::seconds(10));
  const auto probe = probeOptions(api, std::string("sse"));
  EXPECT_EQ(probe.url, "https://api.example.com/mcp");
  ASSERT_EQ(probe.headers.size(), 1u);
  EXPECT_EQ(probe.headers[0].second, "Bearer s3cret") << "the probe sends the secret itself";
  ASSERT_TRUE(probe.lastTransport);
  EXPECT_EQ(*probe.lastTransport, prober::Transport::Sse);
  EXPECT_FALSE(probeOptions(api, std::nullopt).lastTransport);
  EXPECT_FALSE(probe.protectedIsUp);
  auto open = api;
  open.protectedIsUp = true;
  EXPECT_TRUE(probeOptions(open, std::nullopt).protectedIsUp);

  // An OAuth client: its settings and the daemon's per-server cache reach the probe.
  EXPECT_FALSE(probe.oauth);
  auto oauth = config.servers[1];
  oauth.headers.clear();
  oauth.oauth = config::OAuthClientConfig{
      "probe-client",      common::Secret("cl-secret"), "", common::Secret(), "mcp:read", "",
      "https://as.example"};
  auto cache = std::make_shared<prober::CredentialCache>();
  const auto withClient = probeOptions(oauth, std::nullopt, cache);
  ASSERT_TRUE(withClient.oauth);
  EXPECT_EQ(withClient.oauth->clientId, "probe-client");
  EXPECT_EQ(withClient.oauth->clientSecret, "cl-secret");
  EXPECT_EQ(withClient.oauth->scope, "mcp:read");
  EXPECT_EQ(withClient.oauth->issuer, "https://as.example");
  EXPECT_EQ(withClient.credentials, cache) << "tokens are kept between probes";
  EXPECT_FALSE(probeOptions(api, std::nullopt, cache).credentials)
      << "no cache for a server without a client";
}

TEST(ConfigMapping, WindowsDependentsAndTheServerPartOfEvents) {
  const auto config = load(kConfig);
  const auto windows = maintenanceWindows(config);
  EXPECT_TRUE(windows.rejected.empty());
  ASSERT_EQ(windows.windows.size(), 2u);
  // Tuesday 2026-12-01 03:00 in Berlin is 02:00 UTC: the recurring window covers 02:10 UTC.
  const auto at = *common::parseRfc3339("2026-12-01T02:10:00Z");
  EXPECT_TRUE(detector::activeOccurrence(windows.windows[0], at));
  EXPECT_FALSE(detector::activeOccurrence(windows.windows[1], at)) << "the move ended at 02:00";
  const auto dependents = dependentsOf(config);
  EXPECT_EQ(dependents.at("api"), std::vector<std::string>{"docs"}) << "a disabled server waits "
                                                                       "for nothing";
  const auto d = describe(config.servers[0], config.web.publicUrl, dependents);
  EXPECT_EQ(d.name, "API");
  EXPECT_EQ(d.statusUrl, "https://status.example.com/status/api");
  EXPECT_EQ(d.owner, "Team API");
  EXPECT_EQ(d.dependents, std::vector<std::string>{"docs"});
  EXPECT_TRUE(describe(config.servers[1], config.web.publicUrl, dependents).dependents.empty());
}

} // namespace
} // namespace mcpwatch::app
