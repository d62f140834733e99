// Sink factories of every supported sink type.
#include "app/sinks.hpp"

#include "alerting/webhook_sink.hpp"
#include "channels/discord_sink.hpp"
#include "channels/email_sink.hpp"
#include "channels/opsgenie_sink.hpp"
#include "channels/slack_sink.hpp"
#include "pagerduty/pagerduty_sink.hpp"

namespace mcpwatch::app {

// The registry: one line per sink type.
alerting::SinkFactory sinkFactory() {
  return {{"webhook", alerting::webhookSinkKind()},   {"pagerduty", pagerduty::pagerDutySinkKind()},
          {"slack", channels::slackSinkKind()},       {"discord", channels::discordSinkKind()},
          {"opsgenie", channels::opsGenieSinkKind()}, {"email", channels::emailSinkKind()}};
}

} // namespace mcpwatch::app
