// Adapter from the daemon and alerting to what the web pages, API and admin routes need, across
// the thread boundary between the web server and the daemon.
#include "app/web_backend.hpp"

#include "alerting/outbox.hpp"
#include "common/time.hpp"

#include <fmt/format.h>

namespace mcpwatch::app {
namespace {

web::Done done(const std::optional<std::string>& error) {
  if (error)
    return common::unexpected(*error);
  return std::monostate{};
}

// Hands `value` (or `error`) to an awaiting coroutine's handler on that coroutine's own executor.
template <class Handler, class T>
void resumeOnHome(Handler handler, std::exception_ptr error, std::optional<T> value) {
  auto home = asio::get_associated_executor(handler);
  asio::post(home, [handler = std::move(handler), error, value = std::move(value)]() mutable {
    std::move(handler)(error, std::move(value));
  });
}

// Runs `task` where it was spawned and resumes `handler` with its outcome on the handler's home.
template <class T, class Handler> Awaitable<void> relay(Awaitable<T> task, Handler handler) {
  std::exception_ptr error;
  std::optional<T> value;
  try {
    value.emplace(co_await std::move(task));
  } catch (...) {
    error = std::current_exception();
  }
  resumeOnHome(std::move(handler), error, std::move(value));
}

// The windows in progress at `now` or starting within a week, by start.
std::vector<web::MaintenanceView> upcomingMaintenance(const detector::MaintenanceCalendar& calendar,
                                                      common::WallTime now) {
  constexpr auto kHorizon = std::chrono::hours(24 * 7);
  std::vector<web::MaintenanceView> out;
  for (const auto& w : calendar.windows()) {
    auto occ = detector::currentOrNextOccurrence(w, now);
    if (!occ || occ->start > now + kHorizon)
      continue;
    out.push_back({w.id, w.comment, w.target, occ->start, occ->end, occ->start <= now});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.start < b.start; });
  return out;
}

} // namespace

DaemonWebBackend::DaemonWebBackend(asio::any_io_executor daemonExecutor, Daemon& daemon,
                                   alerting::Alerting& alerting, store::Store& store,
                                   common::Clock& clock)
    : daemonExecutor_(std::move(daemonExecutor)), daemon_(daemon), alerting_(alerting),
      store_(store), clock_(clock) {}

web::ServerView DaemonWebBackend::view(const config::ServerConfig& server,
                                       const ServerRuntime* runtime, common::WallTime now) const {
  web::ServerView v;
  v.slug = server.slug;
  v.name = server.name;
  v.url = server.url;
  v.tags = server.tags;
  v.description = server.description;
  v.owner = server.owner;
  v.runbookUrl = server.runbookUrl;
  for (const auto& link : server.links)
    v.links.push_back({link.name, link.url});
  v.isPublic = server.isPublic;
  v.maintenanceIds = daemon_.maintenanceWindows(server, now);
  v.inMaintenance = !v.maintenanceIds.empty();
  if (!runtime) {
    v.paused = !server.enabled; // disabled in the config: shown as paused
    return v;
  }
  v.paused = runtime->paused;
  // The tool schemas and the flap window stay behind: copying a fleet's tool maps every second
  // was most of the cost of a view.
  v.state = detector::stateSummary(runtime->detector->state());
  if (const auto& last = runtime->lastProbe) {
    v.serverName = last->serverName;
    v.serverVersion = last->serverVersion;
    v.toolCount = last->toolCount;
    v.tlsNotAfter = last->tlsNotAfter;
    v.oauthTokenExpiresAt = last->oauthTokenExpiresAt;
  }
  return v;
}

void DaemonWebBackend::publish() {
  auto next = std::make_shared<Snapshot>();
  next->at = clock_.now();
  const auto& servers = daemon_.config().servers;
  // Between two epochs the config and the runtimes stay put: only the servers whose version
  // moved get a new view; the others share the one already published.
  if (daemon_.viewEpoch() != builtEpoch_ || built_.size() != servers.size()) {
    builtEpoch_ = daemon_.viewEpoch();
    built_.assign(servers.size(), Built{});
    const auto& running = daemon_.servers();
    for (std::size_t i = 0; i < servers.size(); ++i) {
      auto it = running.find(servers[i].slug);
      built_[i].runtime = it == running.end() ? nullptr : &it->second;
    }
  }
  next->views.reserve(servers.size());
  for (std::size_t i = 0; i < servers.size(); ++i) {
    auto& b = built_[i];
    if (!b.view || (b.runtime && b.runtime->viewVersion != b.version)) {
      b.view = std::make_shared<const web::ServerView>(view(servers[i], b.runtime, next->at));
      b.version = b.runtime ? b.runtime->viewVersion : 0;
    }
    next->views.push_back(b.view);
  }
  next->maintenance = upcomingMaintenance(daemon_.calendar(), next->at);
  next->running = daemon_.running();
  next->commits = daemon_.commitHealth();
  std::shared_ptr<const Snapshot> published = std::move(next);
  std::lock_guard lock(mutex_);
  snapshot_.swap(published); // the old one is freed after the lock, by `published`
}

