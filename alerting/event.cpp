// The section 7 event body: its one JSON writer and its one parser.
#include "alerting/event.hpp"

#include <cmath>
#include <stdexcept>

namespace mcpwatch::alerting {
namespace {

using common::Json;

constexpr EventType kTypes[] = {EventType::Triggered, EventType::Resolved, EventType::SchemaDrifted,
                                EventType::ProtocolChanged, EventType::Reminder};

Json orNull(const std::string& value) {
  return value.empty() ? Json(nullptr) : Json(value);
}

std::string optionalString(const Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null())
    return {};
  if (!it->is_string())
    throw std::runtime_error(std::string(key) + " must be a string");
  return it->get<std::string>();
}

std::vector<std::string> stringArray(const Json& body, const char* key) {
  std::vector<std::string> out;
  auto it = body.find(key);
  if (it == body.end() || it->is_null())
    return out;
  if (!it->is_array())
    throw std::runtime_error(std::string(key) + " must be an array");
  for (const auto& item : *it) {
    if (!item.is_string())
      throw std::runtime_error(std::string(key) + " must hold strings");
    out.push_back(item.get<std::string>());
  }
  return out;
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
  case EventType::Reminder:
    return "alert.reminder";
  }
  return "alert.triggered";
}

std::optional<EventType> parseEventType(std::string_view text) {
  for (auto type : kTypes)
    if (toString(type) == text)
      return type;
  return std::nullopt;
}

Json toJson(const SchemaDrift& drift) {
  return {{"old_fingerprint", drift.oldFingerprint},
          {"new_fingerprint", drift.newFingerprint},
          {"added", drift.added},
          {"removed", drift.removed},
          {"changed", drift.changed}};
}

Json toJson(const ProtocolSwitch& change) {
  auto side = [](const std::string& transport, const std::string& version) {
    return Json{{"transport", transport}, {"protocol_version", orNull(version)}};
  };
  return {{"from", side(change.fromTransport, change.fromVersion)},
          {"to", side(change.toTransport, change.toVersion)}};
}

Json toJson(const Event& e) {
  Json body = Json::object();
  body["id"] = e.id;
  body["type"] = toString(e.type);
  body["occurred_at"] = e.occurredAt;
  body["incident_id"] = orNull(e.incidentId);
  body["server_slug"] = e.slug;
  body["server_name"] = e.name;
  body["check_url"] = e.checkUrl;
  body["server_tags"] = e.tags;
  body["failure_reason"] = orNull(e.reason);
  body["failure_detail"] = e.reason.empty() && e.detail.empty() ? Json(nullptr) : Json(e.detail);
  body["failure_summary"] = orNull(e.summary);
  body["consecutive_failures"] = e.consecutiveFailures;
  Json recent = Json::array();
  for (const auto& f : e.recentFailures)
    recent.push_back({{"at", f.at}, {"reason", f.reason}, {"detail", f.detail}});
  body["recent_failures"] = std::move(recent);
  body["down_since"] = orNull(e.downSince);
  body["duration_seconds"] = e.durationSeconds ? Json(*e.durationSeconds) : Json(nullptr);
  body["response_time_ms"] = e.responseTimeMs ? Json(*e.responseTimeMs) : Json(nullptr);
  body["protocol_version"] = orNull(e.protocolVersion);
  body["status_url"] = e.statusUrl;
  body["server_description"] = orNull(e.description);
  body["server_owner"] = orNull(e.owner);
  body["runbook_url"] = orNull(e.runbookUrl);
  Json links = Json::array();
  for (const auto& link : e.links)
    links.push_back({{"name", link.name}, {"url", link.url}});
  body["server_links"] = std::move(links);
  body["dependents"] = e.dependents;
  if (e.schema)
    body["schema"] = toJson(*e.schema);
  if (e.protocol)
    body["protocol"] = toJson(*e.protocol);
  if (!e.note.empty())
    body["note"] = e.note;
  body["test"] = e.test;
  return body;
}

