#include "app/startup.hpp"

#include "common/log.hpp"

#include <set>

namespace mcpwatch::app {

Startup readStartup(store::Store& store, const config::Config& config, common::WallTime now,
                    const detector::IdGenerator& ids) {
  Startup out;
  std::vector<store::MaintenanceRecord> windows;
  if (auto stored = store.maintenanceWindows())
    windows = std::move(stored.value());
  else
    common::logRecord(spdlog::level::err, "could not load maintenance windows",
                      {{"error", stored.error()}});
  std::vector<store::ServerStateRecord> states;
  if (auto stored = store.loadServerStates())
    states = std::move(stored.value());
  else
    common::logRecord(spdlog::level::err, "could not load server state",
                      {{"error", stored.error()}});
  // Once here rather than per server on its first probe (a synchronous read on the loop).
  std::vector<store::BaselineRecord> baselines;
  if (auto stored = store.baselineFingerprints()) {
    baselines = std::move(stored.value());
    out.baselinesKnown = true;
  } else {
    common::logRecord(spdlog::level::warn,
                      "could not load baselines (each is read on its first probe)",
                      {{"error", stored.error()}});
  }
  std::set<std::string> monitored;
  for (const auto& server : config.servers)
    if (server.enabled)
      monitored.insert(server.slug);
  out.recovery = durable::recover(monitored, {windows, states, baselines}, now, ids);
  return out;
}

} // namespace mcpwatch::app
