// What a config reload changes, so SIGHUP can restart only the affected servers.
#pragma once

#include "config/config.hpp"

#include <string>
#include <vector>

namespace mcpwatch::config {

struct ServerDiff {
  std::vector<std::string> added;   // slugs only in the new config, in its order
  std::vector<std::string> removed; // slugs only in the old config, in its order
  // The probe itself changes: url, headers, check settings, synthetic call or enabled.
  std::vector<std::string> changed;
  // Only what is shown or routed changes: name, tags, public. The probe state can stay.
  std::vector<std::string> relabeled;

  bool empty() const {
    return added.empty() && removed.empty() && changed.empty() && relabeled.empty();
  }
};

ServerDiff diffServers(const Config& oldConfig, const Config& newConfig);

// Names of sinks added, removed or with different settings (any key, secrets and
// reminder_interval included).
struct SinkDiff {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;
  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

SinkDiff diffSinks(const Config& oldConfig, const Config& newConfig);

} // namespace mcpwatch::config
