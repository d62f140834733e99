// Store benchmark: queued check inserts per second and 90-day uptime/status-bar query times.
#include "store/store.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
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

} // namespace

int main(int argc, char** argv) {
  // usage: store_bench [checks=100000] [servers=1000] [db path]
  const long checks = argOr(argc, argv, 1, 100'000);
  const long servers = argOr(argc, argv, 2, 1'000);
  std::string dir;
  std::string path;
  if (argc > 3) {
    path = argv[3];
  } else {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mcpwatch-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = tmpl;
    path = dir + "/bench.db";
  }

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
