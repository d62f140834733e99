// Detector event -> OutboundEvent -> durable outbox rows.
#include "app/alerting_publisher.hpp"

#include "app/logging.hpp"

namespace mcpwatch::app {

void AlertingEventPublisher::publish(const detector::Event& event,
                                     const ServerDescription& server) {
  log_.publish(event, server);
  alerting::OutboundEvent out{event.id,         std::string(detector::toString(event.type)),
                              event.incidentId, server.slug,
                              server.tags,      eventBody(event, server)};
  if (auto r = alerting_.publish(std::move(out)); !r)
    logRecord(spdlog::level::critical, "event could not be written to the outbox",
              {{"event", event.id}, {"server", server.slug}, {"error", r.error()}});
}

} // namespace mcpwatch::app
