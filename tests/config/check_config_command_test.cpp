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

CommandRun runCheckConfig(const std::string& file, std::vector<std::string> extra = {}) {
  CLI::App app{"test", "mcpwatch"};
  app.require_subcommand(1);
  CommandRun run;
  app::addCheckConfigCommand(app, run.exitCode);
  std::vector<std::string> args = {"check-config", file};
  args.insert(args.end(), extra.begin(), extra.end());
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

// A config that validates but pages nobody for one server and never uses one sink: warnings on
// stderr (the counts stay on stdout), exit 0; --strict turns them into exit 2.
constexpr const char* kPartlyRouted =
    "servers:\n"
    "  - {slug: a, url: \"http://a.example/mcp\", tags: [x]}\n"
    "  - {slug: b, url: \"http://b.example/mcp\"}\n"
    "  - {slug: off, url: \"http://c.example/mcp\", enabled: false}\n"
    "sinks:\n"
    "  hook: {type: webhook, url: \"http://h.example/\"}\n"
    "  spare: {type: webhook, url: \"http://s.example/\"}\n"
    "routes:\n"
    "  - match: {tags: [x]}\n"
    "    sinks: [hook]\n";

TEST_F(CheckConfigCommand, UnroutedServersAndUnusedSinksAreWarnings) {
  std::string file = write(kPartlyRouted);
  CommandRun run = runCheckConfig(file);
  EXPECT_EQ(run.exitCode, 0);
  EXPECT_EQ(run.out, "config OK: 3 servers, 1 routes, 2 sinks\n");
  EXPECT_EQ(run.err, file +
                         ": warning: servers[1]: no route sends the alerts of \"b\" to any sink: "
                         "its incidents page nobody (line 3)\n" +
                         file +
                         ": warning: sinks.spare: no route uses this sink: real alerts never "
                         "reach it (line 7)\n");
}

TEST_F(CheckConfigCommand, StrictMakesWarningsFatal) {
  std::string file = write(kPartlyRouted);
  CommandRun run = runCheckConfig(file, {"--strict"});
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find(": warning: servers[1]: no route sends"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(": warning: sinks.spare: no route uses this sink"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find(file + ": 2 warnings, refused with --strict\n"), std::string::npos)
      << run.err;

  std::string clean = write("servers:\n  - {slug: a, url: \"http://a.example/mcp\"}\n"
                            "sinks:\n  hook: {type: webhook, url: \"http://h.example/\"}\n"
                            "routes:\n  - sinks: [hook]\n");
  CommandRun ok = runCheckConfig(clean, {"--strict"});
  EXPECT_EQ(ok.exitCode, 0);
  EXPECT_EQ(ok.out, "config OK: 1 servers, 1 routes, 1 sinks\n");
  EXPECT_EQ(ok.err, "");
}

TEST_F(CheckConfigCommand, ASinkOnlyNamedByRoutesThatReachNoServerIsAWarning) {
  // routes[1] matches nothing configured; routes[2] is never reached after continue: false.
  std::string file = write("servers:\n"
                           "  - {slug: a, url: \"http://a.example/mcp\"}\n"
                           "sinks:\n"
                           "  main: {type: webhook, url: \"http://m.example/\"}\n"
                           "  night: {type: webhook, url: \"http://n.example/\"}\n"
                           "routes:\n"
                           "  - {sinks: [main], continue: false}\n"
                           "  - {match: {tags: [nobody]}, sinks: [night]}\n"
                           "  - {sinks: [night]}\n");
  CommandRun run = runCheckConfig(file);
  EXPECT_EQ(run.exitCode, 0);
  EXPECT_EQ(run.err, file + ": warning: sinks.night: routes[1], routes[2] name this sink but reach "
                            "no enabled server (no match, or an earlier route with continue: false "
                            "stops first): real alerts never reach it (line 5)\n");
}

TEST_F(CheckConfigCommand, NoRoutesAtAllIsOneWarning) {
  std::string file = write("servers:\n  - {slug: a, url: \"http://a.example/mcp\"}\n");
  CommandRun run = runCheckConfig(file);
  EXPECT_EQ(run.exitCode, 0);
  EXPECT_EQ(run.out, "config OK: 1 servers, 0 routes, 0 sinks\n");
  EXPECT_EQ(run.err, file + ": warning: routes: no sinks and no routes configured: incidents are "
                            "recorded and shown, but nobody is alerted\n");
  EXPECT_EQ(runCheckConfig(file, {"--strict"}).exitCode, 2);
}

TEST_F(CheckConfigCommand, ScalarRetentionIsADeprecationWarning) {
  const std::string routed = "servers:\n  - {slug: a, url: \"http://a.example/mcp\"}\n"
                             "sinks:\n  hook: {type: webhook, url: \"http://h.example/\"}\n"
                             "routes:\n  - sinks: [hook]\n";
  std::string file = write(routed + "storage:\n  retention: 90d\n");
  CommandRun run = runCheckConfig(file);
  EXPECT_EQ(run.exitCode, 0);
  EXPECT_EQ(run.out, "config OK: 1 servers, 1 routes, 1 sinks\n");
  EXPECT_EQ(run.err, file + ": warning: storage.retention: a single duration is deprecated: it "
                            "sets rollups and failures (90d) while raw checks keep the default "
                            "1d; write retention: {raw: ..., rollups: ..., failures: ...} "
                            "(line 8)\n");
  EXPECT_EQ(runCheckConfig(file, {"--strict"}).exitCode, 2);

  std::string map = write(routed + "storage:\n  retention: {raw: 2d, rollups: 90d}\n");
  CommandRun clean = runCheckConfig(map, {"--strict"});
  EXPECT_EQ(clean.exitCode, 0);
  EXPECT_EQ(clean.err, "");
}

TEST_F(CheckConfigCommand, DurationAndDateRangesAreReportedAtOnce) {
  std::string file =
      write("defaults:\n  interval: 300000d\n"
            "servers:\n  - {slug: a, url: \"http://a.example/mcp\"}\n"
            "maintenance:\n  windows:\n"
            "    - {name: w, start: 2026-12-01T02:00:00Z, end: 9999-12-31T23:59:59Z}\n");
  CommandRun run = runCheckConfig(file);
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            file + ": defaults.interval: must be between 1s and 1d, got 300000d (line 2)\n" + file +
                ": maintenance.windows[0].end: invalid time \"9999-12-31T23:59:59Z\": "
                "year 9999 is out of range (supported: dates from 1800-01-01 to "
                "2200-12-31) (line 7)\n");
}

TEST_F(CheckConfigCommand, ReminderIntervalProblemsAreReported) {
  std::string file = write("sinks:\n"
                           "  chat: {type: slack, url: \"https://hooks.slack.com/services/T/B/x\", "
                           "reminder_interval: 10s}\n"
                           "  pd: {type: pagerduty, routing_key: " +
                           std::string(32, 'k') + ", reminder_interval: 1h}\n");
  CommandRun run = runCheckConfig(file);
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, file +
                         ": sinks.chat.reminder_interval: must be between 1m and 7d, got 10s "
                         "(line 2)\n" +
                         file +
                         ": sinks.pd.reminder_interval: is not supported on pagerduty sinks: "
                         "PagerDuty re-notifies through the service's escalation policy until "
                         "someone acknowledges (reminders are for webhook, slack, discord and "
                         "email sinks) (line 3)\n");
  std::string valid =
      write("servers:\n  - {slug: a, url: \"http://a.example/mcp\"}\n"
            "sinks:\n"
            "  chat: {type: slack, url: \"https://hooks.slack.com/services/T/B/x\", "
            "reminder_interval: 1h}\n"
            "routes:\n  - sinks: [chat]\n");
  CommandRun ok = runCheckConfig(valid);
  EXPECT_EQ(ok.exitCode, 0) << ok.err;
  EXPECT_EQ(ok.out, "config OK: 1 servers, 1 routes, 1 sinks\n");
}

} // namespace
} // namespace mcpwatch::config
