// An event -> its outbox rows, committed with the incident change.
#include "app/alerting_publisher.hpp"

#include "common/log.hpp"

namespace mcpwatch::app {

std::vector<store::WriteOp> AlertingEventPublisher::prepare(const alerting::Event& event) {
  auto ops = alerting_.prepare(event);
  if (!ops) {
    // Only a failing read of the trigger's sinks gets here; the state change still commits and
    // the log line below keeps the event visible.
    common::logRecord(spdlog::level::critical, "event could not be routed to the outbox",
                      {{"event", event.id}, {"server", event.slug}, {"error", ops.error()}});
    return {};
  }
  return std::move(ops.value());
}

void AlertingEventPublisher::committed(const alerting::Event& event) {
  log_.committed(event);
  alerting_.notifyCommitted();
}

} // namespace mcpwatch::app
