// Schema drift policy and the diff between two tools snapshots.
#pragma once

#include "detector/events.hpp"
#include "detector/state.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::detector {

// warn: announce and adopt the new schema; fail: announce once and count every check as failed
// (schema_drift) until the new schema is accepted; ignore: only remember the latest schema.
enum class DriftPolicy { Warn, Fail, Ignore };
std::string_view toString(DriftPolicy policy); // "warn", "fail", "ignore"
std::optional<DriftPolicy> parseDriftPolicy(std::string_view text);

ToolsDiff diffTools(const ToolsSnapshot& from, const ToolsSnapshot& to);

// "2 tools added (a, b), 1 removed (c), 1 changed (d)"; names are cut so the line stays short.
std::string describeDiff(const ToolsDiff& diff);

} // namespace mcpwatch::detector
