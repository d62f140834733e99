// The webhook sink's config: its settings and how `sinks:` entries of type webhook are read.
#pragma once

#include "common/secret.hpp"
#include "config/config.hpp"
#include "config/sink_type.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::alerting {

struct WebhookSinkConfig {
  static constexpr std::string_view kType = "webhook";
  static constexpr bool kReminders = true;
  std::string url;
  std::optional<common::Secret> secret; // HMAC key; `whsec_` secrets are base64
  std::string signatureHeader = "X-Mcpwatch-Signature";
  std::map<std::string, common::Secret> headers;
  config::Duration timeout = std::chrono::seconds(15);
  bool receivesSchemaDrift() const { return true; }
  friend bool operator==(const WebhookSinkConfig&, const WebhookSinkConfig&) = default;
};

config::SinkType webhookSinkType();

} // namespace mcpwatch::alerting
