// Daemon wiring: construction, start-up, reload and stop. The probe path is in daemon_probe.cpp,
// the admin actions and the maintenance calendar in daemon_admin.cpp.
#include "app/daemon.hpp"

#include "app/check_mapping.hpp"
#include "app/config_mapping.hpp"
#include "app/startup.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "config/diff.hpp"
#include "durable/baseline.hpp"
#include "durable/writes.hpp"

#include <algorithm>
#include <random>
#include <set>
#include <sys/stat.h>

namespace mcpwatch::app {

Daemon::Daemon(asio::any_io_executor executor, std::shared_ptr<const config::Config> config,
               store::Store& store, common::Clock& clock, EventPublisher& publisher,
               DaemonOptions options)
    : executor_(executor), config_(std::move(config)), store_(store), clock_(clock),
      publisher_(publisher), options_(std::move(options)),
      queue_(std::max<std::size_t>(
          1, options_.concurrencyCap > 0
                 ? std::min<std::size_t>(options_.concurrencyCap, config_->scheduler.concurrency)
                 : config_->scheduler.concurrency)),
      timer_(executor),
      commits_(executor, store, clock, publisher, options_.commitBacklog,
               {[this](const std::string& slug) -> std::optional<store::ServerStateRecord> {
                  auto it = servers_.find(slug);
                  if (it == servers_.end())
                    return std::nullopt;
                  return store::ServerStateRecord{
                      slug, detector::toJson(it->second.detector->state()).dump(), clock_.now()};
                },
                [this] { wake(); }, [this] { finishStopIfIdle(); }}) {
  if (!options_.probe)
    options_.probe = [](prober::ProbeOptions o) { return prober::probe(std::move(o)); };
  if (!options_.ids)
    options_.ids = detector::randomIdGenerator();
  if (!options_.random) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    options_.random = [engine] { return (*engine)(); };
  }
  if (!options_.flagFileExists)
    options_.flagFileExists = [this] {
      const auto& path = config_->maintenance.flagFile;
      struct stat st;
      return path && !path->empty() && ::stat(path->c_str(), &st) == 0;
    };
}

Daemon::~Daemon() = default;

std::size_t Daemon::concurrency() const {
  auto configured = static_cast<std::size_t>(config_->scheduler.concurrency);
  if (options_.concurrencyCap > 0)
    configured = std::min(configured, options_.concurrencyCap);
  return std::max<std::size_t>(configured, 1);
}

void Daemon::start() {
  ++viewEpoch_; // what the status page shows may change for any server
  rebuildCalendar();
  dependents_ = dependentsOf(*config_);
  auto now = clock_.now();

  auto [recovery, baselinesKnown] = readStartup(store_, *config_, now, options_.ids);
  for (const auto& problem : recovery.problems)
    common::logRecord(spdlog::level::err, problem.message, problem.fields);
  for (auto& window : recovery.windows)
    calendar_.add(std::move(window));
  for (const auto& server : config_->servers) {
    if (!server.enabled)
      continue;
    auto it = recovery.states.find(server.slug);
    addServer(server,
              it == recovery.states.end() ? std::nullopt : std::optional(std::move(it->second)));
    if (baselinesKnown) { // known now: the one stored, or none
      auto& rt = servers_.at(server.slug);
      rt.stored.baselineKnown = true;
      if (auto b = recovery.baselines.find(server.slug); b != recovery.baselines.end()) {
        rt.stored.baseline = b->second.fingerprint;
        rt.stored.pinned = b->second.pinned;
      }
    }
  }
  // Servers that left the config while mcpwatch was stopped: close what they left open.
  for (auto& removed : recovery.removed) {
    const auto& slug = removed.slug;
    common::logRecord(spdlog::level::info, "incident closed: server removed from the config",
                      {{"server", slug}, {"incident", removed.outcome.incident.closed->id}});
    ServerDescription desc{slug, slug, "", {}, config_->web.publicUrl + "/status/" + slug};
    commits_.submit(PendingCommit{slug,
                                  durable::outcomeWrites(slug, removed.outcome, now, ""),
                                  {slug, detector::toJson(removed.state).dump(), now},
                                  withServer(std::move(removed.outcome.events), desc)});
  }

  started_ = true;
  common::logRecord(
      spdlog::level::info, "monitoring started",
      {{"servers", servers_.size()}, {"concurrency", config_->scheduler.concurrency}});
  asio::co_spawn(executor_, loop(), [](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        common::logRecord(spdlog::level::critical, "scheduler loop failed", {{"error", ex.what()}});
      }
    }
  });
}

