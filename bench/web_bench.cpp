// Web benchmark at fleet size: /metrics, the paginated /api/v1/servers (plain, filtered, deep
// cursor) and the status overview page, for N servers with some history each. Wall and process
// CPU time per request (the web server renders on its worker thread, so CPU counts both).
#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/json.hpp"
#include "net/http_server.hpp"
#include "store/store.hpp"
#include "web/backend.hpp"
#include "web/listing.hpp"
#include "web/metrics.hpp"
#include "web/server.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

using namespace mcpwatch;
using Steady = std::chrono::steady_clock;

namespace {

double cpuMsNow() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct Options {
  std::vector<long> servers = {1'000, 10'000, 100'000};
  long days = 1;    // history per server
  long perDay = 24; // checks per server per day
  int repeat = 5;   // requests per measured figure (bounded)
};

void usage() {
  std::fprintf(stderr, "usage: web_bench [--servers 1000,10000,100000] [--days 1] [--per-day 24] "
                       "[--repeat 5]\n");
}

std::optional<Options> parseArgs(int argc, char** argv) {
  Options o;
  auto number = [](const char* text, long min, long max) -> std::optional<long> {
    char* end = nullptr;
    long v = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < min || v > max)
      return std::nullopt;
    return v;
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc)
      return std::nullopt;
    const char* value = argv[++i];
    if (arg == "--servers") {
      o.servers.clear();
      std::string list = value;
      std::size_t pos = 0;
      while (pos <= list.size()) {
        auto comma = list.find(',', pos);
        auto item = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        auto n = number(item.c_str(), 1, 1'000'000);
        if (!n)
          return std::nullopt;
        o.servers.push_back(*n);
        if (comma == std::string::npos)
          break;
        pos = comma + 1;
      }
    } else if (arg == "--days") {
      auto n = number(value, 0, 90);
      if (!n)
        return std::nullopt;
      o.days = *n;
    } else if (arg == "--per-day") {
      auto n = number(value, 1, 1440);
      if (!n)
        return std::nullopt;
      o.perDay = *n;
    } else if (arg == "--repeat") {
      auto n = number(value, 1, 100);
      if (!n)
        return std::nullopt;
      o.repeat = static_cast<int>(*n);
    } else {
      return std::nullopt;
    }
  }
  return o;
}

