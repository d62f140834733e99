// The opsgenie sink's config: its settings and how `sinks:` entries of type opsgenie are read.
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

enum class OpsGeniePriority { P1, P2, P3, P4, P5 };
std::string_view toString(OpsGeniePriority priority);

inline constexpr std::string_view kOpsGenieUsUrl = "https://api.opsgenie.com";
inline constexpr std::string_view kOpsGenieEuUrl = "https://api.eu.opsgenie.com";

struct OpsGenieResponder {
  std::string type; // team, user, escalation or schedule
  std::string name; // team/escalation/schedule name, or the user's username
  friend bool operator==(const OpsGenieResponder&, const OpsGenieResponder&) = default;
};

// OpsGenie Alert API v2 (an API integration key).
struct OpsGenieSinkConfig {
  static constexpr std::string_view kType = "opsgenie";
  static constexpr bool kReminders = false;
  common::Secret apiKey;
  std::string apiUrl = std::string(kOpsGenieUsUrl);      // from `region` (us, eu) or `api_url`
  OpsGeniePriority priority = OpsGeniePriority::P1;      // of down alerts
  OpsGeniePriority driftPriority = OpsGeniePriority::P4; // of schema drift alerts
  std::string dedupPrefix = "mcpwatch";                  // alias "{prefix}-{slug}", as PagerDuty
  std::string source = "mcpwatch";
  std::vector<std::string> tags; // added to the server's tags
  std::vector<OpsGenieResponder> responders;
  bool schemaDrift = true;
  config::Duration timeout = std::chrono::seconds(15);
  bool receivesSchemaDrift() const { return schemaDrift; }
  friend bool operator==(const OpsGenieSinkConfig&, const OpsGenieSinkConfig&) = default;
};

config::SinkType opsGenieSinkType();

} // namespace mcpwatch::channels
