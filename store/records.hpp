// Plain record types the store reads and writes; the store's own, independent of prober/detector.
#pragma once

#include "common/clock.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mcpwatch::store {

namespace sqlite {
class Connection;
}

// Times are stored as integer milliseconds since the Unix epoch: sub-millisecond parts are dropped.
using common::WallTime;

// One probe of one server.
struct CheckRecord {
  std::string slug;
  WallTime at;
  bool ok = false;
  std::string reason; // failure reason (DESIGN.md section 4); empty when ok
  std::string detail;
  std::optional<int> httpStatus;
  std::optional<std::int64_t> jsonrpcCode;
  std::optional<double> dnsMs;
  std::optional<double> connectMs;
  std::optional<double> tlsMs;
  std::optional<double> handshakeMs;
  std::optional<double> toolsListMs;
  std::optional<double> totalMs;
  std::optional<std::string> protocolVersion;
  std::optional<std::string> fingerprint;
  std::optional<int> toolCount;
  std::optional<std::string> era;       // "modern" | "legacy"
  std::optional<std::string> transport; // "streamable-http" | "sse"

  friend bool operator==(const CheckRecord&, const CheckRecord&) = default;
};

// The detector's per-server state: an opaque JSON document the store never interprets.
struct ServerStateRecord {
  std::string slug;
  std::string stateJson;
  WallTime updatedAt;

  friend bool operator==(const ServerStateRecord&, const ServerStateRecord&) = default;
};

struct IncidentRecord {
  std::string id; // "inc_..."
  std::string slug;
  WallTime openedAt;
  std::optional<WallTime> closedAt; // unset while open
  std::string reason;
  std::string detail;
  bool triggerSent = false; // the detector released the trigger (not held by maintenance)
  std::string resolveNote;
  // Filled on read, ignored on write: how many sinks the alerting outbox routed the trigger to
  // (0 while it is held, or when no route matched the server).
  int triggerSinks = 0;
  // The public title an operator gave the incident (admin API); empty: none yet. Set with
  // Store::setIncidentTitleSync (written on insert too).
  std::string title;

  friend bool operator==(const IncidentRecord&, const IncidentRecord&) = default;
};

// An operator's note on an incident (admin API), shown in its timeline. Public notes appear on
// the status page and in the feed; internal ones only in admin answers.
struct IncidentNote {
  std::int64_t id = 0; // assigned on insert
  std::string incidentId;
  WallTime at;
  std::string text;
  bool isPublic = true;
  std::string author; // who added it ("admin-api")

  friend bool operator==(const IncidentNote&, const IncidentNote&) = default;
};

// The accepted tools schema of a server (one per slug; putting a new one replaces it).
struct BaselineRecord {
  std::string slug;
  std::string fingerprint; // "sha256:<hex>"
  std::string toolsJson;   // {"tool name": "sha256 hex", ...}
  WallTime acceptedAt;
  bool pinned = false; // accepted by a person (admin/CLI), not adopted automatically

  friend bool operator==(const BaselineRecord&, const BaselineRecord&) = default;
};

// A tools schema change seen on a server, for the status page.
struct SchemaChangeRecord {
  std::int64_t id = 0; // assigned by the store; ignored on write
  std::string slug;
  WallTime at;
  std::string oldFingerprint;
  std::string newFingerprint;
  std::string diffJson; // {"added": [...], "removed": [...], "changed": [...]}

  friend bool operator==(const SchemaChangeRecord&, const SchemaChangeRecord&) = default;
};

// A maintenance window created at runtime (admin API or CLI); config windows are not stored.
struct MaintenanceRecord {
  std::string id;
  std::string selectorJson; // e.g. {"servers": ["a"], "tags": ["internal"]}; opaque to the store
  WallTime start;
  WallTime end;
  std::string createdBy;
  bool endedEarly = false;

  friend bool operator==(const MaintenanceRecord&, const MaintenanceRecord&) = default;
};

// --- Write operations (queued with Store::enqueue, or committed durably with Store::commitAsync
// or Store::commitNow) ---

struct CloseIncident {
  std::string id;
  WallTime closedAt;
  std::string resolveNote;
};
struct SetTriggerSent {
  std::string id;
  bool sent = true;
};
struct EndMaintenance { // ends a window early: end = at, ended_early = 1
  std::string id;
  WallTime at;
};
struct DeleteMaintenance {
  std::string id;
};
// An escape hatch for modules that own extra tables (e.g. the alerting outbox, added by its own
// migration): runs on the writer thread inside the batch transaction. Throw sqlite::Error (or any
// std::exception) to fail it; its changes are then rolled back alone.
struct CustomWrite {
  std::function<void(sqlite::Connection&)> apply;
};

// One write. An IncidentRecord opens an incident (its id must be new); ServerStateRecord,
// BaselineRecord and MaintenanceRecord insert or replace by key; CheckRecord and SchemaChangeRecord
// append.
using WriteOp = std::variant<CheckRecord, ServerStateRecord, IncidentRecord, CloseIncident,
                             SetTriggerSent, BaselineRecord, SchemaChangeRecord, MaintenanceRecord,
                             EndMaintenance, DeleteMaintenance, CustomWrite>;

} // namespace mcpwatch::store
