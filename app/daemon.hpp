// The monitoring daemon's wiring: scheduler loop, probes, detector, store and event publishing
// on one Asio event loop. Decisions live in ScheduleQueue and the detector; this only connects.
#pragma once

#include "app/check_mapping.hpp"
#include "app/commit_pipeline.hpp"
#include "app/event_publisher.hpp"
#include "app/schedule_queue.hpp"
#include "common/asio.hpp"
#include "common/clock.hpp"
#include "config/config.hpp"
#include "detector/detector.hpp"
#include "detector/maintenance.hpp"
#include "detector/schedule.hpp"
#include "durable/mirror.hpp"
#include "prober/probe.hpp"
#include "store/store.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace mcpwatch::app {

struct DaemonOptions {
  // How often the loop wakes at the latest (flag file, maintenance ends, held triggers).
  std::chrono::milliseconds tick{1000};
  // Runs a probe; tests may replace it. Default: prober::probe.
  std::function<Awaitable<prober::ProbeResult>(prober::ProbeOptions)> probe;
  // Whether the maintenance flag file exists; default: a stat of config.maintenance.flag_file.
  std::function<bool()> flagFileExists;
  detector::IdGenerator ids;     // default: random evt_/inc_ ids
  detector::RandomSource random; // default: seeded mt19937_64
  // Called after every recorded probe (metrics). Optional.
  std::function<void(const config::ServerConfig&, const prober::ProbeResult&,
                     const detector::ServerState&)>
      onResult;
  // Bound and retry pace of durable commits that failed (disk full).
  CommitBacklogSettings commitBacklog;
  // Probes in flight at most, whatever scheduler.concurrency says (0: no cap). `run` sets it from
  // the file descriptor limit.
  std::size_t concurrencyCap = 0;
};

// One configured server at run time.
struct ServerRuntime {
  // The server's entry in Daemon::config() (shared, never copied: a fleet's config is held once
  // by the whole process); re-pointed by every reload.
  const config::ServerConfig* config = nullptr;
  std::unique_ptr<detector::Detector> detector;
  // The server's OAuth token between probes (null without `auth: {type: ...}`); a new one when
  // a reload changes the probe settings.
  std::shared_ptr<prober::CredentialCache> credentials;
  std::uint64_t generation = 0; // bumped when the probe settings change (reload) or on pause
  bool paused = false;          // admin API: no probes (and so no triggers) until resumed
  // What the status page shows of the latest probe that got that far.
  std::optional<LastProbe> lastProbe;
  // What the store holds of this server (its baseline, the state last written).
  durable::StoreMirror stored;
  // Bumped whenever what the status page shows of this server changes (a probe's result, a
  // decision): the web view rebuilds only the servers whose version moved.
  std::uint64_t viewVersion = 0;
};

class Daemon {
public:
  Daemon(asio::any_io_executor executor, std::shared_ptr<const config::Config> config,
         store::Store& store, common::Clock& clock, EventPublisher& publisher,
         DaemonOptions options = {});
  Daemon(asio::any_io_executor executor, config::Config config, store::Store& store,
         common::Clock& clock, EventPublisher& publisher, DaemonOptions options = {})
      : Daemon(std::move(executor), std::make_shared<const config::Config>(std::move(config)),
               store, clock, publisher, std::move(options)) {}
  ~Daemon();

  // Restores detector state from the store, resolves incidents of servers no longer configured,
  // schedules the first probes (spread over the first interval) and starts the loop.
  void start();
  // Applies a new, already validated config (SIGHUP).
  void reload(std::shared_ptr<const config::Config> config);
  void reload(config::Config config) {
    reload(std::make_shared<const config::Config>(std::move(config)));
  }
  // Stops scheduling new probes. `onIdle` is posted once no probe is in flight and the decided
  // incident changes have landed (or wait in the backlog because commits fail).
  void stop(std::function<void()> onIdle);
  // After the loop has stopped for good (a shutdown deadline): commits, blocking, whatever was
  // decided and not yet committed. Returns how many groups could not be committed (logged).
  std::size_t drainCommitsNow() { return commits_.drainNow(); }

