// The slack sink's config: its settings and how `sinks:` entries of type slack are read.
#pragma once

#include "common/secret.hpp"
#include "config/config.hpp"
#include "config/sink_type.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::channels {

// Slack incoming webhook. The URL is the credential, so it is a secret.
struct SlackSinkConfig {
  static constexpr std::string_view kType = "slack";
  static constexpr bool kReminders = true;
  common::Secret url;      // https://hooks.slack.com/services/T.../B.../...
  bool schemaDrift = true; // schema.drifted events are posted too
  config::Duration timeout = std::chrono::seconds(15);
  bool receivesSchemaDrift() const { return schemaDrift; }
  friend bool operator==(const SlackSinkConfig&, const SlackSinkConfig&) = default;
};

config::SinkType slackSinkType();

} // namespace mcpwatch::channels
