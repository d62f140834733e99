// Event names and the detector's part of the event body.
#include "detector/events.hpp"

#include "common/time.hpp"

namespace mcpwatch::detector {
namespace {

common::Json optionalString(const std::optional<std::string>& value) {
  return value ? common::Json(*value) : common::Json(nullptr);
}

common::Json optionalTime(const std::optional<common::WallTime>& value) {
  return value ? common::Json(common::formatRfc3339(*value)) : common::Json(nullptr);
}

} // namespace

std::string_view toString(EventType type) {
  switch (type) {
  case EventType::Triggered:
    return "alert.triggered";
  case EventType::Resolved:
    return "alert.resolved";
  case EventType::SchemaDrifted:
    return "schema.drifted";
  case EventType::ProtocolChanged:
    return "protocol.changed";
  }
  return "alert.triggered";
}

std::optional<EventType> parseEventType(std::string_view text) {
  for (auto type : {EventType::Triggered, EventType::Resolved, EventType::SchemaDrifted,
                    EventType::ProtocolChanged})
    if (toString(type) == text)
      return type;
  return std::nullopt;
}

common::Json toJson(const Event& event) {
  common::Json body = common::Json::object();
  body["id"] = event.id;
  body["type"] = toString(event.type);
  body["occurred_at"] = common::formatRfc3339(event.occurredAt);
  body["incident_id"] =
      event.incidentId.empty() ? common::Json(nullptr) : common::Json(event.incidentId);
  body["failure_reason"] = optionalString(event.failureReason);
  body["failure_detail"] = optionalString(event.failureDetail);
  body["consecutive_failures"] = event.consecutiveFailures;
  common::Json recent = common::Json::array();
  for (const auto& failure : event.recentFailures)
    recent.push_back({{"at", common::formatRfc3339(failure.at)},
                      {"reason", failure.reason},
                      {"detail", failure.detail}});
  body["recent_failures"] = std::move(recent);
  body["down_since"] = optionalTime(event.downSince);
  body["duration_seconds"] =
      event.duration ? common::Json(event.duration->count()) : common::Json(nullptr);
  body["response_time_ms"] =
      event.responseTimeMs ? common::Json(*event.responseTimeMs) : common::Json(nullptr);
  body["protocol_version"] = optionalString(event.protocolVersion);
  if (event.schema) {
    body["schema"] = {{"old_fingerprint", event.schema->oldFingerprint},
                      {"new_fingerprint", event.schema->newFingerprint},
                      {"added", event.schema->diff.added},
                      {"removed", event.schema->diff.removed},
                      {"changed", event.schema->diff.changed}};
  }
  if (event.protocol) {
    auto side = [](const std::string& transport, const std::optional<std::string>& version) {
      return common::Json{{"transport", transport}, {"protocol_version", optionalString(version)}};
    };
    body["protocol"] = {{"from", side(event.protocol->fromTransport, event.protocol->fromVersion)},
                        {"to", side(event.protocol->toTransport, event.protocol->toVersion)}};
  }
  if (!event.note.empty())
    body["note"] = event.note;
  return body;
}

std::string describeProtocolChange(const ProtocolChange& change) {
  auto side = [](const std::string& transport, const std::optional<std::string>& version) {
    return version ? transport + " " + *version : transport;
  };
  return side(change.fromTransport, change.fromVersion) + " -> " +
         side(change.toTransport, change.toVersion);
}

} // namespace mcpwatch::detector