// Serves the list as the daemon's backend does: one shared, immutable snapshot, never copied.
class BenchBackend final : public web::WebBackend {
public:
  std::shared_ptr<const web::ServerViews> list;
  std::vector<web::ServerView> servers() override { return list->copy(); }
  std::shared_ptr<const web::ServerViews> serverList() override { return list; }
  std::optional<web::ServerView> server(std::string_view slug) override {
    for (const auto& v : *list)
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

struct Figure {
  double wallMs = 0;
  double cpuMs = 0;
  std::size_t bytes = 0;
  int status = 0;
};

// `repeat` requests of `target`, each uncached (`cold`: the server's list and rendered bodies
// dropped first, so every request selects, reads the store and renders) or all but the first
// served from the cache. Returns the mean per request.
Figure measure(asio::io_context& ctx, web::WebServer& server, const std::string& target, int repeat,
               bool cold) {
  Figure f;
  if (!cold)
    run(ctx, server, target); // fills the cache
  double wall = 0, cpu = 0;
  for (int i = 0; i < repeat; ++i) {
    if (cold)
      server.invalidateCache();
    auto w0 = Steady::now();
    double c0 = cpuMsNow();
    auto r = run(ctx, server, target);
    cpu += cpuMsNow() - c0;
    wall += std::chrono::duration<double, std::milli>(Steady::now() - w0).count();
    f.bytes = r.body.size();
    f.status = r.status;
  }
  f.wallMs = wall / repeat;
  f.cpuMs = cpu / repeat;
  return f;
}

void print(const char* what, const Figure& f, long servers, bool perServer = false) {
  if (perServer)
    std::printf("  %-46s %8.2f ms wall %8.2f ms CPU %10zu bytes (%.0f bytes/server)%s\n", what,
                f.wallMs, f.cpuMs, f.bytes,
                static_cast<double>(f.bytes) / static_cast<double>(servers),
                f.status == 200 ? "" : "  NOT 200");
  else
    std::printf("  %-46s %8.2f ms wall %8.2f ms CPU %10zu bytes%s\n", what, f.wallMs, f.cpuMs,
                f.bytes, f.status == 200 ? "" : "  NOT 200");
}

int benchOne(long servers, const Options& o) {
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
    auto checks = o.days * o.perDay;
    auto step =
        std::chrono::duration_cast<common::WallTime::duration>(std::chrono::hours(24)) / o.perDay;
    auto views = std::make_shared<web::ServerViews>();
    views->reserve(static_cast<std::size_t>(servers));
    std::vector<store::WriteOp> batch;
    std::size_t rows = 0;
    auto commit = [&] {
      if (batch.empty())
        return;
      rows += batch.size();
      if (auto done = st.commitNow(std::move(batch)); !done)
        std::fprintf(stderr, "fill: commit failed\n");
      batch.clear();
    };
    for (long s = 0; s < servers; ++s) {
      web::ServerView v;
      v.slug = "server-" + std::to_string(s);
      v.name = "Server " + std::to_string(s);
      v.tags = {s % 2 == 0 ? "prod" : "staging", "team-" + std::to_string(s % 20)};
      v.state.status = s % 50 == 0 ? detector::HealthState::Down : detector::HealthState::Up;
      v.state.lastResponseTimeMs = 40 + s % 17;
      if (s % 2 == 0) // half on HTTPS
        v.tlsNotAfter = now + std::chrono::hours(24 * 60);
      for (long i = 0; i < checks; ++i) {
        store::CheckRecord c;
        c.slug = v.slug;
        c.at = now - i * step;
        c.ok = (i + s) % 97 != 0;
        c.totalMs = 40.0 + static_cast<double>((i * 7 + s) % 60);
        if (!c.ok)
          c.reason = "timeout";
        batch.emplace_back(std::move(c));
        if (batch.size() >= 50'000)
          commit();
      }
      // Three probes per server for /metrics, one in ten servers with a recent failure.
      for (int i = 0; i < 3; ++i) {
        store::CheckRecord c;
        c.slug = v.slug;
        c.at = now;
        c.ok = !(i == 1 && s % 10 == 0);
        c.reason = c.ok ? "" : "timeout";
        c.dnsMs = 1;
        c.connectMs = 2;
        c.handshakeMs = 20;
        c.toolsListMs = 15;
        if (c.ok)
          c.totalMs = 40;
        if (s % 2 == 0)
          c.tlsMs = 8;
        monitor.observeCheck(c);
      }
      views->push_back(std::make_shared<const web::ServerView>(std::move(v)));
    }
    commit();
    backend.list = views;
    std::printf("N = %ld servers (%zu checks of history, %ld per server; fill %.0f ms)\n", servers,
                rows, checks,
                std::chrono::duration<double, std::milli>(Steady::now() - fillStart).count());

    asio::io_context ctx;
    web::WebServer server(ctx.get_executor(), config::WebConfig{}, backend, st, registry, clock);
    const int r = o.repeat;
    auto metrics = measure(ctx, server, "/metrics", r, true);
    print("GET /metrics", metrics, servers, true);
    auto api = measure(ctx, server, "/api/v1/servers?limit=100", r, true);
    print("GET /api/v1/servers?limit=100 (uncached)", api, servers);
    print("  same, from the cache", measure(ctx, server, "/api/v1/servers?limit=100", r, false),
          servers);
    // A page from the middle of the walk: the cursor after the middle slug.
    std::string middle = web::encodeCursor("server-" + std::to_string(servers / 2));
    print("GET /api/v1/servers?limit=100&cursor=<middle>",
          measure(ctx, server, "/api/v1/servers?limit=100&cursor=" + middle, r, true), servers);
    print("GET /api/v1/servers?q=99&state=up&tag=prod",
          measure(ctx, server, "/api/v1/servers?q=99&state=up&tag=prod&limit=100", r, true),
          servers);
    print("GET /api/v1/servers?limit=1000 (uncached)",
          measure(ctx, server, "/api/v1/servers?limit=1000", r, true), servers);
    auto overview = measure(ctx, server, "/", r, true);
    print("GET / (overview, 100 rows, uncached)", overview, servers);
    print("  same, from the cache", measure(ctx, server, "/", r, false), servers);
    std::string lastPage = "/?page=" + std::to_string((servers + 99) / 100);
    print("GET /?page=<last> (uncached)", measure(ctx, server, lastPage, r, true), servers);
    print("GET /?q=server-12&state=up (uncached)",
          measure(ctx, server, "/?q=server-12&state=up", r, true), servers);
    if (metrics.status != 200 || api.status != 200 || overview.status != 200)
      rc = 1;
  }
  std::filesystem::remove_all(dir);
  return rc;
}

} // namespace

int main(int argc, char** argv) {
  auto options = parseArgs(argc, argv);
  if (!options) {
    usage();
    return 2;
  }
  int rc = 0;
  for (long n : options->servers)
    rc |= benchOne(n, *options);
  return rc;
}
