// Helpers shared by the config tests: injected environments, the app's sink types and
// error-message extraction.
#pragma once

#include "alerting/webhook_config.hpp"
#include "app/sinks.hpp"
#include "channels/discord_config.hpp"
#include "channels/email_config.hpp"
#include "channels/opsgenie_config.hpp"
#include "channels/slack_config.hpp"
#include "config/loader.hpp"
#include "pagerduty/pagerduty_config.hpp"

#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace mcpwatch::config {

// The sink types' settings, by the names the config tests use.
using alerting::WebhookSinkConfig;
using channels::DiscordSinkConfig;
using channels::EmailSinkConfig;
using channels::OpsGeniePriority;
using channels::OpsGenieResponder;
using channels::OpsGenieSinkConfig;
using channels::SlackSinkConfig;
using channels::SmtpAuth;
using channels::SmtpTls;
using pagerduty::PagerDutySinkConfig;

} // namespace mcpwatch::config

namespace mcpwatch::config::test {

inline EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end())
      return std::nullopt;
    return it->second;
  };
}

inline LoadResult load(std::string_view yaml, const EnvLookup& env = envOf({})) {
  return loadConfigText(yaml, "test.yaml", env, app::sinkTypes());
}

// Every error as "path: message (line N)", or {} when the config loaded.
inline std::vector<std::string> errorsOf(const LoadResult& result) {
  std::vector<std::string> out;
  if (!result)
    for (const auto& e : result.error())
      out.push_back(e.toString());
  return out;
}

// Loads `yaml` and expects exactly one error, returned as text.
inline std::string onlyError(std::string_view yaml, const EnvLookup& env = envOf({})) {
  auto errors = errorsOf(load(yaml, env));
  EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  return errors.empty() ? std::string() : errors.front();
}

} // namespace mcpwatch::config::test
