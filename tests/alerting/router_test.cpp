// Routing table: matching, continue:false, severity overrides, drift and PagerDuty change events.
#include "alerting/router.hpp"
#include "alerting/sink.hpp"
#include "alerting/webhook_config.hpp"
#include "channels/email_config.hpp"
#include "channels/slack_config.hpp"
#include "pagerduty/pagerduty_config.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::alerting {
namespace {

config::Config routingConfig() {
  config::Config c;
  pagerduty::PagerDutySinkConfig pd;
  pd.routingKey = common::Secret(std::string(32, 'k'));
  c.sinks["pd-internal"] = {"pd-internal", pd};
  c.sinks["pd-default"] = {"pd-default", pd};
  pd.changeEvents = true;
  c.sinks["pd-changes"] = {"pd-changes", pd};
  c.sinks["hook"] = {"hook", alerting::WebhookSinkConfig{.url = "http://127.0.0.1:1/x"}};
  config::RouteConfig internal;
  internal.match.tags = {"internal"};
  internal.sinks = {"pd-internal", "hook"};
  internal.severity = config::Severity::Warning;
  internal.continueMatching = false;
  config::RouteConfig changes;
  changes.match.servers = {"drifty"};
  changes.sinks = {"pd-changes"};
  config::RouteConfig all;
  all.sinks = {"pd-default", "hook"};
  c.routes = {internal, changes, all};
  return c;
}

std::vector<std::string> names(const std::vector<config::RouteTarget>& targets) {
  std::vector<std::string> out;
  for (const auto& t : targets)
    out.push_back(t.sink);
  return out;
}

TEST(Router, Table) {
  const auto c = routingConfig();
  struct Row {
    std::string type, slug;
    std::vector<std::string> tags, expected;
  };
  const Row rows[] = {
      {"alert.triggered", "a", {"internal"}, {"pd-internal", "hook"}},
      {"alert.triggered", "a", {}, {"pd-default", "hook"}},
      {"alert.triggered", "drifty", {}, {"pd-changes", "pd-default", "hook"}},
      {"schema.drifted", "a", {}, {"hook"}},
      {"schema.drifted", "drifty", {}, {"pd-changes", "hook"}},
      {"schema.drifted", "a", {"internal"}, {"hook"}},
      // A protocol change informs like drift: only sinks that take change events.
      {"protocol.changed", "a", {}, {"hook"}},
      {"protocol.changed", "drifty", {}, {"pd-changes", "hook"}},
  };
  for (const auto& r : rows)
    EXPECT_EQ(names(routeEvent(c, *parseEventType(r.type), r.slug, r.tags)), r.expected)
        << r.type << " " << r.slug;
}

TEST(Router, SeverityOverrideAndUnknownSinks) {
  auto c = routingConfig();
  auto targets = routeEvent(c, EventType::Triggered, "a", {"internal"});
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].severity, config::Severity::Warning);
  c.sinks.erase("hook");
  EXPECT_EQ(names(routeEvent(c, EventType::Triggered, "a", {})),
            std::vector<std::string>{"pd-default"});
}

} // namespace
} // namespace mcpwatch::alerting

namespace mcpwatch::alerting {
namespace {

TEST(SinkSettings, DriftFollowsEachSinksSetting) {
  config::Config c;
  c.sinks["slack"] = {"slack", channels::SlackSinkConfig{common::Secret("https://h/x"), false}};
  c.sinks["mail"] = {"mail", channels::EmailSinkConfig{}};
  config::RouteConfig all;
  all.sinks = {"slack", "mail"};
  c.routes = {all};
  auto drift = routeEvent(c, EventType::SchemaDrifted, "a", {});
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_EQ(drift[0].sink, "mail");
  auto protocol = routeEvent(c, EventType::ProtocolChanged, "a", {});
  ASSERT_EQ(protocol.size(), 1u);
  EXPECT_EQ(protocol[0].sink, "mail");
  EXPECT_EQ(routeEvent(c, EventType::Triggered, "a", {}).size(), 2u);
}

} // namespace
} // namespace mcpwatch::alerting