std::shared_ptr<const DaemonWebBackend::Snapshot> DaemonWebBackend::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

std::vector<web::MaintenanceView> DaemonWebBackend::maintenance() {
  auto s = snapshot();
  return s ? s->maintenance : std::vector<web::MaintenanceView>{};
}

std::vector<web::ServerView> DaemonWebBackend::servers() {
  auto s = snapshot();
  return s ? s->views.copy() : std::vector<web::ServerView>{};
}

std::shared_ptr<const web::ServerViews> DaemonWebBackend::serverList() {
  auto s = snapshot();
  if (!s)
    return std::make_shared<const web::ServerViews>();
  return std::shared_ptr<const web::ServerViews>(s, &s->views); // shares ownership
}

std::optional<web::ServerView> DaemonWebBackend::server(std::string_view slug) {
  if (auto s = snapshot())
    for (const auto& v : s->views)
      if (v.slug == slug)
        return v;
  return std::nullopt;
}

std::optional<std::string> DaemonWebBackend::stalled() {
  auto s = snapshot();
  if (!s)
    return std::string("the scheduler has not reported yet");
  auto age = clock_.now() - s->at;
  if (age > kStalledAfter)
    return fmt::format("the scheduler has not reported for {} s",
                       std::chrono::duration_cast<std::chrono::seconds>(age).count());
  return std::nullopt;
}

web::Readiness DaemonWebBackend::ready() {
  web::Readiness r;
  auto s = snapshot();
  if (!s || !s->running)
    r.problems.push_back("scheduler not running");
  else if (auto why = stalled())
    r.problems.push_back(*why);
  if (auto read = store_.read([](store::sqlite::Connection&) {}); !read)
    r.problems.push_back("store not readable: " + read.error());
  if (s && s->commits.failing)
    r.problems.push_back(describeCommitFailure(s->commits));
  if (auto lag = std::chrono::milliseconds(lagMs_.load()); lag > kBehindAfter)
    r.problems.push_back(fmt::format(
        "probing is {} s behind schedule (overloaded: fewer servers, a longer interval, a "
        "higher scheduler.concurrency or more CPU)",
        std::chrono::duration_cast<std::chrono::seconds>(lag).count()));
  auto stats = store_.stats();
  if (stats.dropped > 0)
    r.problems.push_back("store dropped " + std::to_string(stats.dropped) +
                         " writes (disk too slow or full)");
  return r;
}

// A plain initiation, not a coroutine: g++ 12 mishandles a lambda with captures passed as a
// coroutine parameter (it was freed twice). Call sites pass named lambdas for the same reason.
template <class F> auto DaemonWebBackend::onDaemon(F action) {
  using T = std::invoke_result_t<F>;
  return asio::async_initiate<const asio::use_awaitable_t<>&,
                              void(std::exception_ptr, std::optional<T>)>(
      [this](auto handler, F fn) {
        asio::post(daemonExecutor_,
                   [this, fn = std::move(fn), handler = std::move(handler)]() mutable {
                     std::exception_ptr error;
                     std::optional<T> value;
                     try {
                       value.emplace(fn());
                       publish(); // the request's next read sees what it changed
                     } catch (...) {
                       error = std::current_exception();
                     }
                     resumeOnHome(std::move(handler), error, std::move(value));
                   });
      },
      use_awaitable, std::move(action));
}

Awaitable<web::Done> DaemonWebBackend::addMaintenance(detector::MaintenanceWindow window) {
  auto add = [this, window = std::move(window)] { return done(daemon_.addMaintenance(window)); };
  auto result = co_await onDaemon(std::move(add));
  co_return std::move(*result);
}

Awaitable<web::Done> DaemonWebBackend::endMaintenance(std::string id, common::WallTime at) {
  auto end = [this, id = std::move(id), at] { return done(daemon_.endMaintenance(id, at)); };
  auto result = co_await onDaemon(std::move(end));
  co_return std::move(*result);
}

