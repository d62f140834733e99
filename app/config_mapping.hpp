// What the config means for the detector and the prober (wiring only, pure): a server's detector
// and schedule settings, its probe options, the maintenance windows, who depends on whom, and the
// server part of its events.
#pragma once

#include "app/check_mapping.hpp"
#include "config/config.hpp"
#include "detector/detector.hpp"
#include "detector/maintenance.hpp"
#include "detector/schedule.hpp"
#include "prober/probe.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mcpwatch::app {

detector::DetectorSettings detectorSettings(const config::ServerConfig& server);
detector::ScheduleSettings scheduleOf(const config::ServerConfig& server);
// `lastTransport`: the transport the server last answered with (the detector's state), tried
// first under `transport: auto` so a transient error is reported in that era.
// `credentials`: where the server's OAuth token is kept between probes (null: per probe).
prober::ProbeOptions probeOptions(const config::ServerConfig& server,
                                  const std::optional<std::string>& lastTransport,
                                  std::shared_ptr<prober::CredentialCache> credentials = nullptr);

struct ConfigWindows {
  std::vector<detector::MaintenanceWindow> windows;
  std::vector<std::pair<std::string, std::string>> rejected; // window name, why
};
// The config's maintenance windows as the detector's calendar takes them.
ConfigWindows maintenanceWindows(const config::Config& config);

// Server slug -> the enabled servers with it in their depends_on (their triggers wait for it).
std::map<std::string, std::vector<std::string>> dependentsOf(const config::Config& config);

// The server part of its events: name, URLs, tags, context and the servers that depend on it.
ServerDescription describe(const config::ServerConfig& server, const std::string& publicUrl,
                           const std::map<std::string, std::vector<std::string>>& dependents);

} // namespace mcpwatch::app
