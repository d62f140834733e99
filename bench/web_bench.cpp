// Web benchmark: the status overview, API and /metrics with many servers and 90 days of history,
// uncached (gather + render) and cached.
#include "common/asio.hpp"
#include "common/clock.hpp"
#include "net/http_server.hpp"
#include "store/store.hpp"
#include "web/backend.hpp"
#include "web/metrics.hpp"
#include "web/pages.hpp"
#include "web/server.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

using namespace mcpwatch;
using Steady = std::chrono::steady_clock;

namespace {

double msSince(Steady::time_point start) {
  return std::chrono::duration<double, std::milli>(Steady::now() - start).count();
}

long argOr(int argc, char** argv, int i, long fallback) {
  if (argc <= i)
    return fallback;
  char* end = nullptr;
  long v = std::strtol(argv[i], &end, 10);
  return (end != nullptr && *end == '\0' && v > 0) ? v : fallback;
}

class BenchBackend final : public web::WebBackend {
public:
  std::vector<web::ServerView> views;
  std::vector<web::ServerView> servers() override { return views; }
  std::optional<web::ServerView> server(std::string_view slug) override {
    for (const auto& v : views)
      if (v.slug == slug)
        return v;
    return std::nullopt;
  }
  web::Readiness ready() override { return {}; }
  Awaitable<web::Done> addMaintenance(detector::MaintenanceWindow) override {
    co_return std::monostate{};
  }
  Awaitable<web::Done> endMaintenance(std::string, common::WallTime) override {
    co_return std::monostate{};
  }
  Awaitable<web::Result<std::string>> acceptBaseline(std::string) override {
    co_return std::string();
  }
  Awaitable<web::Done> pause(std::string) override { co_return std::monostate{}; }
  Awaitable<web::Done> resume(std::string) override { co_return std::monostate{}; }
  Awaitable<web::Result<std::string>> testAlert(web::TestAlertRequest) override {
    co_return std::string();
  }
};

net::ServerResponse run(asio::io_context& ctx, web::WebServer& server, const std::string& target) {
  net::ServerRequest req;
  req.method = "GET";
  req.target = target;
  net::parseTarget(target, req);
  std::optional<net::ServerResponse> out;
  auto task = [](web::WebServer& s, net::ServerRequest r,
                 std::optional<net::ServerResponse>& o) -> Awaitable<void> {
    o.emplace(co_await s.handle(r));
  };
  asio::co_spawn(ctx, task(server, std::move(req), out), asio::detached);
  ctx.restart();
  ctx.run();
  return std::move(*out);
}

} // namespace

int main(int argc, char** argv) {
  // usage: web_bench [servers=1000] [checks per server per day=24] [days=90]
  const long servers = argOr(argc, argv, 1, 1'000);
  const long perDay = argOr(argc, argv, 2, 24);
  const long days = argOr(argc, argv, 3, 90);
  std::string tmpl = (std::filesystem::temp_directory_path() / "mcpwatch-webbench-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  std::filesystem::path dir = tmpl;
  int rc = 0;
  {
    auto opened = store::Store::open((dir / "bench.db").string());
    if (!opened) {
      std::fprintf(stderr, "%s\n", opened.error().c_str());
      return 1;
    }
    auto& st = *opened.value();
    common::FakeClock clock(std::chrono::system_clock::now());
    auto now = clock.now();
    BenchBackend backend;
    web::MetricsRegistry registry;
    web::MonitorMetrics monitor(registry);

    auto fillStart = Steady::now();
    auto step =
        std::chrono::duration_cast<common::WallTime::duration>(std::chrono::hours(24)) / perDay;
    for (long s = 0; s < servers; ++s) {
      web::ServerView v;
      v.slug = "server-" + std::to_string(s);
      v.name = "Server " + std::to_string(s);
      v.state.status = s % 50 == 0 ? detector::HealthState::Down : detector::HealthState::Up;
      v.state.lastResponseTimeMs = 40 + s % 17;
      backend.views.push_back(v);
      for (long i = 0; i < perDay * days; ++i) {
        store::CheckRecord c;
        c.slug = v.slug;
        c.at = now - i * step;
        c.ok = (i + s) % 97 != 0;
        c.totalMs = 40.0 + static_cast<double>((i * 7 + s) % 60);
        if (!c.ok)
          c.reason = "timeout";
        st.record(c);
        if (i < 3)
          monitor.observeCheck(c);
      }
    }
    st.flush();
    std::printf("fill: %ld servers x %ld checks in %.0f ms\n", servers, perDay * days,
                msSince(fillStart));

    auto t = Steady::now();
    auto overview = web::gatherOverview(st, backend.views, now);
    double gatherMs = msSince(t);
    t = Steady::now();
    auto html = web::renderOverviewPage(overview, {1, 100});
    std::printf("gather overview (uptimes + 90-day bars): %.0f ms (%.2f ms/server)\n", gatherMs,
                gatherMs / static_cast<double>(servers));
    std::printf("render overview page (100 rows): %.1f ms, %zu bytes\n", msSince(t), html.size());

    asio::io_context ctx;
    web::WebServer server(ctx.get_executor(), config::WebConfig{}, backend, st, registry, clock);
    t = Steady::now();
    auto first = run(ctx, server, "/");
    std::printf("GET / uncached: %.0f ms (status %d, %zu bytes)\n", msSince(t), first.status,
                first.body.size());
    const int kRepeat = 200;
    t = Steady::now();
    for (int i = 0; i < kRepeat; ++i)
      run(ctx, server, "/");
    std::printf("GET / cached: %.3f ms per request\n", msSince(t) / kRepeat);
    t = Steady::now();
    auto page5 = run(ctx, server, "/?page=5");
    std::printf("GET /?page=5 (first render of that page): %.1f ms\n", msSince(t));
    t = Steady::now();
    for (int i = 0; i < 20; ++i)
      run(ctx, server, "/api/v1/servers");
    std::printf("GET /api/v1/servers cached: %.1f ms per request\n", msSince(t) / 20);
    t = Steady::now();
    for (int i = 0; i < 20; ++i)
      run(ctx, server, "/status/server-7");
    std::printf("GET /status/{slug}: %.1f ms per request\n", msSince(t) / 20);
    t = Steady::now();
    auto metrics = run(ctx, server, "/metrics");
    std::printf("GET /metrics: %.1f ms, %zu bytes\n", msSince(t), metrics.body.size());
    if (first.status != 200 || page5.status != 200 || metrics.status != 200)
      rc = 1;
  }
  std::filesystem::remove_all(dir);
  return rc;
}
