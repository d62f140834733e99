// Publishes detector events into the alerting outbox (and one log line each).
#pragma once

#include "alerting/alerting.hpp"
#include "app/event_publisher.hpp"

namespace mcpwatch::app {

class AlertingEventPublisher final : public EventPublisher {
public:
  explicit AlertingEventPublisher(alerting::Alerting& alerting) : alerting_(alerting) {}
  std::vector<store::WriteOp> prepare(const alerting::Event& event) override;
  void committed(const alerting::Event& event) override;

private:
  alerting::Alerting& alerting_;
  LogEventPublisher log_;
};

} // namespace mcpwatch::app
