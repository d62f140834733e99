// The one event model: the DESIGN.md section 7 body as a C++ type, with its one JSON pair. The
// detector fills the incident part, the daemon the server part (withServer), the outbox stores
// toJson(), and the dispatcher hands every sink the parsed type. This header and event.cpp depend
// on common/ only (the detector links them as mcpwatch_event).
#pragma once

#include "common/expected.hpp"
#include "common/json.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::alerting {

// Reminder: alert.reminder, "still down" while an incident is open (sinks.NAME.reminder_interval;
// made by the dispatcher, never by the detector).
enum class EventType { Triggered, Resolved, SchemaDrifted, ProtocolChanged, Reminder };

// "alert.triggered", "alert.resolved", "schema.drifted", "protocol.changed", "alert.reminder".
std::string_view toString(EventType type);
std::optional<EventType> parseEventType(std::string_view text);
// Events that inform without paging: a change of the server's tools or of its protocol era.
inline bool isChangeEvent(EventType type) {
  return type == EventType::SchemaDrifted || type == EventType::ProtocolChanged;
}
// True for the events of an open incident (a trigger and its reminders).
inline bool isDownEvent(EventType type) {
  return type == EventType::Triggered || type == EventType::Reminder;
}

struct RecentFailure {
  std::string at; // RFC 3339
  std::string reason;
  std::string detail;
  bool operator==(const RecentFailure&) const = default;
};

struct SchemaDrift {
  std::string oldFingerprint;
  std::string newFingerprint;
  std::vector<std::string> added; // tool names, sorted
  std::vector<std::string> removed;
  std::vector<std::string> changed;
  bool operator==(const SchemaDrift&) const = default;
};

// protocol.changed: how the server answered before and now ("modern", "streamable-http", "sse").
struct ProtocolSwitch {
  std::string fromTransport;
  std::string fromVersion; // empty when unknown (null in JSON)
  std::string toTransport;
  std::string toVersion;
  bool operator==(const ProtocolSwitch&) const = default;
};

struct Link {
  std::string name;
  std::string url;
  bool operator==(const Link&) const = default;
};

// Every string here may come from a monitored server or its operator: escape it for the target
// format before use. An empty string is JSON null where section 7 allows null.
struct Event {
  EventType type = EventType::Triggered;
  std::string id;         // "evt_..."; the webhook-id on every retry
  std::string occurredAt; // RFC 3339
  std::string incidentId; // "inc_..."; empty for the change events
  // The incident part (the detector).
  std::string reason; // failure_reason: a README reason or "flapping"; empty on change events
  std::string detail; // failure_detail; on change events what changed, in words
  int consecutiveFailures = 0;
  std::vector<RecentFailure> recentFailures;   // the last 3, oldest first
  std::string downSince;                       // RFC 3339 or empty
  std::optional<std::int64_t> durationSeconds; // resolves and reminders
  std::optional<double> responseTimeMs;        // resolves: the latest ok check's latency
  std::string protocolVersion;
  std::optional<SchemaDrift> schema;      // schema.drifted only
  std::optional<ProtocolSwitch> protocol; // protocol.changed only
  // Why this event is unusual, for people: a trigger delayed by maintenance, a resolve because
  // the server left the config. Empty for ordinary events.
  std::string note;
  // The server part (the daemon, from the config).
  std::string slug;
  std::string name; // the server's name, else its slug
  std::string checkUrl;
  std::string statusUrl; // public_url + "/status/" + slug (a bare path without web.public_url)
  std::vector<std::string> tags;
  std::string description;
  std::string owner;
  std::string runbookUrl;
  std::vector<Link> links;
  // Servers that depend on this one: their triggers wait while this incident is open.
  std::vector<std::string> dependents;
  // The concrete failure for headlines ("HTTP 503"); the reason stays for machines.
  std::string summary;
  bool test = false;

  bool operator==(const Event&) const = default;
};

// The section 7 body. Key order is not significant to JSON receivers; the fields are.
common::Json toJson(const Event& event);
// The body's "schema" and "protocol" objects.
common::Json toJson(const SchemaDrift& drift);
common::Json toJson(const ProtocolSwitch& change);
// Parses a section 7 body; an error names the missing or mistyped field.
common::Expected<Event, std::string> parseEvent(std::string_view body);
common::Expected<Event, std::string> eventFromJson(const common::Json& body);

// What failed, in words: the failure summary ("HTTP 503"), else the reason ("http_error").
const std::string& whatFailed(const Event& event);

} // namespace mcpwatch::alerting
