// Each subcommand registers itself on the CLI; main() only collects them.
#pragma once

namespace CLI {
class App;
}

namespace mcpwatch::app {

// Each add*Command adds one subcommand whose callback sets the process exit code through
// `exitCode` (0 ok, 1 down/failed, 2 usage or invalid input).
void addProbeCommand(CLI::App& app, int& exitCode);
void addDemoServerCommand(CLI::App& app, int& exitCode);
void addCheckConfigCommand(CLI::App& app, int& exitCode);
void addRunCommand(CLI::App& app, int& exitCode);
void addTestAlertCommand(CLI::App& app, int& exitCode);
void addBaselineCommand(CLI::App& app, int& exitCode);
void addStatusCommand(CLI::App& app, int& exitCode);

} // namespace mcpwatch::app
