// `mcpwatch check-config FILE [--strict]`: validates a config and lists every problem (exit 2),
// then every warning about where real alerts go (exit 0, or 2 with --strict).
#include "app/commands.hpp"
#include "app/sinks.hpp"
#include "config/loader.hpp"
#include "config/routing.hpp"
#include "config/warnings.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

namespace mcpwatch::app {

namespace {

struct CheckConfigOptions {
  std::string file;
  bool strict = false;
};

int runCheckConfig(const CheckConfigOptions& options) {
  const auto& file = options.file;
  auto result = config::loadConfigFile(file, config::processEnvironment(), sinkTypes());
  if (!result) {
    for (const auto& error : result.error())
      std::fprintf(stderr, "%s: %s\n", file.c_str(), error.toString().c_str());
    return 2;
  }
  const auto& cfg = result.value();
  auto warnings = config::deprecationWarnings(cfg);
  for (auto& w : config::analyzeRouting(cfg).warnings)
    warnings.push_back(std::move(w));
  for (const auto& warning : warnings)
    std::fprintf(stderr, "%s: warning: %s\n", file.c_str(), warning.toString().c_str());
  if (options.strict && !warnings.empty()) {
    std::fprintf(stderr, "%s: %zu warning%s, refused with --strict\n", file.c_str(),
                 warnings.size(), warnings.size() == 1 ? "" : "s");
    return 2;
  }
  // stdout keeps its one-line contract; warnings went to stderr above.
  std::printf("config OK: %zu servers, %zu routes, %zu sinks\n", cfg.servers.size(),
              cfg.routes.size(), cfg.sinks.size());
  return 0;
}

} // namespace

void addCheckConfigCommand(CLI::App& app, int& exitCode) {
  auto options = std::make_shared<CheckConfigOptions>();
  auto* cmd = app.add_subcommand("check-config", "Validate a config file and list every problem");
  cmd->add_option("FILE", options->file, "The YAML (or JSON) config file")->required();
  cmd->add_flag("--strict", options->strict,
                "Treat warnings (sinks no alert reaches, servers whose alerts reach no sink, "
                "deprecated forms) as errors: exit 2");
  cmd->callback([options, &exitCode] { exitCode = runCheckConfig(*options); });
}

} // namespace mcpwatch::app
