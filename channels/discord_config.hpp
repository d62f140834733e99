// The discord sink's config: its settings and how `sinks:` entries of type discord are read.
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

// Discord webhook (`?wait=true` is added when sending). The URL holds the token: a secret.
struct DiscordSinkConfig {
  static constexpr std::string_view kType = "discord";
  static constexpr bool kReminders = true;
  common::Secret url;   // https://discord.com/api/webhooks/{id}/{token}
  std::string username; // display name override; empty keeps the webhook's own
  bool schemaDrift = true;
  config::Duration timeout = std::chrono::seconds(15);
  bool receivesSchemaDrift() const { return schemaDrift; }
  friend bool operator==(const DiscordSinkConfig&, const DiscordSinkConfig&) = default;
};

config::SinkType discordSinkType();

} // namespace mcpwatch::channels
