// The per-server detector state: everything that must survive a restart, and its JSON form.
#pragma once

#include "common/clock.hpp"
#include "common/expected.hpp"
#include "common/json.hpp"
#include "detector/events.hpp"

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::detector {

// unknown: no result yet; failing: failures below the threshold; down: incident open;
// flapping: incident open because the server keeps changing state.
enum class HealthState { Unknown, Up, Failing, Down, Flapping };
std::string_view toString(HealthState state); // "unknown", "up", "failing", "down", "flapping"
std::optional<HealthState> parseHealthState(std::string_view text);

// The tools of one check: overall fingerprint and per-tool name -> sha256 hex.
struct ToolsSnapshot {
  std::string fingerprint;
  std::map<std::string, std::string> tools;
  bool operator==(const ToolsSnapshot&) const = default;
};

struct Incident {
  std::string id; // "inc_..."
  common::WallTime openedAt;
  common::WallTime downSince; // first failure of the streak (or when flapping began)
  std::string reason;
  std::string detail;
  // False while the trigger is held back by maintenance. A resolve is only ever sent for an
  // incident whose trigger was sent; one that never was closes silently.
  bool triggerSent = false;
  // Why a held trigger was held when not by maintenance ("dependency \"api\" is down").
  std::string heldBy;
};

struct SchemaState {
  std::optional<ToolsSnapshot> baseline;
  std::optional<ToolsSnapshot> latest;
  bool pinned = false; // the baseline changes only through acceptBaseline()
  // The fingerprint schema.drifted was last emitted for, so one change is announced once.
  std::optional<std::string> notifiedFingerprint;
};

struct ServerState {
  HealthState status = HealthState::Unknown;
  // The last non-pending state (unknown, up, down, flapping): what the transition compares.
  HealthState settled = HealthState::Unknown;
  int consecutiveFailures = 0;
  int consecutiveSuccesses = 0;
  std::optional<common::WallTime> lastCheckAt;
  std::optional<bool> lastOk;
  std::optional<common::WallTime> failingSince;
  std::optional<double> lastResponseTimeMs;
  std::optional<std::string> protocolVersion;
  // How the server last answered ok ("modern", "streamable-http", "sse"): the daemon tries that
  // first, so a server keeps its era unless it really changed.
  std::optional<std::string> transport;
  bool flapping = false;
  double percentStateChange = 0;
  std::deque<bool> history; // ok/failed of recent checks, oldest first, for flap detection
  std::vector<FailureRecord> recentFailures; // the last 3, oldest first
  std::optional<Incident> incident;
  bool inMaintenance = false; // as of the last record()/evaluate()
  SchemaState schema;
};

inline constexpr int kStateVersion = 1;
inline constexpr std::size_t kRecentFailures = 3;

// Versioned JSON ({"version": 1, ...}); timestamps are RFC 3339 with milliseconds.
common::Json toJson(const ServerState& state);
// Missing or wrongly typed fields take their defaults (an old blob still loads); fails only for
// a non-object or a version newer than this build understands. Never throws.
common::Expected<ServerState, std::string> stateFromJson(const common::Json& json);

// A copy of `state` without `schema` and `history` (what status pages and APIs show). Copies
// every other field: keep it in step with ServerState.
ServerState stateSummary(const ServerState& state);

// A hash of everything in the state that decides what the detector does next and what a restart
// must restore, leaving out what only moves with time on a steady server: the last check's time
// and latency, and a success streak past `successThreshold` (its exact length decides nothing).
// Equal signatures mean a stored copy of the state is as good as a new one for a restart, so a
// healthy server's state need not be written on every probe.
std::uint64_t durableSignature(const ServerState& state, int successThreshold);

} // namespace mcpwatch::detector
