// Parsing of the section 7 event body and the texts every channel shares.
#include "channels/event_view.hpp"

#include "common/json.hpp"

#include <cmath>

namespace mcpwatch::channels {
namespace {

using common::Json;

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

common::Expected<EventView, std::string> parseEvent(std::string_view body) {
  auto json = common::parseJson(body);
  if (!json || !json->is_object())
    return common::unexpected(std::string("event body is not a JSON object"));
  try {
    const Json& b = *json;
    EventView e;
    const auto type = b.at("type").get<std::string>();
    if (type == "alert.triggered")
      e.kind = EventKind::Triggered;
    else if (type == "alert.resolved")
      e.kind = EventKind::Resolved;
    else if (type == "schema.drifted")
      e.kind = EventKind::Drifted;
    else if (type == "protocol.changed")
      e.kind = EventKind::ProtocolChanged;
    else if (type == "alert.reminder")
      e.kind = EventKind::Reminder;
    else
      return common::unexpected("unknown event type " + type);
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

std::string_view statusWord(EventKind kind) {
  switch (kind) {
  case EventKind::Triggered:
    return "DOWN";
  case EventKind::Resolved:
    return "RESOLVED";
  case EventKind::Drifted:
    return "SCHEMA DRIFT";
  case EventKind::ProtocolChanged:
    return "PROTOCOL CHANGED";
  case EventKind::Reminder:
    return "STILL DOWN";
  }
  return "DOWN";
}

bool isDownEvent(EventKind kind) {
  return kind == EventKind::Triggered || kind == EventKind::Reminder;
}

std::string humanDuration(std::int64_t seconds) {
  if (seconds < 0)
    seconds = 0;
  const auto d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60,
             s = seconds % 60;
  if (d > 0)
    return std::to_string(d) + "d " + std::to_string(h) + "h";
  if (h > 0)
    return std::to_string(h) + "h " + std::to_string(m) + "m";
  if (m > 0)
    return std::to_string(m) + "m " + std::to_string(s) + "s";
  return std::to_string(s) + "s";
}

std::string driftSummary(const SchemaDrift& drift) {
  std::string out;
  auto part = [&](std::size_t n, const char* what) {
    if (n == 0)
      return;
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  part(drift.added.size(), "added");
  part(drift.removed.size(), "removed");
  part(drift.changed.size(), "changed");
  return out.empty() ? "fingerprint changed" : out;
}

const std::string& whatFailed(const EventView& event) {
  return event.summary.empty() ? event.reason : event.summary;
}

std::string headline(const EventView& event) {
  std::string out = event.test ? "[TEST] " : "";
  switch (event.kind) {
  case EventKind::Triggered:
    out += "MCP server down: " + event.name + " (" + whatFailed(event) + ")";
    break;
  case EventKind::Resolved:
    out += "MCP server recovered: " + event.name;
    if (event.durationSeconds)
      out += " (down " + humanDuration(*event.durationSeconds) + ")";
    break;
  case EventKind::Drifted:
    out += "MCP tools changed: " + event.name;
    if (event.schema)
      out += " (" + driftSummary(*event.schema) + ")";
    break;
  case EventKind::ProtocolChanged:
    out += "MCP protocol changed: " + event.name;
    if (event.protocol)
      out += " (" + protocolSummary(*event.protocol) + ")";
    break;
  case EventKind::Reminder:
    out += "Still down";
    if (event.durationSeconds)
      out += " for " + humanDuration(*event.durationSeconds);
    out += ": " + event.name;
    if (!whatFailed(event).empty())
      out += " \xE2\x80\x94 " + whatFailed(event); // —
    break;
  }
  return out;
}

std::string protocolSummary(const ProtocolSwitch& change) {
  auto side = [](const std::string& transport, const std::string& version) {
    return version.empty() ? transport : transport + " " + version;
  };
  return side(change.fromTransport, change.fromVersion) + " \xE2\x86\x92 " + // →
         side(change.toTransport, change.toVersion);
}

} // namespace mcpwatch::channels
