// Runs the demo MCP server on the inbound HTTP server: `mcpwatch demo-server`, tests, and later
// the daemon (embedded) all start it through startDemoServer().
#pragma once

#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/expected.hpp"
#include "demo/demo_mcp.hpp"
#include "net/http_server.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mcpwatch::demo {

// The HTTP handler for every demo path (/mcp, /sse, /message, /demo...).
net::Handler makeDemoHandler(std::shared_ptr<DemoMcp> mcp);

// A running demo server. Destroying it stops it.
class DemoServer {
public:
  DemoServer(std::shared_ptr<DemoMcp> mcp, std::unique_ptr<net::HttpServer> http)
      : mcp_(std::move(mcp)), http_(std::move(http)) {}
  ~DemoServer() { stop(); }
  DemoServer(const DemoServer&) = delete;
  DemoServer& operator=(const DemoServer&) = delete;

  std::uint16_t port() const { return http_->port(); }
  // Closes the listener, every connection and every SSE stream. Thread safe, idempotent.
  void stop() { http_->stop(); }
  DemoMcp& mcp() { return *mcp_; }

private:
  std::shared_ptr<DemoMcp> mcp_;
  std::unique_ptr<net::HttpServer> http_;
};

struct DemoServerConfig {
  DemoOptions options;
  net::ServerLimits limits;
  std::shared_ptr<const common::Clock> clock; // null: the system clock
};

// Listens on host:port (port 0 picks one; see port()) and serves on `executor`. Fails with a
// message such as "listen 127.0.0.1:8931: Address already in use".
common::Expected<std::unique_ptr<DemoServer>, std::string>
startDemoServer(asio::any_io_executor executor, std::string_view host, std::uint16_t port,
                DemoServerConfig config = {});

} // namespace mcpwatch::demo
