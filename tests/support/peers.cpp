// Test-tool locations and peer start-up for the integration and daemon tests.
#include "tests/support/peers.hpp"

#include <cstdlib>
#include <filesystem>

#ifndef MCPWATCH_TEST_PEERS_DIR
#error "MCPWATCH_TEST_PEERS_DIR must be defined by CMake"
#endif
#ifndef MCPWATCH_TEST_BINARY
#error "MCPWATCH_TEST_BINARY must be defined by CMake"
#endif

namespace mcpwatch::testsupport {

namespace fs = std::filesystem;

std::string peersDir() {
  return MCPWATCH_TEST_PEERS_DIR;
}

std::string mcpwatchBinary() {
  if (const char* override = std::getenv("MCPWATCH_BINARY"); override && *override)
    return override;
  return MCPWATCH_TEST_BINARY;
}

Result<std::string> nodeExecutable() {
  if (const char* override = std::getenv("MCPWATCH_NODE"); override && *override)
    return findExecutable(override);
  // The Node 22 scripts/install-deps --with-tests puts next to the conformance runner (the npm
  // package `node`): the same Node on every machine, whatever the system has (Debian 12: 18).
  const fs::path pinned =
      fs::path(peersDir()) / ".." / "conformance" / "node_modules" / "node" / "bin" / "node";
  std::error_code ec;
  if (fs::is_regular_file(pinned, ec))
    return fs::weakly_canonical(pinned, ec).string();
  return findExecutable("node");
}

std::optional<std::string> peersUnavailable() {
  auto node = nodeExecutable();
  if (!node)
    return "Node.js is needed for the MCP test peers (" + node.error() +
           "); run scripts/install-deps --with-tests";
  const fs::path modules = fs::path(peersDir()) / "node_modules" / "@modelcontextprotocol";
  for (const char* package : {"server-everything", "sdk", "server", "node"}) {
    std::error_code ec;
    if (!fs::is_directory(modules / package, ec))
      return "tests/peers/node_modules is missing " + (modules / package).string() +
             ": run scripts/install-deps --with-tests (it runs npm ci in tests/peers)";
  }
  return std::nullopt;
}

std::string Peer::url(std::string_view path) const {
  return scheme_ + "://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

namespace {

// Spawns one peer without waiting for it.
Result<std::unique_ptr<ChildProcess>> spawnPeer(const PeerOptions& options, std::string& what) {
  auto node = nodeExecutable();
  if (!node)
    return common::unexpected(node.error());
  SpawnOptions spawn;
  spawn.argv.push_back(*node);
  spawn.argv.insert(spawn.argv.end(), options.nodeArgs.begin(), options.nodeArgs.end());
  fs::path script(options.script);
  spawn.argv.push_back(script.is_absolute() ? script.string()
                                            : (fs::path(peersDir()) / script).string());
  spawn.argv.insert(spawn.argv.end(), options.args.begin(), options.args.end());
  spawn.env = options.env;
  spawn.workingDirectory = peersDir();
  what = options.script;
  for (const auto& arg : options.args)
    what += " " + arg;
  auto child = ChildProcess::spawn(std::move(spawn));
  if (!child)
    return common::unexpected(what + ": " + child.error());
  return std::move(*child);
}

} // namespace

Result<std::vector<std::unique_ptr<Peer>>> startPeers(std::vector<PeerOptions> options) {
  if (auto problem = peersUnavailable())
    return common::unexpected(*problem);
  std::vector<std::unique_ptr<ChildProcess>> children;
  std::vector<std::string> names(options.size());
  for (std::size_t i = 0; i < options.size(); ++i) {
    auto child = spawnPeer(options[i], names[i]);
    if (!child)
      return common::unexpected(child.error()); // already started ones stop in their destructors
    children.push_back(std::move(*child));
  }
  std::vector<std::unique_ptr<Peer>> peers;
  for (std::size_t i = 0; i < options.size(); ++i) {
    auto port = children[i]->waitForListening(options[i].readyTimeout);
    if (!port)
      return common::unexpected(names[i] + ": " + port.error());
    peers.push_back(
        std::make_unique<Peer>(std::move(children[i]), *port, options[i].tls ? "https" : "http"));
  }
  return peers;
}

Result<std::unique_ptr<Peer>> startPeer(PeerOptions options) {
  std::vector<PeerOptions> one;
  one.push_back(std::move(options));
  auto peers = startPeers(std::move(one));
  if (!peers)
    return common::unexpected(peers.error());
  return std::move(peers->front());
}

PeerOptions serverEverything(std::string_view mode) {
  PeerOptions options;
  // server-everything binds all interfaces on $PORT; the preload pins it to 127.0.0.1.
  options.nodeArgs = {"--import", "./listen-loopback.mjs"};
  options.script = "node_modules/@modelcontextprotocol/server-everything/dist/index.js";
  options.args = {std::string(mode)};
  options.env = {{"PORT", "0"}};
  return options;
}

PeerOptions v1Server(std::vector<std::string> args) {
  PeerOptions options;
  options.script = "v1-server.mjs";
  options.args = std::move(args);
  return options;
}

PeerOptions v2Server(std::vector<std::string> args) {
  PeerOptions options;
  options.script = "v2-server.mjs";
  options.args = std::move(args);
  return options;
}

PeerOptions hostile(std::string_view scenario, bool tls) {
  PeerOptions options;
  options.script = "hostile.mjs";
  options.args = {"--scenario", std::string(scenario)};
  if (tls)
    options.args.push_back("--tls");
  options.tls = tls;
  return options;
}

Result<CommandResult> runMcpwatch(std::vector<std::string> args,
                                  std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{mcpwatchBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(std::move(argv), timeout);
}

} // namespace mcpwatch::testsupport
