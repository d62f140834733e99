// `${VAR}` substitution in config strings, with the environment injected so tests control it.
#pragma once

#include "common/expected.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::config {

// Looks up one environment variable; nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// The real process environment (getenv).
EnvLookup processEnvironment();

// Replaces every `${NAME}` (NAME = [A-Za-z_][A-Za-z0-9_]*) with the variable's value; `$${`
// stands for a literal `${`; any other `$` is kept as is. Substituted values are not scanned
// again. The error message names the variable but never quotes the text, which may hold secrets.
common::Expected<std::string, std::string> interpolateEnv(std::string_view text,
                                                          const EnvLookup& env);

} // namespace mcpwatch::config
