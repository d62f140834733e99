// Structured logging on spdlog: one line per record, as text (key=value) or JSON lines.
#pragma once

#include "common/json.hpp"

#include <spdlog/spdlog.h>
#include <string_view>

namespace mcpwatch::app {

enum class LogFormat { Text, Json };

// Sets the default logger to stderr with UTC timestamps in the chosen format and level
// ("debug", "info", "warn", "error").
void setupLogging(std::string_view level, LogFormat format);

// One structured line: `msg` plus fields. Text: `msg key=value ...` (strings quoted when they
// contain spaces); JSON: {"time","level","msg",...fields}. Never pass secrets in fields.
void logRecord(spdlog::level::level_enum level, std::string_view msg, const common::Json& fields);

} // namespace mcpwatch::app
