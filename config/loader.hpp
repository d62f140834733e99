// Loading and validating mcpwatch.yaml: every problem is reported at once, never a secret value.
#pragma once

#include "common/expected.hpp"
#include "config/config.hpp"
#include "config/interpolate.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::config {

struct ConfigError {
  std::string path; // "servers[2].interval", "sinks.pd.routing_key"; empty for the whole file
  std::string message;
  int line = 0; // 1-based; 0 when unknown

  // "path: message (line N)"
  std::string toString() const;
  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

using LoadResult = common::Expected<Config, std::vector<ConfigError>>;

// Files larger than this are refused rather than parsed. A config of 100,000 servers, one line
// each, is about 8 MB.
inline constexpr std::size_t kMaxConfigBytes = 64 * 1024 * 1024;

// Reads and validates `path`; relative storage and flag-file paths resolve against its directory.
LoadResult loadConfigFile(const std::string& path, const EnvLookup& env);

// Validates YAML (or JSON) text. `sourceName` is recorded in Config::source; relative paths
// resolve against `baseDir` (empty = keep them as written).
LoadResult loadConfigText(std::string_view text, std::string_view sourceName, const EnvLookup& env,
                          const std::string& baseDir = "");

} // namespace mcpwatch::config
