// Where detector events go. Until alerting is wired in, a publisher that writes one structured
// log line per event; the alerting outbox implements the same interface.
#pragma once

#include "app/check_mapping.hpp"
#include "detector/events.hpp"

namespace mcpwatch::app {

class EventPublisher {
public:
  virtual ~EventPublisher() = default;
  // Called after the incident change is durable in the store, in the order events must go out.
  virtual void publish(const detector::Event& event, const ServerDescription& server) = 0;
};

class LogEventPublisher final : public EventPublisher {
public:
  void publish(const detector::Event& event, const ServerDescription& server) override;
};

} // namespace mcpwatch::app
