// Adapter from the daemon and alerting to what the web pages, API and admin routes need.
#include "app/web_backend.hpp"

#include "alerting/outbox.hpp"
#include "common/time.hpp"

namespace mcpwatch::app {
namespace {

web::Done done(const std::optional<std::string>& error) {
  if (error)
    return common::unexpected(*error);
  return std::monostate{};
}

} // namespace

web::ServerView DaemonWebBackend::view(const config::ServerConfig& server) const {
  web::ServerView v;
  v.slug = server.slug;
  v.name = server.name;
  v.url = server.url;
  v.tags = server.tags;
  v.isPublic = server.isPublic;
  auto now = clock_.now();
  v.maintenanceIds = daemon_.maintenanceWindows(server, now);
  v.inMaintenance = !v.maintenanceIds.empty();
  const auto& running = daemon_.servers();
  auto it = running.find(server.slug);
  if (it == running.end()) {
    v.paused = !server.enabled; // disabled in the config: shown as paused
    return v;
  }
  v.paused = it->second.paused;
  v.state = it->second.detector->state();
  if (const auto& r = it->second.lastResult) {
    if (r->serverInfo) {
      v.serverName = r->serverInfo->name;
      v.serverVersion = r->serverInfo->version;
    }
    if (r->tools)
      v.toolCount = static_cast<int>(r->tools->count);
    if (r->tls)
      v.tlsNotAfter = r->tls->notAfter;
  }
  return v;
}

std::vector<web::ServerView> DaemonWebBackend::servers() {
  std::vector<web::ServerView> out;
  for (const auto& s : daemon_.config().servers)
    out.push_back(view(s));
  return out;
}

std::optional<web::ServerView> DaemonWebBackend::server(std::string_view slug) {
  if (const auto* s = daemon_.config().findServer(slug))
    return view(*s);
  return std::nullopt;
}

web::Readiness DaemonWebBackend::ready() {
  web::Readiness r;
  if (!daemon_.running())
    r.problems.push_back("scheduler not running");
  if (auto read = store_.read([](store::sqlite::Connection&) {}); !read)
    r.problems.push_back("store not readable: " + read.error());
  if (auto commits = daemon_.commitHealth(); commits.failing)
    r.problems.push_back(describeCommitFailure(commits));
  auto stats = store_.stats();
  if (stats.dropped > 0)
    r.problems.push_back("store dropped " + std::to_string(stats.dropped) +
                         " writes (disk too slow or full)");
  return r;
}

web::Done DaemonWebBackend::addMaintenance(detector::MaintenanceWindow window) {
  return done(daemon_.addMaintenance(std::move(window)));
}

web::Done DaemonWebBackend::endMaintenance(std::string_view id, common::WallTime at) {
  return done(daemon_.endMaintenance(id, at));
}

web::Result<std::string> DaemonWebBackend::acceptBaseline(std::string_view slug) {
  auto r = daemon_.acceptBaseline(std::string(slug));
  if (!r)
    return common::unexpected(r.error());
  return r.value();
}

web::Done DaemonWebBackend::pause(std::string_view slug) {
  return done(daemon_.pause(std::string(slug)));
}

web::Done DaemonWebBackend::resume(std::string_view slug) {
  return done(daemon_.resume(std::string(slug)));
}

Awaitable<web::Result<std::string>> DaemonWebBackend::testAlert(web::TestAlertRequest request) {
  auto results = co_await alerting_.testAlert(request.server, request.sink);
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
  web::OutboxStats out;
  for (const auto& [sink, s] : alerting_.stats().sinks) {
    out.pendingBySink[sink] = s.pending;
    out.deadBySink[sink] = s.dead;
    for (const auto& [outcome, n] : s.attempts)
      out.deliveriesBySinkOutcome[sink][outcome] = n;
  }
  return out;
}

} // namespace mcpwatch::app
