// The demo MCP server's protocol logic (modern 2026-07-28, legacy Streamable HTTP, legacy
// HTTP+SSE) and its demo controls (outage, drift). Synchronous and I/O free except for the SSE
// stream itself, which demo_server.cpp drives.
#pragma once

#include "common/clock.hpp"
#include "common/expected.hpp"
#include "common/json.hpp"
#include "net/http_server.hpp"

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace mcpwatch::demo {

inline constexpr std::string_view kServerName = "mcpwatch-demo";

struct DemoOptions {
  std::string serverVersion = MCPWATCH_VERSION;
  std::size_t pageSize = 3;       // tools/list page size, small so clients follow nextCursor
  std::size_t maxSessions = 1024; // legacy Streamable HTTP sessions; least recently used goes
  std::chrono::seconds sessionIdleTimeout{30 * 60};
  std::size_t maxSseStreams = 64;  // concurrent legacy HTTP+SSE streams
  std::size_t maxSsePending = 256; // queued messages per SSE stream before POSTs get 503
  std::chrono::milliseconds sseKeepAlive{15'000};
  std::chrono::seconds maxOutage{24 * 3600};
  std::chrono::seconds defaultOutage{60};
};

// The outbound queue of one legacy HTTP+SSE stream. POST /message fills it (any thread), the
// stream coroutine drains it; `wake` tells the stream to look again.
class SseChannel {
public:
  SseChannel(std::string id, std::size_t maxPending)
      : id_(std::move(id)), maxPending_(maxPending) {}

  const std::string& id() const { return id_; }
  // Queues one complete SSE event ("event: message\ndata: ...\n\n"). False when full or closed.
  bool push(std::string event);
  // Ends the stream (outage, shutdown); the stream sends what is queued, then finishes.
  void close();
  struct Drained {
    std::vector<std::string> events;
    bool closed = false;
  };
  Drained drain();
  void setWake(std::function<void()> wake);

  // The protocol version negotiated by `initialize` on this stream (2024-11-05 until then).
  std::string version() const;
  void setVersion(std::string version);
  bool initialized() const;
  void markInitialized();

private:
  void notify(std::unique_lock<std::mutex>& lock);

  const std::string id_;
  const std::size_t maxPending_;
  mutable std::mutex mutex_;
  std::deque<std::string> pending_;
  bool closed_ = false;
  bool initializeSeen_ = false;
  bool initialized_ = false;
  std::string version_ = "2024-11-05";
  std::function<void()> wake_;
  friend class DemoMcp;
};

class DemoMcp {
public:
  explicit DemoMcp(std::shared_ptr<const common::Clock> clock, DemoOptions options = {});

  // Every request except GET /sse: /mcp, /message, /demo..., anything else (404).
  net::ServerResponse handle(const net::ServerRequest& request);
  // GET /sse: registers a stream, or the response to send instead (outage, too many streams).
  common::Expected<std::shared_ptr<SseChannel>, net::ServerResponse>
  openSse(const net::ServerRequest& request);
  void closeSse(const std::string& id);

  bool outageActive() const;
  bool driftEnabled() const;
  std::size_t sessionCount() const;
  std::size_t sseStreamCount() const;
  const DemoOptions& options() const { return options_; }

private:
  struct Session {
    std::string version;
    common::WallTime lastUsed;
    bool initialized = false;
  };

  net::ServerResponse handleMcpPost(const net::ServerRequest& request);
  net::ServerResponse handleModern(const net::ServerRequest& request, const common::Json& message);
  net::ServerResponse handleLegacy(const net::ServerRequest& request, const common::Json& message);
  net::ServerResponse handleMcpDelete(const net::ServerRequest& request);
  net::ServerResponse handleSseMessage(const net::ServerRequest& request);
  net::ServerResponse handleOutage(const net::ServerRequest& request);
  net::ServerResponse handleDrift(const net::ServerRequest& request);
  net::ServerResponse outageResponse() const; // caller holds mutex_

  // A legacy request's reply (never a notification). `version` is the negotiated one.
  common::Json dispatchLegacy(const common::Json& message, const std::string& version);
  common::Json initializeResult(const std::string& version) const;
  // One tools/list page or a JSON-RPC error object ({"code":..,"message":..}).
  common::Expected<common::Json, common::Json> toolsPage(const common::Json& params,
                                                         std::string_view version) const;
  bool outageActiveLocked() const;
  void purgeExpiredSessionsLocked();
  std::string newSessionLocked(std::string version);

  std::shared_ptr<const common::Clock> clock_;
  DemoOptions options_;
  mutable std::mutex mutex_; // guards everything below
  std::unordered_map<std::string, Session> sessions_;
  std::unordered_map<std::string, std::shared_ptr<SseChannel>> sse_;
  std::optional<common::WallTime> outageUntil_;
  bool drift_ = false;
};

} // namespace mcpwatch::demo