Awaitable<web::Result<std::string>> DaemonWebBackend::acceptBaseline(std::string slug) {
  auto accept = [this, slug = std::move(slug)]() -> web::Result<std::string> {
    auto r = daemon_.acceptBaseline(slug);
    if (!r)
      return common::unexpected(r.error());
    return r.value();
  };
  auto result = co_await onDaemon(std::move(accept));
  co_return std::move(*result);
}

Awaitable<web::Done> DaemonWebBackend::pause(std::string slug) {
  auto action = [this, slug = std::move(slug)] { return done(daemon_.pause(slug)); };
  auto result = co_await onDaemon(std::move(action));
  co_return std::move(*result);
}

Awaitable<web::Done> DaemonWebBackend::resume(std::string slug) {
  auto action = [this, slug = std::move(slug)] { return done(daemon_.resume(slug)); };
  auto result = co_await onDaemon(std::move(action));
  co_return std::move(*result);
}

Awaitable<web::Result<std::string>> DaemonWebBackend::testAlert(web::TestAlertRequest request) {
  using Answer = common::Expected<std::vector<alerting::TestAlertResult>, std::string>;
  // The sinks live on the daemon's executor: the whole test alert runs there.
  auto answer = co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                              void(std::exception_ptr, std::optional<Answer>)>(
      [this](auto handler, web::TestAlertRequest req) {
        asio::post(
            daemonExecutor_, [this, req = std::move(req), handler = std::move(handler)]() mutable {
              asio::co_spawn(daemonExecutor_,
                             relay(alerting_.testAlert(req.server, req.sink), std::move(handler)),
                             asio::detached);
            });
      },
      use_awaitable, std::move(request));
  auto& results = *answer;
  if (!results)
    co_return common::unexpected(results.error());
  std::string summary;
  bool allOk = true;
  for (const auto& r : results.value()) {
    if (!summary.empty())
      summary += "; ";
    summary += r.sink + ": trigger ";
    summary += alerting::describeAnswer(r.trigger);
    if (r.resolve)
      summary += ", resolve " + alerting::describeAnswer(*r.resolve);
    summary += r.ok() ? " (ok)" : " (FAILED)";
    allOk = allOk && r.ok();
  }
  if (!allOk)
    co_return common::unexpected(summary);
  co_return summary;
}

std::optional<web::Result<common::Json>> DaemonWebBackend::deliveries(std::string_view state) {
  alerting::RowState rowState;
  if (state == "pending")
    rowState = alerting::RowState::Pending;
  else if (state == "delivered")
    rowState = alerting::RowState::Delivered;
  else if (state == "failed")
    rowState = alerting::RowState::Failed;
  else if (state == "dead")
    rowState = alerting::RowState::Dead;
  else
    return web::Result<common::Json>(
        common::unexpected(std::string("state must be pending, delivered, failed or dead")));
  auto rows = alerting::outbox::rowsInState(store_, rowState, 500);
  if (!rows)
    return web::Result<common::Json>(common::unexpected(rows.error()));
  common::Json out = common::Json::array();
  for (const auto& row : rows.value()) {
    // Never the sink settings: they hold routing keys and secrets.
    out.push_back({{"id", row.id},
                   {"event_id", row.eventId},
                   {"event_type", row.eventType},
                   {"incident_id", row.incidentId},
                   {"server_slug", row.slug},
                   {"sink", row.sink},
                   {"state", alerting::toString(row.state)},
                   {"attempts", row.attempts},
                   {"created_at", common::formatRfc3339(row.createdAt)},
                   {"next_attempt_at", common::formatRfc3339(row.nextAttemptAt)},
                   {"last_status", row.lastStatus ? common::Json(*row.lastStatus) : common::Json()},
                   {"last_error", row.lastError}});
  }
  return web::Result<common::Json>(std::move(out));
}

std::optional<web::OutboxStats> DaemonWebBackend::outboxStats() {
  // Alerting::stats() is thread safe (it reads the store and a locked counter map).
  web::OutboxStats out;
  for (const auto& [sink, s] : alerting_.stats().sinks) {
    out.pendingBySink[sink] = s.pending;
    out.deadBySink[sink] = s.dead;
    for (const auto& [outcome, n] : s.attempts)
      out.deliveriesBySinkOutcome[sink][outcome] = n;
  }
  return out;
}

WebThread::WebThread() : guard_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}

WebThread::~WebThread() {
  stop();
}

void WebThread::stop() {
  guard_.reset();
  io_.stop();
  if (thread_.joinable())
    thread_.join();
}

} // namespace mcpwatch::app
