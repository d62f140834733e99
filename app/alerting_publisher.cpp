// Detector event -> OutboundEvent -> outbox rows, committed with the incident change.
#include "app/alerting_publisher.hpp"

#include "app/logging.hpp"

namespace mcpwatch::app {

std::vector<store::WriteOp> AlertingEventPublisher::prepare(const detector::Event& event,
                                                            const ServerDescription& server) {
  alerting::OutboundEvent out{event.id,         std::string(detector::toString(event.type)),
                              event.incidentId, server.slug,
                              server.tags,      eventBody(event, server)};
  auto ops = alerting_.prepare(out);
  if (!ops) {
    // Only a failing read of the trigger's sinks gets here; the state change still commits and
    // the log line below keeps the event visible.
    logRecord(spdlog::level::critical, "event could not be routed to the outbox",
              {{"event", event.id}, {"server", server.slug}, {"error", ops.error()}});
    return {};
  }
  return std::move(ops.value());
}

void AlertingEventPublisher::committed(const detector::Event& event,
                                       const ServerDescription& server) {
  log_.committed(event, server);
  alerting_.notifyCommitted();
}

} // namespace mcpwatch::app
