// The web server on its own thread beside the daemon, wired as `mcpwatch run` wires them: a web
// thread that is saturated or flooded never holds up probes, reads come from the daemon's
// snapshot, and admin actions run on the daemon's executor.
#include "app/daemon.hpp"
#include "app/event_publisher.hpp"
#include "app/sinks.hpp"
#include "app/web_backend.hpp"
#include "common/time.hpp"
#include "config/loader.hpp"
#include "tests/demo/test_client.hpp"
#include "web/server.hpp"

#include <atomic>
#include <filesystem>
#include <future>
#include <gtest/gtest.h>
#include <thread>

namespace mcpwatch::app {
namespace {

using namespace std::chrono_literals;
using ::mcpwatch::testing::rawRequest;
using ::mcpwatch::testing::roundTrip;
using ::mcpwatch::testing::TestConnection;

const std::string kToken = "runtime-admin-token-0123456789";

// A fake clock two threads may read while the test moves it.
class SharedFakeClock final : public common::Clock {
public:
  common::WallTime now() const override {
    return common::WallTime(common::WallTime::duration(ticks_.load()));
  }
  common::MonoTime monoNow() const override {
    return common::MonoTime{} + std::chrono::duration_cast<common::MonoTime::duration>(
                                    common::WallTime::duration(ticks_.load()));
  }
  void advance(std::chrono::milliseconds d) {
    ticks_ += std::chrono::duration_cast<common::WallTime::duration>(d).count();
  }

private:
  std::atomic<common::WallTime::rep> ticks_{
      common::WallTime(std::chrono::hours(24 * 365 * 56)).time_since_epoch().count()};
};

class TempDir {
public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "mcpwatch-runtime-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
  std::filesystem::path path_;
};

config::Config runtimeConfig(const std::string& dbPath) {
  std::string yaml = "defaults: {interval: 1s, timeout: 1s, retry_interval: 1s}\n"
                     "scheduler: {jitter: 0s}\n"
                     "storage: {path: \"" +
                     dbPath +
                     "\"}\n"
                     "web: {listen: \"127.0.0.1:0\", admin_token: \"" +
                     kToken +
                     "\", max_connections: 256, max_connections_per_client: 200}\n"
                     "servers:\n"
                     "  - {slug: s1, name: One, url: \"http://127.0.0.1:9/mcp\"}\n"
                     "  - {slug: s2, name: Two, url: \"http://127.0.0.1:9/mcp\"}\n"
                     "  - {slug: s3, name: Three, url: \"http://127.0.0.1:9/mcp\"}\n";
  auto loaded = config::loadConfigText(
      yaml, "runtime-test", [](std::string_view) { return std::optional<std::string>(); },
      sinkTypes());
  if (!loaded)
    throw std::runtime_error("config: " + loaded.error().front().toString());
  return std::move(loaded.value());
}

// The daemon with a probe that succeeds at once, driven on the test's thread (its executor);
// the web server on a WebThread, as in cmd_run.
class WebRuntimeTest : public ::testing::Test {
protected:
  void SetUp() override {
    config = runtimeConfig(dir.file("runtime.db"));
    auto opened = store::Store::open(config.storage.path);
    ASSERT_TRUE(opened) << opened.error();
    store = std::move(opened.value());
    DaemonOptions options;
    options.tick = 5ms; // the loop looks at the fake clock often
    options.flagFileExists = [] { return false; };
    options.probe = [this](prober::ProbeOptions o) { return fakeProbe(std::move(o)); };
    alerts = std::make_unique<alerting::Alerting>(daemonIo.get_executor(), config, *store, clock,
                                                  alerting::SinkFactory{});
    daemon = std::make_unique<Daemon>(daemonIo.get_executor(), config, *store, clock, publisher,
                                      options);
    daemon->start();
    backend = std::make_unique<DaemonWebBackend>(daemonIo.get_executor(), *daemon, *alerts, *store,
                                                 clock);
    backend->publish();
    web = std::make_unique<web::WebServer>(webThread.executor(), config.web, *backend, *store,
                                           registry, clock);
    auto started = web->start();
    ASSERT_TRUE(started) << started.error();
    port = *started;
  }

