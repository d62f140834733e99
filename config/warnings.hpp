// Warnings about a usable config written in a deprecated form (check-config prints them beside
// the routing warnings; `mcpwatch run` logs them).
#pragma once

#include "config/config.hpp"
#include "config/loader.hpp"

#include <vector>

namespace mcpwatch::config {

// Same shape as a config error ("path: message (line N)"), in config order.
std::vector<ConfigError> deprecationWarnings(const Config& config);

} // namespace mcpwatch::config
