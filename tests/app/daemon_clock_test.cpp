// The daemon in process with the injected clock and the probe seam: a step of the wall clock
// (backwards or forwards) neither stops nor floods probing, and the schedule lag is measured on
// the monotonic clock. No subprocess, no sleeping: the test moves the clock and runs the loop.
#include "app/daemon.hpp"
#include "config/loader.hpp"
#include "store/store.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <unistd.h>

namespace mcpwatch::app {
namespace {

using namespace std::chrono_literals;

class TempDir {
public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mcpwatch-daemon-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

config::Config loadConfig(const std::string& dbPath, int servers) {
  std::string yaml = "defaults:\n  interval: 10s\n  retry_interval: 5s\n  timeout: 2s\n"
                     "storage:\n  path: " +
                     dbPath + "\nservers:\n";
  for (int i = 0; i < servers; ++i)
    yaml += "  - slug: s" + std::to_string(i) + "\n    url: http://127.0.0.1:9/mcp\n";
  auto loaded = config::loadConfigText(
      yaml, "test.yaml", [](std::string_view) { return std::optional<std::string>(); });
  if (!loaded) {
    std::string all;
    for (const auto& e : loaded.error())
      all += e.toString() + "\n";
    throw std::runtime_error(all);
  }
  return std::move(loaded.value());
}

class DaemonClock : public ::testing::Test {
protected:
  void SetUp() override {
    auto opened = store::Store::open(dir_.file("mcpwatch.db"));
    ASSERT_TRUE(opened) << opened.error();
    store_ = std::move(opened.value());
    DaemonOptions options;
    options.tick = 1s;
    options.flagFileExists = [] { return false; };
    options.random = [] { return std::uint64_t(0); };
    options.probe = [this](prober::ProbeOptions o) -> Awaitable<prober::ProbeResult> {
      prober::ProbeResult r;
      r.url = o.url;
      r.ok = true;
      r.startedAt = clock_.now();
      ++probes_[o.url];
      ++total_;
      co_return r;
    };
    daemon_ = std::make_unique<Daemon>(io_.get_executor(), loadConfig(dir_.file("mcpwatch.db"), 5),
                                       *store_, clock_, publisher_, std::move(options));
    daemon_->start();
    io_.poll();
  }
  void TearDown() override {
    daemon_->stop({});
    io_.poll();
    daemon_.reset();
  }

  // Lets `d` of real time pass in 100 ms steps, running the loop at each step.
  void run(std::chrono::milliseconds d) {
    for (auto t = 0ms; t < d; t += 100ms) {
      clock_.advance(100ms);
      daemon_->wake();
      io_.restart();
      io_.poll();
    }
  }

  TempDir dir_;
  asio::io_context io_;
  common::FakeClock clock_;
  LogEventPublisher publisher_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Daemon> daemon_;
  std::map<std::string, int> probes_;
  int total_ = 0;
};

TEST_F(DaemonClock, ProbesEveryIntervalOnTheMonotonicClock) {
  run(60s);
  // 5 servers, 10 s interval, first probes within the first second: 6 probes each in 60 s.
  EXPECT_EQ(total_, 30);
  EXPECT_EQ(daemon_->scheduleLag(), 0ms);
}

TEST_F(DaemonClock, AWallClockStepBackwardsDoesNotStopProbing) {
  run(20s);
  const int before = total_;
  clock_.stepWall(-1h); // someone (or NTP) sets the system clock back an hour
  run(30s);
  EXPECT_EQ(total_ - before, 15) << "5 servers x 3 intervals must still be probed";
  EXPECT_EQ(daemon_->scheduleLag(), 0ms);
}

TEST_F(DaemonClock, AWallClockStepForwardsDoesNotFloodProbing) {
  run(20s);
  const int before = total_;
  clock_.stepWall(24h);
  run(30s);
  EXPECT_EQ(total_ - before, 15) << "a jump of the wall clock must not make every probe overdue";
  EXPECT_EQ(daemon_->scheduleLag(), 0ms) << "lag is measured on the monotonic clock";
}

TEST_F(DaemonClock, LagShowsWhenTheLoopFallsBehind) {
  run(20s);
  // The monotonic clock moves 15 s without the loop running (a stalled event loop).
  clock_.advance(15s);
  EXPECT_GE(daemon_->scheduleLag(), 5s);
  daemon_->wake();
  io_.restart();
  io_.poll();
  EXPECT_EQ(daemon_->scheduleLag(), 0ms);
}

} // namespace
} // namespace mcpwatch::app
