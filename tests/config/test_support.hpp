// Helpers shared by the config tests: injected environments and error-message extraction.
#pragma once

#include "app/sinks.hpp"
#include "config/loader.hpp"

#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace mcpwatch::config::test {

inline EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end())
      return std::nullopt;
    return it->second;
  };
}

inline LoadResult load(std::string_view yaml, const EnvLookup& env = envOf({})) {
  return loadConfigText(yaml, "test.yaml", env, app::sinkTypes());
}

// Every error as "path: message (line N)", or {} when the config loaded.
inline std::vector<std::string> errorsOf(const LoadResult& result) {
  std::vector<std::string> out;
  if (!result)
    for (const auto& e : result.error())
      out.push_back(e.toString());
  return out;
}

// Loads `yaml` and expects exactly one error, returned as text.
inline std::string onlyError(std::string_view yaml, const EnvLookup& env = envOf({})) {
  auto errors = errorsOf(load(yaml, env));
  EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  return errors.empty() ? std::string() : errors.front();
}

} // namespace mcpwatch::config::test
