// The config's meaning for the detector and the prober.
#include "app/config_mapping.hpp"

namespace mcpwatch::app {
namespace {

detector::DriftPolicy toDriftPolicy(config::SchemaDriftPolicy p) {
  switch (p) {
  case config::SchemaDriftPolicy::Fail:
    return detector::DriftPolicy::Fail;
  case config::SchemaDriftPolicy::Ignore:
    return detector::DriftPolicy::Ignore;
  case config::SchemaDriftPolicy::Warn:
    break;
  }
  return detector::DriftPolicy::Warn;
}

} // namespace

detector::DetectorSettings detectorSettings(const config::ServerConfig& server) {
  detector::DetectorSettings s;
  s.failureThreshold = server.check.failureThreshold;
  s.successThreshold = server.check.successThreshold;
  s.flapping.enabled = server.check.flapping.enabled;
  s.flapping.window = static_cast<std::size_t>(server.check.flapping.window);
  s.flapping.highThreshold = server.check.flapping.highThreshold;
  s.flapping.lowThreshold = server.check.flapping.lowThreshold;
  s.drift = toDriftPolicy(server.check.schemaDrift);
  return s;
}

detector::ScheduleSettings scheduleOf(const config::ServerConfig& server) {
  return {server.check.interval, server.check.retryInterval};
}

prober::ProbeOptions probeOptions(const config::ServerConfig& server,
                                  const std::optional<std::string>& lastTransport,
                                  std::shared_ptr<prober::CredentialCache> credentials) {
  prober::ProbeOptions o;
  o.url = server.url;
  o.transport = server.check.transport;
  if (lastTransport)
    o.lastTransport = prober::parseTransport(*lastTransport);
  for (const auto& [name, value] : server.headers)
    o.headers.emplace_back(name, value.reveal());
  o.timeout = server.check.timeout;
  o.insecure = server.check.insecure;
  o.caFile = server.check.caFile;
  o.tlsResumption = server.check.tlsResumption;
  o.acceptedVersions = server.check.acceptedProtocolVersions;
  o.protectedIsUp = server.protectedIsUp;
  if (server.oauth) {
    const auto& c = *server.oauth;
    o.oauth = prober::OAuthCredentials{
        c.clientId, c.clientSecret.reveal(), c.privateKeyPem.reveal(), c.scope, c.tokenUrl,
        c.issuer};
    o.credentials = std::move(credentials);
  }
  if (server.call)
    o.call = prober::ToolCall{server.call->tool, server.call->args};
  return o;
}

ConfigWindows maintenanceWindows(const config::Config& config) {
  ConfigWindows out;
  for (const auto& w : config.maintenance.windows) {
    detector::WindowTarget target;
    target.all = w.servers.empty() && w.tags.empty();
    target.servers = w.servers;
    target.tags = w.tags;
    common::Expected<detector::MaintenanceWindow, std::string> built =
        common::unexpected(std::string("no schedule"));
    if (const auto* fixed = std::get_if<config::FixedWindow>(&w.schedule))
      built = detector::makeOneOffWindow(w.name, target, fixed->start, fixed->end);
    else if (const auto* every = std::get_if<config::RecurringWindow>(&w.schedule))
      built = detector::makeRecurringWindow(
          w.name, target, every->cron,
          std::chrono::duration_cast<std::chrono::seconds>(every->duration), every->zone);
    if (built) {
      built->comment = w.comment;
      out.windows.push_back(std::move(built.value()));
    } else {
      out.rejected.emplace_back(w.name, built.error());
    }
  }
  return out;
}

std::map<std::string, std::vector<std::string>> dependentsOf(const config::Config& config) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& server : config.servers)
    if (server.enabled)
      for (const auto& dep : server.dependsOn)
        out[dep].push_back(server.slug);
  return out;
}

ServerDescription describe(const config::ServerConfig& server, const std::string& publicUrl,
                           const std::map<std::string, std::vector<std::string>>& dependents) {
  ServerDescription d{server.slug,
                      server.name,
                      server.url,
                      server.tags,
                      publicUrl + "/status/" + server.slug,
                      server.description,
                      server.owner,
                      server.runbookUrl,
                      server.links};
  if (auto it = dependents.find(server.slug); it != dependents.end())
    d.dependents = it->second;
  return d;
}

} // namespace mcpwatch::app
