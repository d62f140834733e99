// The daemon's probe path: the scheduler loop starts due probes; a probe's result goes to the
// detector, its check row to the store, and what the detector decided to the commit pipeline
// (durable::planCommit says what is written and how).
#include "app/config_mapping.hpp"
#include "app/daemon.hpp"
#include "common/log.hpp"
#include "durable/baseline.hpp"

namespace mcpwatch::app {

void Daemon::handleOutcome(ServerRuntime& rt, const detector::Outcome& outcome) {
  ++rt.viewVersion;
  const auto& slug = rt.config->slug;
  const auto& st = rt.detector->state();
  if (st.schema.baseline && !rt.stored.baselineKnown) {
    rt.stored.baselineKnown = true;
    if (auto stored = store_.baseline(slug); stored && stored.value()) {
      rt.stored.baseline = stored.value()->fingerprint;
      rt.stored.pinned = stored.value()->pinned;
    }
  }
  if (const auto& change = outcome.protocolChange)
    common::logRecord(spdlog::level::warn, "server answers in another protocol era or transport",
                      {{"server", slug},
                       {"from", change->fromTransport},
                       {"to", change->toTransport},
                       {"from_version", change->fromVersion.value_or("")},
                       {"to_version", change->toVersion.value_or("")}});
  auto plan = durable::planCommit(slug, outcome, st, rt.detector->settings().successThreshold,
                                  rt.stored, clock_.now(), clock_.monoNow());
  // A group of this server still waiting writes the state it has when it lands: a queued write
  // must not overtake it (it could land before the incident it names).
  if (!plan.durable && plan.state && !commits_.holds(slug))
    store_.enqueue(std::move(*plan.state));
  if (auto log = stateChangeLog(slug, st, outcome.transition))
    common::logRecord(log->level, "state changed", log->fields);
  // The incident change, the state and the events' outbox rows commit together (the rows are
  // prepared when the group commits: a resolve goes where its trigger went, known only once the
  // trigger's own group has landed): a crash can neither lose a trigger nor leave an incident
  // the outbox never heard of.
  if (plan.durable)
    commits_.submit(PendingCommit{
        slug, std::move(plan.ops), std::move(*plan.state),
        withServer(outcome.events, describe(*rt.config, config_->web.publicUrl, dependents_))});
}

Awaitable<void> Daemon::probeOne(std::string slug, std::uint64_t generation) {
  std::optional<prober::ProbeResult> result;
  const auto startedMono = clock_.monoNow();
  try {
    auto it = servers_.find(slug);
    if (it != servers_.end())
      result = co_await options_.probe(probeOptions(
          *it->second.config, it->second.detector->state().transport, it->second.credentials));
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
      if (result->tools &&
          result->tools->fingerprint != durable::baselineFingerprint(rt.detector->state()))
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
      rt.lastProbe = lastProbeAfter(rt.lastProbe, *result);
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
