// `mcpwatch run --config FILE`: the daemon. Loads and validates the config, opens the store,
// runs the scheduler until SIGTERM/SIGINT, reloads on SIGHUP, and shuts down with a deadline.
#include "app/alerting_publisher.hpp"
#include "app/check_mapping.hpp"
#include "app/commands.hpp"
#include "app/daemon.hpp"
#include "app/probe_pool.hpp"
#include "app/sinks.hpp"
#include "app/web_backend.hpp"
#include "common/asio.hpp"
#include "common/log.hpp"
#include "config/interpolate.hpp"
#include "config/loader.hpp"
#include "config/routing.hpp"
#include "config/warnings.hpp"
#include "net/http_client.hpp"
#include "web/heartbeat.hpp"
#include "web/metrics.hpp"
#include "web/server.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <iostream>
#include <list>
#include <sys/resource.h>

namespace mcpwatch::app {

namespace {

// Raises the soft file descriptor limit to the hard one (every probe needs a socket, two for the
// legacy SSE transport) and returns how many probes may be in flight with what it got, keeping
// room for the web server's connections, deliveries and the database.
std::size_t raiseDescriptorLimit(const config::Config& cfg) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return 0;
  const rlim_t before = limit.rlim_cur;
  rlim_t wanted = limit.rlim_max == RLIM_INFINITY ? rlim_t(1) << 20 : limit.rlim_max;
  if (wanted > limit.rlim_cur) {
    rlimit raised{wanted, limit.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
      limit.rlim_cur = wanted;
  }
  const auto reserve = static_cast<rlim_t>(cfg.web.maxConnections) + 128;
  const std::size_t cap =
      limit.rlim_cur > reserve + 2 ? static_cast<std::size_t>((limit.rlim_cur - reserve) / 2) : 1;
  const bool capped = cap < static_cast<std::size_t>(cfg.scheduler.concurrency);
  common::logRecord(
      capped ? spdlog::level::warn : spdlog::level::info, "file descriptor limit",
      {{"soft", static_cast<std::uint64_t>(limit.rlim_cur)},
       {"was", static_cast<std::uint64_t>(before)},
       {"hard", limit.rlim_max == RLIM_INFINITY
                    ? common::Json("unlimited")
                    : common::Json(static_cast<std::uint64_t>(limit.rlim_max))},
       {"probes_in_flight_at_most", std::min<std::size_t>(cap, cfg.scheduler.concurrency)},
       {"note", capped ? "scheduler.concurrency is capped by the descriptor limit (raise "
                         "LimitNOFILE / ulimit -n)"
                       : "enough for scheduler.concurrency"}});
  return cap;
}

} // namespace
namespace {

struct RunArgs {
  std::string configPath;
  std::string logFormat;
  std::string logLevel;
  double shutdownGraceSeconds = 10;
};

void printConfigErrors(const std::string& path, const std::vector<config::ConfigError>& errors) {
  for (const auto& e : errors)
    std::cerr << path << ": " << e.toString() << "\n";
}

// The same warnings `check-config` prints: sinks no real alert reaches, servers whose alerts
// reach no sink, deprecated forms. The config is still valid, so the daemon runs.
void logRoutingWarnings(const config::Config& cfg, const std::string& file) {
  for (const auto& w : config::deprecationWarnings(cfg))
    common::logRecord(spdlog::level::warn, "config warning",
                      {{"file", file}, {"problem", w.toString()}});
  for (const auto& w : config::analyzeRouting(cfg).warnings)
    common::logRecord(spdlog::level::warn, "config warning",
                      {{"file", file}, {"problem", w.toString()}});
}

// One cancellation scope for the process's loops. Boost 1.74's awaitables have no
// per-operation cancellation slots: each loop sleeps on a timer made here, and stop() cancels
// them all; a loop ends when its sleep says so.
class Lifecycle {
public:
  using Clock = std::chrono::steady_clock;
  explicit Lifecycle(asio::io_context& io) : io_(io), doneWait_(io) {}
  bool stopping() const { return stopping_; }
  asio::steady_timer& timer() { return timers_.emplace_back(io_); }
  // Sleeps `d` on `timer`; false once the scope is stopping.
  Awaitable<bool> sleep(asio::steady_timer& timer, Clock::duration d) {
    if (stopping_)
      co_return false;
    timer.expires_after(d);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec && !stopping_;
  }
  void stop() {
    stopping_ = true;
    for (auto& t : timers_)
      t.cancel();
  }
  // The dispatcher returned: after a stop() the shutdown is complete; without one it failed, and
  // the process ends (what it decided is committed on the way out).
  void dispatcherDone() {
    dispatcherDone_ = true;
    doneWait_.cancel();
    if (!stopping_)
      io_.stop();
  }
  // After stop(): true once the dispatcher has returned, false when `grace` passed first.
  Awaitable<bool> waitDone(Clock::duration grace) {
    if (!dispatcherDone_) {
      doneWait_.expires_after(grace);
      boost::system::error_code ec;
      co_await doneWait_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return dispatcherDone_;
  }

private:
  asio::io_context& io_;
  std::list<asio::steady_timer> timers_; // stable addresses
  asio::steady_timer doneWait_;
  bool stopping_ = false;
  bool dispatcherDone_ = false;
};

// Process-wide gauges every second, and the web server's view of the daemon (a stalled
// scheduler shows as growing lag, and as a failing /healthz after a while). The view costs a
// walk over the fleet: it is rebuilt every second, or less often on a large fleet, so that it
// never takes more than a twentieth of the loop's time (at most every 10 s).
struct GaugeLoop {
  Lifecycle& life;
  Daemon& daemon;
  web::MonitorMetrics& metrics;
  DaemonWebBackend& backend;

