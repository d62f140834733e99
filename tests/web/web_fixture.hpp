// Shared test pieces for the web module: a temp dir, a fake WebBackend, a store filled with
// known history, and a way to run WebServer::handle() or a real HTTP request to completion.
#pragma once

#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "net/http_client.hpp"
#include "store/store.hpp"
#include "web/backend.hpp"
#include "web/metrics.hpp"
#include "web/server.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <stdexcept>
#include <string>
#include <vector>

namespace mcpwatch::web::testing {

class TempDir {
public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mcpwatch-web-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

class FakeBackend : public WebBackend {
public:
  std::vector<ServerView> views;
  Readiness readiness;
  std::vector<detector::MaintenanceWindow> added;
  std::vector<std::string> ended;
  std::vector<std::string> accepted;
  std::vector<std::string> paused;
  std::vector<std::string> resumed;
  std::vector<TestAlertRequest> testAlerts;
  std::optional<OutboxStats> outbox;
  bool deliveriesAvailable = false;
  Done addResult = std::monostate{};

  std::vector<MaintenanceView> windows;
  std::vector<MaintenanceView> maintenance() override { return windows; }
  std::vector<ServerView> servers() override { return views; }
  std::optional<ServerView> server(std::string_view slug) override {
    for (const auto& v : views)
      if (v.slug == slug)
        return v;
    return std::nullopt;
  }
  std::optional<std::string> stalledBecause;
  std::optional<std::string> stalled() override { return stalledBecause; }
  Readiness ready() override { return readiness; }
  Awaitable<Done> addMaintenance(detector::MaintenanceWindow window) override {
    if (!addResult)
      co_return addResult;
    added.push_back(std::move(window));
    co_return std::monostate{};
  }
  Awaitable<Done> endMaintenance(std::string id, common::WallTime) override {
    ended.push_back(std::move(id));
    co_return std::monostate{};
  }
  Awaitable<Result<std::string>> acceptBaseline(std::string slug) override {
    if (slug == "beta")
      co_return common::unexpected(std::string("no tools schema seen yet"));
    accepted.push_back(std::move(slug));
    co_return std::string("sha256:feedface");
  }
  Awaitable<Done> pause(std::string slug) override {
    for (auto& v : views)
      if (v.slug == slug)
        v.paused = true;
    paused.push_back(std::move(slug));
    co_return std::monostate{};
  }
  Awaitable<Done> resume(std::string slug) override {
    for (auto& v : views)
      if (v.slug == slug)
        v.paused = false;
    resumed.push_back(std::move(slug));
    co_return std::monostate{};
  }
  Awaitable<Result<std::string>> testAlert(TestAlertRequest request) override {
    testAlerts.push_back(request);
    co_return std::string("sent to pd-default");
  }
  std::optional<Result<common::Json>> deliveries(std::string_view state) override {
    if (!deliveriesAvailable)
      return std::nullopt;
    if (state != "dead")
      return Result<common::Json>(common::unexpected(std::string("state: expected dead")));
    return Result<common::Json>(common::Json::array({{{"id", "dlv_1"}, {"sink", "pd-default"}}}));
  }
  std::optional<OutboxStats> outboxStats() override { return outbox; }
};

// A fixed "now": 2026-11-24T12:00:00Z.
inline common::WallTime testNow() {
  return *common::parseRfc3339("2026-11-24T12:00:00Z");
}

inline ServerView makeView(std::string slug, std::string name, detector::HealthState status,
                           bool isPublic = true) {
  ServerView v;
  v.slug = std::move(slug);
  v.name = std::move(name);
  v.url = "https://" + v.slug + ".internal.example/mcp?token=s3cr3t-" + v.slug;
  v.isPublic = isPublic;
  v.state.status = status;
  v.state.lastResponseTimeMs = 42.5;
  v.state.lastCheckAt = testNow() - std::chrono::seconds(30);
  v.state.protocolVersion = "2025-11-25";
  v.serverName = v.name + "-impl";
  v.serverVersion = "1.2.3";
  v.toolCount = 7;
  return v;
}

inline store::CheckRecord check(std::string slug, common::WallTime at, bool ok, double ms = 50,
                                std::string reason = {}, std::string detail = {}) {
  store::CheckRecord c;
  c.slug = std::move(slug);
  c.at = at;
  c.ok = ok;
  c.totalMs = ms;
  c.handshakeMs = ms / 2;
  if (!ok) {
    c.reason = reason.empty() ? "connect_refused" : std::move(reason);
    c.detail = std::move(detail);
    c.totalMs.reset();
  }
  return c;
}

inline config::WebConfig webConfig(std::optional<std::string> token) {
  config::WebConfig c;
  c.listenHost = "127.0.0.1";
  c.listenPort = 0;
  if (token)
    c.adminToken = common::Secret(*token);
  return c;
}

// Runs an awaitable on `ctx` until it finishes (at most 20 s); rethrows its exception.
template <class T> T runOn(asio::io_context& ctx, Awaitable<T> awaitable) {
  std::optional<T> result;
  std::exception_ptr error;
  auto wrapper = [](Awaitable<T> a, std::optional<T>& out) -> Awaitable<void> {
    out.emplace(co_await std::move(a));
  };
  bool finished = false;
  asio::co_spawn(ctx, wrapper(std::move(awaitable), result), [&](std::exception_ptr e) {
    error = e;
    finished = true;
  });
  // Not ctx.run(): a listening server keeps the context busy forever.
  ctx.restart();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!finished && std::chrono::steady_clock::now() < deadline)
    ctx.run_one_for(std::chrono::milliseconds(50));
  if (!finished)
    throw std::runtime_error("runOn: the operation did not finish within 20 s");
  if (error)
    std::rethrow_exception(error);
  return std::move(*result);
}

inline net::ServerRequest request(std::string method, std::string target,
                                  std::optional<std::string> bearer = std::nullopt,
                                  std::string body = {}) {
  net::ServerRequest r;
  r.method = std::move(method);
  r.target = target;
  if (!net::parseTarget(target, r))
    throw std::invalid_argument("request: unusable target " + target);
  if (bearer)
    r.headers.add("Authorization", "Bearer " + *bearer);
  r.body = std::move(body);
  r.remoteAddress = "127.0.0.1:1";
  r.client = "127.0.0.1";
  return r;
}

} // namespace mcpwatch::web::testing

