// Sink factories of every supported sink type.
#include "app/sinks.hpp"

#include "alerting/webhook_sink.hpp"
#include "pagerduty/pagerduty_sink.hpp"

namespace mcpwatch::app {

alerting::SinkFactory sinkFactory() {
  return {{"webhook", alerting::makeWebhookSink}, {"pagerduty", pagerduty::makePagerDutySink}};
}

} // namespace mcpwatch::app
