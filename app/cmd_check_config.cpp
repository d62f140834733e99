// `mcpwatch check-config FILE`: validates a config and lists every problem, exit 0 or 2.
#include "app/commands.hpp"
#include "config/loader.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

namespace mcpwatch::app {

void addCheckConfigCommand(CLI::App& app, int& exitCode) {
  auto file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("check-config", "Validate a config file and list every problem");
  cmd->add_option("FILE", *file, "The YAML (or JSON) config file")->required();
  cmd->callback([file, &exitCode] {
    auto result = config::loadConfigFile(*file, config::processEnvironment());
    if (!result) {
      for (const auto& error : result.error())
        std::fprintf(stderr, "%s: %s\n", file->c_str(), error.toString().c_str());
      exitCode = 2;
      return;
    }
    const auto& cfg = result.value();
    std::printf("config OK: %zu servers, %zu routes, %zu sinks\n", cfg.servers.size(),
                cfg.routes.size(), cfg.sinks.size());
    exitCode = 0;
  });
}

} // namespace mcpwatch::app
