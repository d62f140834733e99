// Comparing two configs server by server and sink by sink.
#include "config/diff.hpp"

namespace mcpwatch::config {

namespace {

bool probeChanged(const ServerConfig& a, const ServerConfig& b) {
  return a.url != b.url || a.headers != b.headers || !(a.check == b.check) || a.call != b.call ||
         a.enabled != b.enabled || a.protectedIsUp != b.protectedIsUp || a.oauth != b.oauth;
}

bool labelsChanged(const ServerConfig& a, const ServerConfig& b) {
  return a.name != b.name || a.tags != b.tags || a.isPublic != b.isPublic ||
         a.description != b.description || a.owner != b.owner || a.runbookUrl != b.runbookUrl ||
         a.links != b.links || a.dependsOn != b.dependsOn;
}

} // namespace

ServerDiff diffServers(const Config& oldConfig, const Config& newConfig) {
  ServerDiff diff;
  for (const auto& server : newConfig.servers) {
    const ServerConfig* before = oldConfig.findServer(server.slug);
    if (before == nullptr)
      diff.added.push_back(server.slug);
    else if (probeChanged(*before, server))
      diff.changed.push_back(server.slug);
    else if (labelsChanged(*before, server))
      diff.relabeled.push_back(server.slug);
  }
  for (const auto& server : oldConfig.servers)
    if (newConfig.findServer(server.slug) == nullptr)
      diff.removed.push_back(server.slug);
  return diff;
}

SinkDiff diffSinks(const Config& oldConfig, const Config& newConfig) {
  SinkDiff diff;
  for (const auto& [name, sink] : newConfig.sinks) {
    const SinkConfig* before = oldConfig.findSink(name);
    if (before == nullptr)
      diff.added.push_back(name);
    else if (!(before->settings == sink.settings) ||
             before->reminderInterval != sink.reminderInterval)
      diff.changed.push_back(name);
  }
  for (const auto& [name, sink] : oldConfig.sinks)
    if (newConfig.findSink(name) == nullptr)
      diff.removed.push_back(name);
  return diff;
}

} // namespace mcpwatch::config
