// `mcpwatch test-alert --config FILE [--server SLUG] [--sink NAME]`: sends a test trigger and its
// resolve through the real routes and sinks and prints what each sink answered, and which routes
// bring real alerts to it.
#include "alerting/alerting.hpp"
#include "app/commands.hpp"
#include "app/sinks.hpp"
#include "config/loader.hpp"
#include "config/routing.hpp"
#include "store/store.hpp"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcpwatch::app {
namespace {

struct TestAlertOptions {
  std::string configFile;
  std::string server;
  std::string sink;
};

// A fresh private directory (mkdtemp: unpredictable name, mode 0700, never an existing one) under
// $TMPDIR or /tmp; empty with `error` set when none could be made.
std::filesystem::path makePrivateTempDir(std::string& error) {
  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec)
    base = "/tmp";
  std::string pattern = (base / "mcpwatch-test-alert-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    error = "cannot create a temporary directory in " + base.string() + ": " + std::strerror(errno);
    return {};
  }
  return std::filesystem::path(buffer.data());
}

// "(via routes[0], routes[2])", or why real alerts never reach the sink.
std::string routesLabel(const config::RoutingReport& routing, const std::string& sink,
                        const std::string& server) {
  const std::vector<std::size_t>* routes = nullptr;
  if (server.empty()) {
    if (auto it = routing.sinkRoutes.find(sink); it != routing.sinkRoutes.end())
      routes = &it->second;
  } else if (auto s = routing.serverRoutes.find(server); s != routing.serverRoutes.end()) {
    if (auto it = s->second.find(sink); it != s->second.end())
      routes = &it->second;
  }
  if (routes && !routes->empty())
    return "(via " + config::describeRoutes(*routes) + ")";
  if (server.empty())
    return "(no route: real alerts never reach this sink)";
  return "(no route: real alerts of \"" + server + "\" never reach this sink)";
}

std::string describe(const alerting::AttemptResult& r) {
  std::string out = alerting::describeAnswer(r);
  if (!r.error.empty())
    out += " (" + r.error + ")";
  return out;
}

int runTestAlert(const TestAlertOptions& options) {
  auto loaded =
      config::loadConfigFile(options.configFile, config::processEnvironment(), sinkTypes());
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
  const auto routing = config::analyzeRouting(cfg);
  // Test alerts bypass the outbox, but the facade needs a store: use a throwaway one so the
  // daemon's database is never touched (it may be locked by a running daemon). Its directory is
  // made fresh by mkdtemp, so nobody can plant it (or a symlink in its place) beforehand.
  std::string dirError;
  const auto dir = makePrivateTempDir(dirError);
  if (dir.empty()) {
    std::fprintf(stderr, "test-alert: %s\n", dirError.c_str());
    return 2;
  }
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
          [](alerting::Alerting* a, const config::RoutingReport* routing,
             std::optional<std::string> server, std::optional<std::string> sink,
             int* code) -> Awaitable<void> {
            const std::string slug = server.value_or("");
            auto results = co_await a->testAlert(std::move(server), std::move(sink));
            if (!results) {
              std::fprintf(stderr, "test-alert: %s\n", results.error().c_str());
              *code = 2;
              co_return;
            }
            bool allOk = true;
            for (const auto& r : results.value()) {
              std::printf("%s %s: trigger %s", r.sink.c_str(),
                          routesLabel(*routing, r.sink, slug).c_str(), describe(r.trigger).c_str());
              if (r.resolve)
                std::printf(", resolve %s", describe(*r.resolve).c_str());
              std::printf(" -> %s\n", r.ok() ? "ok" : "FAILED");
              allOk = allOk && r.ok();
            }
            *code = allOk ? 0 : 1;
          }(&alerting, &routing, server, sink, &exitCode),
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
