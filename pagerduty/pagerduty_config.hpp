// The pagerduty sink's config: its settings and how `sinks:` entries of type pagerduty are read.
#pragma once

#include "common/secret.hpp"
#include "config/config.hpp"
#include "config/sink_type.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::pagerduty {

inline constexpr std::string_view kDefaultEventsUrl = "https://events.pagerduty.com/v2/enqueue";

struct PagerDutySinkConfig {
  static constexpr std::string_view kType = "pagerduty";
  static constexpr bool kReminders = false;
  common::Secret routingKey; // exactly 32 characters
  config::Severity severity = config::Severity::Critical;
  std::string source = "mcpwatch";
  std::string dedupPrefix = "mcpwatch";
  std::string eventsUrl = std::string(kDefaultEventsUrl);
  bool changeEvents = false; // schema drift goes to the Change Events API
  config::Duration timeout = std::chrono::seconds(15);
  bool receivesSchemaDrift() const { return changeEvents; }
  friend bool operator==(const PagerDutySinkConfig&, const PagerDutySinkConfig&) = default;
};

config::SinkType pagerDutySinkType();

} // namespace mcpwatch::pagerduty
