// The PagerDuty sink: Events API v2 alerts and Change Events (DESIGN.md section 8).
#pragma once

#include "alerting/sink.hpp"
#include "config/config.hpp"
#include "pagerduty/pagerduty_config.hpp"

#include <memory>

namespace mcpwatch::pagerduty {

class PagerDutySink final : public alerting::Sink {
public:
  PagerDutySink(pagerduty::PagerDutySinkConfig config, alerting::SinkContext context);
  Awaitable<alerting::AttemptResult> deliver(alerting::Delivery delivery) override;
  bool receiverDedupes() const override { return true; } // dedup_key

private:
  pagerduty::PagerDutySinkConfig config_;
  alerting::SinkContext context_;
};

std::unique_ptr<alerting::Sink> makePagerDutySink(const config::SinkConfig& sink,
                                                  const alerting::SinkContext& context);
// The PagerDuty sink type: its builder and its settings snapshot (routing key, severity, ...).
common::Json savePagerDutySettings(const pagerduty::PagerDutySinkConfig& settings);
std::optional<pagerduty::PagerDutySinkConfig> loadPagerDutySettings(const common::Json& json);
alerting::SinkKind pagerDutySinkKind();

// "Event object is invalid: <errors[] joined>" from a PagerDuty error body, for the log.
std::string describeError(std::string_view body);

} // namespace mcpwatch::pagerduty