  Awaitable<void> run() {
    auto& timer = life.timer();
    auto nextPublish = std::chrono::steady_clock::now();
    bool behind = false; // said "behind schedule" and not yet "caught up"
    auto behindSaidAt = std::chrono::steady_clock::time_point{};
    do {
      const auto lag = daemon.scheduleLag();
      metrics.setProbesInFlight(daemon.inFlight());
      metrics.setScheduleLag(lag);
      backend.setScheduleLag(lag);
      // An overloaded engine shows as lag, never as failures: say so, at most once a minute.
      if (const auto now = std::chrono::steady_clock::now();
          lag > std::chrono::seconds(10) &&
          (!behind || now - behindSaidAt >= std::chrono::minutes(1))) {
        behind = true;
        behindSaidAt = now;
        common::logRecord(
            spdlog::level::warn,
            "probing is behind schedule: the engine cannot keep up (fewer servers, a longer "
            "interval, a higher scheduler.concurrency or more CPU)",
            {{"lag_seconds", std::chrono::duration<double>(lag).count()},
             {"in_flight", daemon.inFlight()},
             {"servers", daemon.servers().size()}});
      } else if (behind && lag < std::chrono::seconds(1)) {
        behind = false;
        common::logRecord(spdlog::level::info, "probing caught up with its schedule", {});
      }
      auto commits = daemon.commitHealth();
      metrics.setStoreCommits(commits.failedCommits, commits.waiting);
      if (const auto started = std::chrono::steady_clock::now(); started >= nextPublish) {
        backend.publish();
        const auto took = std::chrono::steady_clock::now() - started;
        nextPublish = started + std::clamp<std::chrono::steady_clock::duration>(
                                    took * 20, std::chrono::seconds(1), std::chrono::seconds(10));
      }
    } while (co_await life.sleep(timer, std::chrono::seconds(1)));
  }
};

// Retention: old history is pruned a minute after start and then hourly (`pruneOnce` hands the
// work to a worker thread, so the loop never waits for it).
Awaitable<void> pruneLoop(Lifecycle& life, std::function<void()> pruneOnce) {
  auto& timer = life.timer();
  if (!co_await life.sleep(timer, std::chrono::minutes(1)))
    co_return;
  do
    pruneOnce();
  while (co_await life.sleep(timer, std::chrono::hours(1)));
}

struct SignalHandlers {
  std::function<void()> reload;           // SIGHUP
  std::function<void(int)> beginShutdown; // the first SIGTERM or SIGINT
  std::function<void()> deadline;         // the grace period ended first
};

// SIGHUP reloads. The first SIGTERM/SIGINT stops the loops and starts the shutdown, which waits
// for the daemon and the dispatcher up to `grace`, then stops the loop; a second signal stops it
// at once. Whatever still runs then is abandoned (probes, slow deliveries: they stay pending in
// the outbox); decided changes are committed on the way out.
Awaitable<void> signalLoop(Lifecycle& life, asio::signal_set& signals, SignalHandlers on,
                           std::chrono::steady_clock::duration grace, asio::io_context& io) {
  for (;;) {
    boost::system::error_code ec;
    const int signo = co_await signals.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec)
      co_return;
    if (signo == SIGHUP) {
      if (!life.stopping())
        on.reload();
      continue;
    }
    if (life.stopping()) { // a second signal: stop now
      io.stop();
      co_return;
    }
    life.stop();
    on.beginShutdown(signo);
    asio::co_spawn(
        io,
        [&life, &io, grace, deadline = on.deadline]() -> Awaitable<void> {
          // Done: the daemon is idle and the dispatcher returned (attempts that outlived its own
          // stop grace are abandoned with the loop). Else the deadline: probes are abandoned.
          if (!co_await life.waitDone(grace))
            deadline();
          io.stop();
        },
        asio::detached);
  }
}

int runDaemon(const RunArgs& args) {
  auto loaded = config::loadConfigFile(args.configPath, config::processEnvironment(), sinkTypes());
  if (!loaded) {
    printConfigErrors(args.configPath, loaded.error());
    std::cerr << "mcpwatch: refusing to start with an invalid config (" << loaded.error().size()
              << " problem" << (loaded.error().size() == 1 ? "" : "s") << ")\n";
    return 2;
  }
  // One copy of the config for the whole process: the daemon and the alerting side share it (a
  // 100,000-server fleet's config is about 100 MB in memory). `cfg` is the config at start;
  // after a reload, daemon->config() is the current one.
  const auto initialConfig = std::make_shared<const config::Config>(std::move(loaded.value()));
  const config::Config& cfg = *initialConfig;

  std::string format =
      !args.logFormat.empty() ? args.logFormat : std::string(config::toString(cfg.log.format));
  std::string level =
      !args.logLevel.empty() ? args.logLevel : std::string(config::toString(cfg.log.level));
  common::setupLogging(level, format == "json" ? common::LogFormat::Json : common::LogFormat::Text);

  auto opened = store::Store::open(cfg.storage.path);
  if (!opened) {
    common::logRecord(spdlog::level::critical, "cannot open the database",
                      {{"error", opened.error()}});
    std::cerr << "mcpwatch: " << opened.error() << "\n";
    return 1;
  }
  // Store::open keeps the database and its -wal and -shm files private (0600): the outbox holds
  // sink settings (routing keys, webhook secrets).
  auto store = std::move(opened.value());

  auto factory = sinkFactory();
  if (auto problems = alerting::Alerting::checkSinks(cfg, factory); !problems.empty()) {
    for (const auto& p : problems)
      std::cerr << args.configPath << ": " << p << "\n";
    return 2;
  }

  // The web server's own loop: requests (however many) never delay probes or deliveries. Declared
  // before the daemon's loop so it outlives everything queued there for it.
  WebThread webThread;
  asio::io_context io(1);
  // Registered before anything starts: a SIGTERM or SIGHUP that arrives while the daemon is
  // starting is queued for the handler below instead of killing the process (default action).
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  common::SystemClock clock;
  auto alerts = std::make_unique<alerting::Alerting>(io.get_executor(), initialConfig, *store,
                                                     clock, factory);
  AlertingEventPublisher publisher(*alerts);

  web::MetricsRegistry registry;
  web::MonitorMetrics metrics(registry, cfg.web.metricsPerServerHistograms);
  std::unique_ptr<Daemon> daemon;
  // scheduler.probe_threads > 0: probes run on that many threads of their own, so a fleet too
  // large for one core uses more; this loop then only schedules and decides. 0 (the default):
  // probes run on this loop, which costs the least CPU per probe (no hand-over between
  // threads). Takes effect at start; a reload keeps what runs.
  std::optional<ProbePool> probePool;
  DaemonOptions options;
  options.concurrencyCap = raiseDescriptorLimit(cfg);
  if (cfg.scheduler.probeThreads > 0) {
    probePool.emplace(static_cast<unsigned>(cfg.scheduler.probeThreads));
    options.probe = [pool = &*probePool](prober::ProbeOptions o) {
      return probeOn(pool->next(), std::move(o));
    };
  }
  options.onResult = [&metrics](const config::ServerConfig& server,
                                const prober::ProbeResult& result, const detector::ServerState&) {
    metrics.observeCheck(toCheckRecord(server.slug, result));
  };
  daemon = std::make_unique<Daemon>(io.get_executor(), initialConfig, *store, clock, publisher,
                                    std::move(options));
  common::logRecord(spdlog::level::info, "mcpwatch starting",
                    {{"version", MCPWATCH_VERSION},
                     {"config", args.configPath},
                     {"database", cfg.storage.path},
                     {"servers", cfg.servers.size()},
                     {"probe_threads", cfg.scheduler.probeThreads}});
  logRoutingWarnings(cfg, args.configPath);
  daemon->start();

  DaemonWebBackend backend(io.get_executor(), *daemon, *alerts, *store, clock);
  backend.publish(); // the first snapshot, before any request can ask
  auto webServer = std::make_unique<web::WebServer>(webThread.executor(), cfg.web, backend, *store,
                                                    registry, clock);
  auto webPort = webServer->start();
  if (!webPort) {
    common::logRecord(spdlog::level::critical, "cannot start the web server",
                      {{"error", webPort.error()}});
    std::cerr << "mcpwatch: web server: " << webPort.error() << "\n";
    return 1;
  }
  common::logRecord(spdlog::level::info, "web server listening",
                    {{"url", "http://" +
                                 (cfg.web.listenHost.find(':') != std::string::npos
                                      ? "[" + cfg.web.listenHost + "]"
                                      : cfg.web.listenHost) +
                                 ":" + std::to_string(webPort.value()) + "/"},
                     {"admin_api", cfg.web.adminToken.has_value()}});

  std::unique_ptr<web::Heartbeat> heartbeat;
  auto startHeartbeat = [&](const config::Config& c) {
    if (heartbeat)
      heartbeat->stop();
    heartbeat.reset();
    if (!c.heartbeat)
      return;
    heartbeat = std::make_unique<web::Heartbeat>(
        io.get_executor(), *c.heartbeat, clock,
        [&] {
          web::HeartbeatHealth h;
          h.schedulerRunning = daemon->running();
          h.scheduleLag = daemon->scheduleLag();
          if (auto commits = daemon->commitHealth(); commits.failing)
            h.storeProblem = describeCommitFailure(commits);
          for (const auto& [sink, st] : alerts->stats().sinks)
            h.deadDeliveries += st.dead;
          return h;
        },
        web::HeartbeatOptions{}, &registry);
    if (auto started = heartbeat->start(); !started)
      common::logRecord(spdlog::level::err, "heartbeat not started", {{"error", started.error()}});
  };
  startHeartbeat(cfg);

  using LoadedConfig =
      decltype(config::loadConfigFile(args.configPath, config::processEnvironment(), sinkTypes()));
  // SIGHUP: a new config, parsed on `configLoader`, is checked and applied here, on the loop.
  auto applyReload = [&](LoadedConfig& next) {
    if (!next) {
      for (const auto& e : next.error())
        common::logRecord(spdlog::level::err, "config reload rejected",
                          {{"file", args.configPath}, {"problem", e.toString()}});
      common::logRecord(spdlog::level::err, "keeping the previous config",
                        {{"problems", next.error().size()}});
      return;
    }
    if (auto problems = alerting::Alerting::checkSinks(next.value(), factory); !problems.empty()) {
      for (const auto& p : problems)
        common::logRecord(spdlog::level::err, "config reload rejected", {{"problem", p}});
      return;
    }
    logRoutingWarnings(next.value(), args.configPath);
    if (next.value().scheduler.probeThreads != daemon->config().scheduler.probeThreads)
      common::logRecord(spdlog::level::warn,
                        "scheduler.probe_threads takes effect at the next restart",
                        {{"running", daemon->config().scheduler.probeThreads}});
    const auto& web = daemon->config().web;
    if (next.value().web.listen != web.listen || next.value().web.title != web.title ||
        next.value().web.logoPath != web.logoPath)
      common::logRecord(spdlog::level::warn,
                        "web.listen, web.title and web.logo take effect at the next restart", {});
    // One copy, shared by the daemon and the alerting side.
    const auto shared = std::make_shared<const config::Config>(std::move(next.value()));
    alerts->reload(shared);
    webServer->setAdminToken(shared->web.adminToken);
    metrics.setPerServerHistograms(shared->web.metricsPerServerHistograms);
    for (const auto& [slug, rt] : daemon->servers()) {
      const auto* kept = shared->findServer(slug);
      if (!kept || !kept->enabled)
        metrics.forgetServer(slug); // its series disappear from /metrics
    }
    startHeartbeat(*shared);
    daemon->reload(shared);
    backend.publish();
    webServer->invalidateCache();
  };

  // The process's loops after start-up, each a coroutine on this loop: gauges, retention,
  // signals (reload and shutdown) and the alert dispatcher. They share one cancellation scope
  // (`life`): shutdown cancels the loops' timers, stops the daemon and the dispatcher, waits for
  // them up to the grace deadline, and then ends the loop.
  Lifecycle life(io);
  asio::thread_pool blocking(1);     // retention pruning, off the loop
  asio::thread_pool configLoader(1); // config parsing on SIGHUP, off the loop
  const auto grace =
      std::chrono::milliseconds(static_cast<long long>(args.shutdownGraceSeconds * 1000));

  GaugeLoop gauges{life, *daemon, metrics, backend};
  asio::co_spawn(io, gauges.run(), asio::detached);

  auto pruneOnce = [&] {
    const auto& keep = daemon->config().storage.retention;
    auto cutoffs = store::retentionCutoffs(clock.now(), keep.raw, keep.rollups, keep.failures);
    asio::post(blocking, [&store, cutoffs] {
      auto r = store->prune(cutoffs);
      if (!r)
        common::logRecord(spdlog::level::err, "retention prune failed", {{"error", r.error()}});
      else if (r->checks > 0 || r->rollupRows > 0)
        common::logRecord(spdlog::level::info, "old history pruned",
                          {{"checks", r->checks},
                           {"failed_checks", r->failedChecks},
                           {"rollup_rows", r->rollupRows},
                           {"batches", r->batches}});
    });
  };
  asio::co_spawn(io, pruneLoop(life, pruneOnce), asio::detached);

  // The dispatcher resumes every pending delivery at its stored time; it returns after stop(),
  // once in-flight attempts are done.
  asio::co_spawn(io, alerts->run(), [&life](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        common::logRecord(spdlog::level::critical, "alert dispatcher failed",
                          {{"error", ex.what()}});
      }
    }
    life.dispatcherDone();
  });

