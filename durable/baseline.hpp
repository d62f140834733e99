// A server's accepted tool schema between the detector and the store: the detector's snapshot as
// the baseline record's tool list, and back.
#pragma once

#include "detector/state.hpp"
#include "store/records.hpp"

#include <optional>
#include <string>

namespace mcpwatch::durable {

// {"tool name": "sha256:..."} as stored in the baseline record.
std::string toolsJson(const detector::ToolsSnapshot& snapshot);
// The record's snapshot; nullopt when its tool list is not a JSON object (entries that are not
// strings are skipped).
std::optional<detector::ToolsSnapshot> snapshotFromBaseline(const store::BaselineRecord& record);
// The fingerprint of the state's baseline; empty when it has none.
std::string baselineFingerprint(const detector::ServerState& state);

} // namespace mcpwatch::durable
