// Wiring translations between prober, detector, store and the event contract.
#include "app/check_mapping.hpp"

#include "common/time.hpp"

namespace mcpwatch::app {

detector::CheckOutcome toCheckOutcome(const prober::ProbeResult& result) {
  detector::CheckOutcome out;
  out.at = result.startedAt;
  out.ok = result.ok;
  if (result.failure) {
    out.failureReason = std::string(prober::toString(result.failure->reason));
    out.failureDetail = result.failure->detail;
  }
  if (result.ok)
    out.responseTimeMs = result.timings.total;
  out.protocolVersion = result.protocolVersion;
  if (result.era == prober::Era::Modern)
    out.transport = "modern";
  else if (result.era && result.transport)
    out.transport = std::string(prober::toString(*result.transport));
  if (result.tools) {
    out.formerFingerprint = result.tools->formerFingerprint;
    detector::ToolsSnapshot snapshot;
    snapshot.fingerprint = result.tools->fingerprint;
    for (const auto& tool : result.tools->tools)
      snapshot.tools[tool.name] = tool.sha256;
    out.tools = std::move(snapshot);
  }
  return out;
}

store::CheckRecord toCheckRecord(const std::string& slug, const prober::ProbeResult& result) {
  store::CheckRecord r;
  r.slug = slug;
  r.at = result.startedAt;
  r.ok = result.ok;
  if (result.failure) {
    r.reason = std::string(prober::toString(result.failure->reason));
    r.detail = result.failure->detail;
    r.httpStatus = result.failure->httpStatus;
    if (result.failure->jsonrpcCode)
      r.jsonrpcCode = *result.failure->jsonrpcCode;
  }
  r.dnsMs = result.timings.dns;
  r.connectMs = result.timings.connect;
  r.tlsMs = result.timings.tls;
  r.handshakeMs = result.timings.handshake;
  r.toolsListMs = result.timings.toolsList;
  r.totalMs = result.timings.total;
  r.protocolVersion = result.protocolVersion;
  if (result.tools) {
    r.fingerprint = result.tools->fingerprint;
    r.toolCount = static_cast<int>(result.tools->count);
  }
  if (result.era)
    r.era = std::string(prober::toString(*result.era));
  if (result.transport)
    r.transport = std::string(prober::toString(*result.transport));
  return r;
}

alerting::Event withServer(alerting::Event event, const ServerDescription& server, bool test) {
  event.slug = server.slug;
  event.name = server.name;
  event.checkUrl = server.url;
  event.tags = server.tags;
  event.statusUrl = server.statusUrl;
  event.description = server.description;
  event.owner = server.owner;
  event.runbookUrl = server.runbookUrl;
  event.links.clear();
  for (const auto& link : server.links)
    event.links.push_back({link.name, link.url});
  event.dependents = server.dependents;
  // The concrete failure for headlines ("HTTP 503"); the reason stays for machines.
  event.summary = event.reason.empty() || event.type == alerting::EventType::ProtocolChanged
                      ? std::string()
                      : prober::failureSummary(event.reason, event.detail);
  event.test = test;
  return event;
}

std::vector<alerting::Event> withServer(std::vector<alerting::Event> events,
                                        const ServerDescription& server) {
  for (auto& event : events)
    event = withServer(std::move(event), server);
  return events;
}

LastProbe lastProbeAfter(const std::optional<LastProbe>& previous,
                         const prober::ProbeResult& result) {
  LastProbe last = result.ok ? LastProbe{} : previous.value_or(LastProbe{});
  if (result.serverInfo) {
    last.serverName = result.serverInfo->name;
    last.serverVersion = result.serverInfo->version;
  }
  if (result.tools)
    last.toolCount = static_cast<int>(result.tools->count);
  if (result.tls)
    last.tlsNotAfter = result.tls->notAfter;
  if (result.auth && result.auth->expiresAt)
    last.oauthTokenExpiresAt = result.auth->expiresAt;
  return last;
}

std::optional<StateChangeLog> stateChangeLog(const std::string& slug,
                                             const detector::ServerState& state,
                                             detector::Transition transition) {
  if (transition == detector::Transition::Unchanged)
    return std::nullopt;
  common::Json fields = {{"server", slug},
                         {"state", detector::toString(state.status)},
                         {"transition", detector::toString(transition)},
                         {"consecutive_failures", state.consecutiveFailures}};
  if (!state.recentFailures.empty() && state.lastOk == false) {
    fields["reason"] = state.recentFailures.back().reason;
    fields["detail"] = state.recentFailures.back().detail;
  }
  if (state.inMaintenance)
    fields["maintenance"] = true;
  const bool bad = state.status == detector::HealthState::Down ||
                   state.status == detector::HealthState::Flapping;
  return StateChangeLog{transition == detector::Transition::Changed && bad ? spdlog::level::warn
                                                                           : spdlog::level::info,
                        std::move(fields)};
}

} // namespace mcpwatch::app
