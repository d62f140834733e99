// probe_bench: the real daemon (`mcpwatch run`) against a load fleet of N MCP servers
// (bench/load_fleet), measured from outside as a user would run it. Prints the daemon's CPU per
// probe, probes per second achieved against needed, how late probes started (from the recorded
// checks), failures against a healthy fleet, RSS, database growth per server-day and /metrics.
//
//   probe_bench [--servers N] [--interval SECONDS] [--measure SECONDS] [--era modern|legacy]
//               [--tls] [--no-resume] [--concurrency C] [--latency-ms MS] [--fleet-threads T]
//               [--probe-threads P] [--outage]
//
// --outage: after the measured window the whole fleet is killed (every server refuses
// connections), and the bench reports how fast the incidents reach the alert outbox (a webhook
// sink routed to a receiver in this process): the time from the kill until every trigger is in
// the outbox, the time from each server's second failed check to its outbox row (p50/p99), and
// when the first webhook arrived.
//
// The daemon first spreads its first probes over min(N x 20 ms, interval); the measurement starts
// after that warm-up and lasts --measure seconds (default: one interval). CPU is counted in
// CPU-seconds of the daemon process (/proc/<pid>/stat), so other load on the machine changes the
// wall-clock figures far more than the CPU ones.
#include "tests/support/process.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <sqlite3.h>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace mcpwatch;
using Json = nlohmann::json;
using Steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

struct Args {
  long servers = 1000;
  long interval = 60;
  long measure = 0; // 0: one interval
  std::string era = "modern";
  bool tls = false;
  bool resume = true;
  long concurrency = 256;
  long latencyMs = 0;
  long fleetThreads = 1;
  long probeThreads = 0; // scheduler.probe_threads (0: on the scheduler's thread)
  bool outage = false;
};

// A webhook endpoint that answers 200 to every request and counts them (one connection at a
// time, Connection: close, as the webhook sink sends them).
class WebhookReceiver {
public:
  WebhookReceiver() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 1024);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~WebhookReceiver() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  long received() const { return received_.load(); }
  std::optional<Steady::time_point> first() const {
    std::lock_guard lock(mu_);
    return first_;
  }

private:
  void serve() {
    while (!stopping_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0)
        continue;
      std::string in;
      char buf[8192];
      std::size_t need = std::string::npos;
      while (true) {
        auto n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0)
          break;
        in.append(buf, static_cast<std::size_t>(n));
        auto head = in.find("\r\n\r\n");
        if (head != std::string::npos && need == std::string::npos) {
          std::size_t length = 0;
          auto cl = in.find("Content-Length: ");
          if (cl == std::string::npos)
            cl = in.find("content-length: ");
          if (cl != std::string::npos && cl < head)
            length = std::strtoul(in.c_str() + cl + 16, nullptr, 10);
          need = head + 4 + length;
        }
        if (need != std::string::npos && in.size() >= need)
          break;
      }
      static const std::string ok =
          "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      ::send(c, ok.data(), ok.size(), MSG_NOSIGNAL);
      ::close(c);
      {
        std::lock_guard lock(mu_);
        if (!first_)
          first_ = Steady::now();
      }
      ++received_;
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<long> received_{0};
  mutable std::mutex mu_;
  std::optional<Steady::time_point> first_;
  std::thread thread_;
};

long ticksPerSecond() {
  static const long t = ::sysconf(_SC_CLK_TCK);
  return t;
}

// utime + stime of a process, in seconds.
double cpuSecondsOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  std::vector<std::string> v;
  while (fields >> f)
    v.push_back(f);
  // Fields after the command: state(3) ... utime(14) stime(15), counted from 3.
  if (v.size() < 13)
    return 0;
  return static_cast<double>(std::stoll(v[11]) + std::stoll(v[12])) / ticksPerSecond();
}

// VmRSS or VmHWM of a process, in MiB.
double memoryMiB(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0)
      return std::strtod(line.c_str() + field.size() + 1, nullptr) / 1024.0;
  return 0;
}

