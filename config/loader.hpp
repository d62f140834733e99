// Loading and validating mcpwatch.yaml: every problem is reported at once, never a secret value.
#pragma once

#include "common/expected.hpp"
#include "config/config.hpp"
#include "config/interpolate.hpp"
#include "config/reader.hpp"
#include "config/sink_type.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::config {

using LoadResult = common::Expected<Config, std::vector<ConfigError>>;

// Files larger than this are refused rather than parsed. A config of 100,000 servers, one line
// each, is about 8 MB.
inline constexpr std::size_t kMaxConfigBytes = 64 * 1024 * 1024;

// Reads and validates `path`; relative storage and flag-file paths resolve against its directory.
// `sinkTypes` are the sink types `sinks:` may use (the app's registry: app::sinkTypes()).
LoadResult loadConfigFile(const std::string& path, const EnvLookup& env,
                          const SinkTypes& sinkTypes);

// Validates YAML (or JSON) text. `sourceName` is recorded in Config::source; relative paths
// resolve against `baseDir` (empty = keep them as written).
LoadResult loadConfigText(std::string_view text, std::string_view sourceName, const EnvLookup& env,
                          const SinkTypes& sinkTypes, const std::string& baseDir = "");

} // namespace mcpwatch::config