  std::size_t inFlight() const { return queue_.inFlightCount(); }
  const std::map<std::string, ServerRuntime>& servers() const { return servers_; }
  const config::Config& config() const { return *config_; }
  const std::shared_ptr<const config::Config>& sharedConfig() const { return config_; }
  // Bumped by everything that may change what the status page shows of any server (start, reload,
  // pause, maintenance): the web view then rebuilds every server's view; between two
  // bumps only the servers whose ServerRuntime::viewVersion moved. Runtimes (and so pointers to
  // them) stay put between two bumps.
  std::uint64_t viewEpoch() const { return viewEpoch_; }
  bool inMaintenance(const config::ServerConfig& server, common::WallTime at) const;
  // Why `server`'s new triggers are held by its depends_on ("while dependency \"api\" was down",
  // "until dependency \"api\" was checked": the note of the trigger when it goes out later), or
  // empty when none of its dependencies is failing or down. A dependency not checked since this
  // server began to fail is probed now (and holds until it has been).
  std::string dependencyHold(const config::ServerConfig& server);
  const detector::MaintenanceCalendar& calendar() const { return calendar_; }
  std::vector<std::string> maintenanceWindows(const config::ServerConfig& server,
                                              common::WallTime at) const;
  // Durable commits waiting in memory (the batch being committed, those behind it, and those
  // waiting because commits fail): for /readyz, metrics and the heartbeat.
  CommitHealth commitHealth() const { return commits_.health(); }
  std::chrono::milliseconds scheduleLag() const { return queue_.lag(clock_.monoNow()); }
  bool running() const { return started_ && !stopping_; }
  // Makes the loop look at the queue and the calendar now (after a reload, an admin action, or a
  // test moving its clock).
  void wake();

  // Admin actions (web API). Errors are messages for the caller.
  std::optional<std::string> pause(const std::string& slug);
  std::optional<std::string> resume(const std::string& slug);
  std::optional<std::string> addMaintenance(detector::MaintenanceWindow window);
  std::optional<std::string> endMaintenance(std::string_view id, common::WallTime at);
  // Adopts the latest tools schema as the pinned baseline; returns its fingerprint. The write is
  // queued behind the incident changes already decided and lands a moment later (refused while
  // database commits fail).
  common::Expected<std::string, std::string> acceptBaseline(const std::string& slug);

private:
  Awaitable<void> loop();
  Awaitable<void> probeOne(std::string slug, std::uint64_t generation);
  // Commits what the detector decided (durable::outcomeWrites) with the state and events.
  void handleOutcome(ServerRuntime& rt, const detector::Outcome& outcome);
  void addServer(const config::ServerConfig& server, std::optional<detector::ServerState> saved);
  void removeServer(const std::string& slug, common::WallTime now);
  void sweepMaintenance(common::WallTime now);
  void finishStopIfIdle();
  void syncBaselineFromStore(ServerRuntime& rt);
  void rebuildCalendar();
  common::MonoTime firstProbeAt(const config::ServerConfig& server, common::MonoTime now);
  std::size_t concurrency() const;

  asio::any_io_executor executor_;
  std::shared_ptr<const config::Config> config_; // shared with the alerting side
  store::Store& store_;
  common::Clock& clock_;
  EventPublisher& publisher_;
  DaemonOptions options_;
  ScheduleQueue queue_;
  std::map<std::string, ServerRuntime> servers_;
  detector::MaintenanceCalendar calendar_;
  asio::steady_timer timer_;
  bool stopping_ = false;
  bool started_ = false;
  bool flagFile_ = false;
  // Maintenance is re-evaluated across the fleet only when it can change: at the calendar's next
  // boundary, when windows or the flag file change, or when the wall clock steps back.
  bool maintenanceDirty_ = true;
  std::optional<common::WallTime> nextSweep_;
  common::WallTime lastSweep_{};
  std::function<void()> onIdle_;
  std::uint64_t nextGeneration_ = 1;
  std::optional<common::MonoTime> lastLocalErrorLog_;
  std::uint64_t localErrors_ = 0;
  std::uint64_t viewEpoch_ = 1;
  // slug -> the enabled servers that list it in depends_on.
  std::map<std::string, std::vector<std::string>> dependents_;
  CommitPipeline commits_; // last: its hooks use the members above
};

} // namespace mcpwatch::app
