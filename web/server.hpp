// The daemon's web server: status pages, JSON API, /metrics, health probes and the admin API on
// top of net::HttpServer. Store reads run on a worker thread so the io thread never waits.
// Give it an executor of its own thread, not the daemon's: web load then cannot delay probes.
#pragma once

#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/expected.hpp"
#include "config/config.hpp"
#include "net/http_server.hpp"
#include "store/store.hpp"
#include "web/auth_limiter.hpp"
#include "web/backend.hpp"
#include "web/metrics.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace mcpwatch::web {

struct WebOptions {
  // How long the gathered overview (uptimes, 90-day bars) and rendered overview pages are
  // reused. Live state (up/down) on the overview can be this much behind.
  std::chrono::milliseconds overviewCacheTtl{5'000};
  int serversPerPage = 100;
  std::size_t maxChecksLimit = 1'000;
  // headerTimeout, maxConnections, maxConnectionsPerClient and reservedConnections come from
  // config::WebConfig (see connectionLimits) and override these.
  net::ServerLimits limits = defaultLimits();
  AuthLimits auth; // wrong admin tokens per client before 429

  static net::ServerLimits defaultLimits() {
    net::ServerLimits l;
    l.maxHeaderBytes = 16 * 1024;
    l.maxBodyBytes = 64 * 1024;
    l.requestTimeout = std::chrono::seconds(10);
    l.idleTimeout = std::chrono::seconds(30);
    return l;
  }
};

// `base` with the connection limits of web.*: header_timeout, max_connections,
// max_connections_per_client, and the last eighth of max_connections (at least 1) reserved for
// clients that hold no other connection.
net::ServerLimits connectionLimits(net::ServerLimits base, const config::WebConfig& config);

// The Content-Security-Policy every response carries.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

class WebServer {
public:
  // `backend`, `store`, `metrics` and `clock` must outlive the server. Requests run on strands
  // of `executor`: give it an io_context of its own thread (see WebBackend for what that asks
  // of the backend).
  WebServer(asio::any_io_executor executor, const config::WebConfig& config, WebBackend& backend,
            store::Store& store, MetricsRegistry& metrics, common::Clock& clock,
            WebOptions options = {});
  ~WebServer(); // stop(), and waits for the store reads in progress on the worker thread
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // Binds web.listen (host and port; port 0 picks one) and starts serving. Returns the port.
  common::Expected<std::uint16_t, std::string> start();
  void stop();
  std::uint16_t port() const;
  std::size_t connectionCount() const; // open client connections (0 before start())

  // Config reload: a new admin token (or none, which disables the admin API). Any thread.
  void setAdminToken(std::optional<common::Secret> token);
  // Forget cached overview data (servers added or removed on reload). Any thread.
  void invalidateCache();

  // Answers one request without a socket; the server's handler calls this too.
  Awaitable<net::ServerResponse> handle(const net::ServerRequest& request);

  struct Impl;

private:
  std::shared_ptr<Impl> impl_;
};

} // namespace mcpwatch::web