  void TearDown() override {
    if (web)
      web->stop();
    webThread.stop();
    web.reset();
  }

  Awaitable<prober::ProbeResult> fakeProbe(prober::ProbeOptions o) {
    ++probes;
    prober::ProbeResult r;
    r.url = o.url;
    r.ok = true;
    r.startedAt = clock.now();
    co_return r;
  }

  // Runs the daemon's executor on this thread until `done` (bounded: 20 s of real time).
  template <class F> bool pumpUntil(F done) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      daemonIo.restart();
      daemonIo.run_for(5ms);
    }
    return done();
  }

  // One simulated second of the daemon's life: every server is due once more. The daemon
  // thread publishes its snapshot every second (cmd_run's gauge timer does this).
  bool advanceOneSecond() {
    clock.advance(1s);
    const int want = probes.load() + 3;
    bool ok = pumpUntil([&] { return probes.load() >= want; });
    backend->publish();
    return ok;
  }

  TempDir dir;
  config::Config config;
  SharedFakeClock clock;
  app::WebThread webThread; // outlives everything queued on the daemon's executor for it
  asio::io_context daemonIo{1};
  std::unique_ptr<store::Store> store;
  LogEventPublisher publisher;
  std::unique_ptr<alerting::Alerting> alerts;
  std::unique_ptr<Daemon> daemon;
  std::unique_ptr<DaemonWebBackend> backend;
  web::MetricsRegistry registry;
  std::unique_ptr<web::WebServer> web;
  std::uint16_t port = 0;
  std::atomic<int> probes{0};
};

TEST_F(WebRuntimeTest, ProbesKeepTheirScheduleWhileTheWebThreadIsSaturatedOrFlooded) {
  // The first probes (spread over the first second).
  ASSERT_TRUE(advanceOneSecond());
  ASSERT_EQ(probes.load(), 3);

  // Saturate the web thread: it spins on a CPU until released, and 50 requests pile up
  // behind it on real connections.
  std::atomic<bool> release{false};
  std::atomic<bool> spinning{false};
  asio::post(webThread.executor(), [&] {
    spinning = true;
    auto giveUp = std::chrono::steady_clock::now() + 60s;
    while (!release && std::chrono::steady_clock::now() < giveUp) {
    }
    spinning = false;
  });
  auto waitSpin = std::chrono::steady_clock::now() + 10s;
  while (!spinning && std::chrono::steady_clock::now() < waitSpin)
    std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(spinning);
  std::vector<std::unique_ptr<TestConnection>> queued;
  for (int i = 0; i < 50; ++i) {
    queued.push_back(std::make_unique<TestConnection>(port, 30s));
    ASSERT_TRUE(queued.back()->send(rawRequest("GET", i % 2 ? "/api/v1/servers" : "/healthz")));
  }
  // Meanwhile the daemon keeps probing at full rate: 20 simulated seconds, 3 probes each.
  const int before = probes.load();
  for (int s = 0; s < 20; ++s)
    ASSERT_TRUE(advanceOneSecond()) << "second " << s << ": probes " << probes.load();
  EXPECT_EQ(probes.load() - before, 60);
  EXPECT_LE(daemon->scheduleLag(), 1s);
  EXPECT_TRUE(spinning) << "the web thread was busy the whole time";
  release = true;
  for (auto& c : queued) {
    auto r = c->readResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }

  // A bounded flood of real requests from four clients while the daemon goes on probing.
  std::atomic<int> served{0};
  std::atomic<bool> floodDone{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&, t] {
      for (int i = 0; i < 150; ++i) {
        const char* target = (i + t) % 3 == 0 ? "/" : (i + t) % 3 == 1 ? "/metrics" : "/healthz";
        if (auto r = roundTrip(port, "GET", target); r && r->status == 200)
          ++served;
      }
    });
  std::thread joiner([&] {
    for (auto& c : clients)
      c.join();
    floodDone = true;
  });
  const int duringFlood = probes.load();
  int seconds = 0;
  while (!floodDone && seconds < 200) {
    ASSERT_TRUE(advanceOneSecond());
    ++seconds;
  }
  joiner.join();
  RecordProperty("simulated_seconds_during_flood", seconds);
  EXPECT_GT(seconds, 0) << "the flood overlapped the daemon's work";
  EXPECT_EQ(probes.load() - duringFlood, 3 * seconds);
  EXPECT_EQ(served.load(), 600);
}