common::Expected<Event, std::string> parseEvent(std::string_view body) {
  auto json = common::parseJson(body);
  if (!json || !json->is_object())
    return common::unexpected(std::string("event body is not a JSON object"));
  return eventFromJson(*json);
}

common::Expected<Event, std::string> eventFromJson(const Json& b) {
  if (!b.is_object())
    return common::unexpected(std::string("event body is not a JSON object"));
  try {
    Event e;
    const auto type = b.at("type").get<std::string>();
    auto parsed = parseEventType(type);
    if (!parsed)
      return common::unexpected("unknown event type " + type);
    e.type = *parsed;
    e.id = b.at("id").get<std::string>();
    e.occurredAt = optionalString(b, "occurred_at");
    e.incidentId = optionalString(b, "incident_id");
    e.slug = b.at("server_slug").get<std::string>();
    e.name = optionalString(b, "server_name");
    if (e.name.empty())
      e.name = e.slug;
    e.checkUrl = optionalString(b, "check_url");
    e.statusUrl = optionalString(b, "status_url");
    e.tags = stringArray(b, "server_tags");
    e.reason = optionalString(b, "failure_reason");
    e.summary = optionalString(b, "failure_summary");
    e.detail = optionalString(b, "failure_detail");
    if (auto it = b.find("consecutive_failures"); it != b.end() && it->is_number_integer())
      e.consecutiveFailures = it->get<int>();
    if (auto it = b.find("recent_failures"); it != b.end() && it->is_array())
      for (const auto& f : *it)
        if (f.is_object())
          e.recentFailures.push_back(
              {optionalString(f, "at"), optionalString(f, "reason"), optionalString(f, "detail")});
    e.downSince = optionalString(b, "down_since");
    if (auto it = b.find("duration_seconds"); it != b.end() && it->is_number())
      e.durationSeconds = static_cast<std::int64_t>(std::llround(it->get<double>()));
    if (auto it = b.find("response_time_ms"); it != b.end() && it->is_number())
      e.responseTimeMs = it->get<double>();
    e.protocolVersion = optionalString(b, "protocol_version");
    if (auto it = b.find("schema"); it != b.end() && it->is_object()) {
      SchemaDrift drift;
      drift.oldFingerprint = optionalString(*it, "old_fingerprint");
      drift.newFingerprint = optionalString(*it, "new_fingerprint");
      drift.added = stringArray(*it, "added");
      drift.removed = stringArray(*it, "removed");
      drift.changed = stringArray(*it, "changed");
      e.schema = std::move(drift);
    }
    if (auto it = b.find("protocol"); it != b.end() && it->is_object()) {
      ProtocolSwitch change;
      if (auto from = it->find("from"); from != it->end() && from->is_object()) {
        change.fromTransport = optionalString(*from, "transport");
        change.fromVersion = optionalString(*from, "protocol_version");
      }
      if (auto to = it->find("to"); to != it->end() && to->is_object()) {
        change.toTransport = optionalString(*to, "transport");
        change.toVersion = optionalString(*to, "protocol_version");
      }
      e.protocol = std::move(change);
    }
    e.note = optionalString(b, "note");
    if (auto it = b.find("test"); it != b.end() && it->is_boolean())
      e.test = it->get<bool>();
    e.description = optionalString(b, "server_description");
    e.owner = optionalString(b, "server_owner");
    e.runbookUrl = optionalString(b, "runbook_url");
    e.dependents = stringArray(b, "dependents");
    if (auto it = b.find("server_links"); it != b.end() && it->is_array())
      for (const auto& l : *it)
        if (l.is_object()) {
          Link link{optionalString(l, "name"), optionalString(l, "url")};
          if (!link.name.empty() && !link.url.empty())
            e.links.push_back(std::move(link));
        }
    return e;
  } catch (const std::exception& error) {
    return common::unexpected("event body: " + std::string(error.what()));
  }
}

const std::string& whatFailed(const Event& event) {
  return event.summary.empty() ? event.reason : event.summary;
}

} // namespace mcpwatch::alerting
