// The seam between the web server and the daemon: live server state and admin actions that are
// not in the store. The daemon implements it; tests use a fake.
#pragma once

#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/expected.hpp"
#include "common/json.hpp"
#include "detector/maintenance.hpp"
#include "detector/state.hpp"

#include <boost/iterator/indirect_iterator.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mcpwatch::web {

template <class T> using Result = common::Expected<T, std::string>;
using Done = Result<std::monostate>;

// A link of a server's alert context ({name, url} from the config).
struct Link {
  std::string name;
  std::string url;
};

// One configured server as the pages and the API see it right now.
struct ServerView {
  std::string slug;
  std::string name; // from the config
  std::string url;  // the check URL: shown to the admin API only, never on public pages
  std::vector<std::string> tags;
  // The config's context for responders: admin answers only (owners and runbooks are internal).
  std::string description;
  std::string owner;
  std::string runbookUrl;
  std::vector<Link> links;
  bool isPublic = true;
  bool paused = false;
  bool inMaintenance = false;              // any window, the flag file or the admin API
  std::vector<std::string> maintenanceIds; // the windows covering it now (may be empty)
  detector::ServerState state; // the detector's current state, without `schema` and `history`
  // From the latest probe that got that far (unset before or when the probe failed early).
  std::optional<std::string> serverName; // serverInfo.name as the server reports it
  std::optional<std::string> serverVersion;
  std::optional<int> toolCount;
  std::optional<common::WallTime> tlsNotAfter;
  std::optional<common::WallTime> oauthTokenExpiresAt; // mcpwatch's OAuth token for the server
};

// The servers' views in config order, each shared and immutable. A published list shares every
// view that did not change with the list before it, so publishing costs a pointer per server
// plus the views of the servers that changed. Iterates (and indexes) as ServerView.
class ServerViews {
public:
  using Ptr = std::shared_ptr<const ServerView>;
  using const_iterator = boost::indirect_iterator<std::vector<Ptr>::const_iterator>;

  ServerViews() = default;
  explicit ServerViews(std::vector<ServerView> views) {
    items_.reserve(views.size());
    for (auto& v : views)
      items_.push_back(std::make_shared<const ServerView>(std::move(v)));
  }

  const_iterator begin() const { return const_iterator(items_.begin()); }
  const_iterator end() const { return const_iterator(items_.end()); }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const ServerView& operator[](std::size_t i) const { return *items_[i]; }
  const Ptr& shared(std::size_t i) const { return items_[i]; }
  void reserve(std::size_t n) { items_.reserve(n); }
  void push_back(Ptr view) { items_.push_back(std::move(view)); }
  std::vector<ServerView> copy() const {
    std::vector<ServerView> out;
    out.reserve(items_.size());
    for (const auto& v : items_)
      out.push_back(*v);
    return out;
  }

private:
  std::vector<Ptr> items_;
};

// A maintenance window as the status page shows it: the occurrence in progress, or the next one.
struct MaintenanceView {
  std::string id;
  std::string comment;
  detector::WindowTarget target;
  common::WallTime start;
  std::optional<common::WallTime> end; // unset: until ended through the admin API
  bool active = false;
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

// The web server runs on its own thread, never the daemon's. Reads must therefore be thread
// safe and must not wait for the daemon (answer them from a snapshot the daemon publishes);
// actions are awaitables that do their work wherever the daemon lives and resume the caller on
// its own executor. Everything historical comes from store::Store, not from here.
class WebBackend {
public:
  virtual ~WebBackend() = default;

  // --- Reads: any thread, cheap, never block ---
  // Every configured server (public and private), in config order.
  virtual std::vector<ServerView> servers() = 0;
  // The same list, shared and immutable: what list requests read at fleet size, so a request never
  // copies the published snapshot. The default copies servers(); a backend that publishes a
  // snapshot returns (an alias of) it.
  virtual std::shared_ptr<const ServerViews> serverList() {
    return std::make_shared<const ServerViews>(servers());
  }
  virtual std::optional<ServerView> server(std::string_view slug) = 0;
  // Maintenance in progress or starting within the next 7 days, by start (from the published
  // snapshot).
  virtual std::vector<MaintenanceView> maintenance() { return {}; }
  // Why the monitor is not alive (its loop stopped making progress): `/healthz` answers 503 with
  // it. nullopt: alive.
  virtual std::optional<std::string> stalled() { return std::nullopt; }

  // --- May block on the store: called on the web server's worker thread ---
  // Config loaded, store writable, scheduler running.
  virtual Readiness ready() = 0;

  // --- Admin actions (only reached with a valid admin token) ---
  // A runtime window the web server has already persisted with Store::putMaintenanceSync; the
  // daemon adds it to its calendar (and re-evaluates held triggers).
  virtual Awaitable<Done> addMaintenance(detector::MaintenanceWindow window) = 0;
  // Ends a runtime window early (already recorded in the store with endMaintenanceSync).
  virtual Awaitable<Done> endMaintenance(std::string id, common::WallTime at) = 0;
  // Adopts the server's latest tools schema as its pinned baseline (detector and store).
  // Returns the accepted fingerprint.
  virtual Awaitable<Result<std::string>> acceptBaseline(std::string slug) = 0;
  // Stops / restarts probing one server (no probes, no triggers while paused).
  virtual Awaitable<Done> pause(std::string slug) = 0;
  virtual Awaitable<Done> resume(std::string slug) = 0;
  // Sends a test trigger and its resolve through the real routes and sinks. Returns a short
  // human summary ("sent to pd-default, bridge").
  virtual Awaitable<Result<std::string>> testAlert(TestAlertRequest request) = 0;

  // --- Optional providers (the alerting outbox); nullopt = not available ---
  // `GET /api/v1/deliveries?state=...`: a JSON array of deliveries in that state. Called on the
  // web server's worker thread (it reads the store).
  virtual std::optional<Result<common::Json>> deliveries(std::string_view state) {
    (void)state;
    return std::nullopt;
  }
  // Called on the web server's worker thread (it may read the store).
  virtual std::optional<OutboxStats> outboxStats() { return std::nullopt; }
};

} // namespace mcpwatch::web