// Publishing costs a pointer per server plus the views of the servers that changed: a view is
// rebuilt after its server's probe, every view after anything that may touch them all (here a
// pause), and otherwise the published lists share it.
TEST_F(WebRuntimeTest, APublishRebuildsOnlyTheViewsOfServersThatChanged) {
  ASSERT_TRUE(advanceOneSecond());
  auto first = backend->serverList();
  ASSERT_EQ(first->size(), 3u);
  backend->publish();
  auto second = backend->serverList();
  ASSERT_NE(first, second) << "a new list was published";
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(first->shared(i), second->shared(i)) << "nothing changed, so nothing was rebuilt";

  ASSERT_TRUE(advanceOneSecond()); // every server probed again
  auto third = backend->serverList();
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NE(second->shared(i), third->shared(i)) << (*third)[i].slug;
    EXPECT_EQ((*third)[i].state.lastCheckAt, clock.now()) << "the view shows the new probe";
  }

  ASSERT_FALSE(daemon->pause("s2"));
  backend->publish();
  auto fourth = backend->serverList();
  EXPECT_TRUE((*fourth)[1].paused);
  EXPECT_FALSE((*third)[1].paused) << "a published view never changes";
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_NE(third->shared(i), fourth->shared(i)) << "a pause rebuilds every view";
}

TEST_F(WebRuntimeTest, AdminActionsRunOnTheDaemonAndTheirResultIsVisibleAtOnce) {
  ASSERT_TRUE(advanceOneSecond());
  // The request waits for the daemon's executor: it is answered only while the daemon runs.
  auto pause = std::async(std::launch::async, [&] {
    return roundTrip(port, "POST", "/api/v1/admin/servers/s2/pause",
                     {{"Authorization", "Bearer " + kToken}});
  });
  ASSERT_TRUE(pumpUntil([&] { return pause.wait_for(0s) == std::future_status::ready; }));
  auto r = pause.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(daemon->servers().at("s2").paused);
  auto list = roundTrip(port, "GET", "/api/v1/servers/s2", {{"Authorization", "Bearer " + kToken}});
  ASSERT_TRUE(list);
  EXPECT_NE(list->body.find("\"paused\":true"), std::string::npos) << list->body;
  // A paused server is not probed: two servers from now on.
  const int before = probes.load();
  clock.advance(1s);
  ASSERT_TRUE(pumpUntil([&] { return probes.load() >= before + 2; }));
  auto resume = std::async(std::launch::async, [&] {
    return roundTrip(port, "POST", "/api/v1/admin/servers/s2/resume",
                     {{"Authorization", "Bearer " + kToken}});
  });
  ASSERT_TRUE(pumpUntil([&] { return resume.wait_for(0s) == std::future_status::ready; }));
  EXPECT_EQ(resume.get()->status, 200);
  EXPECT_FALSE(daemon->servers().at("s2").paused);
}

