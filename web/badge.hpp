// README badges for public servers: small flat SVGs (state, uptime, latency) in the style of
// shields.io, and the public embed JSON. Pure functions: no store, no clock.
#pragma once

#include "common/json.hpp"
#include "web/pages.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::web {

// A two-part badge: grey `label`, coloured `message`. `colour` is "#rrggbb". Both texts are
// XML-escaped; the SVG carries role="img", an aria-label and a <title> ("label: message").
std::string renderBadge(std::string_view label, std::string_view message, std::string_view colour);

// The badges by kind: "status" ("mcp | up"), "uptime" ("uptime 30d | 99.95%"), "latency"
// ("latency | 123 ms"). `period` is "24h", "7d", "30d" or "90d" (uptime only).
std::string statusBadge(const ServerView& view);
std::string uptimeBadge(std::optional<double> uptime, std::string_view period);
std::string latencyBadge(std::optional<double> latencyMs);

// The uptime of `summary` for a period name, or nullopt for an unknown name.
std::optional<std::optional<double>> uptimeFor(const ServerSummary& summary,
                                               std::string_view period);

// GET /api/v1/servers/{slug}/embed: {slug, name, state, uptime {24h,7d,30d,90d}, latency_ms,
// last_check_at, status_url (null without web.public_url)}.
common::Json embedJson(const ServerSummary& summary, std::string_view publicUrl);

} // namespace mcpwatch::web
