// The log publisher: one "event" line per detector event with the full event body.
#include "app/event_publisher.hpp"

#include "app/logging.hpp"

namespace mcpwatch::app {

void LogEventPublisher::committed(const detector::Event& event, const ServerDescription& server) {
  auto body = eventBody(event, server);
  auto level =
      event.type == detector::EventType::Triggered ? spdlog::level::warn : spdlog::level::info;
  logRecord(level, "event", {{"event", body}});
}

} // namespace mcpwatch::app