std::uintmax_t fileSize(const fs::path& p) {
  std::error_code ec;
  auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

std::uintmax_t databaseBytes(const fs::path& db) {
  return fileSize(db) + fileSize(db.string() + "-wal");
}

// GET on 127.0.0.1:port; the whole response (head and body) and the wall time it took.
std::pair<std::string, double> httpGet(std::uint16_t port, const std::string& target) {
  const auto start = Steady::now();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string request =
        "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    (void)!::write(fd, request.data(), request.size());
    char buffer[65536];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
      response.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return {response, std::chrono::duration<double, std::milli>(Steady::now() - start).count()};
}

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void sleepSeconds(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

int usage() {
  std::fprintf(stderr, "usage: probe_bench [--servers N] [--interval SECONDS] [--measure SECONDS] "
                       "[--era modern|legacy] [--tls] [--no-resume] [--concurrency C] "
                       "[--latency-ms MS] [--fleet-threads T] [--probe-threads P] [--outage]\n");
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto number = [&](long& out) {
      if (i + 1 >= argc)
        return false;
      out = std::atol(argv[++i]);
      return out >= 0;
    };
    if (arg == "--tls") {
      a.tls = true;
    } else if (arg == "--outage") {
      a.outage = true;
    } else if (arg == "--no-resume") {
      a.resume = false;
    } else if (arg == "--era" && i + 1 < argc) {
      a.era = argv[++i];
    } else if (!((arg == "--servers" && number(a.servers)) ||
                 (arg == "--interval" && number(a.interval)) ||
                 (arg == "--measure" && number(a.measure)) ||
                 (arg == "--concurrency" && number(a.concurrency)) ||
                 (arg == "--latency-ms" && number(a.latencyMs)) ||
                 (arg == "--fleet-threads" && number(a.fleetThreads)) ||
                 (arg == "--probe-threads" && number(a.probeThreads)))) {
      return usage();
    }
  }
  if (a.servers < 1 || a.interval < 1 || (a.era != "modern" && a.era != "legacy"))
    return usage();
  if (a.measure == 0)
    a.measure = a.interval;

  const fs::path self = fs::canonical("/proc/self/exe").parent_path();
  const fs::path fleetBinary = self / "load_fleet";
  const fs::path daemonBinary = MCPWATCH_BINARY;
  char tmpl[] = "/tmp/mcpwatch-probe-bench-XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  const fs::path db = dir / "mcpwatch.db";

  // 1. The load fleet.
  std::vector<std::string> fleetArgv = {fleetBinary.string(), "--threads",
                                        std::to_string(a.fleetThreads)};
  if (a.tls) {
    fleetArgv.insert(fleetArgv.end(), {"--tls", "--ca-out", (dir / "ca.pem").string()});
  }
  if (a.latencyMs > 0)
    fleetArgv.insert(fleetArgv.end(), {"--latency-ms", std::to_string(a.latencyMs)});
  auto fleet = testsupport::ChildProcess::spawn({fleetArgv, {}, {}});
  if (!fleet) {
    std::fprintf(stderr, "probe_bench: %s\n", fleet.error().c_str());
    return 1;
  }
  auto fleetPort = fleet.value()->waitForListening(std::chrono::seconds(10));
  if (!fleetPort) {
    std::fprintf(stderr, "probe_bench: load_fleet: %s\n", fleetPort.error().c_str());
    return 1;
  }

  // 2. The config: N servers on the fleet, healthy.
  std::optional<WebhookReceiver> hook;
  if (a.outage)
    hook.emplace();
  {
    std::ofstream cfg(dir / "mcpwatch.yaml");
    cfg << "defaults:\n  interval: " << a.interval
        << "s\n  timeout: " << std::min<long>(10, a.interval)
        << "s\n  transport: " << (a.era == "modern" ? "modern" : "streamable-http") << "\n";
    if (a.outage)
      cfg << "  failure_threshold: 2\n  retry_interval: 5s\n";
    if (a.tls)
      cfg << "  ca_file: " << (dir / "ca.pem").string() << "\n";
    if (!a.resume)
      cfg << "  tls_resumption: false\n";
    cfg << "storage: {path: " << db.string() << "}\n"
        << "web: {listen: \"127.0.0.1:0\"}\n"
        << "scheduler: {concurrency: " << a.concurrency << ", probe_threads: " << a.probeThreads
        << "}\n"
        << "log: {level: info, format: json}\n";
    if (hook)
      cfg << "sinks:\n  hook: {type: webhook, url: \"http://127.0.0.1:" << hook->port()
          << "/hook\", secret: \"probe-bench-webhook-secret\"}\n"
          << "routes:\n  - sinks: [hook]\n";
    cfg << "servers:\n";
    const std::string scheme = a.tls ? "https" : "http";
    for (long n = 1; n <= a.servers; ++n)
      cfg << "  - {slug: s" << n << ", url: \"" << scheme << "://127.0.0.1:" << fleetPort.value()
          << "/s/" << n << "/mcp\"}\n";
  }

  // 3. `mcpwatch check-config` on the fleet's config: the time a config of this size takes to
  // load and validate (wall and CPU of the child).
  double checkConfigWall = 0, checkConfigCpu = 0;
  {
    rusage before{};
    ::getrusage(RUSAGE_CHILDREN, &before);
    const auto started = Steady::now();
    const std::string command = "'" + daemonBinary.string() + "' check-config '" +
                                (dir / "mcpwatch.yaml").string() + "' >/dev/null 2>&1";
    const int status = std::system(command.c_str());
    checkConfigWall = std::chrono::duration<double>(Steady::now() - started).count();
    rusage after{};
    ::getrusage(RUSAGE_CHILDREN, &after);
    auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    checkConfigCpu = seconds(after.ru_utime) - seconds(before.ru_utime) + seconds(after.ru_stime) -
                     seconds(before.ru_stime);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) > 1) {
      std::fprintf(stderr, "probe_bench: check-config failed on the generated config\n");
      return 1;
    }
  }

  // 4. The daemon.
  const auto loadStart = Steady::now();
  auto daemon = testsupport::ChildProcess::spawn(
      {{daemonBinary.string(), "run", "--config", (dir / "mcpwatch.yaml").string()}, {}, {}});
  if (!daemon) {
    std::fprintf(stderr, "probe_bench: %s\n", daemon.error().c_str());
    return 1;
  }
  std::uint16_t webPort = 0;
  auto* d = daemon.value().get();
  if (!d->waitForOutput(
          [&](const std::string&, const std::string& err) {
            auto pos = err.find("\"web server listening\"");
            if (pos == std::string::npos)
              return false;
            auto url = err.find("http://127.0.0.1:", pos);
            if (url == std::string::npos)
              return false;
            webPort = static_cast<std::uint16_t>(std::atoi(err.c_str() + url + 17));
            return true;
          },
          std::chrono::seconds(120))) {
    std::fprintf(stderr, "probe_bench: the daemon did not start:\n%s\n",
                 d->stderrText().substr(0, 4000).c_str());
    return 1;
  }
  const double startSeconds = std::chrono::duration<double>(Steady::now() - loadStart).count();

  // 5. Warm-up (first-probe spread), then the measured window.
  const double spread =
      std::min<double>(static_cast<double>(a.servers) * 0.020, static_cast<double>(a.interval));
  sleepSeconds(std::max(1.0, spread) + 2);
  const std::int64_t t0 = nowMs();
  const double cpu0 = cpuSecondsOf(d->pid());
  sleepSeconds(static_cast<double>(a.measure));
  const std::int64_t t1 = nowMs();
  const double cpu1 = cpuSecondsOf(d->pid());
  const double rss = memoryMiB(d->pid(), "VmRSS");
  const double peak = memoryMiB(d->pid(), "VmHWM");
  std::vector<double> metricsMs;
  std::size_t metricsBytes = 0;
  for (int i = 0; i < 3; ++i) {
    auto [text, ms] = httpGet(webPort, "/metrics");
    metricsMs.push_back(ms);
    auto body = text.find("\r\n\r\n");
    metricsBytes = body == std::string::npos ? 0 : text.size() - body - 4;
  }
  auto api = httpGet(webPort, "/api/v1/servers");
  const double fleetCpu = cpuSecondsOf(fleet.value()->pid());

  // 4b. The mass outage: every server refuses connections from now on.
  double allInOutbox = -1, firstWebhook = -1;
  long triggers = 0, webhooks = 0;
  std::vector<double> toOutboxMs;
  if (a.outage) {
    const auto killed = Steady::now();
    const std::int64_t killedMs = nowMs();
    fleet.value()->stop();
    sqlite3* watch = nullptr;
    sqlite3_open_v2(db.c_str(), &watch, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_busy_timeout(watch, 5000);
    const double limit = static_cast<double>(a.interval) * 3 + 60;
    while (std::chrono::duration<double>(Steady::now() - killed).count() < limit) {
      sqlite3_stmt* q = nullptr;
      sqlite3_prepare_v2(watch,
                         "SELECT COUNT(*) FROM alert_outbox WHERE event_type = 'alert.triggered'",
                         -1, &q, nullptr);
      if (sqlite3_step(q) == SQLITE_ROW)
        triggers = sqlite3_column_int64(q, 0);
      sqlite3_finalize(q);
      if (triggers >= a.servers) {
        allInOutbox = std::chrono::duration<double>(Steady::now() - killed).count();
        break;
      }
      sleepSeconds(0.25);
    }
    // Detector to outbox: each trigger row against the server's last failed check before it
    // (the probe that confirmed the outage started then; a refused connect takes well under 1 ms).
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(watch,
                       "SELECT o.created_at - (SELECT max(c.at) FROM checks c "
                       "  WHERE c.server = s.id AND c.ok = 0 AND c.at <= o.created_at) "
                       "FROM alert_outbox o JOIN servers s ON s.slug = o.slug "
                       "WHERE o.event_type = 'alert.triggered' AND o.created_at >= ?1",
                       -1, &q, nullptr);
    sqlite3_bind_int64(q, 1, killedMs);
    while (sqlite3_step(q) == SQLITE_ROW)
      if (sqlite3_column_type(q, 0) != SQLITE_NULL)
        toOutboxMs.push_back(static_cast<double>(sqlite3_column_int64(q, 0)));
    sqlite3_finalize(q);
    sqlite3_close(watch);
    sleepSeconds(5); // deliveries keep going; count what arrived by then
    webhooks = hook->received();
    if (auto first = hook->first())
      firstWebhook = std::chrono::duration<double>(*first - killed).count();
  }

  ::kill(d->pid(), SIGTERM); // flushes the queued check rows
  d->waitForExit(std::chrono::seconds(60));
  d->stop();
  fleet.value()->stop();

  // 6. What the database says happened in the window.
  sqlite3* conn = nullptr;
  if (sqlite3_open_v2(db.c_str(), &conn, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "probe_bench: cannot open %s\n", db.c_str());
    return 1;
  }
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(conn,
                     "SELECT s.slug, c.at, c.ok FROM checks c JOIN servers s ON s.id = c.server "
                     "WHERE c.at >= ?1 AND c.at < ?2 ORDER BY s.slug, c.at",
                     -1, &st, nullptr);
  // Include one interval before the window so the first gap of each server is known.
  sqlite3_bind_int64(st, 1, t0 - a.interval * 1000);
  sqlite3_bind_int64(st, 2, t1);
  long probes = 0, failures = 0, serversSeen = 0, lateServers = 0;
  std::vector<double> lateness;
  std::string slug;
  std::int64_t previous = 0;
  double worstGap = 0;
  bool late = false;
  auto endServer = [&] {
    if (!slug.empty() && late)
      ++lateServers;
  };
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::string s = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    std::int64_t at = sqlite3_column_int64(st, 1);
    bool ok = sqlite3_column_int(st, 2) != 0;
    if (s != slug) {
      endServer();
      slug = s;
      previous = 0;
      late = false;
    }
    if (at >= t0) {
      ++probes;
      if (!ok)
        ++failures;
      if (previous != 0) {
        double gap = static_cast<double>(at - previous) / 1000.0;
        worstGap = std::max(worstGap, gap);
        lateness.push_back(std::max(0.0, gap - static_cast<double>(a.interval)));
        if (gap > static_cast<double>(a.interval) + 5)
          late = true;
      }
    }
    if (at >= t0 && (previous == 0 || previous < t0))
      ++serversSeen;
    previous = at;
  }
  endServer();
  sqlite3_finalize(st);
  long allChecks = 0;
  sqlite3_prepare_v2(conn, "SELECT COUNT(*) FROM checks", -1, &st, nullptr);
  if (sqlite3_step(st) == SQLITE_ROW)
    allChecks = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(conn);

  const double seconds = static_cast<double>(t1 - t0) / 1000.0;
  const double cpu = cpu1 - cpu0;
  const double needed = static_cast<double>(a.servers) / static_cast<double>(a.interval);
  const double serverDays = static_cast<double>(a.servers) * seconds / 86400.0;
  std::printf("probe_bench: %ld servers, %lds interval, %s era over %s%s, concurrency %ld, "
              "probe threads %s, measured %.0f s\n",
              a.servers, a.interval, a.era.c_str(), a.tls ? "https" : "http",
              a.tls ? (a.resume ? " (session resumption on)" : " (session resumption off)") : "",
              a.concurrency,
              a.probeThreads == 0 ? "0 (on the scheduler's thread)"
                                  : std::to_string(a.probeThreads).c_str(),
              seconds);
  std::printf("  check-config on this config: %.2f s wall, %.2f CPU-s\n", checkConfigWall,
              checkConfigCpu);
  std::printf("  daemon start (config load to web server up): %.2f s\n", startSeconds);
  std::printf("  probes: %ld done, %.1f/s achieved of %.1f/s needed (%.0f%%)\n", probes,
              static_cast<double>(probes) / seconds, needed,
              100.0 * static_cast<double>(probes) / seconds / needed);
  std::printf("  daemon CPU: %.2f CPU-s = %.0f us per probe (%.0f probes per core-second); "
              "%.0f%% of one core busy\n",
              cpu, probes > 0 ? cpu * 1e6 / static_cast<double>(probes) : 0.0,
              cpu > 0 ? static_cast<double>(probes) / cpu : 0.0, 100.0 * cpu / seconds);
  std::printf("  load fleet CPU (whole run): %.2f CPU-s\n", fleetCpu);
  std::printf("  servers probed in the window: %ld of %ld; probed later than interval + 5 s: "
              "%ld; longest gap %.2f s\n",
              serversSeen, a.servers, lateServers, worstGap);
  std::printf("  start delay past the due time (gap - interval): p50 %.3f s, p99 %.3f s, max "
              "%.3f s\n",
              percentile(lateness, 0.50), percentile(lateness, 0.99), percentile(lateness, 1.0));
  std::printf("  failed probes against the healthy fleet: %ld\n", failures);
  std::printf("  daemon RSS: %.0f MiB now, %.0f MiB peak\n", rss, peak);
  std::printf("  database file after the run: %.1f MB for %ld checks (includes each server's "
              "state and rollups; steady-state size per server: bench/store_bench steady)\n",
              static_cast<double>(databaseBytes(db)) / 1e6, allChecks);
  (void)serverDays;
  std::printf("  /metrics: %zu bytes (%.0f per server), %.0f ms (median of 3)\n", metricsBytes,
              static_cast<double>(metricsBytes) / static_cast<double>(a.servers),
              percentile(metricsMs, 0.5));
  std::printf("  /api/v1/servers: %zu bytes, %.0f ms\n", api.first.size(), api.second);
  if (a.outage) {
    std::printf("  mass outage (every server refuses connections; failure_threshold 2, "
                "retry_interval 5 s):\n");
    if (allInOutbox >= 0)
      std::printf("    all %ld triggers in the outbox %.1f s after the kill\n", triggers,
                  allInOutbox);
    else
      std::printf("    only %ld of %ld triggers in the outbox after %.0f s\n", triggers, a.servers,
                  static_cast<double>(a.interval) * 3 + 60);
    std::printf("    second failed check to outbox row: p50 %.0f ms, p99 %.0f ms, max %.0f ms "
                "(%zu incidents)\n",
                percentile(toOutboxMs, 0.5), percentile(toOutboxMs, 0.99),
                percentile(toOutboxMs, 1.0), toOutboxMs.size());
    std::printf("    first webhook %.2f s after the kill; %ld webhooks received by the end\n",
                firstWebhook, webhooks);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
