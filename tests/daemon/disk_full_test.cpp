// Disk full, for real: the database lives on a small tmpfs that the test fills up during an
// outage. Nothing may be lost: /readyz says why it is not ready, the metric counts the failed
// commits, the self-heartbeat pings its fail URL, one error line is logged (not one per probe),
// and once space returns the trigger and then the resolve reach PagerDuty exactly once each.
#include "net/http_server.hpp"
#include "tests/daemon/harness.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <gtest/gtest.h>
#include <mutex>
#include <sys/mount.h>
#include <thread>
#include <unistd.h>

namespace mcpwatch::daemontest {
namespace {

using namespace std::chrono_literals;

// A size-limited tmpfs mounted for the test; unmounted (lazily) at the end.
class Tmpfs {
public:
  Tmpfs(std::string path, std::string size) : path_(std::move(path)) {
    std::filesystem::create_directories(path_);
    std::string options = "size=" + size + ",mode=0700";
    if (::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0)
      mounted_ = true;
    else
      error_ = std::strerror(errno);
  }
  ~Tmpfs() {
    if (mounted_)
      ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

private:
  std::string path_;
  bool mounted_ = false;
  std::string error_;
};

// Appends to `path` until the file system says ENOSPC; returns the bytes written.
std::size_t fillUp(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    return 0;
  std::size_t total = 0;
  std::vector<char> chunk(64 * 1024, 'x');
  for (std::size_t size : {std::size_t(65536), std::size_t(4096), std::size_t(512), std::size_t(1)})
    for (;;) {
      auto n = ::write(fd, chunk.data(), size);
      if (n <= 0)
        break;
      total += static_cast<std::size_t>(n);
    }
  ::close(fd);
  return total;
}

// Keeps a file system full: SQLite gives pages back when a failed transaction rolls back, so a
// single fill would let the next retry through. Every 10 ms whatever was freed is taken again,
// until release() deletes the filler.
class DiskFiller {
public:
  explicit DiskFiller(std::string path) : path_(std::move(path)) {
    initial_ = fillUp(path_);
    thread_ = std::thread([this] {
      while (!stop_) {
        fillUp(path_);
        std::this_thread::sleep_for(10ms);
      }
    });
  }
  ~DiskFiller() { release(); }
  std::size_t initial() const { return initial_; }
  void release() {
    if (thread_.joinable()) {
      stop_ = true;
      thread_.join();
      std::filesystem::remove(path_);
    }
  }

private:
  std::string path_;
  std::size_t initial_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Records the targets of the requests it gets (the heartbeat's pings).
class PingReceiver {
public:
  PingReceiver()
      : server_(ioc_.get_executor(),
                [this](const net::ServerRequest& req, net::ResponseWriter& w) -> Awaitable<void> {
                  {
                    std::lock_guard lock(mu_);
                    paths_.push_back(req.path);
                  }
                  co_await w.send(net::ServerResponse::text(200, "OK"));
                }) {
    port_ = server_.listen("127.0.0.1", 0).value();
    thread_ = std::thread([this] {
      auto guard = asio::make_work_guard(ioc_);
      ioc_.run();
    });
  }
  ~PingReceiver() {
    ioc_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::size_t count(const std::string& path) const {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(std::count(paths_.begin(), paths_.end(), path));
  }

private:
  asio::io_context ioc_;
  net::HttpServer server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> paths_;
};

std::vector<std::string> pdActions(const fakes::FakePagerDuty& pd) {
  std::vector<std::string> out;
  for (const auto& e : pd.acceptedEvents())
    out.push_back(e.value("event_action", "") + " " + e.value("dedup_key", ""));
  return out;
}

TEST(DiskFull, NothingIsLostWhileTheDatabaseFileSystemIsFullAndEverythingArrivesInOrderAfter) {
  TempDir dir;
  const std::string mountPoint = dir.file("db");
  Tmpfs tmpfs(mountPoint, "16m");
  if (!tmpfs.mounted())
    GTEST_SKIP() << "cannot mount a size-limited tmpfs here (" << tmpfs.error()
                 << "): run the tests as root (CI does) to exercise a full disk";

  FakeReceivers fakes("whsec_unused0000000000000000000000");
  PingReceiver pings;
  auto demo = DemoServer::start();
  ASSERT_TRUE(demo) << demo.error();

  ConfigSpec spec;
  spec.servers = {{"demo", (*demo)->url(), "Demo", {}}};
  spec.databasePath = mountPoint + "/mcpwatch.db";
  spec.extraYaml = "sinks:\n  pd:\n    type: pagerduty\n    routing_key: \"${PD_ROUTING_KEY}\"\n"
                   "    events_url: " +
                   Json(fakes.pd().eventsUrl()).dump() +
                   "\n    timeout: 2s\nroutes:\n  - sinks: [pd]\n"
                   "heartbeat:\n  url: " +
                   Json(pings.url("/hb")).dump() + "\n  interval: 10s\n";
  writeFile(dir.file("mcpwatch.yaml"), renderConfig(spec));
  auto started = DaemonProcess::start(dir.file("mcpwatch.yaml"), {{"PD_ROUTING_KEY", kRoutingKey}});
  ASSERT_TRUE(started) << started.error();
  auto& daemon = *started.value();
  ASSERT_TRUE(daemon.waitForLog([](const Json& l) { return isStateChange(l, "demo", "up"); }, 10s))
      << daemon.stderrTail();
  auto port = daemon.webPort();
  ASSERT_TRUE(port) << port.error();
  auto ready = httpGet(*port, "/readyz");
  ASSERT_TRUE(ready) << ready.error();
  EXPECT_EQ(ready->first, 200) << ready->second;

  // The file system fills up, then the server goes down.
  DiskFiller filler(mountPoint + "/filler");
  ASSERT_GT(filler.initial(), 0u);
  (*demo)->kill();
  ASSERT_TRUE(daemon.waitForLog(
      [](const Json& l) { return l.value("msg", "").rfind("database commits failing", 0) == 0; },
      15s))
      << daemon.stderrTail();

  // /readyz names the cause; the metric counts; the heartbeat pings its fail URL.
  // (The web thread reads a snapshot the daemon publishes every second.)
  EXPECT_TRUE(pollUntil(
      [&] {
        ready = httpGet(*port, "/readyz");
        return ready && ready->first == 503;
      },
      5s));
  ASSERT_TRUE(ready) << ready.error();
  EXPECT_EQ(ready->first, 503) << ready->second;
  EXPECT_NE(ready->second.find("database commits failing"), std::string::npos) << ready->second;
  // The gauges are refreshed every second.
  EXPECT_TRUE(pollUntil(
      [&] {
        auto metrics = httpGet(*port, "/metrics");
        return metrics &&
               metrics->second.find("\nmcpwatch_store_commit_failures_total ") !=
                   std::string::npos &&
               metrics->second.find("\nmcpwatch_store_commit_failures_total 0\n") ==
                   std::string::npos &&
               metrics->second.find("\nmcpwatch_store_commit_backlog 0\n") == std::string::npos;
      },
      5s))
      << daemon.stderrTail();
  EXPECT_TRUE(pollUntil([&] { return pings.count("/hb/fail") >= 1; }, 15s))
      << "the self-heartbeat never reported the failure";

  // The outage ends while the disk is still full: the resolve waits behind the trigger.
  ASSERT_TRUE((*demo)->restart());
  ASSERT_TRUE(
      daemon.waitForMoreThan([](const Json& l) { return isStateChange(l, "demo", "up"); }, 1, 10s))
      << daemon.stderrTail();
  EXPECT_TRUE(daemon.messages("database commits recovered; every waiting change committed").empty())
      << daemon.stderrTail();
  EXPECT_TRUE(fakes.pd().acceptedEvents().empty()) << "nothing can be delivered before it is "
                                                      "committed";
  EXPECT_EQ(daemon
                .messages("database commits failing; incident changes and alerts are kept in "
                          "memory and retried until they land")
                .size(),
            1u)
      << "one error line per minute, not one per probe";

  // Space returns: the trigger and then the resolve go out, once each.
  filler.release();
  ASSERT_TRUE(pollUntil([&] { return fakes.pd().acceptedEvents().size() >= 2; }, 40s))
      << daemon.stderrTail();
  EXPECT_EQ(pdActions(fakes.pd()),
            (std::vector<std::string>{"trigger mcpwatch-demo", "resolve mcpwatch-demo"}));
  EXPECT_FALSE(
      daemon.messages("database commits recovered; every waiting change committed").empty());
  EXPECT_TRUE(pollUntil(
      [&] {
        auto r = httpGet(*port, "/readyz");
        return r && r->first == 200;
      },
      10s));
  auto status = daemon.terminate(8s);
  ASSERT_TRUE(status && status->code == 0) << daemon.stderrTail();
  EXPECT_EQ(pdActions(fakes.pd()).size(), 2u);
  if (std::getenv("MCPWATCH_TEST_VERBOSE"))
    std::fprintf(stderr, "%s\n", daemon.process().stderrText().c_str());
}

} // namespace
} // namespace mcpwatch::daemontest
