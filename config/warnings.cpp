// Deprecated-but-accepted config forms.
#include "config/warnings.hpp"

#include "common/duration.hpp"

namespace mcpwatch::config {

std::vector<ConfigError> deprecationWarnings(const Config& config) {
  std::vector<ConfigError> out;
  if (config.storage.legacyRetentionLine > 0)
    out.push_back({"storage.retention",
                   "a single duration is deprecated: it sets rollups and failures (" +
                       common::formatDuration(config.storage.retention.rollups) +
                       ") while raw checks keep the default " +
                       common::formatDuration(RetentionConfig{}.raw) +
                       "; write retention: {raw: ..., rollups: ..., failures: ...}",
                   config.storage.legacyRetentionLine});
  return out;
}

} // namespace mcpwatch::config
