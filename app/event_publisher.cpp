// The log publisher: one "event" line per detector event with the full event body.
#include "app/event_publisher.hpp"

#include "common/log.hpp"

namespace mcpwatch::app {

void LogEventPublisher::committed(const alerting::Event& event) {
  auto level =
      event.type == alerting::EventType::Triggered ? spdlog::level::warn : spdlog::level::info;
  common::logRecord(level, "event", {{"event", alerting::toJson(event)}});
}

} // namespace mcpwatch::app
