// Baseline records and the detector's schema snapshots.
#include "durable/baseline.hpp"

#include "common/json.hpp"

namespace mcpwatch::durable {

std::string toolsJson(const detector::ToolsSnapshot& snapshot) {
  common::Json j = common::Json::object();
  for (const auto& [name, hash] : snapshot.tools)
    j[name] = hash;
  return j.dump();
}

std::optional<detector::ToolsSnapshot> snapshotFromBaseline(const store::BaselineRecord& record) {
  auto parsed = common::parseJson(record.toolsJson);
  if (!parsed || !parsed->is_object())
    return std::nullopt;
  detector::ToolsSnapshot snapshot;
  snapshot.fingerprint = record.fingerprint;
  for (auto it = parsed->begin(); it != parsed->end(); ++it)
    if (it.value().is_string())
      snapshot.tools[it.key()] = it.value().get<std::string>();
  return snapshot;
}

std::string baselineFingerprint(const detector::ServerState& state) {
  const auto& b = state.schema.baseline;
  return b ? b->fingerprint : std::string();
}

} // namespace mcpwatch::durable
