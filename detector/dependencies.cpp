#include "detector/dependencies.hpp"

namespace mcpwatch::detector {

DependencyHold
dependencyHold(const std::vector<std::string>& dependsOn,
               std::optional<common::WallTime> failingSince,
               const std::function<const ServerState*(const std::string&)>& stateOf) {
  for (const auto& dep : dependsOn) {
    const ServerState* st = stateOf(dep);
    if (st == nullptr)
      continue;
    // Failing counts too: in one outage the dependency and its dependents fail together, and a
    // dependent may reach its threshold before the dependency's incident opens.
    if (st->incident || st->consecutiveFailures > 0)
      return {"while dependency \"" + dep + "\" was down", std::nullopt};
    if (failingSince && (!st->lastCheckAt || *st->lastCheckAt < *failingSince))
      return {"until dependency \"" + dep + "\" was checked", dep};
  }
  return {};
}

} // namespace mcpwatch::detector
