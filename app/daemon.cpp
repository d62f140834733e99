// Daemon wiring: probes due servers, feeds the detector, persists, publishes events.
#include "app/daemon.hpp"

#include "app/check_mapping.hpp"
#include "app/config_mapping.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "config/diff.hpp"
#include "detector/dependencies.hpp"
#include "durable/baseline.hpp"
#include "durable/recovery.hpp"
#include "durable/writes.hpp"
#include "web/api.hpp"

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>
#include <sys/stat.h>

namespace mcpwatch::app {
namespace {

std::string baselineFingerprint(const detector::Detector& d) {
  const auto& b = d.state().schema.baseline;
  return b ? b->fingerprint : std::string();
}

} // namespace

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

void Daemon::rebuildCalendar() {
  auto built = app::maintenanceWindows(*config_);
  for (const auto& [name, why] : built.rejected)
    common::logRecord(spdlog::level::err, "maintenance window rejected",
                      {{"window", name}, {"error", why}});
  if (auto err = calendar_.setConfigWindows(std::move(built.windows)))
    common::logRecord(spdlog::level::err, "maintenance windows rejected", {{"error", *err}});
  maintenanceDirty_ = true;
}

bool Daemon::inMaintenance(const config::ServerConfig& server, common::WallTime at) const {
  return flagFile_ || calendar_.active(detector::ServerRef{server.slug, server.tags}, at);
}

std::string Daemon::dependencyHold(const config::ServerConfig& server) {
  if (server.dependsOn.empty())
    return {};
  auto self = servers_.find(server.slug);
  std::optional<common::WallTime> failingSince;
  if (self != servers_.end())
    failingSince = self->second.detector->state().failingSince;
  auto hold = detector::dependencyHold(
      server.dependsOn, failingSince,
      [this](const std::string& dep) -> const detector::ServerState* {
        auto it = servers_.find(dep);
        return it == servers_.end() || it->second.paused ? nullptr : &it->second.detector->state();
      });
  if (hold.checkNow) {
    queue_.schedule(*hold.checkNow, clock_.monoNow());
    wake();
  }
  return hold.reason;
}

std::vector<std::string> Daemon::maintenanceWindows(const config::ServerConfig& server,
                                                    common::WallTime at) const {
  auto ids = calendar_.activeWindows(detector::ServerRef{server.slug, server.tags}, at);
  if (flagFile_)
    ids.insert(ids.begin(), "flag_file");
  return ids;
}

std::optional<std::string> Daemon::pause(const std::string& slug) {
  ++viewEpoch_; // what the status page shows may change for any server
  auto it = servers_.find(slug);
  if (it == servers_.end())
    return "unknown server \"" + slug + "\"";
  if (!it->second.paused) {
    it->second.paused = true;
    it->second.generation = nextGeneration_++; // a probe in flight is discarded
    queue_.remove(slug);
    common::logRecord(spdlog::level::info, "monitoring paused", {{"server", slug}});
  }
  return std::nullopt;
}

std::optional<std::string> Daemon::resume(const std::string& slug) {
  ++viewEpoch_; // what the status page shows may change for any server
  auto it = servers_.find(slug);
  if (it == servers_.end())
    return "unknown server \"" + slug + "\"";
  if (it->second.paused) {
    it->second.paused = false;
    queue_.schedule(slug, clock_.monoNow());
    common::logRecord(spdlog::level::info, "monitoring resumed", {{"server", slug}});
    wake();
  }
  return std::nullopt;
}

std::optional<std::string> Daemon::addMaintenance(detector::MaintenanceWindow window) {
  ++viewEpoch_; // what the status page shows may change for any server
  auto id = window.id;
  if (auto err = calendar_.add(std::move(window)))
    return err;
  common::logRecord(spdlog::level::info, "maintenance started", {{"window", id}});
  maintenanceDirty_ = true;
  wake();
  return std::nullopt;
}

std::optional<std::string> Daemon::endMaintenance(std::string_view id, common::WallTime at) {
  ++viewEpoch_; // what the status page shows may change for any server
  if (auto err = calendar_.endEarly(id, at))
    return err;
  common::logRecord(spdlog::level::info, "maintenance ended early", {{"window", std::string(id)}});
  maintenanceDirty_ = true;
  wake(); // held triggers of servers still down go out at the next loop turn
  return std::nullopt;
}

common::Expected<std::string, std::string> Daemon::acceptBaseline(const std::string& slug) {
  auto it = servers_.find(slug);
  if (it == servers_.end())
    return common::unexpected("unknown server \"" + slug + "\"");
  auto& rt = it->second;
  if (const auto health = commits_.health(); health.failing)
    return common::unexpected(
        std::string("database commits are failing (" + health.lastError + "); try again later"));
  if (!rt.detector->acceptBaseline())
    return common::unexpected("no tool schema has been recorded for \"" + slug + "\" yet");
  rt.detector->setPinned(true);
  const auto& st = rt.detector->state();
  auto now = clock_.now();
  // Through the backlog, behind the changes already decided: an older baseline record of this
  // server still waiting there can never land over the accepted one.
  std::vector<store::WriteOp> ops;
  ops.push_back(store::BaselineRecord{slug, st.schema.baseline->fingerprint,
                                      durable::toolsJson(*st.schema.baseline), now, true});
  commits_.submit(PendingCommit{
      slug, std::move(ops), store::ServerStateRecord{slug, detector::toJson(st).dump(), now}, {}});
  rt.baselineKnown = true;
  rt.storedBaseline = st.schema.baseline->fingerprint;
  rt.storedPinned = true;
  ++rt.viewVersion;
  common::logRecord(spdlog::level::info, "schema baseline accepted",
                    {{"server", slug}, {"fingerprint", rt.storedBaseline}});
  return rt.storedBaseline;
}

void Daemon::start() {
  ++viewEpoch_; // what the status page shows may change for any server
  rebuildCalendar();
  dependents_ = dependentsOf(*config_);
  auto now = clock_.now();

  // What the store holds, read once; what comes back of it is decided by durable::recover. The
  // rows are dropped before the servers are built (at fleet size they are hundreds of MB).
  durable::Recovery recovery;
  bool baselinesKnown = false;
  {
    std::vector<store::MaintenanceRecord> windows;
    if (auto stored = store_.maintenanceWindows())
      windows = std::move(stored.value());
    else
      common::logRecord(spdlog::level::err, "could not load maintenance windows",
                        {{"error", stored.error()}});
    std::vector<store::ServerStateRecord> states;
    if (auto stored = store_.loadServerStates())
      states = std::move(stored.value());
    else
      common::logRecord(spdlog::level::err, "could not load server state",
                        {{"error", stored.error()}});
    // Once here rather than per server on its first probe (a synchronous read on the loop).
    std::vector<store::BaselineRecord> baselines;
    if (auto stored = store_.baselineFingerprints()) {
      baselines = std::move(stored.value());
      baselinesKnown = true;
    } else {
      common::logRecord(spdlog::level::warn,
                        "could not load baselines (each is read on its first probe)",
                        {{"error", stored.error()}});
    }
    std::set<std::string> monitored;
    for (const auto& server : config_->servers)
      if (server.enabled)
        monitored.insert(server.slug);
    recovery = durable::recover(monitored, {windows, states, baselines}, now, options_.ids);
  }

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
      rt.baselineKnown = true;
      if (auto b = recovery.baselines.find(server.slug); b != recovery.baselines.end()) {
        rt.storedBaseline = b->second.fingerprint;
        rt.storedPinned = b->second.pinned;
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
  if (restored && state.lastCheckAt) { // the store holds this state already
    rt.storedSignature = detector::durableSignature(state, server.check.successThreshold);
    rt.storedStateAt = clock_.monoNow();
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

void Daemon::sweepMaintenance(common::WallTime now) {
  ++viewEpoch_; // what the status page shows may change for any server
  // Held triggers (incidents opened in maintenance) go out when maintenance ends, and each
  // server's maintenance flag follows the calendar. Nothing else changes between boundaries, so
  // this walks the fleet once per boundary instead of on every loop turn.
  for (auto& [slug, rt] : servers_) {
    if (rt.paused)
      continue;
    const auto& st = rt.detector->state();
    bool held = st.incident && !st.incident->triggerSent;
    bool maint = inMaintenance(*rt.config, now);
    if (!held && maint == st.inMaintenance)
      continue;
    handleOutcome(rt, rt.detector->evaluate(now, maint, dependencyHold(*rt.config)));
  }
  maintenanceDirty_ = false;
  lastSweep_ = now;
  nextSweep_ = calendar_.nextBoundary(now);
}

void Daemon::syncBaselineFromStore(ServerRuntime& rt) {
  // `mcpwatch baseline accept` writes the store; the store otherwise mirrors the detector, so a
  // stored baseline that differs from the detector's was accepted by a person. Not while this
  // server's own changes wait to be committed: the store is behind the detector then.
  if (commits_.holds(rt.config->slug))
    return;
  auto record = store_.baseline(rt.config->slug);
  if (!record || !record.value())
    return;
  const auto& b = *record.value();
  if (b.fingerprint == baselineFingerprint(*rt.detector) &&
      b.pinned == rt.detector->state().schema.pinned)
    return;
  if (auto snapshot = durable::snapshotFromBaseline(b)) {
    rt.detector->acceptBaseline(std::move(*snapshot));
    rt.detector->setPinned(b.pinned);
    rt.baselineKnown = true;
    rt.storedBaseline = b.fingerprint;
    rt.storedPinned = b.pinned;
    ++rt.viewVersion;
    common::logRecord(spdlog::level::info, "schema baseline accepted",
                      {{"server", rt.config->slug}, {"fingerprint", b.fingerprint}});
  }
}

void Daemon::handleOutcome(ServerRuntime& rt, const detector::Outcome& outcome) {
  ++rt.viewVersion;
  const auto& slug = rt.config->slug;
  const auto& st = rt.detector->state();
  auto now = clock_.now();
  std::vector<store::WriteOp> ops = durable::outcomeWrites(
      slug, outcome, now, st.schema.latest ? st.schema.latest->fingerprint : std::string());
  if (const auto& change = outcome.protocolChange)
    common::logRecord(spdlog::level::warn, "server answers in another protocol era or transport",
                      {{"server", slug},
                       {"from", change->fromTransport},
                       {"to", change->toTransport},
                       {"from_version", change->fromVersion.value_or("")},
                       {"to_version", change->toVersion.value_or("")}});
  if (st.schema.baseline) {
    if (!rt.baselineKnown) {
      rt.baselineKnown = true;
      if (auto stored = store_.baseline(slug); stored && stored.value()) {
        rt.storedBaseline = stored.value()->fingerprint;
        rt.storedPinned = stored.value()->pinned;
      }
    }
    const auto& fp = st.schema.baseline->fingerprint;
    if (rt.storedBaseline != fp || rt.storedPinned != st.schema.pinned) {
      ops.push_back(store::BaselineRecord{slug, fp, durable::toolsJson(*st.schema.baseline), now,
                                          st.schema.pinned});
      rt.storedBaseline = fp;
      rt.storedPinned = st.schema.pinned;
    }
  }

  // The incident change, the detector state and the events' outbox rows commit together: a crash
  // can neither lose a trigger nor leave an incident the outbox never heard of.
  // The events' outbox rows are prepared when the group commits (batchOps), not here: a
  // resolve goes to the sinks its trigger went to, which are known only once the trigger's own
  // group has landed (it may be waiting in the backlog while the disk is full).
  // Incident changes and events commit durably (fsync) with the state, in order (submitCommit).
  // A state change alone (unknown -> up at start-up, up -> failing, failing -> up) goes with the
  // check rows in the store's batched writes: losing it in a crash costs at most a probe or two
  // of counting again, and a fleet's first probes do not each wait for an fsync on this loop.
  bool important = !ops.empty() || !outcome.events.empty();
  // A steady server's state changes only in its last check time and latency, which the check
  // rows hold: it is written when something that matters changed, or every kStateRefresh.
  const auto mono = clock_.monoNow();
  const auto signature = detector::durableSignature(st, rt.detector->settings().successThreshold);
  const bool unchanged = signature == rt.storedSignature && rt.storedStateAt &&
                         mono - *rt.storedStateAt < kStateRefresh;
  std::optional<store::ServerStateRecord> state;
  if (important || !unchanged) {
    state.emplace(store::ServerStateRecord{slug, detector::toJson(st).dump(), now});
    rt.storedSignature = signature;
    rt.storedStateAt = mono;
  }
  // A group of this server still waiting writes the state it has when it lands: a queued write
  // must not overtake it (it could land before the incident it names).
  if (!important && state && !commits_.holds(slug))
    store_.enqueue(std::move(*state));

  if (outcome.transition != detector::Transition::Unchanged) {
    common::Json fields = {{"server", slug},
                           {"state", detector::toString(st.status)},
                           {"transition", detector::toString(outcome.transition)},
                           {"consecutive_failures", st.consecutiveFailures}};
    if (!st.recentFailures.empty() && st.lastOk == false) {
      fields["reason"] = st.recentFailures.back().reason;
      fields["detail"] = st.recentFailures.back().detail;
    }
    if (st.inMaintenance)
      fields["maintenance"] = true;
    bool bad =
        st.status == detector::HealthState::Down || st.status == detector::HealthState::Flapping;
    common::logRecord(outcome.transition == detector::Transition::Changed && bad
                          ? spdlog::level::warn
                          : spdlog::level::info,
                      "state changed", fields);
  }
  if (important)
    commits_.submit(PendingCommit{
        slug, std::move(ops), std::move(*state),
        withServer(outcome.events, describe(*rt.config, config_->web.publicUrl, dependents_))});
}

Awaitable<void> Daemon::probeOne(std::string slug, std::uint64_t generation) {
  std::optional<prober::ProbeResult> result;
  const auto startedMono = clock_.monoNow();
  try {
    auto it = servers_.find(slug);
    if (it != servers_.end())
      result = co_await options_.probe(
          probeOptions(*it->second.config, it->second.detector->state().transport));
  } catch (const std::exception& e) {
    common::logRecord(spdlog::level::err, "probe failed unexpectedly",
                      {{"server", slug}, {"error", e.what()}});
  }
  auto it = servers_.find(slug);
  if (result && result->failure && result->failure->reason == prober::FailureReason::LocalError &&
      it != servers_.end() && it->second.generation == generation) {
    // mcpwatch could not open a socket: nothing is known about the server, so nothing is
    // recorded against it. Probe again at the retry interval; say so at most once a minute.
    ++localErrors_;
    const auto now = clock_.monoNow();
    if (!lastLocalErrorLog_ || now - *lastLocalErrorLog_ >= std::chrono::minutes(1)) {
      lastLocalErrorLog_ = now;
      common::logRecord(
          spdlog::level::err,
          "probe not run: mcpwatch is out of sockets (raise the file descriptor limit or "
          "lower scheduler.concurrency); not counted against the server",
          {{"server", slug}, {"detail", result->failure->detail}, {"total", localErrors_}});
    }
    queue_.schedule(slug, now + it->second.config->check.retryInterval);
    result.reset();
    it = servers_.end();
  }
  if (result && it != servers_.end() && it->second.generation == generation) {
    auto& rt = it->second;
    try {
      if (result->tools && result->tools->fingerprint != baselineFingerprint(*rt.detector))
        syncBaselineFromStore(rt);
      bool maint = inMaintenance(*rt.config, result->startedAt);
      auto outcome =
          rt.detector->record(toCheckOutcome(*result), maint, dependencyHold(*rt.config));
      if (spdlog::should_log(spdlog::level::debug))
        common::logRecord(
            spdlog::level::debug, "probe",
            {{"server", slug},
             {"ok", result->ok},
             {"reason", result->failure
                            ? common::Json(std::string(prober::toString(result->failure->reason)))
                            : common::Json()},
             {"total_ms", result->timings.total}});
      store_.record(toCheckRecord(slug, *result));
      handleOutcome(rt, outcome);
      if (options_.onResult)
        options_.onResult(*rt.config, *result, rt.detector->state());
      queue_.schedule(slug, detector::nextDue(scheduleOf(*rt.config), rt.detector->settings(),
                                              rt.detector->state(), startedMono));
      // What the server said about itself last: a failed probe keeps the previous values, so a
      // down server's page still names it; a successful one says everything afresh (an http
      // server has no certificate, whatever an earlier https URL had).
      ServerRuntime::LastProbe last = result->ok
                                          ? ServerRuntime::LastProbe{}
                                          : rt.lastProbe.value_or(ServerRuntime::LastProbe{});
      if (result->serverInfo) {
        last.serverName = result->serverInfo->name;
        last.serverVersion = result->serverInfo->version;
      }
      if (result->tools)
        last.toolCount = static_cast<int>(result->tools->count);
      if (result->tls)
        last.tlsNotAfter = result->tls->notAfter;
      rt.lastProbe = std::move(last);
      ++rt.viewVersion;
    } catch (const std::exception& e) {
      common::logRecord(spdlog::level::err, "check handling failed",
                        {{"server", slug}, {"error", e.what()}});
      queue_.schedule(slug, clock_.monoNow() + rt.config->check.interval);
    }
  }
  queue_.finished(slug);
  if (stopping_) {
    finishStopIfIdle(); // this probe's changes land before the dispatcher stops
  } else {
    wake();
  }
}

Awaitable<void> Daemon::loop() {
  while (!stopping_) {
    // Maintenance windows are calendar times (wall clock); probing runs on the monotonic clock,
    // so a step of the system clock neither stops nor floods it.
    if (bool flag = options_.flagFileExists(); flag != flagFile_) {
      flagFile_ = flag;
      maintenanceDirty_ = true;
    }
    if (const auto wall = clock_.now();
        maintenanceDirty_ || (nextSweep_ && wall >= *nextSweep_) || wall < lastSweep_)
      sweepMaintenance(wall);
    commits_.flush(); // the backlog's retry, when its backoff allows
    const auto now = clock_.monoNow();
    // Past the backlog's bound nothing new is decided (so nothing can be dropped) until the
    // database takes writes again.
    while (!stopping_ && !commits_.full()) {
      auto slug = queue_.takeDue(now);
      if (!slug)
        break;
      auto gen = servers_.at(*slug).generation;
      asio::co_spawn(executor_, probeOne(*slug, gen), asio::detached);
    }
    auto wakeAt = now + options_.tick;
    if (auto due = queue_.nextDue(); due && *due < wakeAt)
      wakeAt = *due;
    if (auto retry = commits_.nextRetry(); retry && *retry < wakeAt)
      wakeAt = *retry;
    if (nextSweep_) // a maintenance boundary (wall time) before the next tick
      if (auto left = *nextSweep_ - clock_.now(); now + left < wakeAt)
        wakeAt = now + std::max<common::WallTime::duration>(left, {});
    auto delay = wakeAt - clock_.monoNow();
    if (delay < std::chrono::milliseconds(1))
      delay = std::chrono::milliseconds(1);
    timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay));
    boost::system::error_code ec;
    co_await timer_.async_wait(redirect_error(use_awaitable, ec));
  }
}

} // namespace mcpwatch::app
