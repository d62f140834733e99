// The one event model every chat, on-call and mail sink renders from: a DESIGN.md section 7 body
// parsed into typed fields, plus the headline and fact texts all channels share.
#pragma once

#include "common/expected.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::channels {

// Reminder: alert.reminder, "still down" while an incident is open (sinks.NAME.reminder_interval).
enum class EventKind { Triggered, Resolved, Drifted, ProtocolChanged, Reminder };

struct RecentFailure {
  std::string at; // RFC 3339
  std::string reason;
  std::string detail;
};

struct SchemaDrift {
  std::string oldFingerprint;
  std::string newFingerprint;
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;
};

// protocol.changed: how the server answered before and now ("modern", "streamable-http", "sse").
struct ProtocolSwitch {
  std::string fromTransport;
  std::string fromVersion; // empty when unknown
  std::string toTransport;
  std::string toVersion;
};

struct Link {
  std::string name;
  std::string url;
};

// Every string here may come from a monitored server or its operator: escape it for the target
// format before use.
struct EventView {
  EventKind kind = EventKind::Triggered;
  std::string id;         // "evt_..."
  std::string occurredAt; // RFC 3339
  std::string incidentId; // empty for drift
  std::string slug;
  std::string name;
  std::string checkUrl;
  std::string statusUrl; // empty when web.public_url is not set
  std::vector<std::string> tags;
  std::string reason;  // failure_reason; empty on drift
  std::string summary; // failure_summary ("HTTP 503"); empty when the body has none
  std::string detail;
  int consecutiveFailures = 0;
  std::vector<RecentFailure> recentFailures;
  std::string downSince; // RFC 3339 or empty
  std::optional<std::int64_t> durationSeconds;
  std::optional<double> responseTimeMs;
  std::string protocolVersion;
  std::optional<SchemaDrift> schema;
  std::optional<ProtocolSwitch> protocol;
  std::string note;
  bool test = false;
  // The server's context from the config (empty when not set).
  std::string description;
  std::string owner;
  std::string runbookUrl;
  std::vector<Link> links;
  // Servers that depend on this one: their triggers wait while this incident is open.
  std::vector<std::string> dependents;
};

// Parses a section 7 body; an error names the missing or mistyped field.
common::Expected<EventView, std::string> parseEvent(std::string_view body);

// "MCP server down: GitHub MCP (HTTP 503)" (the failure summary, else the reason), "MCP server
// recovered: GitHub MCP (down 4m 10s)", "MCP tools changed: GitHub MCP (1 added, 2 changed)", "MCP
// protocol changed: GitHub MCP (streamable-http 2025-11-25 → modern 2026-07-28)", "Still down for
// 1h 20m: GitHub MCP — HTTP 503" (a reminder); "[TEST] " first for test alerts. Plain text (not
// escaped).
std::string headline(const EventView& event);
// What failed, in words: the failure summary ("HTTP 503"), else the reason ("http_error").
const std::string& whatFailed(const EventView& event);
// "streamable-http 2025-11-25 → modern 2026-07-28".
std::string protocolSummary(const ProtocolSwitch& change);
// Short status words: "DOWN", "RESOLVED", "SCHEMA DRIFT", "PROTOCOL CHANGED", "STILL DOWN".
std::string_view statusWord(EventKind kind);
// True for the events of an open incident (a trigger and its reminders): down colours and facts.
bool isDownEvent(EventKind kind);
// "1h 2m", "4m 10s", "12s".
std::string humanDuration(std::int64_t seconds);
// "+a, -b, ~c" style summary of a drift: "1 added, 2 changed".
std::string driftSummary(const SchemaDrift& drift);

} // namespace mcpwatch::channels
