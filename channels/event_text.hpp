// The texts every chat, on-call and mail sink shares, rendered from the one event model
// (alerting/event.hpp).
#pragma once

#include "alerting/event.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace mcpwatch::channels {

using alerting::Event;
using alerting::EventType;
using alerting::isDownEvent;
using alerting::Link;
using alerting::ProtocolSwitch;
using alerting::RecentFailure;
using alerting::SchemaDrift;
using alerting::whatFailed;

// "MCP server down: GitHub MCP (HTTP 503)" (the failure summary, else the reason), "MCP server
// recovered: GitHub MCP (down 4m 10s)", "MCP tools changed: GitHub MCP (1 added, 2 changed)", "MCP
// protocol changed: GitHub MCP (streamable-http 2025-11-25 → modern 2026-07-28)", "Still down for
// 1h 20m: GitHub MCP — HTTP 503" (a reminder); "[TEST] " first for test alerts. Plain text (not
// escaped).
std::string headline(const Event& event);
// "streamable-http 2025-11-25 → modern 2026-07-28".
std::string protocolSummary(const ProtocolSwitch& change);
// Short status words: "DOWN", "RESOLVED", "SCHEMA DRIFT", "PROTOCOL CHANGED", "STILL DOWN".
std::string_view statusWord(EventType kind);
// "1h 2m", "4m 10s", "12s".
std::string humanDuration(std::int64_t seconds);
// "+a, -b, ~c" style summary of a drift: "1 added, 2 changed".
std::string driftSummary(const SchemaDrift& drift);

} // namespace mcpwatch::channels
