// Routing: which sinks (with which severity override) an event goes to under a config.
#pragma once

#include "alerting/sink.hpp"
#include "config/config.hpp"

#include <vector>

namespace mcpwatch::alerting {

// Every matching route in order (`continue: false` stops), each sink once, unknown sink names
// skipped. The change events (schema.drifted, protocol.changed) go only to sinks that take schema
// drift: they skip PagerDuty sinks without change_events (they must not page) and chat/mail
// sinks with `schema_drift: false`.
std::vector<config::RouteTarget> routeEvent(const config::Config& config, EventType type,
                                            const std::string& serverSlug,
                                            const std::vector<std::string>& serverTags);

} // namespace mcpwatch::alerting
