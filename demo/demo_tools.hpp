// The demo MCP server's tools: definitions shaped per protocol version and their pure execution.
#pragma once

#include "common/clock.hpp"
#include "common/expected.hpp"
#include "common/json.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::demo {

inline constexpr std::string_view kModernVersion = "2026-07-28";
inline constexpr std::string_view kLatestLegacyVersion = "2025-11-25";
// Legacy versions the demo negotiates, newest first.
inline const std::vector<std::string> kLegacyVersions = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                         "2024-11-05"};
bool isLegacyVersion(std::string_view version);

// The name of the tool that POST /demo/drift adds, so schema-drift detection has something to see.
inline constexpr std::string_view kDriftToolName = "demo_drift";

// Every tool in listing order (deterministic), shaped for `version`: fields that version does not
// know are left out (title/outputSchema before 2025-06-18, annotations before 2025-03-26,
// execution only in 2025-11-25).
std::vector<common::Json> toolDefinitions(bool drift, std::string_view version);

struct ToolCallError {
  int code;            // JSON-RPC error code (-32602 for an unknown tool)
  std::string message; // e.g. "Unknown tool: nope"
};

// Runs a tool. Bad arguments give a result with isError: true (the model can read and fix them,
// as the spec asks); an unknown tool gives a JSON-RPC error. structuredContent is only included
// for versions that know it (2025-06-18 and later).
common::Expected<common::Json, ToolCallError> callTool(std::string_view name,
                                                       const common::Json& arguments, bool drift,
                                                       std::string_view version,
                                                       const common::Clock& clock);

} // namespace mcpwatch::demo
