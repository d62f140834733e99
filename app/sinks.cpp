// Sink types: the registry.
#include "app/sinks.hpp"

#include "alerting/webhook_sink.hpp"
#include "channels/discord_sink.hpp"
#include "channels/email_sink.hpp"
#include "channels/opsgenie_sink.hpp"
#include "channels/slack_sink.hpp"
#include "pagerduty/pagerduty_sink.hpp"

namespace mcpwatch::app {
namespace {

struct Entry {
  config::SinkType (*type)();
  alerting::SinkKind (*kind)();
};

// The registry: one line per sink type.
constexpr Entry kSinks[] = {
    {pagerduty::pagerDutySinkType, pagerduty::pagerDutySinkKind},
    {alerting::webhookSinkType, alerting::webhookSinkKind},
    {channels::slackSinkType, channels::slackSinkKind},
    {channels::discordSinkType, channels::discordSinkKind},
    {channels::opsGenieSinkType, channels::opsGenieSinkKind},
    {channels::emailSinkType, channels::emailSinkKind},
};

} // namespace

const config::SinkTypes& sinkTypes() {
  static const config::SinkTypes types = [] {
    config::SinkTypes out;
    for (const auto& entry : kSinks)
      out.push_back(entry.type());
    return out;
  }();
  return types;
}

alerting::SinkFactory sinkFactory() {
  alerting::SinkFactory out;
  for (const auto& entry : kSinks)
    out.emplace(entry.type().name, entry.kind());
  return out;
}

} // namespace mcpwatch::app