  SignalHandlers handlers;
  handlers.reload = [&] {
    // Renewed CA certificates are read by the next https connection, whatever the config.
    net::reloadTlsTrust();
    // Parsing a fleet's config takes seconds (100,000 servers: about 2 s): it runs on a thread
    // of its own, so probing goes on meanwhile, and the result is applied on this loop. Two
    // reloads are parsed and applied in the order of their signals.
    asio::post(configLoader, [&] {
      auto next = std::make_shared<LoadedConfig>(
          config::loadConfigFile(args.configPath, config::processEnvironment(), sinkTypes()));
      asio::post(io, [&, next] {
        if (!life.stopping())
          applyReload(*next);
      });
    });
  };
  handlers.beginShutdown = [&](int signo) {
    common::logRecord(
        spdlog::level::info, "shutting down",
        {{"signal", signo == SIGTERM ? "SIGTERM" : "SIGINT"}, {"in_flight", daemon->inFlight()}});
    if (heartbeat)
      heartbeat->stop();
    // Probes first (their events still reach the outbox), then the dispatcher.
    daemon->stop([&] { alerts->stop(); });
  };
  handlers.deadline = [&] {
    common::logRecord(spdlog::level::warn, "shutdown deadline reached; cancelling probes",
                      {{"in_flight", daemon->inFlight()}});
  };
  asio::co_spawn(io, signalLoop(life, signals, std::move(handlers), grace, io), asio::detached);

