// Translations between modules (wiring only): a probe result into what the detector and the
// store need, and the detector's event completed with the server part of the DESIGN.md
// section 7 body.
#pragma once

#include "common/json.hpp"
#include "config/config.hpp"
#include "detector/detector.hpp"
#include "prober/probe.hpp"
#include "store/records.hpp"

#include <string>
#include <vector>

namespace mcpwatch::app {

detector::CheckOutcome toCheckOutcome(const prober::ProbeResult& result);
store::CheckRecord toCheckRecord(const std::string& slug, const prober::ProbeResult& result);

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
