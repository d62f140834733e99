// examples/mcpwatch.yaml loads as shipped and with every commented-out block enabled.
#include "tests/config/test_support.hpp"

#include <fstream>
#include <sstream>

namespace mcpwatch::config {
namespace {

using namespace std::chrono_literals;
using test::envOf;
using test::errorsOf;

const std::string kExample = std::string(MCPWATCH_SOURCE_DIR) + "/examples/mcpwatch.yaml";

std::string readExample() {
  std::ifstream in(kExample);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Enables the commented-out settings: the file's convention is that such lines start with "#"
// directly followed by the setting or its indentation, while prose starts with "# " and a word.
std::string uncommented(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  std::string line;
  while (std::getline(in, line)) {
    bool setting = line.size() > 1 && line[0] == '#' &&
                   (line[1] != ' ' || (line.size() > 2 && line[2] == ' '));
    out += (setting ? line.substr(1) : line) + "\n";
  }
  return out;
}

EnvLookup exampleEnv() {
  return envOf({{"GITHUB_TOKEN", "ghp_example"},
                {"PD_ROUTING_KEY", std::string(32, 'p')},
                {"PD_INTERNAL_ROUTING_KEY", std::string(32, 'q')},
                {"WEBHOOK_SECRET", "hook-secret"},
                {"MCPWATCH_ADMIN_TOKEN", "admin-token-0123456789"},
                {"HEALTHCHECKS_UUID", "0b0c0d0e"},
                {"SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/x"},
                {"DISCORD_WEBHOOK_URL", "https://discord.com/api/webhooks/1/t"},
                {"OPSGENIE_API_KEY", "og-key"},
                {"SMTP_PASSWORD", "smtp-pw"}});
}

TEST(ExampleConfig, LoadsAsShippedWithoutAnyEnvironment) {
  std::string text = readExample();
  ASSERT_FALSE(text.empty()) << kExample;
  auto result = loadConfigFile(kExample, envOf({}), app::sinkTypes());
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  const Config& c = result.value();
  ASSERT_EQ(c.servers.size(), 1u);
  const ServerConfig& demo = c.servers[0];
  EXPECT_EQ(demo.slug, "demo");
  EXPECT_EQ(demo.url, "http://127.0.0.1:8931/mcp");
  EXPECT_EQ(demo.tags, (std::vector<std::string>{"demo"}));
  EXPECT_TRUE(demo.isPublic);
  EXPECT_TRUE(demo.enabled);
  // The file spells out every default: loading it must equal the built-in defaults.
  EXPECT_EQ(c.defaults, CheckSettings{});
  EXPECT_EQ(demo.check, CheckSettings{});
  EXPECT_TRUE(c.routes.empty());
  EXPECT_TRUE(c.sinks.empty());
  EXPECT_TRUE(c.maintenance.windows.empty());
  EXPECT_FALSE(c.heartbeat);
  EXPECT_EQ(c.storage.path, std::string(MCPWATCH_SOURCE_DIR) + "/examples/mcpwatch.db");
  EXPECT_EQ(c.storage.retention, StorageConfig{}.retention);
  EXPECT_EQ(c.web, WebConfig{});
  EXPECT_EQ(c.alerting, AlertingConfig{});
  EXPECT_EQ(c.scheduler, SchedulerConfig{});
  EXPECT_EQ(c.log, LogConfig{});
}

TEST(ExampleConfig, EveryCommentedOutBlockIsValidWhenEnabled) {
  std::string full = uncommented(readExample());
  ASSERT_NE(full, readExample());
  auto result = loadConfigText(full, kExample, exampleEnv(), app::sinkTypes());
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  const Config& c = result.value();
  ASSERT_EQ(c.servers.size(), 4u);
  const ServerConfig& gh = *c.findServer("github-mcp");
  EXPECT_EQ(gh.headers.at("Authorization").reveal(), "Bearer ghp_example");
  EXPECT_EQ(gh.check.transport, Transport::StreamableHttp);
  EXPECT_EQ(gh.check.interval, 5min);
  EXPECT_EQ(gh.check.failureThreshold, 3);
  const ServerConfig& search = *c.findServer("search-internal");
  EXPECT_FALSE(search.isPublic);
  EXPECT_EQ(search.check.schemaDrift, SchemaDriftPolicy::Fail);
  ASSERT_TRUE(search.call);
  EXPECT_EQ(search.call->args, common::Json::parse(R"({"query":"health check","limit":1})"));
  EXPECT_FALSE(c.findServer("legacy-sse")->enabled);

  ASSERT_EQ(c.sinks.size(), 7u);
  EXPECT_EQ(c.sinks.at("team-slack").type(), "slack");
  EXPECT_EQ(c.sinks.at("team-slack").reminderInterval, 1h);
  EXPECT_EQ(c.sinks.at("team-discord").type(), "discord");
  EXPECT_EQ(c.sinks.at("opsgenie").settings.as<OpsGenieSinkConfig>().responders,
            (std::vector<OpsGenieResponder>{{"team", "platform"}}));
  const auto& mail = c.sinks.at("oncall-mail").settings.as<EmailSinkConfig>();
  EXPECT_EQ(mail.password.reveal(), "smtp-pw");
  EXPECT_EQ(mail.to.size(), 2u);
  const auto& pd = c.sinks.at("pd-default").settings.as<PagerDutySinkConfig>();
  EXPECT_EQ(pd.routingKey.reveal(), std::string(32, 'p'));
  EXPECT_TRUE(pd.changeEvents);
  const auto& hook = c.sinks.at("bridge").settings.as<WebhookSinkConfig>();
  EXPECT_EQ(hook.secret->reveal(), "hook-secret");
  ASSERT_EQ(c.routes.size(), 3u);
  EXPECT_EQ(routeTargets(c.routes, search), (std::vector<RouteTarget>{{"pd-internal", {}}}));
  EXPECT_EQ(routeTargets(c.routes, gh),
            (std::vector<RouteTarget>{{"bridge", Severity::Warning}, {"pd-default", {}}}));

  ASSERT_EQ(c.maintenance.windows.size(), 2u);
  EXPECT_EQ(c.maintenance.flagFile, "/run/mcpwatch/maintenance");
  ASSERT_TRUE(c.web.adminToken);
  ASSERT_TRUE(c.heartbeat);
  EXPECT_EQ(c.heartbeat->url.reveal(), "https://hc-ping.com/0b0c0d0e");
  EXPECT_EQ(c.heartbeat->failUrl.reveal(), "https://hc-ping.com/0b0c0d0e/fail");
}

TEST(ExampleConfig, EnabledBlocksNeedTheirEnvironment) {
  auto result = loadConfigText(uncommented(readExample()), kExample, envOf({}), app::sinkTypes());
  ASSERT_FALSE(result);
  auto errors = errorsOf(result);
  for (const char* var : {"GITHUB_TOKEN", "PD_ROUTING_KEY", "PD_INTERNAL_ROUTING_KEY",
                          "WEBHOOK_SECRET", "MCPWATCH_ADMIN_TOKEN", "HEALTHCHECKS_UUID"}) {
    bool named = std::any_of(errors.begin(), errors.end(), [&](const std::string& e) {
      return e.find(std::string("environment variable ") + var + " is not set") !=
             std::string::npos;
    });
    EXPECT_TRUE(named) << var;
  }
}

} // namespace
} // namespace mcpwatch::config
