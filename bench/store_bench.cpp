// Store benchmark: queued check inserts per second and 90-day uptime/status-bar query times;
// `store_bench steady` simulates a fleet at a 60 s interval under the default retention and
// projects the database size at steady state.
#include "store/sqlite.hpp"
#include "store/store.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

using namespace mcpwatch::store;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

long argOr(int argc, char** argv, int i, long fallback) {
  if (argc <= i)
    return fallback;
  char* end = nullptr;
  long v = std::strtol(argv[i], &end, 10);
  return (end != nullptr && *end == '\0' && v > 0) ? v : fallback;
}

// CPU seconds used by the whole process: on a shared machine wall time mostly measures the others.
double cpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

std::string tempDbPath(std::string& dir) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "mcpwatch-bench-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  dir = tmpl;
  return dir + "/bench.db";
}

// Bytes per table and index (SQLite's dbstat): whole pages for the big tables, the bytes in use
// plus a quarter for the small ones (a few hundred rollup rows leave most of their pages empty,
// which a full table would not).
std::map<std::string, double> pageBytes(Store& store) {
  std::map<std::string, double> out;
  auto r = store.read([&](sqlite::Connection& c) {
    sqlite::Statement s(c, "SELECT name, CASE WHEN sum(pgsize) > 4 * 1048576 THEN sum(pgsize) "
                           "ELSE 1.25 * (sum(pgsize) - sum(unused)) END FROM dbstat GROUP BY name");
    while (s.step())
      out[s.text(0)] = s.real(1);
  });
  if (!r) {
    std::fprintf(stderr, "dbstat: %s\n", r.error().c_str());
    std::exit(1);
  }
  return out;
}

double rows(Store& store, const std::string& table, const std::string& where = "") {
  double n = 0;
  (void)store.read([&](sqlite::Connection& c) {
    n = static_cast<double>(c.queryInt("SELECT count(*) FROM " + table + where));
  });
  return n;
}

