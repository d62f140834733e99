// Start-up recovery, decided without touching the store: which admin-API maintenance windows
// come back, which saved detector states the configured servers resume from, and which open
// incidents of servers that left the config while mcpwatch was stopped are closed (with the
// resolve their trigger calls for). The daemon reads the rows, calls recover(), and applies the
// result through its usual commit path.
#pragma once

#include "common/expected.hpp"
#include "common/json.hpp"
#include "common/time.hpp"
#include "detector/detector.hpp"
#include "detector/maintenance.hpp"
#include "store/records.hpp"

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace mcpwatch::durable {

// The detector's window for a window the admin API stored (selector JSON with servers, tags and
// comment). An error for a record that cannot be a window (an end before its start).
common::Expected<detector::MaintenanceWindow, std::string>
windowFromRecord(const store::MaintenanceRecord& record);

// A server that is no longer monitored (removed from the config or disabled) but left an
// incident open.
struct RemovedServer {
  std::string slug;
  detector::ServerState state; // the state after closing it
  // incident.closed names it; events hold its resolve when its trigger had gone out.
  detector::Outcome outcome;
};

// Something skipped, for one log line each: a message and its fields.
struct RecoveryProblem {
  std::string message;
  common::Json fields;
};

// The schema baseline the store holds for a server (what the daemon compares its detector's
// with before writing one).
struct StoredBaseline {
  std::string fingerprint;
  bool pinned = false;
};

struct Recovery {
  std::vector<detector::MaintenanceWindow> windows;
  // The saved state of each enabled server that has a readable one, by slug.
  std::map<std::string, detector::ServerState> states;
  // The stored baseline of each enabled server that has one, by slug.
  std::map<std::string, StoredBaseline> baselines;
  std::vector<RemovedServer> removed;
  std::vector<RecoveryProblem> problems;
};

// What the store holds: admin-API windows, server states, baselines. `ids` draws the resolve
// events' ids.
struct StoredRows {
  std::span<const store::MaintenanceRecord> windows;
  std::span<const store::ServerStateRecord> states;
  std::span<const store::BaselineRecord> baselines;
};
// `monitored` are the slugs of the servers that will be probed (configured and enabled).
Recovery recover(const std::set<std::string>& monitored, const StoredRows& stored,
                 common::WallTime now, const detector::IdGenerator& ids);

} // namespace mcpwatch::durable
