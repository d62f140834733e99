// Where real alerts can go under a config: which routes reach which sink, and the warnings for
// sinks that no alert reaches and servers whose alerts reach no sink. One pure analysis used by
// `check-config`, `mcpwatch run` (at start and on reload) and `test-alert`.
#pragma once

#include "config/config.hpp"
#include "config/loader.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace mcpwatch::config {

// Same shape as a config error ("path: message (line N)"), but the config is usable.
using ConfigWarning = ConfigError;

struct RoutingReport {
  // Sink name -> the indices of the routes that send some enabled server's triggers to it, in
  // order (every configured sink has an entry; empty when real alerts never reach it).
  std::map<std::string, std::vector<std::size_t>> sinkRoutes;
  // Enabled server slug -> sink name -> the indices of the routes that send that server's
  // triggers to that sink (empty map when no route sends them anywhere).
  std::map<std::string, std::map<std::string, std::vector<std::size_t>>> serverRoutes;
  // Sinks no real alert reaches, enabled servers whose alerts reach no sink (or one warning for
  // a config without routes), in config order.
  std::vector<ConfigWarning> warnings;
};

// Follows the routes exactly as alert delivery does (config::routeTargets: matching routes in
// order, `continue: false` stops) for every enabled server.
RoutingReport analyzeRouting(const Config& config);

// "routes[0], routes[2]"
std::string describeRoutes(const std::vector<std::size_t>& routes);

} // namespace mcpwatch::config
