// What the detector tells alerting: triggers, resolves and schema drift (DESIGN.md section 7).
#pragma once

#include "common/clock.hpp"
#include "common/json.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::detector {

enum class EventType { Triggered, Resolved, SchemaDrifted, ProtocolChanged };

// "alert.triggered", "alert.resolved", "schema.drifted", "protocol.changed" (the stable wire
// names).
std::string_view toString(EventType type);
std::optional<EventType> parseEventType(std::string_view text);

struct FailureRecord {
  common::WallTime at;
  std::string reason; // a DESIGN.md section 4 reason, or "flapping"
  std::string detail;
  bool operator==(const FailureRecord&) const = default;
};

// Tool names (sorted) that differ between two schema snapshots.
struct ToolsDiff {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;
  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
  bool operator==(const ToolsDiff&) const = default;
};

struct SchemaChange {
  std::string oldFingerprint;
  std::string newFingerprint;
  ToolsDiff diff;
};

// The server now answers in another era or transport than before (an ok check after ok checks).
// Transports in the config's words: "modern", "streamable-http", "sse".
struct ProtocolChange {
  std::string fromTransport;
  std::string toTransport;
  std::optional<std::string> fromVersion;
  std::optional<std::string> toVersion;
};
// "streamable-http 2025-11-25 -> modern 2026-07-28".
std::string describeProtocolChange(const ProtocolChange& change);

struct Event {
  std::string id; // "evt_..." from the injected generator; the webhook-id on every retry
  EventType type = EventType::Triggered;
  common::WallTime occurredAt;
  std::string incidentId; // "inc_..."; empty for schema.drifted
  std::optional<std::string> failureReason;
  std::optional<std::string> failureDetail;
  int consecutiveFailures = 0;
  std::vector<FailureRecord> recentFailures; // the last 3, oldest first
  std::optional<common::WallTime> downSince;
  std::optional<common::Seconds> duration; // resolves: from down_since to the resolve
  std::optional<double> responseTimeMs;    // resolves: latency of the latest ok check
  std::optional<std::string> protocolVersion;
  std::optional<SchemaChange> schema;     // schema.drifted only
  std::optional<ProtocolChange> protocol; // protocol.changed only
  // Why this event is unusual, for people: a trigger delayed by maintenance, a resolve because
  // the server left the config. Empty for ordinary events.
  std::string note;
};

// The part of the DESIGN.md section 7 body the detector knows (no server_* fields, check_url,
// status_url or test flag: the daemon adds those). Drift events add "schema": {old_fingerprint,
// new_fingerprint, added, removed, changed}; protocol changes add "protocol": {"from":
// {transport, protocol_version}, "to": {...}}; "note" is present only when non-empty.
common::Json toJson(const Event& event);

} // namespace mcpwatch::detector