TEST_F(WebRuntimeTest, MaintenanceFromTheAdminApiIsOnThePageWithItsCommentAcrossARestart) {
  ASSERT_TRUE(advanceOneSecond());
  auto addWindow = [&](common::WallTime at, const std::string& comment) {
    auto add = std::async(std::launch::async, [&] {
      return roundTrip(port, "POST", "/api/v1/admin/maintenance",
                       {{"Authorization", "Bearer " + kToken}},
                       R"({"servers": ["s2"], "start": ")" + common::formatRfc3339(at) +
                           R"(", "duration": "30m", "comment": ")" + comment + R"("})");
    });
    EXPECT_TRUE(pumpUntil([&] { return add.wait_for(0s) == std::future_status::ready; }));
    auto added = add.get();
    ASSERT_TRUE(added);
    EXPECT_EQ(added->status, 201) << added->body;
  };
  const std::string start = common::formatRfc3339(clock.now() + 1h);
  // Later windows first: the page lists them by start, and only within a week.
  addWindow(clock.now() + std::chrono::hours(24 * 8), "Too far ahead to show");
  addWindow(clock.now() + std::chrono::hours(24 * 6), "Six days ahead");
  addWindow(clock.now() + 1h, "Moving Two to the new rack");
  backend->publish();
  auto page = roundTrip(port, "GET", "/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("<strong>Scheduled</strong> " + start.substr(0, 10) + " " +
                            start.substr(11, 5) + " UTC"),
            std::string::npos)
      << page->body;
  EXPECT_NE(page->body.find("Moving Two to the new rack <span class=\"muted\">(Two)</span>"),
            std::string::npos);
  EXPECT_LT(page->body.find("Moving Two"), page->body.find("Six days ahead"));
  EXPECT_NE(page->body.find("Six days ahead"), std::string::npos);
  EXPECT_EQ(page->body.find("Too far ahead"), std::string::npos);

  // A restarted daemon restores the window from the database with its comment (start() reads
  // the store at once; its loop, on an executor nobody runs, never starts).
  asio::io_context otherIo{1};
  DaemonOptions options;
  options.flagFileExists = [] { return false; };
  options.probe = [this](prober::ProbeOptions o) { return fakeProbe(std::move(o)); };
  Daemon restarted(otherIo.get_executor(), config, *store, clock, publisher, options);
  restarted.start();
  const auto& windows = restarted.calendar().windows();
  auto it = std::find_if(windows.begin(), windows.end(),
                         [](const auto& w) { return w.source == detector::WindowSource::Runtime; });
  ASSERT_NE(it, windows.end());
  EXPECT_EQ(it->comment, "Moving Two to the new rack");
}

TEST_F(WebRuntimeTest, HealthzFailsWhenTheDaemonStopsReporting) {
  ASSERT_TRUE(advanceOneSecond());
  auto ok = roundTrip(port, "GET", "/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  // The daemon's thread publishes nothing for longer than kStalledAfter: its loop is stuck.
  clock.advance(DaemonWebBackend::kStalledAfter + 1s);
  auto stalled = roundTrip(port, "GET", "/healthz");
  ASSERT_TRUE(stalled);
  EXPECT_EQ(stalled->status, 503);
  EXPECT_NE(stalled->body.find("the scheduler has not reported for 31 s"), std::string::npos)
      << stalled->body;
  auto ready = roundTrip(port, "GET", "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  backend->publish();
  auto again = roundTrip(port, "GET", "/healthz");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST_F(WebRuntimeTest, ReadyzFailsWhileProbingIsFarBehindSchedule) {
  ASSERT_TRUE(advanceOneSecond());
  auto ok = roundTrip(port, "GET", "/readyz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  backend->setScheduleLag(DaemonWebBackend::kBehindAfter + 5s);
  auto behind = roundTrip(port, "GET", "/readyz");
  ASSERT_TRUE(behind);
  EXPECT_EQ(behind->status, 503);
  EXPECT_NE(behind->body.find("probing is 35 s behind schedule"), std::string::npos)
      << behind->body;
  backend->setScheduleLag(0ms);
  auto again = roundTrip(port, "GET", "/readyz");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200) << again->body;
}

} // namespace
} // namespace mcpwatch::app
