// The daemon's admin actions (web API: pause, resume, maintenance, baseline) and its maintenance
// calendar: what a person or the calendar changes between two probes.
#include "app/config_mapping.hpp"
#include "app/daemon.hpp"
#include "common/log.hpp"
#include "detector/dependencies.hpp"
#include "durable/baseline.hpp"

namespace mcpwatch::app {

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
  rt.stored.baselineKnown = true;
  rt.stored.baseline = st.schema.baseline->fingerprint;
  rt.stored.pinned = true;
  ++rt.viewVersion;
  common::logRecord(spdlog::level::info, "schema baseline accepted",
                    {{"server", slug}, {"fingerprint", rt.stored.baseline}});
  return rt.stored.baseline;
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
  if (b.fingerprint == durable::baselineFingerprint(rt.detector->state()) &&
      b.pinned == rt.detector->state().schema.pinned)
    return;
  if (auto snapshot = durable::snapshotFromBaseline(b)) {
    rt.detector->acceptBaseline(std::move(*snapshot));
    rt.detector->setPinned(b.pinned);
    rt.stored.baselineKnown = true;
    rt.stored.baseline = b.fingerprint;
    rt.stored.pinned = b.pinned;
    ++rt.viewVersion;
    common::logRecord(spdlog::level::info, "schema baseline accepted",
                      {{"server", rt.config->slug}, {"fingerprint", b.fingerprint}});
  }
}

} // namespace mcpwatch::app
