// Sink factories of every supported sink type.
#include "app/sinks.hpp"

#include "alerting/webhook_sink.hpp"
#include "channels/discord_sink.hpp"
#include "channels/email_sink.hpp"
#include "channels/opsgenie_sink.hpp"
#include "channels/slack_sink.hpp"
#include "pagerduty/pagerduty_sink.hpp"

namespace mcpwatch::app {

alerting::SinkFactory sinkFactory() {
  return {{"webhook", alerting::makeWebhookSink},   {"pagerduty", pagerduty::makePagerDutySink},
          {"slack", channels::makeSlackSink},       {"discord", channels::makeDiscordSink},
          {"opsgenie", channels::makeOpsGenieSink}, {"email", channels::makeEmailSink}};
}

} // namespace mcpwatch::app
