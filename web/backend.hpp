// The seam between the web server and the daemon: live server state and admin actions that are
// not in the store. The daemon implements it; tests use a fake.
#pragma once

#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/expected.hpp"
#include "common/json.hpp"
#include "detector/maintenance.hpp"
#include "detector/state.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mcpwatch::web {

template <class T> using Result = common::Expected<T, std::string>;
using Done = Result<std::monostate>;

// One configured server as the pages and the API see it right now.
struct ServerView {
  std::string slug;
  std::string name; // from the config
  std::string url;  // the check URL: shown to the admin API only, never on public pages
  std::vector<std::string> tags;
  bool isPublic = true;
  bool paused = false;
  bool inMaintenance = false;              // any window, the flag file or the admin API
  std::vector<std::string> maintenanceIds; // the windows covering it now (may be empty)
  detector::ServerState state;             // the detector's current state
  // From the latest probe that got that far (unset before or when the probe failed early).
  std::optional<std::string> serverName; // serverInfo.name as the server reports it
  std::optional<std::string> serverVersion;
  std::optional<int> toolCount;
  std::optional<common::WallTime> tlsNotAfter;
};

// What /readyz reports: ready when `problems` is empty ("store not writable", ...).
struct Readiness {
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

struct TestAlertRequest {
  std::optional<std::string> server; // slug; unset: the backend picks (as `mcpwatch test-alert`)
  std::optional<std::string> sink;   // sink name; unset: every routed sink
};

// Outbox numbers for /metrics and the heartbeat (from the alerting module).
struct OutboxStats {
  std::map<std::string, std::int64_t> pendingBySink;
  std::map<std::string, std::int64_t> deadBySink;
  // Monotonic counts since start: sink -> outcome ("delivered", "retry", "failed", "dead") -> n.
  std::map<std::string, std::map<std::string, std::uint64_t>> deliveriesBySinkOutcome;
  std::int64_t deadTotal() const {
    std::int64_t n = 0;
    for (const auto& [sink, count] : deadBySink)
      n += count;
    return n;
  }
};

// Called on the web server's executor (give it the daemon's single-threaded io_context and no
// locking is needed). Everything historical comes from store::Store, not from here.
class WebBackend {
public:
  virtual ~WebBackend() = default;

  // Every configured server (public and private), in config order.
  virtual std::vector<ServerView> servers() = 0;
  virtual std::optional<ServerView> server(std::string_view slug) = 0;
  // Config loaded, store writable, scheduler running.
  virtual Readiness ready() = 0;

  // --- Admin actions (only reached with a valid admin token) ---
  // A runtime window the web server has already persisted with Store::putMaintenanceSync; the
  // daemon adds it to its calendar (and re-evaluates held triggers).
  virtual Done addMaintenance(detector::MaintenanceWindow window) = 0;
  // Ends a runtime window early (already recorded in the store with endMaintenanceSync).
  virtual Done endMaintenance(std::string_view id, common::WallTime at) = 0;
  // Adopts the server's latest tools schema as its pinned baseline (detector and store).
  // Returns the accepted fingerprint.
  virtual Result<std::string> acceptBaseline(std::string_view slug) = 0;
  // Stops / restarts probing one server (no probes, no triggers while paused).
  virtual Done pause(std::string_view slug) = 0;
  virtual Done resume(std::string_view slug) = 0;
  // Sends a test trigger and its resolve through the real routes and sinks. Returns a short
  // human summary ("sent to pd-default, bridge").
  virtual Awaitable<Result<std::string>> testAlert(TestAlertRequest request) = 0;

  // --- Optional providers (the alerting outbox); nullopt = not available ---
  // `GET /api/v1/deliveries?state=...`: a JSON array of deliveries in that state.
  virtual std::optional<Result<common::Json>> deliveries(std::string_view state) {
    (void)state;
    return std::nullopt;
  }
  virtual std::optional<OutboxStats> outboxStats() { return std::nullopt; }
};

} // namespace mcpwatch::web
