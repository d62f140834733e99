// mcpwatch entry point: parses the command line and dispatches to a subcommand.
#include "app/commands.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>

int main(int argc, char** argv) {
  CLI::App app{"mcpwatch: uptime monitoring and alerting for MCP servers", "mcpwatch"};
  app.set_version_flag("--version", std::string("mcpwatch ") + MCPWATCH_VERSION);
  app.require_subcommand(0, 1);
  int exitCode = 0;
  mcpwatch::app::addProbeCommand(app, exitCode);
  mcpwatch::app::addRunCommand(app, exitCode);
  mcpwatch::app::addCheckConfigCommand(app, exitCode);
  mcpwatch::app::addTestAlertCommand(app, exitCode);
  mcpwatch::app::addBaselineCommand(app, exitCode);
  mcpwatch::app::addStatusCommand(app, exitCode);
  mcpwatch::app::addDemoServerCommand(app, exitCode);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // Usage errors exit 2 (DESIGN.md section 3); --help and --version exit 0.
    return rc == 0 ? 0 : 2;
  }
  if (app.get_subcommands().empty()) {
    // `mcpwatch` alone is a question, not a mistake: show what it can do.
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }
  return exitCode;
}
