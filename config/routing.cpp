// The routing analysis: the route walk of config::routeTargets, kept with route indices.
#include "config/routing.hpp"

#include <algorithm>
#include <limits>

namespace mcpwatch::config {
namespace {

std::string joinNames(const std::map<std::string, SinkConfig>& sinks) {
  std::string out;
  for (const auto& [name, sink] : sinks)
    out += (out.empty() ? "" : ", ") + name;
  return out;
}

} // namespace

std::string describeRoutes(const std::vector<std::size_t>& routes) {
  std::string out;
  for (auto i : routes)
    out += (out.empty() ? "" : ", ") + std::string("routes[") + std::to_string(i) + "]";
  return out;
}

RoutingReport analyzeRouting(const Config& config) {
  RoutingReport report;
  for (const auto& [name, sink] : config.sinks)
    report.sinkRoutes[name];
  std::size_t enabled = 0;
  for (const auto& server : config.servers) {
    if (!server.enabled)
      continue;
    ++enabled;
    auto& bySink = report.serverRoutes[server.slug];
    for (std::size_t i = 0; i < config.routes.size(); ++i) {
      const auto& route = config.routes[i];
      if (!route.match.matches(server))
        continue;
      for (const auto& sink : route.sinks) {
        if (!config.findSink(sink))
          continue; // the loader refuses unknown sinks; be safe with hand-built configs
        bySink[sink].push_back(i);
        auto& used = report.sinkRoutes[sink];
        if (std::find(used.begin(), used.end(), i) == used.end())
          used.push_back(i);
      }
      if (!route.continueMatching)
        break;
    }
  }
  for (auto& [sink, routes] : report.sinkRoutes)
    std::sort(routes.begin(), routes.end());

  auto& warnings = report.warnings;
  if (config.routes.empty()) {
    if (config.sinks.empty() && enabled > 0)
      warnings.push_back({"routes",
                          "no sinks and no routes configured: incidents are recorded and shown, "
                          "but nobody is alerted",
                          0});
    else if (!config.sinks.empty())
      warnings.push_back(
          {"routes",
           "none configured: real alerts reach none of the sinks (" + joinNames(config.sinks) + ")",
           0});
    return report;
  }
  for (std::size_t i = 0; i < config.servers.size(); ++i) {
    const auto& server = config.servers[i];
    if (!server.enabled || !report.serverRoutes[server.slug].empty())
      continue;
    warnings.push_back({"servers[" + std::to_string(i) + "]",
                        "no route sends the alerts of \"" + server.slug +
                            "\" to any sink: its incidents page nobody",
                        server.line});
  }
  for (const auto& [name, sink] : config.sinks) {
    if (!report.sinkRoutes[name].empty())
      continue;
    std::vector<std::size_t> naming;
    for (std::size_t i = 0; i < config.routes.size(); ++i)
      if (std::find(config.routes[i].sinks.begin(), config.routes[i].sinks.end(), name) !=
          config.routes[i].sinks.end())
        naming.push_back(i);
    std::string message =
        naming.empty()
            ? "no route uses this sink: real alerts never reach it"
            : describeRoutes(naming) +
                  (naming.size() == 1 ? " names this sink but reaches"
                                      : " name this sink but reach") +
                  " no enabled server (no match, or an earlier route with continue: false stops "
                  "first): real alerts never reach it";
    warnings.push_back({"sinks." + name, std::move(message), sink.line});
  }
  std::stable_sort(warnings.begin(), warnings.end(),
                   [](const ConfigWarning& a, const ConfigWarning& b) {
                     constexpr int kLast = std::numeric_limits<int>::max();
                     return (a.line == 0 ? kLast : a.line) < (b.line == 0 ? kLast : b.line);
                   });
  return report;
}

} // namespace mcpwatch::config