namespace mcpwatch::web::testing {

// Known history: alpha up (one failure yesterday, an old closed incident), beta down with an
// open incident, secret private and down, evil public with hostile strings everywhere.
inline void seedDemo(store::Store& store, FakeBackend& backend, common::WallTime now) {
  using namespace std::chrono_literals;
  auto alpha = makeView("alpha", "Alpha MCP", detector::HealthState::Up);
  auto beta = makeView("beta", "Beta MCP", detector::HealthState::Down);
  auto secret = makeView("secret", "Secret Internal", detector::HealthState::Down, false);
  auto evil = makeView("evil", "<script>alert('name')</script>", detector::HealthState::Up);
  evil.serverName = "<img src=x onerror=alert(1)>";
  evil.serverVersion = "\"><script>alert('version')</script>";
  evil.state.protocolVersion = "<b>2025-11-25</b>";
  evil.inMaintenance = true;
  evil.maintenanceIds = {"<i>deploy</i>"};
  alpha.tlsNotAfter = now + 38 * 24h;
  alpha.oauthTokenExpiresAt = now + 1h;
  alpha.owner = "Team Alpha (internal-owner)";
  alpha.runbookUrl = "https://wiki.internal.example/alpha";
  alpha.description = "Alpha search";
  alpha.links = {{"Grafana", "https://grafana.internal.example/alpha"}};
  beta.state.lastResponseTimeMs.reset();
  detector::Incident open;
  open.id = "inc_beta1";
  open.openedAt = now - 2h;
  open.downSince = now - 2h - 10min;
  open.reason = "connect_timeout";
  open.detail = "connect to beta.example:443 timed out";
  open.triggerSent = true;
  beta.state.incident = open;
  beta.state.recentFailures = {{now - 10min, "connect_timeout", "timed out"}};
  secret.state.incident = open;
  secret.state.incident->id = "inc_secret1";

  for (int i = 0; i < 3 * 48; ++i) {
    auto at = now - i * 30min;
    store.record(check("alpha", at, !(i == 52), 40 + (i % 5) * 10, "http_error", "HTTP 502"));
    store.record(check("secret", at, i > 4, 30, "dns_error", "s3cr3t-secret failing detail"));
    store.record(check("evil", at, i != 3, 60, "not_mcp", "<script>alert('detail')</script>"));
    bool betaUp = at < now - 2h - 10min;
    store.record(check("beta", at, betaUp, 70, "connect_timeout", "timed out"));
  }
  store::IncidentRecord old;
  old.id = "inc_alpha_old";
  old.slug = "alpha";
  old.openedAt = now - 72h;
  old.reason = "tls_error";
  old.detail = "handshake failed";
  old.triggerSent = true;
  if (!store.commitNow({old}))
    throw std::runtime_error("seed: open incident");
  if (!store.commitNow(std::vector<store::WriteOp>{
          store::CloseIncident{old.id, now - 72h + 15min, "recovered"}}))
    throw std::runtime_error("seed: close incident");
  for (const auto& [slug, id] : {std::pair{"beta", "inc_beta1"}, {"secret", "inc_secret1"}}) {
    store::IncidentRecord r;
    r.id = id;
    r.slug = slug;
    r.openedAt = now - 2h;
    r.reason = "connect_timeout";
    r.detail = "connect to beta.example:443 timed out";
    r.triggerSent = true;
    if (!store.commitNow({r}))
      throw std::runtime_error("seed: open incident");
  }
  store::IncidentRecord evilIncident;
  evilIncident.id = "inc_evil";
  evilIncident.slug = "evil";
  evilIncident.openedAt = now - 90min;
  evilIncident.reason = "not_mcp";
  evilIncident.detail = "</td><script>alert('incident')</script>";
  store.commitNow({evilIncident});
  store.commitNow(std::vector<store::WriteOp>{store::CloseIncident{"inc_evil", now - 80min}});
  store::SchemaChangeRecord change;
  change.slug = "evil";
  change.at = now - 3h;
  change.oldFingerprint = "sha256:aaaaaaaaaaaaaaaaaaaa";
  change.newFingerprint = "sha256:bbbbbbbbbbbbbbbbbbbb";
  change.diffJson = R"({"added":["<script>alert('tool')</script>"],"removed":["old_tool"],)"
                    R"("changed":["search"]})";
  store.enqueue(change);
  // An era change of alpha: a history entry with equal fingerprints and the protocol diff.
  store::SchemaChangeRecord era;
  era.slug = "alpha";
  era.at = now - 2h;
  era.oldFingerprint = era.newFingerprint = "sha256:cccccccccccccccccccc";
  era.diffJson = R"({"protocol":{"from":{"transport":"streamable-http",)"
                 R"("protocol_version":"2025-11-25"},"to":{"transport":"modern",)"
                 R"("protocol_version":"<b>2026-07-28</b>"}}})";
  store.enqueue(era);
  store.flush();
  backend.views = {alpha, beta, secret, evil};
}

} // namespace mcpwatch::web::testing
