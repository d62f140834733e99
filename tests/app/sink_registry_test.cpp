// The registry of sink types (app/sinks.cpp): every type's builder and settings snapshot.
#include "alerting/webhook_config.hpp"
#include "app/sinks.hpp"
#include "channels/discord_config.hpp"
#include "channels/email_config.hpp"
#include "channels/opsgenie_config.hpp"
#include "channels/slack_config.hpp"
#include "config/config.hpp"
#include "pagerduty/pagerduty_config.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::app {
namespace {

TEST(SinkRegistry, EveryTypesSettingsSnapshotRoundTrips) {
  const auto kinds = sinkFactory();
  channels::SlackSinkConfig slack{common::Secret("https://hooks.slack.com/services/T/B/x"), false,
                                  std::chrono::seconds(3)};
  channels::DiscordSinkConfig discord{common::Secret("https://discord.com/api/webhooks/1/t"),
                                      "mcpwatch", true, std::chrono::seconds(4)};
  channels::OpsGenieSinkConfig og;
  og.apiKey = common::Secret("og-key");
  og.apiUrl = std::string(channels::kOpsGenieEuUrl);
  og.priority = channels::OpsGeniePriority::P2;
  og.driftPriority = channels::OpsGeniePriority::P5;
  og.dedupPrefix = "acme";
  og.source = "mon";
  og.tags = {"a", "b"};
  og.responders = {{"team", "sre"}};
  og.schemaDrift = false;
  channels::EmailSinkConfig mail;
  mail.host = "smtp.example.com";
  mail.port = 2525;
  mail.tls = channels::SmtpTls::Implicit;
  mail.username = "u";
  mail.password = common::Secret("pw");
  mail.auth = channels::SmtpAuth::Login;
  mail.from = "a@example.com";
  mail.to = {"b@example.com", "c@example.com"};
  mail.caFile = "/etc/ca.pem";
  mail.insecure = true;
  pagerduty::PagerDutySinkConfig pd;
  pd.routingKey = common::Secret(std::string(32, 'k'));
  alerting::WebhookSinkConfig hook{.url = "http://127.0.0.1:1/x"};
  for (const config::SinkConfig& sink :
       {config::SinkConfig{"s", slack}, config::SinkConfig{"d", discord},
        config::SinkConfig{"o", og}, config::SinkConfig{"m", mail}, config::SinkConfig{"p", pd},
        config::SinkConfig{"w", hook}}) {
    auto json = alerting::saveSinkSettings(kinds, sink);
    EXPECT_EQ(json["name"], sink.name);
    EXPECT_EQ(json["type"], sink.type());
    auto back = alerting::loadSinkSettings(kinds, common::parseJson(json.dump()).value());
    ASSERT_TRUE(back) << sink.type();
    EXPECT_EQ(*back, sink) << sink.type();
  }
  auto broken = alerting::saveSinkSettings(kinds, {"m", mail});
  broken["tls"] = "ssl3";
  EXPECT_FALSE(alerting::loadSinkSettings(kinds, broken)) << "an unknown value";
  auto missing = alerting::saveSinkSettings(kinds, {"p", pd});
  missing.erase("routing_key");
  EXPECT_FALSE(alerting::loadSinkSettings(kinds, missing)) << "a missing field";
  auto unknown = alerting::saveSinkSettings(kinds, {"w", hook});
  unknown["type"] = "carrier-pigeon";
  EXPECT_FALSE(alerting::loadSinkSettings(kinds, unknown)) << "a type this build lacks";
}

TEST(SinkRegistry, EveryConfigSinkTypeHasAKind) {
  const auto kinds = sinkFactory();
  for (const char* type : {"pagerduty", "webhook", "slack", "discord", "opsgenie", "email"}) {
    auto it = kinds.find(type);
    ASSERT_NE(it, kinds.end()) << type;
    EXPECT_TRUE(it->second.build && it->second.save && it->second.load) << type;
  }
  EXPECT_EQ(kinds.size(), 6u);
}

} // namespace
} // namespace mcpwatch::app