  io.run();
  // Stopped at the deadline (or by a second signal) with changes still to commit: they are
  // committed here, blocking, before anything goes away.
  daemon->drainCommitsNow();
  if (probePool)
    probePool->stop(); // probes still running are abandoned: nothing waits for them
  blocking.join();
  configLoader.join(); // a reload still being parsed ends; its result is dropped with the loop
  // The web thread may still be running requests: stop it before anything they use goes away.
  // Requests still waiting for the daemon are destroyed with the two io_contexts.
  webServer->stop();
  webThread.stop();
  // Abandoned probe coroutines are destroyed with the io_context below; the store then commits
  // everything queued before it closes.
  webServer.reset();
  heartbeat.reset();
  daemon.reset();
  alerts.reset();
  store->flush();
  store.reset();
  common::logRecord(spdlog::level::info, "stopped", {});
  return 0;
}

} // namespace

void addRunCommand(CLI::App& app, int& exitCode) {
  auto args = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Run the monitoring daemon");
  cmd->add_option("--config,-c", args->configPath, "Config file (YAML or JSON)")->required();
  cmd->add_option("--log-format", args->logFormat,
                  "Log format: text or json (overrides log.format)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--log-level", args->logLevel, "debug, info, warn or error (overrides log.level)")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  cmd->add_option("--shutdown-grace", args->shutdownGraceSeconds,
                  "Seconds to let in-flight probes finish on SIGTERM")
      ->check(CLI::Range(0.0, 600.0));
  cmd->callback([args, &exitCode] { exitCode = runDaemon(*args); });
}

} // namespace mcpwatch::app
