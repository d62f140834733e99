// The detector's records behind its events: failures, tool diffs and protocol changes.
#pragma once

#include "alerting/event.hpp"
#include "common/clock.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::detector {

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

// The detector emits the one event model of alerting/event.hpp (its incident part).
using alerting::Event;
using alerting::EventType;

// The event's section 7 form of a failure record and of a protocol change.
alerting::RecentFailure toRecentFailure(const FailureRecord& failure);
alerting::ProtocolSwitch toProtocolSwitch(const ProtocolChange& change);

} // namespace mcpwatch::detector
