// Translations between modules (wiring only): a probe result into what the detector and the
// store need, and the detector's event completed with the server part of the DESIGN.md
// section 7 body.
#pragma once

#include "common/json.hpp"
#include "config/config.hpp"
#include "detector/detector.hpp"
#include "prober/probe.hpp"
#include "store/records.hpp"

#include <optional>
#include <spdlog/common.h>
#include <string>
#include <vector>

namespace mcpwatch::app {

detector::CheckOutcome toCheckOutcome(const prober::ProbeResult& result);
store::CheckRecord toCheckRecord(const std::string& slug, const prober::ProbeResult& result);

// What the status page shows of the latest probe that got that far (not the whole result: its
// capabilities and tool digests would cost kilobytes per server on a large fleet).
struct LastProbe {
  std::optional<std::string> serverName;
  std::optional<std::string> serverVersion;
  std::optional<int> toolCount;
  std::optional<common::WallTime> tlsNotAfter;
  std::optional<common::WallTime> oauthTokenExpiresAt; // the access token the probe used
};

// What the server said about itself last, after `result`: a failed probe keeps the previous
// values (a down server's page still names it); a successful one says everything afresh (an http
// server has no certificate, whatever an earlier https URL had).
LastProbe lastProbeAfter(const std::optional<LastProbe>& previous,
                         const prober::ProbeResult& result);

// The log line of a state change (nullopt when the state did not change): its level and fields.
struct StateChangeLog {
  spdlog::level::level_enum level;
  common::Json fields;
};
std::optional<StateChangeLog> stateChangeLog(const std::string& slug,
                                             const detector::ServerState& state,
                                             detector::Transition transition);

// What the event body says about the server, from the config at the time of the event.
struct ServerDescription {
  std::string slug;
  std::string name;
  std::string url;
  std::vector<std::string> tags;
  std::string statusUrl; // public_url + "/status/" + slug
  // The config's context for the person paged (empty when not set).
  std::string description;
  std::string owner;
  std::string runbookUrl;
  std::vector<config::ServerLink> links;
  std::vector<std::string> dependents; // servers with this one in their depends_on
};

// The detector's event with the server part of DESIGN.md section 7 filled in: the full event
// (webhook sinks send exactly its JSON).
alerting::Event withServer(alerting::Event event, const ServerDescription& server,
                           bool test = false);
std::vector<alerting::Event> withServer(std::vector<alerting::Event> events,
                                        const ServerDescription& server);

} // namespace mcpwatch::app
