// `mcpwatch test-alert --config FILE [--server SLUG] [--sink NAME]`: sends a test trigger and its
// resolve through the real routes and sinks and prints what each sink answered.
#include "alerting/alerting.hpp"
#include "app/commands.hpp"
#include "app/sinks.hpp"
#include "config/loader.hpp"
#include "store/store.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>

namespace mcpwatch::app {
namespace {

struct TestAlertOptions {
  std::string configFile;
  std::string server;
  std::string sink;
};

std::string describe(const alerting::AttemptResult& r) {
  std::string out = alerting::describeAnswer(r);
  if (!r.error.empty())
    out += " (" + r.error + ")";
  return out;
}

int runTestAlert(const TestAlertOptions& options) {
  auto loaded = config::loadConfigFile(options.configFile, config::processEnvironment());
  if (!loaded) {
    for (const auto& error : loaded.error())
      std::fprintf(stderr, "%s: %s\n", options.configFile.c_str(), error.toString().c_str());
    return 2;
  }
  const auto& cfg = loaded.value();
  const alerting::SinkFactory factory = sinkFactory();
  if (auto errors = alerting::Alerting::checkSinks(cfg, factory); !errors.empty()) {
    for (const auto& e : errors)
      std::fprintf(stderr, "%s: %s\n", options.configFile.c_str(), e.c_str());
    return 2;
  }
  // Test alerts bypass the outbox, but the facade needs a store: use a throwaway one so the
  // daemon's database is never touched (it may be locked by a running daemon).
  const auto dir = std::filesystem::temp_directory_path() /
                   ("mcpwatch-test-alert-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  int exitCode = 2;
  {
    auto store = store::Store::open((dir / "outbox.db").string());
    if (!store) {
      std::fprintf(stderr, "test-alert: %s\n", store.error().c_str());
    } else {
      asio::io_context ioc;
      common::SystemClock clock;
      alerting::Alerting alerting(ioc.get_executor(), cfg, *store.value(), clock, factory);
      std::optional<std::string> server, sink;
      if (!options.server.empty())
        server = options.server;
      if (!options.sink.empty())
        sink = options.sink;
      asio::co_spawn(
          ioc,
          [](alerting::Alerting* a, std::optional<std::string> server,
             std::optional<std::string> sink, int* code) -> Awaitable<void> {
            auto results = co_await a->testAlert(std::move(server), std::move(sink));
            if (!results) {
              std::fprintf(stderr, "test-alert: %s\n", results.error().c_str());
              *code = 2;
              co_return;
            }
            bool allOk = true;
            for (const auto& r : results.value()) {
              std::printf("%s: trigger %s", r.sink.c_str(), describe(r.trigger).c_str());
              if (r.resolve)
                std::printf(", resolve %s", describe(*r.resolve).c_str());
              std::printf(" -> %s\n", r.ok() ? "ok" : "FAILED");
              allOk = allOk && r.ok();
            }
            *code = allOk ? 0 : 1;
          }(&alerting, server, sink, &exitCode),
          asio::detached);
      ioc.run();
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return exitCode;
}

} // namespace

void addTestAlertCommand(CLI::App& app, int& exitCode) {
  auto options = std::make_shared<TestAlertOptions>();
  auto* cmd = app.add_subcommand(
      "test-alert", "Send a test trigger and resolve through the configured routes and sinks");
  cmd->add_option("--config", options->configFile, "The YAML (or JSON) config file")->required();
  cmd->add_option("--server", options->server, "Route as this server (slug)");
  cmd->add_option("--sink", options->sink, "Only this sink (name)");
  cmd->callback([options, &exitCode] { exitCode = runTestAlert(*options); });
}

} // namespace mcpwatch::app
