// `mcpwatch demo-server`: serves the built-in demo MCP server until SIGINT/SIGTERM.
// clang-format off
#include <utility> // before common/asio.hpp: Boost 1.74's awaitable.hpp uses std::exchange
// clang-format on
#include "app/commands.hpp"
#include "demo/demo_server.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace mcpwatch::app {

namespace {

struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};

// "127.0.0.1:8931", "[::1]:8931", "localhost:0". The port is required.
std::optional<ListenAddress> parseListen(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return std::nullopt;
  }
  std::string_view host = text.substr(0, colon);
  std::string_view portText = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return std::nullopt;
    }
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt; // an IPv6 literal needs brackets
  }
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (ec != std::errc() || ptr != portText.data() + portText.size() || port > 65535) {
    return std::nullopt;
  }
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(port)};
}

int runDemoServer(const std::string& listen) {
  auto address = parseListen(listen);
  if (!address) {
    std::fprintf(stderr,
                 "mcpwatch demo-server: --listen: expected HOST:PORT, e.g. 127.0.0.1:8931\n");
    return 2;
  }
  asio::io_context io;
  auto started = demo::startDemoServer(io.get_executor(), address->host, address->port);
  if (!started) {
    std::fprintf(stderr, "mcpwatch demo-server: %s\n", started.error().c_str());
    return 1;
  }
  std::unique_ptr<demo::DemoServer> server = std::move(*started);
  const bool v6 = address->host.find(':') != std::string::npos;
  std::string shownHost = v6 ? "[" + address->host + "]" : address->host;
  std::printf("mcpwatch demo MCP server listening on http://%s:%u/mcp (legacy SSE: /sse)\n",
              shownHost.c_str(), static_cast<unsigned>(server->port()));
  std::printf("demo controls: http://%s:%u/demo\n", shownHost.c_str(),
              static_cast<unsigned>(server->port()));
  std::fflush(stdout);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  bool stopRequested = false;
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) {
      stopRequested = true;
      server->stop();
    }
  });
  while (!stopRequested && io.run_one() > 0) {
  }
  // Connections close at once after stop(); the bound only guards against one that does not.
  io.run_for(std::chrono::seconds(5));
  return 0;
}

} // namespace

void addDemoServerCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand(
      "demo-server", "Serve a built-in demo MCP server (both protocol eras, outage and drift "
                     "switches) to try mcpwatch against");
  auto listen = std::make_shared<std::string>("127.0.0.1:8931");
  cmd->add_option("--listen", *listen, "HOST:PORT to listen on; port 0 picks a free port")
      ->capture_default_str();
  cmd->callback([listen, &exitCode] { exitCode = runDemoServer(*listen); });
}

} // namespace mcpwatch::app
