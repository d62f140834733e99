// Structured logging on spdlog, for every module: one line per record, as text (key=value) or
// JSON lines.
#pragma once

#include "common/json.hpp"

#include <spdlog/spdlog.h>
#include <string_view>

namespace mcpwatch::common {

enum class LogFormat { Text, Json };

// Sets the default logger to stderr with UTC timestamps in the chosen format and level
// ("debug", "info", "warn", "error").
void setupLogging(std::string_view level, LogFormat format);
// The same to another sink (tests capture the lines).
void setupLogging(std::string_view level, LogFormat format, spdlog::sink_ptr sink);

// One structured line: `msg` plus fields. Text: `msg key=value ...` (strings quoted when they
// contain spaces); JSON: {"time","level","msg",...fields}. Never pass secrets in fields.
void logRecord(spdlog::level::level_enum level, std::string_view msg, const common::Json& fields);

} // namespace mcpwatch::common