void Daemon::addServer(const config::ServerConfig& server,
                       std::optional<detector::ServerState> saved) {
  ++viewEpoch_; // what the status page shows may change for any server
  const bool restored = saved.has_value();
  detector::ServerState state = saved ? std::move(*saved) : detector::ServerState{};
  ServerRuntime rt;
  rt.config = &server;
  rt.generation = nextGeneration_++;
  if (server.oauth)
    rt.credentials = std::make_shared<prober::CredentialCache>();
  if (restored && state.lastCheckAt) { // the store holds this state already
    rt.stored.signature = detector::durableSignature(state, server.check.successThreshold);
    rt.stored.stateAt = clock_.monoNow();
  }
  rt.detector = std::make_unique<detector::Detector>(detectorSettings(server), options_.ids,
                                                     std::move(state));
  if (rt.detector->state().incident)
    common::logRecord(spdlog::level::info, "open incident restored",
                      {{"server", server.slug},
                       {"incident", rt.detector->state().incident->id},
                       {"state", detector::toString(rt.detector->state().status)}});
  queue_.schedule(server.slug, firstProbeAt(server, clock_.monoNow()));
  servers_[server.slug] = std::move(rt);
}

common::MonoTime Daemon::firstProbeAt(const config::ServerConfig& server, common::MonoTime now) {
  return detector::fleetFirstDue(server.slug, scheduleOf(server), config_->servers.size(),
                                 config_->scheduler.jitter, now, options_.random);
}

void Daemon::removeServer(const std::string& slug, common::WallTime now) {
  ++viewEpoch_; // what the status page shows may change for any server
  auto it = servers_.find(slug);
  if (it == servers_.end())
    return;
  auto& rt = it->second;
  handleOutcome(rt, rt.detector->resolveForRemoval(now));
  queue_.remove(slug);
  servers_.erase(it);
  common::logRecord(spdlog::level::info, "server removed", {{"server", slug}});
}

void Daemon::reload(std::shared_ptr<const config::Config> next) {
  ++viewEpoch_; // what the status page shows may change for any server
  auto now = clock_.now();
  auto diff = config::diffServers(*config_, *next);
  std::set<std::string> changed(diff.changed.begin(), diff.changed.end());

  // Kept until every runtime points into the new config (removed servers' runtimes still point
  // into this one while they are closed).
  const auto previous = std::exchange(config_, std::move(next));
  dependents_ = dependentsOf(*config_);
  queue_.setConcurrency(concurrency());
  rebuildCalendar();

  std::vector<std::string> gone;
  for (const auto& [slug, rt] : servers_)
    if (!config_->findServer(slug) || !config_->findServer(slug)->enabled)
      gone.push_back(slug);
  for (const auto& slug : gone)
    removeServer(slug, now);

  int added = 0, updated = 0;
  for (const auto& server : config_->servers) {
    if (!server.enabled)
      continue;
    auto it = servers_.find(server.slug);
    if (it == servers_.end()) {
      addServer(server, std::nullopt);
      ++added;
      continue;
    }
    auto& rt = it->second;
    bool probeChanged = changed.count(server.slug) > 0;
    rt.config = &server;
    rt.detector->setSettings(detectorSettings(server));
    if (probeChanged) {
      // A probe still running with the old settings is discarded when it ends.
      rt.generation = nextGeneration_++;
      rt.credentials = server.oauth ? std::make_shared<prober::CredentialCache>() : nullptr;
      rt.lastProbe.reset(); // another URL or settings: what the old one said no longer holds
      queue_.schedule(server.slug, firstProbeAt(server, clock_.monoNow()));
      ++updated;
    }
  }
  common::logRecord(spdlog::level::info, "config reloaded",
                    {{"servers", servers_.size()},
                     {"added", added},
                     {"removed", gone.size()},
                     {"changed", updated}});
  wake();
}

void Daemon::stop(std::function<void()> onIdle) {
  stopping_ = true;
  onIdle_ = std::move(onIdle);
  timer_.cancel();
  finishStopIfIdle();
}

void Daemon::finishStopIfIdle() {
  if (!stopping_ || queue_.inFlightCount() != 0)
    return;
  // Decided changes land (or wait in the backlog, while commits fail) before anything stops.
  commits_.flush();
  if (commits_.busy() || !onIdle_)
    return; // the pipeline's batchDone comes back here
  auto cb = std::move(onIdle_);
  onIdle_ = nullptr;
  asio::post(executor_, std::move(cb));
}

void Daemon::wake() {
  timer_.cancel();
}

} // namespace mcpwatch::app
