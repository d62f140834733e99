// Pure PagerDuty Events API v2 bodies (DESIGN.md section 8) built from a section 7 event body.
#pragma once

#include "alerting/event.hpp"
#include "config/config.hpp"
#include "pagerduty/pagerduty_config.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::pagerduty {

inline constexpr std::size_t kMaxSummaryChars = 1024;
inline constexpr std::size_t kMaxDedupKeyChars = 255;
inline constexpr std::size_t kMaxEventBytes = 512 * 1024;

// "{prefix}-{slug}", cut to 255 characters: the key of a server's real incidents.
std::string dedupKey(const pagerduty::PagerDutySinkConfig& sink, std::string_view slug);
// The key an event uses: dedupKey() for real events; for a test alert ("test": true) its own
// key "{prefix}-{slug}.test-{id}" (alerting/dedup_key.hpp), never a live incident's.
std::string dedupKeyFor(const pagerduty::PagerDutySinkConfig& sink, const alerting::Event& event);

// The request body for an alert.triggered / alert.resolved event, or a Change Events body for
// schema.drifted and protocol.changed; nullopt for reminders. `severity` is the route's override.
std::optional<std::string> buildBody(const pagerduty::PagerDutySinkConfig& sink,
                                     std::optional<config::Severity> severity,
                                     const alerting::Event& event, std::string_view publicUrl);

// The Change Events URL on the same host: ".../v2/enqueue" -> ".../v2/change/enqueue".
std::string changeEventsUrl(std::string_view eventsUrl);

} // namespace mcpwatch::pagerduty
