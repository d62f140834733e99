// `depends_on`: whether a server's new trigger is held because a server it depends on is down
// (or not yet re-checked), decided from the dependencies' detector states alone.
#pragma once

#include "common/time.hpp"
#include "detector/state.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mcpwatch::detector {

struct DependencyHold {
  // Why the trigger is held ("while dependency \"api\" was down"); empty: not held.
  std::string reason;
  // A dependency not checked since this server began failing: probe it now (the hold lasts
  // until it has been, so the two schedules never decide who pages).
  std::optional<std::string> checkNow;
};

// `failingSince` is this server's; `stateOf` gives a monitored dependency's state, or nullptr
// for one that is unknown or paused (it holds nothing).
DependencyHold dependencyHold(const std::vector<std::string>& dependsOn,
                              std::optional<common::WallTime> failingSince,
                              const std::function<const ServerState*(const std::string&)>& stateOf);

} // namespace mcpwatch::detector
