// `mcpwatch check-config FILE`: output format and exit codes, through the real CLI parser.
#include "app/commands.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>

namespace mcpwatch::app {
void addCheckConfigCommand(CLI::App& app, int& exitCode);
}

namespace mcpwatch::config {
namespace {

struct CommandRun {
  int exitCode = -1;
  std::string out;
  std::string err;
};

CommandRun runCheckConfig(const std::string& file) {
  CLI::App app{"test", "mcpwatch"};
  app.require_subcommand(1);
  CommandRun run;
  app::addCheckConfigCommand(app, run.exitCode);
  std::vector<std::string> args = {"check-config", file};
  std::reverse(args.begin(), args.end()); // CLI11 takes a reversed vector
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  app.parse(args);
  std::fflush(stdout);
  std::fflush(stderr);
  run.out = ::testing::internal::GetCapturedStdout();
  run.err = ::testing::internal::GetCapturedStderr();
  return run;
}

class CheckConfigCommand : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mcpwatch-check-config-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& text) {
    auto path = (dir_ / "mcpwatch.yaml").string();
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(CheckConfigCommand, ValidConfigPrintsCountsAndExitsZero) {
  std::string file = write("servers:\n"
                           "  - {slug: a, url: \"http://a.example/mcp\"}\n"
                           "  - {slug: b, url: \"http://b.example/mcp\"}\n"
                           "sinks:\n  hook: {type: webhook, url: \"http://h.example/\"}\n"
                           "routes:\n  - sinks: [hook]\n");
  CommandRun run = runCheckConfig(file);
  EXPECT_EQ(run.exitCode, 0);
  EXPECT_EQ(run.out, "config OK: 2 servers, 1 routes, 1 sinks\n");
  EXPECT_EQ(run.err, "");
}

TEST_F(CheckConfigCommand, InvalidConfigListsEveryProblemAndExitsTwo) {
  ::unsetenv("MCPWATCH_CHECK_CONFIG_UNSET");
  std::string file = write("servers:\n"
                           "  - {slug: a, url: nope}\n"
                           "sinks:\n  pd: {type: pagerduty, routing_key: "
                           "\"${MCPWATCH_CHECK_CONFIG_UNSET}\"}\n");
  CommandRun run = runCheckConfig(file);
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, file +
                         ": servers[0].url: invalid URL \"nope\": must be an absolute URL "
                         "starting with http:// or https:// (line 2)\n" +
                         file +
                         ": sinks.pd.routing_key: environment variable "
                         "MCPWATCH_CHECK_CONFIG_UNSET is not set (line 4)\n");
}

TEST_F(CheckConfigCommand, ReadsTheProcessEnvironment) {
  ::setenv("MCPWATCH_CHECK_CONFIG_KEY", std::string(32, 'k').c_str(), 1);
  std::string file = write("sinks:\n  pd: {type: pagerduty, routing_key: "
                           "\"${MCPWATCH_CHECK_CONFIG_KEY}\"}\n");
  CommandRun run = runCheckConfig(file);
  ::unsetenv("MCPWATCH_CHECK_CONFIG_KEY");
  EXPECT_EQ(run.exitCode, 0);
  EXPECT_EQ(run.out, "config OK: 0 servers, 0 routes, 1 sinks\n");
}

TEST_F(CheckConfigCommand, MissingFileExitsTwo) {
  CommandRun run = runCheckConfig((dir_ / "absent.yaml").string());
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_EQ(run.err, (dir_ / "absent.yaml").string() + ": cannot open the file\n");
}

} // namespace
} // namespace mcpwatch::config
