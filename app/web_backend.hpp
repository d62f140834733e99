// The real web::WebBackend: live server state and admin actions from the daemon and alerting,
// for a web server that runs on a thread of its own.
#pragma once

#include "alerting/alerting.hpp"
#include "app/daemon.hpp"
#include "common/asio.hpp"
#include "store/store.hpp"
#include "web/backend.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

namespace mcpwatch::app {

// The daemon, its store writes and alerting are not thread safe and live on the daemon's
// executor. So the web thread never calls them: it reads a snapshot the daemon thread publishes
// (publish(), every second from cmd_run and after every action), and every action is posted to
// the daemon's executor, its result posted back to the waiting request. Web load therefore costs
// the daemon nothing but the snapshot, whatever the request rate.
class DaemonWebBackend final : public web::WebBackend {
public:
  // /healthz fails once the daemon has not published for this long (its loop is stuck).
  static constexpr std::chrono::seconds kStalledAfter{30};

  DaemonWebBackend(asio::any_io_executor daemonExecutor, Daemon& daemon,
                   alerting::Alerting& alerting, store::Store& store, common::Clock& clock);

  // /readyz fails while probing is this far behind schedule (the engine is overloaded).
  static constexpr std::chrono::seconds kBehindAfter{30};

  // Daemon thread only (or before the web server starts): rebuilds the snapshot.
  void publish();
  // Daemon thread, every second: how late the most overdue probe is (cheap, unlike publish()).
  void setScheduleLag(std::chrono::milliseconds lag) { lagMs_.store(lag.count()); }

  std::vector<web::ServerView> servers() override;
  std::shared_ptr<const web::ServerViews> serverList() override; // no copy
  std::optional<web::ServerView> server(std::string_view slug) override;
  std::vector<web::MaintenanceView> maintenance() override;
  std::optional<std::string> stalled() override;
  web::Readiness ready() override;
  Awaitable<web::Done> addMaintenance(detector::MaintenanceWindow window) override;
  Awaitable<web::Done> endMaintenance(std::string id, common::WallTime at) override;
  Awaitable<web::Result<std::string>> acceptBaseline(std::string slug) override;
  Awaitable<web::Done> pause(std::string slug) override;
  Awaitable<web::Done> resume(std::string slug) override;
  Awaitable<web::Result<std::string>> testAlert(web::TestAlertRequest request) override;
  std::optional<web::Result<common::Json>> deliveries(std::string_view state) override;
  std::optional<web::OutboxStats> outboxStats() override;

private:
  std::atomic<std::int64_t> lagMs_{0};
  struct Snapshot {
    web::ServerViews views; // config order
    std::vector<web::MaintenanceView> maintenance;
    bool running = false;
    CommitHealth commits; // durable commits waiting because the database refuses writes
    common::WallTime at{};
  };

  web::ServerView view(const config::ServerConfig& server, const ServerRuntime* runtime,
                       common::WallTime now) const;
  // What the last publish() built, per server in config order (daemon thread only): a server's
  // view is rebuilt when its runtime's viewVersion moved, everything when the daemon's
  // viewEpoch did.
  struct Built {
    const ServerRuntime* runtime = nullptr; // stable until the epoch moves
    std::uint64_t version = 0;
    web::ServerViews::Ptr view;
  };
  std::vector<Built> built_;
  std::uint64_t builtEpoch_ = 0;
  std::shared_ptr<const Snapshot> snapshot() const;
  // Runs `action` on the daemon's executor, publishes, and resumes the caller with its result.
  // Returns an awaitable of std::optional<result> (always set when it does not throw).
  template <class F> auto onDaemon(F action);

  asio::any_io_executor daemonExecutor_;
  Daemon& daemon_;
  alerting::Alerting& alerting_;
  store::Store& store_;
  common::Clock& clock_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_; // guarded by mutex_
};

// An io_context on a thread of its own (the web server's), running until stop().
class WebThread {
public:
  WebThread();
  ~WebThread(); // stop()
  WebThread(const WebThread&) = delete;
  WebThread& operator=(const WebThread&) = delete;

  asio::any_io_executor executor() { return io_.get_executor(); }
  // Stops the loop and joins the thread; handlers still queued are destroyed with the object.
  void stop();

private:
  asio::io_context io_{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
  std::thread thread_;
};

} // namespace mcpwatch::app
