// Routing of events to sinks, a pure function of the config.
#include "alerting/router.hpp"

namespace mcpwatch::alerting {

std::vector<config::RouteTarget> routeEvent(const config::Config& config, EventType type,
                                            const std::string& serverSlug,
                                            const std::vector<std::string>& serverTags) {
  config::ServerConfig server;
  server.slug = serverSlug;
  server.tags = serverTags;
  std::vector<config::RouteTarget> out;
  for (auto& target : config::routeTargets(config.routes, server)) {
    const auto* sink = config.findSink(target.sink);
    if (!sink)
      continue;
    if (isChangeEvent(type) && !sink->receivesSchemaDrift())
      continue;
    out.push_back(std::move(target));
  }
  return out;
}

} // namespace mcpwatch::alerting
