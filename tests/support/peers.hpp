// Where the test tools live (node, the npm peers, the mcpwatch binary) and how to start a peer:
// every peer binds 127.0.0.1 port 0 and announces `LISTENING <port>`.
#pragma once

#include "tests/support/process.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::testsupport {

// `tests/peers` in the source tree (compile definition from CMake).
std::string peersDir();
// The mcpwatch binary under test (`$<TARGET_FILE:mcpwatch>`; MCPWATCH_BINARY overrides it).
std::string mcpwatchBinary();
// node from MCPWATCH_NODE, else from PATH.
Result<std::string> nodeExecutable();

// An error message when the peers cannot run (node missing, `npm ci` not done), else nothing.
// Integration tests fail on it: skipping silently would hide a broken test setup.
std::optional<std::string> peersUnavailable();

// A started peer; stopping (SIGTERM to its group) happens in the destructor.
class Peer {
public:
  Peer(std::unique_ptr<ChildProcess> process, std::uint16_t port, std::string scheme)
      : process_(std::move(process)), port_(port), scheme_(std::move(scheme)) {}

  std::uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port><path>" (https for TLS peers).
  std::string url(std::string_view path = "/mcp") const;
  ChildProcess& process() { return *process_; }

private:
  std::unique_ptr<ChildProcess> process_;
  std::uint16_t port_;
  std::string scheme_;
};

struct PeerOptions {
  std::vector<std::string> nodeArgs; // before the script (e.g. --import preload)
  std::string script;                // relative to peersDir() unless absolute
  std::vector<std::string> args;     // after the script
  std::vector<std::pair<std::string, std::string>> env;
  bool tls = false; // the peer speaks https
  std::chrono::milliseconds readyTimeout{15000};
};

Result<std::unique_ptr<Peer>> startPeer(PeerOptions options);
// Starts all peers at once (Node start-up dominates) and waits for each; all or nothing.
Result<std::vector<std::unique_ptr<Peer>>> startPeers(std::vector<PeerOptions> options);

// The ready-made peers of tests/peers (see the scripts for their flags).
PeerOptions serverEverything(std::string_view mode); // streamableHttp | sse
PeerOptions v1Server(std::vector<std::string> args);
PeerOptions v2Server(std::vector<std::string> args);
PeerOptions hostile(std::string_view scenario, bool tls = false);

// Runs `mcpwatch args...` with a deadline; the outer deadline guards against a hung binary.
Result<CommandResult> runMcpwatch(std::vector<std::string> args,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

} // namespace mcpwatch::testsupport