// Steady state with the default retention (raw 24h, hourly rollups 8d, daily rollups and
// failures 400d): N servers probed every 60 s for `days` simulated days (time-compressed: the
// checks carry simulated timestamps), pruned every simulated hour as the daemon does. Measures the
// bytes each kind of row costs and projects the size once every retention window is full.
int steady(long servers, long days, double failureRate) {
  std::string dir;
  const std::string path = tempDbPath(dir);
  auto opened = Store::open(path);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error().c_str());
    return 1;
  }
  auto store = std::move(opened).value();
  using namespace std::chrono;
  const auto raw = hours(24);
  const auto keep = hours(24 * 400);
  const WallTime start = sys_days{year{2026} / 1 / 1};
  const long failEvery = failureRate > 0 ? static_cast<long>(1.0 / failureRate) : 0;
  double worstBatchMs = 0;
  double pruneMs = 0;
  long pruneBatches = 0;
  long pruned = 0;
  const double cpuStart = cpuSeconds();
  const auto t0 = Clock::now();
  long written = 0;
  for (long minute = 0; minute < days * 24 * 60; ++minute) {
    const WallTime now = start + minutes(minute);
    for (long s = 0; s < servers; ++s, ++written) {
      CheckRecord c;
      c.slug = "server-" + std::to_string(s);
      c.at = now + milliseconds((s * 60'000) / servers);
      c.ok = failEvery == 0 || (written % failEvery) != 0;
      if (!c.ok) {
        c.reason = "connect_timeout";
        c.detail = "no answer within 10s";
      }
      // A remote server's usual phases, in ms with sub-ms parts.
      c.dnsMs = 1.25 + static_cast<double>(s % 7) / 8;
      c.connectMs = 20.5 + static_cast<double>((minute + s) % 13);
      c.handshakeMs = 40.125 + static_cast<double>((minute * 3 + s) % 29);
      c.toolsListMs = 35.75 + static_cast<double>((minute * 5 + s) % 31);
      c.totalMs = *c.dnsMs + *c.connectMs + *c.handshakeMs + *c.toolsListMs;
      c.httpStatus = 200;
      c.protocolVersion = "2025-11-25";
      c.fingerprint = "sha256:0f343b0931126a20f133d67c2b018a3b5e9d3a1c7b4e2d90c1f6a8b5d3e7c9a1";
      c.toolCount = 12;
      c.era = "modern";
      c.transport = "streamable-http";
      if (!store->record(std::move(c))) {
        std::fprintf(stderr, "record dropped\n");
        return 1;
      }
    }
    if (minute % 60 == 59) { // the daemon prunes hourly
      store->flush();
      auto last = Clock::now();
      const auto p0 = last;
      auto r = store->prune(retentionCutoffs(now, raw, keep, keep), [&](const PruneResult&) {
        const auto t = Clock::now();
        worstBatchMs = std::max(worstBatchMs, duration<double, std::milli>(t - last).count());
        last = t;
      });
      if (!r) {
        std::fprintf(stderr, "%s\n", r.error().c_str());
        return 1;
      }
      pruneMs += duration<double, std::milli>(Clock::now() - p0).count();
      pruneBatches += r->batches;
      pruned += r->checks;
    }
  }
  store->flush();
  const double wall = secondsSince(t0);
  const double cpu = cpuSeconds() - cpuStart;

  auto bytes = pageBytes(*store);
  const double okRows = rows(*store, "checks", " WHERE ok = 1");
  const double failedRows = rows(*store, "checks", " WHERE ok = 0");
  const double checkRows = okRows + failedRows;
  // The checks table is clustered and has no index (migration 5); its dictionaries (servers,
  // reasons, profiles) hold a few rows per server and are counted with the checks.
  const double checkBytes = bytes["checks"] + bytes["servers"] +
                            bytes["sqlite_autoindex_servers_1"] + bytes["check_reasons"] +
                            bytes["sqlite_autoindex_check_reasons_1"] + bytes["check_profiles"] +
                            bytes["check_profiles_fingerprint"];
  const double perCheck = checkBytes / checkRows;
  const double hourRows = rows(*store, "check_hours");
  const double perHour = (bytes["check_hours"] + bytes["check_hours_hour"]) / hourRows;
  const double dayRows = rows(*store, "check_days");
  const double perDay = (bytes["check_days"] + bytes["check_days_day"]) / dayRows;
  const double reasonRows = rows(*store, "check_day_reasons");
  const double perReason =
      reasonRows > 0 ? (bytes["check_day_reasons"] + bytes["check_day_reasons_day"]) / reasonRows
                     : 0.0;
  std::uintmax_t fileBytes = std::filesystem::file_size(path);

  // Per server once every window is full: 1 day of checks, 8 days of hourly rollups, 400 days of
  // daily rollups, 400 days of failures (at the simulated failure rate, each failure day with one
  // failure-reason row).
  const double checksPerDay = 1440;
  const double rawDays = static_cast<double>(raw.count()) / 24;
  const double hourlyDays = static_cast<double>(kHourlyRollupKeep.count()) / 24;
  const double rawPart = rawDays * checksPerDay * (1 - failureRate) * perCheck;
  const double failPart = 400 * checksPerDay * failureRate * perCheck;
  const double hourPart = hourlyDays * 24 * perHour;
  const double dayPart = 400 * perDay + (failureRate > 0 ? 400 * perReason : 0.0);
  const double perServer = rawPart + failPart + hourPart + dayPart;

  std::printf("steady: %ld servers, 60 s interval, %ld simulated days, failure rate %.4f: %ld "
              "checks in %.1f s (%.1f CPU s), %ld pruned in %ld batches\n",
              servers, days, failureRate, written, wall, cpu, pruned, pruneBatches);
  std::printf("kept now: %.0f ok + %.0f failed checks, %.0f hourly, %.0f daily rollup rows; "
              "file %.1f MB\n",
              okRows, failedRows, hourRows, dayRows, static_cast<double>(fileBytes) / 1e6);
  std::printf("bytes per row (table + indexes): check %.0f, hourly rollup %.0f, daily rollup "
              "%.0f, failure reason %.0f\n",
              perCheck, perHour, perDay, perReason);
  std::printf("bytes per server-day: raw checks %.0f, after retention %.0f (steady state per "
              "server / 400 days)\n",
              checksPerDay * perCheck, perServer / 400);
  std::printf("steady state per server: raw %.0fh %.0f KB + failures 400d %.0f KB + hourly %.0fd "
              "%.0f KB + daily 400d %.0f KB = %.0f KB\n",
              rawDays * 24, rawPart / 1e3, failPart / 1e3, hourlyDays, hourPart / 1e3,
              dayPart / 1e3, perServer / 1e3);
  std::printf("projected: %.0f MB per 1,000 servers at steady state (target <= 200 MB)\n",
              perServer * 1000 / 1e6);
  std::printf("cleanup: %.1f ms per hourly prune on average, worst batch %.1f ms (pruneBatch "
              "%zu rows)\n",
              pruneMs / static_cast<double>(days * 24), worstBatchMs, StoreOptions{}.pruneBatch);
  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "steady") == 0) {
    // usage: store_bench steady [servers=200] [days=3] [failures per 10,000 checks=10]
    const long servers = argOr(argc, argv, 2, 200);
    const long days = std::min(argOr(argc, argv, 3, 3), 30L); // bounded
    const double failureRate = static_cast<double>(argOr(argc, argv, 4, 10)) / 10'000.0;
    return steady(servers, days, failureRate);
  }
  // usage: store_bench [checks=100000] [servers=1000] [db path]
  const long checks = argOr(argc, argv, 1, 100'000);
  const long servers = argOr(argc, argv, 2, 1'000);
  std::string dir;
  std::string path;
  if (argc > 3)
    path = argv[3];
  else
    path = tempDbPath(dir);

  auto opened = Store::open(path);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error().c_str());
    return 1;
  }
  auto store = std::move(opened).value();

  const auto now = std::chrono::system_clock::now();
  const auto span = std::chrono::hours(24 * 90);
  const long perServer = (checks + servers - 1) / servers;
  const auto step = span / perServer;

  auto start = Clock::now();
  const double cpuStart = cpuSeconds();
  long written = 0;
  for (long i = 0; i < perServer && written < checks; ++i)
    for (long s = 0; s < servers && written < checks; ++s, ++written) {
      CheckRecord c;
      c.slug = "server-" + std::to_string(s);
      c.at = now - span + step * i + std::chrono::milliseconds(s);
      c.ok = (i + s) % 50 != 0;
      if (!c.ok) {
        c.reason = "connect_timeout";
        c.detail = "no answer within 10s";
      }
      c.totalMs = 20.0 + static_cast<double>((i * 7 + s) % 100);
      c.protocolVersion = "2025-11-25";
      c.fingerprint = "sha256:0123456789abcdef";
      c.toolCount = 12;
      c.era = "modern";
      c.transport = "streamable-http";
      if (!store->record(std::move(c))) {
        std::fprintf(stderr, "record dropped\n");
        return 1;
      }
    }
  const double enqueueSeconds = secondsSince(start);
  store->flush();
  const double insertSeconds = secondsSince(start);
  const double insertCpu = cpuSeconds() - cpuStart;
  std::printf("inserted %ld checks for %ld servers in %.3f s: %.0f checks/s "
              "(enqueue alone %.3f s; %llu transactions; %.3f CPU s = %.0f checks per CPU s)\n",
              written, servers, insertSeconds, static_cast<double>(written) / insertSeconds,
              enqueueSeconds, static_cast<unsigned long long>(store->stats().batches), insertCpu,
              static_cast<double>(written) / insertCpu);

  start = Clock::now();
  long long total = 0;
  for (long s = 0; s < servers; ++s) {
    auto u = store->uptime("server-" + std::to_string(s), now - span, now);
    if (!u) {
      std::fprintf(stderr, "%s\n", u.error().c_str());
      return 1;
    }
    total += u->checks;
  }
  double q = secondsSince(start);
  std::printf("90-day uptime for %ld servers: %.3f s total, %.3f ms per server (%lld checks)\n",
              servers, q, q * 1000.0 / static_cast<double>(servers), total);

  start = Clock::now();
  for (long s = 0; s < servers; ++s) {
    auto d = store->dailySummary("server-" + std::to_string(s), 90, now);
    if (!d) {
      std::fprintf(stderr, "%s\n", d.error().c_str());
      return 1;
    }
  }
  q = secondsSince(start);
  std::printf("90-day status bars for %ld servers: %.3f s total, %.3f ms per server\n", servers, q,
              q * 1000.0 / static_cast<double>(servers));

  start = Clock::now();
  auto latest = store->latestChecks();
  std::printf("latest check of every server: %.3f ms (%zu servers)\n", secondsSince(start) * 1000,
              latest ? latest->size() : 0);

  store.reset();
  if (!dir.empty())
    std::filesystem::remove_all(dir);
  return 0;
}
