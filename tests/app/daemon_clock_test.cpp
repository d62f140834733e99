// The daemon in process with the injected clock and the probe seam: a step of the wall clock
// (backwards or forwards) neither stops nor floods probing, and the schedule lag is measured on
// the monotonic clock. No subprocess, no sleeping: the test moves the clock and runs the loop.
#include "app/daemon.hpp"
#include "app/sinks.hpp"
#include "common/json.hpp"
#include "config/loader.hpp"
#include "prober/fingerprint.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"

#include <atomic>
#include <filesystem>
#include <future>
#include <gtest/gtest.h>
#include <map>
#include <set>
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

config::Config loadConfig(const std::string& dbPath, int servers,
                          const std::string& interval = "10s", const std::string& retry = "5s",
                          int failureThreshold = 2,
                          const std::function<std::string(int)>& perServer = {}) {
  std::string yaml = "defaults:\n  interval: " + interval + "\n  retry_interval: " + retry +
                     "\n  failure_threshold: " + std::to_string(failureThreshold) +
                     "\n  timeout: 2s\n"
                     "storage:\n  path: " +
                     dbPath + "\nservers:\n";
  for (int i = 0; i < servers; ++i)
    yaml += "  - slug: s" + std::to_string(i) +
            "\n    url: http://127.0.0.1:" + std::to_string(9 + i) + "/mcp\n" +
            (perServer ? perServer(i) : std::string());
  auto loaded = config::loadConfigText(
      yaml, "test.yaml", [](std::string_view) { return std::optional<std::string>(); },
      sinkTypes());
  if (!loaded) {
    std::string all;
    for (const auto& e : loaded.error())
      all += e.toString() + "\n";
    throw std::runtime_error(all);
  }
  return std::move(loaded.value());
}

// Counts the events the daemon commits, by type.
class CountingPublisher final : public EventPublisher {
public:
  std::vector<store::WriteOp> prepare(const alerting::Event&) override {
    if (failPrepare > 0) {
      --failPrepare;
      throw std::runtime_error("routing failed");
    }
    return {};
  }
  int failPrepare = 0; // the next N prepare() calls throw
  void committed(const alerting::Event& event) override {
    ++counts[std::string(toString(event.type))];
    events.push_back({std::string(toString(event.type)), event.slug, event.note, event.dependents});
  }
  struct Seen {
    std::string type;
    std::string slug;
    std::string note;
    std::vector<std::string> dependents;
  };
  std::map<std::string, int> counts;
  std::vector<Seen> events;
};

class DaemonClock : public ::testing::Test {
protected:
  void SetUp() override { startDaemon("10s"); }
  void startDaemon(const std::string& interval, const std::string& retry = "5s",
                   int failureThreshold = 2) {
    auto opened = store::Store::open(dir_.file("mcpwatch.db"));
    ASSERT_TRUE(opened) << opened.error();
    store_ = std::move(opened.value());
    DaemonOptions options;
    options.tick = 1s;
    options.flagFileExists = [this] { return flag_; };
    options.random = [] { return std::uint64_t(0); };
    options.probe = [this](prober::ProbeOptions o) -> Awaitable<prober::ProbeResult> {
      if (script_) {
        auto r = script_(o);
        r.url = o.url;
        r.startedAt = clock_.now();
        ++probes_[o.url];
        ++total_;
        co_return r;
      }
      prober::ProbeResult r;
      r.url = o.url;
      r.ok = healthy_ && !localError_;
      if (localError_)
        r.failure = prober::Failure{prober::FailureReason::LocalError, "connect: no socket"};
      else if (!healthy_)
        r.failure = prober::Failure{prober::FailureReason::ConnectRefused, "refused"};
      r.startedAt = clock_.now();
      ++probes_[o.url];
      ++total_;
      co_return r;
    };
    daemon_ = std::make_unique<Daemon>(io_.get_executor(),
                                       loadConfig(dir_.file("mcpwatch.db"), servers_, interval,
                                                  retry, failureThreshold, perServer_),
                                       *store_, clock_, publisher_, std::move(options));
    daemon_->start();
    settle();
  }
  void TearDown() override {
    script_ = nullptr; // it may capture the test body's locals
    daemon_->stop({});
    settle();
    daemon_.reset();
  }

  // Stops the daemon and closes the store; the next startDaemon() runs s0..s2 on the same
  // database (s3 and s4 left the config while mcpwatch was stopped) with no event seen yet.
  void stopAndDropTheLastTwoServers() {
    daemon_->stop({});
    settle();
    daemon_.reset();
    store_.reset();
    servers_ = 3;
    publisher_.events.clear();
  }

  // Lets `d` of real time pass in 100 ms steps, running the loop at each step.
  void run(std::chrono::milliseconds d) {
    for (auto t = 0ms; t < d; t += 100ms) {
      clock_.advance(100ms);
      daemon_->wake();
      settle();
    }
  }
  // Runs the loop until nothing is left to do, letting the store's writer thread finish the
  // commits the daemon handed it (they complete on the loop, as in the daemon).
  void settle() {
    for (int i = 0; i < 100; ++i) {
      io_.restart();
      io_.poll();
      store_->flush(); // every commit handed to the writer so far has landed, its completion queued
      io_.restart();
      if (io_.poll() == 0)
        return;
    }
    FAIL() << "the daemon did not settle";
  }

  TempDir dir_;
  asio::io_context io_;
  common::FakeClock clock_;
  CountingPublisher publisher_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Daemon> daemon_;
  std::map<std::string, int> probes_;
  int total_ = 0;
  bool healthy_ = true;
  bool localError_ = false;
  bool flag_ = false; // the maintenance flag file exists
  int servers_ = 5;   // s0..s4, set before startDaemon()
  // Extra YAML for server i (e.g. its depends_on), set before startDaemon().
  std::function<std::string(int)> perServer_;
  // When set, answers every probe instead of healthy_/localError_.
  std::function<prober::ProbeResult(const prober::ProbeOptions&)> script_;
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

TEST_F(DaemonClock, AProbeThatCouldNotGetASocketIsNotCountedAgainstTheServer) {
  run(3s);
  localError_ = true;
  const int before = total_;
  run(30s);
  // Probed again at the retry interval (5 s), never at the 10 s interval of a healthy server...
  EXPECT_GE(total_ - before, 5 * 5);
  // ...and nothing recorded against the servers: no failures, no incident, no alert.
  for (const auto& [slug, rt] : daemon_->servers()) {
    EXPECT_EQ(rt.detector->state().consecutiveFailures, 0) << slug;
    EXPECT_FALSE(rt.detector->state().incident) << slug;
  }
  EXPECT_EQ(publisher_.counts["alert.triggered"], 0);
}

// Incident changes commit on the store's writer thread: while the disk takes its time (here: a
// write that holds the writer until the test lets it go), the loop goes on probing, and a
// trigger is announced only once its incident and outbox rows have landed.
TEST_F(DaemonClock, TheLoopGoesOnWhileAnIncidentCommitWaitsForTheDisk) {
  healthy_ = false;
  run(1s); // each server's first failure (failure_threshold 2)
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<bool> heldTooLong{false};
  std::vector<store::WriteOp> hold;
  hold.push_back(store::CustomWrite{[gate, &heldTooLong](store::sqlite::Connection&) {
    if (gate.wait_for(20s) == std::future_status::timeout)
      heldTooLong = true;
  }});
  store_->commitAsync(std::move(hold), {});
  auto step = [this](std::chrono::milliseconds d) { // the loop alone: no waiting for the store
    for (auto t = 0ms; t < d; t += 100ms) {
      clock_.advance(100ms);
      daemon_->wake();
      io_.restart();
      io_.poll();
    }
  };
  step(6s); // the retries fail: five incidents open, their commit waits behind the held write
  for (const auto& [slug, rt] : daemon_->servers())
    EXPECT_TRUE(rt.detector->state().incident) << slug;
  EXPECT_EQ(publisher_.counts["alert.triggered"], 0) << "announced before it was committed";
  EXPECT_EQ(daemon_->commitHealth().waiting, 5u);
  EXPECT_FALSE(daemon_->commitHealth().failing) << "slow is not failing";
  const int before = total_;
  step(10s);
  EXPECT_GE(total_ - before, 5) << "probing went on while the commit waited";
  EXPECT_FALSE(heldTooLong) << "the loop waited for the disk";
  release.set_value();
  settle();
  EXPECT_EQ(publisher_.counts["alert.triggered"], 5);
  EXPECT_EQ(daemon_->commitHealth().waiting, 0u);
  auto open = store_->openIncidents();
  ASSERT_TRUE(open);
  EXPECT_EQ(open.value().size(), 5u);
}

// A commit that cannot even be prepared (routing threw) is not lost and does not stop later
// commits: it is retried after the backoff, like a commit the disk refused.
TEST_F(DaemonClock, ACommitThatCannotBePreparedIsRetriedNotLost) {
  healthy_ = false;
  publisher_.failPrepare = 1000;
  run(7s); // two failures each: five incidents, whose commit cannot be prepared
  EXPECT_EQ(publisher_.counts["alert.triggered"], 0);
  EXPECT_TRUE(daemon_->commitHealth().failing);
  EXPECT_EQ(daemon_->commitHealth().waiting, 5u);
  EXPECT_NE(daemon_->commitHealth().lastError.find("routing failed"), std::string::npos);
  publisher_.failPrepare = 0;
  run(10s); // the backoff has passed
  EXPECT_EQ(publisher_.counts["alert.triggered"], 5);
  EXPECT_FALSE(daemon_->commitHealth().failing);
  EXPECT_EQ(daemon_->commitHealth().waiting, 0u);
}

// Stopping waits for the batch being committed; a loop stopped for good (the shutdown deadline)
// still gets every decided change committed by drainCommitsNow().
TEST_F(DaemonClock, StopWaitsForTheCommitOutAndADrainCommitsWhatIsLeft) {
  healthy_ = false;
  run(1s);
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::vector<store::WriteOp> hold;
  hold.push_back(store::CustomWrite{[gate](store::sqlite::Connection&) { gate.wait_for(20s); }});
  store_->commitAsync(std::move(hold), {});
  for (int i = 0; i < 60; ++i) { // the retries fail; the incidents' commit waits behind `hold`
    clock_.advance(100ms);
    daemon_->wake();
    io_.restart();
    io_.poll();
  }
  ASSERT_EQ(daemon_->commitHealth().waiting, 5u);
  bool idle = false;
  daemon_->stop([&] { idle = true; });
  io_.restart();
  io_.poll();
  EXPECT_FALSE(idle) << "stopped before the decided changes landed";
  release.set_value();
  settle();
  EXPECT_TRUE(idle);
  EXPECT_EQ(publisher_.counts["alert.triggered"], 5);

  // A second daemon on the same store whose loop stops for good with changes decided (the
  // servers recover: five resolves) while the store is busy: the drain commits them, blocking.
  daemon_.reset();
  store_.reset();
  startDaemon("10s");
  healthy_ = true;
  std::promise<void> release2;
  auto gate2 = release2.get_future().share();
  std::vector<store::WriteOp> hold2;
  hold2.push_back(store::CustomWrite{[gate2](store::sqlite::Connection&) { gate2.wait_for(20s); }});
  store_->commitAsync(std::move(hold2), {});
  for (int i = 0; i < 20; ++i) {
    clock_.advance(100ms);
    daemon_->wake();
    io_.restart();
    io_.poll();
  }
  ASSERT_EQ(daemon_->commitHealth().waiting, 5u);
  release2.set_value();
  EXPECT_EQ(daemon_->drainCommitsNow(), 0u) << "everything committed";
  EXPECT_EQ(daemon_->commitHealth().waiting, 0u);
  auto open = store_->openIncidents();
  ASSERT_TRUE(open);
  EXPECT_TRUE(open.value().empty());
}

TEST_F(DaemonClock, IncidentsOfServersRemovedWhileStoppedAreClosedAtStart) {
  healthy_ = false;
  run(6s); // every server down, five triggers out
  ASSERT_EQ(publisher_.counts["alert.triggered"], 5);
  stopAndDropTheLastTwoServers();
  startDaemon("10s");
  ASSERT_EQ(publisher_.events.size(), 2u) << "one resolve per removed server, nothing else";
  std::set<std::string> resolved;
  for (const auto& e : publisher_.events) {
    EXPECT_EQ(e.type, "alert.resolved");
    EXPECT_NE(e.note.find("removed"), std::string::npos) << e.note;
    resolved.insert(e.slug);
  }
  EXPECT_EQ(resolved, (std::set<std::string>{"s3", "s4"}));
  auto open = store_->openIncidents();
  ASSERT_TRUE(open);
  std::set<std::string> stillOpen;
  for (const auto& i : open.value())
    stillOpen.insert(i.slug);
  EXPECT_EQ(stillOpen, (std::set<std::string>{"s0", "s1", "s2"}));
}

// The stored detector state of one server, as a restart would load it.
common::Json storedState(store::Store& store, const std::string& slug) {
  store.flush();
  auto states = store.loadServerStates();
  EXPECT_TRUE(states);
  for (const auto& s : states.value())
    if (s.slug == slug)
      return *common::parseJson(s.stateJson);
  ADD_FAILURE() << "no stored state for " << slug;
  return {};
}

TEST_F(DaemonClock, ASteadyServersStateIsRewrittenOnlyWhenItChangesOrEveryFiveMinutes) {
  run(250s); // 25 checks each: past the flap window (20), so the state is steady
  const auto steady = storedState(*store_, "s0");
  run(60s);
  EXPECT_EQ(storedState(*store_, "s0")["last_check_at"], steady["last_check_at"])
      << "six healthy checks changed nothing that matters: not written";
  run(durable::kStateRefresh);
  EXPECT_NE(storedState(*store_, "s0")["last_check_at"], steady["last_check_at"])
      << "rewritten within five minutes, so a restart shows a recent last check";

  healthy_ = false;
  const auto& s0 = daemon_->servers().at("s0");
  for (int i = 0; i < 200 && s0.detector->state().consecutiveFailures == 0; ++i)
    run(100ms);
  ASSERT_EQ(s0.detector->state().consecutiveFailures, 1);
  auto failing = storedState(*store_, "s0");
  EXPECT_EQ(failing["consecutive_failures"], 1);
  EXPECT_EQ(failing["last_ok"], false) << "one failed check is written at once";
  healthy_ = true;
  run(10s);
  EXPECT_EQ(storedState(*store_, "s0")["consecutive_failures"], 0);
}

class DaemonMaintenance : public DaemonClock {
protected:
  void SetUp() override {} // each test starts the daemon with its own interval
  // Starts the daemon (one failure opens an incident, nothing probes again for 10 min) with a
  // maintenance window over every server from now for `length`.
  void startInMaintenance(std::chrono::seconds length) {
    startDaemon("10m", "10m", 1);
    detector::WindowTarget all;
    all.all = true;
    auto window = detector::makeOneOffWindow("deploy", all, clock_.now(), clock_.now() + length);
    ASSERT_TRUE(window) << window.error();
    ASSERT_FALSE(daemon_->addMaintenance(std::move(window.value())));
  }
};

TEST_F(DaemonMaintenance, AHeldTriggerGoesOutWhenTheWindowEndsWithoutWaitingForAProbe) {
  ASSERT_NO_FATAL_FAILURE(startInMaintenance(std::chrono::seconds(30)));
  healthy_ = false;
  run(20s); // the first probes fail: incidents open in maintenance, triggers held
  EXPECT_EQ(publisher_.counts["alert.triggered"], 0);
  const int probesBefore = total_;
  run(12s); // the window ends at 30 s; the next probes are 10 minutes away
  EXPECT_EQ(total_, probesBefore) << "no probe ran: the boundary alone released the triggers";
  EXPECT_EQ(publisher_.counts["alert.triggered"], 5);
}

TEST_F(DaemonMaintenance, HeldIncidentsOfServersRemovedWhileStoppedCloseWithoutAResolve) {
  ASSERT_NO_FATAL_FAILURE(startInMaintenance(std::chrono::hours(1)));
  healthy_ = false;
  run(20s); // incidents open in maintenance: their triggers are held, nobody was paged
  ASSERT_EQ(publisher_.counts["alert.triggered"], 0);
  std::map<std::string, std::string> ids;
  auto opened = store_->openIncidents();
  ASSERT_TRUE(opened);
  for (const auto& i : opened.value())
    ids[i.slug] = i.id;
  ASSERT_EQ(ids.size(), 5u);
  stopAndDropTheLastTwoServers();
  startDaemon("10m", "10m", 1);
  for (const auto& e : publisher_.events)
    EXPECT_NE(e.type, "alert.resolved") << e.slug << ": a resolve for a page never sent";
  auto open = store_->openIncidents();
  ASSERT_TRUE(open);
  std::set<std::string> stillOpen;
  for (const auto& i : open.value())
    stillOpen.insert(i.slug);
  EXPECT_EQ(stillOpen, (std::set<std::string>{"s0", "s1", "s2"}));
  for (const std::string slug : {"s3", "s4"}) {
    auto closed = store_->incident(ids[slug]);
    ASSERT_TRUE(closed && closed->has_value()) << slug;
    EXPECT_TRUE((*closed)->closedAt) << slug;
    EXPECT_EQ((*closed)->resolveNote, "server removed from the configuration") << slug;
    EXPECT_FALSE((*closed)->triggerSent) << slug;
  }
}

// The era a server last answered in is tried first on its next probe (and survives a restart);
// when it really changes, that is a protocol.changed event, a history entry and a log line, not
// schema drift.
TEST_F(DaemonClock, AServersEraIsTriedFirstAndAnEraChangeIsHistoryNotDrift) {
  auto tool = [](bool legacy) {
    auto t = common::parseJson(R"({"name":"add","inputSchema":{"type":"object"}})").value();
    if (legacy)
      t["execution"] = {{"taskSupport", "forbidden"}}; // only 2025-11-25 lists it
    return t;
  };
  bool legacy = false;
  std::vector<std::optional<prober::Transport>> tried; // what each probe tried first
  script_ = [&](const prober::ProbeOptions& o) {
    prober::ProbeResult r;
    r.ok = true;
    r.era = legacy ? prober::Era::Legacy : prober::Era::Modern;
    r.transport = prober::Transport::StreamableHttp;
    r.protocolVersion = legacy ? "2025-11-25" : "2026-07-28";
    r.capabilities = {{"tools", common::Json::object()}};
    r.tools = prober::fingerprintTools({tool(legacy)});
    tried.push_back(o.lastTransport);
    return r;
  };
  run(1s);
  ASSERT_EQ(tried.size(), 5u); // the five servers share a URL; each starts with no era known
  for (const auto& t : tried)
    EXPECT_FALSE(t);
  tried.clear();
  run(10s);
  ASSERT_EQ(tried.size(), 5u);
  for (const auto& t : tried)
    EXPECT_EQ(t, prober::Transport::Modern);

  legacy = true; // the server now answers only in the legacy era, with the same tools
  tried.clear();
  run(10s);
  run(10s);
  EXPECT_EQ(publisher_.counts["schema.drifted"], 0);
  EXPECT_EQ(publisher_.counts["protocol.changed"], 5); // one per server, once
  ASSERT_GE(tried.size(), 10u);
  EXPECT_EQ(tried.back(), prober::Transport::StreamableHttp);
  auto changes = store_->schemaChanges(std::string("s0"), 10);
  ASSERT_TRUE(changes);
  ASSERT_EQ(changes.value().size(), 1u);
  const auto& change = changes.value().front();
  EXPECT_EQ(change.oldFingerprint, change.newFingerprint);
  auto diff = common::parseJson(change.diffJson).value();
  EXPECT_EQ(diff["protocol"]["from"]["transport"], "modern");
  EXPECT_EQ(diff["protocol"]["to"]["transport"], "streamable-http");
  EXPECT_EQ(diff["protocol"]["to"]["protocol_version"], "2025-11-25");

  // After a restart the remembered era is still tried first.
  daemon_->stop({});
  settle();
  daemon_.reset();
  store_.reset();
  startDaemon("10s");
  tried.clear();
  run(1s);
  ASSERT_EQ(tried.size(), 5u);
  for (const auto& t : tried)
    EXPECT_EQ(t, prober::Transport::StreamableHttp);
}

TEST_F(DaemonClock, ADownServerKeepsWhatItLastSaidAboutItself) {
  bool up = true;
  script_ = [&](const prober::ProbeOptions&) {
    prober::ProbeResult r;
    r.ok = up;
    if (up) {
      r.serverInfo = prober::ServerInfo{"search-server", "1.4.0", ""};
      r.tools = prober::ToolsSummary{3, "sha256:x", {}};
    } else {
      r.failure = prober::Failure{prober::FailureReason::ConnectRefused, "refused"};
    }
    return r;
  };
  run(15s);
  up = false;
  run(60s);
  ASSERT_GT(total_, 3);
  for (const auto& [slug, rt] : daemon_->servers()) {
    EXPECT_EQ(rt.detector->state().status, detector::HealthState::Down) << slug;
    ASSERT_TRUE(rt.lastProbe) << slug;
    EXPECT_EQ(rt.lastProbe->serverName, "search-server") << slug;
    EXPECT_EQ(rt.lastProbe->serverVersion, "1.4.0") << slug;
    EXPECT_EQ(rt.lastProbe->toolCount, 3) << slug;
  }
}

// depends_on: one upstream outage pages once. s1..s4 depend on s0; everything fails: only s0's
// trigger goes out (naming its dependents). When s0 recovers and s1..s4 still fail, theirs follow,
// saying why they were late; resolves are never held.
TEST_F(DaemonMaintenance, ADependencysOutageHoldsItsDependentsTriggers) {
  perServer_ = [](int i) { return i == 0 ? std::string() : "    depends_on: [s0]\n"; };
  bool upstreamUp = false;
  bool downstreamUp = false;
  script_ = [&](const prober::ProbeOptions& o) {
    prober::ProbeResult r;
    r.ok = o.url == "http://127.0.0.1:9/mcp" ? upstreamUp : downstreamUp;
    if (!r.ok)
      r.failure = prober::Failure{prober::FailureReason::ConnectRefused, "refused"};
    return r;
  };
  startDaemon("10s", "2s", 2);
  run(30s);
  ASSERT_EQ(publisher_.counts["alert.triggered"], 1) << "only the dependency pages";
  EXPECT_EQ(publisher_.events.at(0).slug, "s0");
  EXPECT_EQ(publisher_.events.at(0).dependents, (std::vector<std::string>{"s1", "s2", "s3", "s4"}));
  for (const auto& [slug, rt] : daemon_->servers())
    EXPECT_EQ(rt.detector->state().status, detector::HealthState::Down)
        << slug << ": held, but down all the same";

  upstreamUp = true; // s0 recovers; s1..s4 still fail: now their own outage pages
  run(30s);
  EXPECT_EQ(publisher_.counts["alert.resolved"], 1);
  EXPECT_EQ(publisher_.counts["alert.triggered"], 5);
  for (const auto& e : publisher_.events) {
    if (e.type == "alert.triggered" && e.slug != "s0") {
      EXPECT_EQ(e.note.rfind("held back while dependency \"s0\" was down since ", 0), 0u) << e.note;
    }
  }

  downstreamUp = true;
  run(30s);
  EXPECT_EQ(publisher_.counts["alert.resolved"], 5);
}

TEST_F(DaemonMaintenance, ADependentThatRecoversWithItsDependencyNeverPages) {
  perServer_ = [](int i) { return i == 0 ? std::string() : "    depends_on: [s0]\n"; };
  healthy_ = false;
  startDaemon("10s", "2s", 2);
  run(30s);
  EXPECT_EQ(publisher_.counts["alert.triggered"], 1);
  healthy_ = true;
  run(60s);
  EXPECT_EQ(publisher_.counts["alert.triggered"], 1) << "the held triggers closed silently";
  EXPECT_EQ(publisher_.counts["alert.resolved"], 1);
}

// The dependency is checked every 60 s, its dependents every 10 s: when everything breaks just
// after the dependency's check, the dependents reach their threshold long before its next one.
// Their triggers are held and the dependency is checked at once, so the outage still pages once.
TEST_F(DaemonMaintenance, DependentsOnAFasterScheduleStillWaitForTheirDependency) {
  perServer_ = [](int i) {
    return i == 0 ? std::string("    interval: 60s\n    retry_interval: 20s\n")
                  : std::string("    depends_on: [s0]\n");
  };
  bool broken = false;
  script_ = [&](const prober::ProbeOptions&) {
    prober::ProbeResult r;
    r.ok = !broken;
    if (!r.ok)
      r.failure = prober::Failure{prober::FailureReason::ConnectRefused, "refused"};
    return r;
  };
  startDaemon("10s", "2s", 2);
  run(1s); // everything checked once, all up
  broken = true;
  run(50s); // s0's own next check would be at 60 s
  EXPECT_EQ(publisher_.counts["alert.triggered"], 1) << "only the dependency pages";
  ASSERT_FALSE(publisher_.events.empty());
  EXPECT_EQ(publisher_.events.at(0).slug, "s0");
  EXPECT_LT(probes_["http://127.0.0.1:9/mcp"], 6) << "s0 was checked on demand, not flooded";
}

TEST_F(DaemonClock, ASuccessfulProbeForgetsAnOldCertificate) {
  bool tls = true;
  script_ = [&](const prober::ProbeOptions&) {
    prober::ProbeResult r;
    r.ok = true;
    if (tls)
      r.tls = prober::TlsInfo{clock_.now() + std::chrono::hours(24 * 30), 30};
    return r;
  };
  run(15s);
  for (const auto& [slug, rt] : daemon_->servers())
    ASSERT_TRUE(rt.lastProbe && rt.lastProbe->tlsNotAfter) << slug;
  tls = false; // now served over http
  run(15s);
  for (const auto& [slug, rt] : daemon_->servers())
    EXPECT_FALSE(rt.lastProbe->tlsNotAfter) << slug << ": no certificate any more";
}

// The paths the subprocess tests cover (tests/daemon), here in process with the injected clock:
// a reload, the flag file, pause and resume, schema drift and an accepted baseline.

int eventsOf(const CountingPublisher& p, std::string_view type, std::string_view slug) {
  return static_cast<int>(std::count_if(p.events.begin(), p.events.end(), [&](const auto& e) {
    return e.type == type && e.slug == slug;
  }));
}

TEST_F(DaemonClock, AReloadAddsAndRemovesServersAndResolvesTheRemovedOnesIncident) {
  script_ = [](const prober::ProbeOptions& o) { // s4 (port 13) refuses
    prober::ProbeResult r;
    r.ok = o.url != "http://127.0.0.1:13/mcp";
    if (!r.ok)
      r.failure = prober::Failure{prober::FailureReason::ConnectRefused, "refused"};
    return r;
  };
  run(20s);
  ASSERT_EQ(eventsOf(publisher_, "alert.triggered", "s4"), 1);

  daemon_->reload(loadConfig(dir_.file("mcpwatch.db"), 4)); // s4 leaves the config
  settle();
  EXPECT_EQ(daemon_->servers().count("s4"), 0u);
  EXPECT_EQ(eventsOf(publisher_, "alert.resolved", "s4"), 1) << "its open incident is closed";
  auto incidents = store_->openIncidents();
  ASSERT_TRUE(incidents);
  EXPECT_TRUE(incidents.value().empty());

  daemon_->reload(loadConfig(dir_.file("mcpwatch.db"), 6)); // s4 and s5 join
  settle();
  run(11s); // within one interval
  EXPECT_EQ(daemon_->servers().size(), 6u);
  EXPECT_GT(probes_["http://127.0.0.1:14/mcp"], 0) << "the new server is probed";
  EXPECT_EQ(eventsOf(publisher_, "alert.triggered", "s4"), 2)
      << "s4 came back as a new server: it still refuses, so a new incident opens";
  EXPECT_EQ(eventsOf(publisher_, "alert.resolved", "s4"), 1);
}

TEST_F(DaemonClock, TheFlagFileHoldsNewTriggersUntilItIsRemoved) {
  flag_ = true;
  daemon_->wake();
  healthy_ = false;
  run(30s);
  for (const auto& [slug, rt] : daemon_->servers())
    EXPECT_EQ(rt.detector->state().status, detector::HealthState::Down) << slug;
  EXPECT_EQ(publisher_.counts["alert.triggered"], 0) << "held while the flag file exists";

  flag_ = false;
  run(2s); // the loop sees the flag gone at its next turn, before any probe
  EXPECT_EQ(publisher_.counts["alert.triggered"], 5) << "the held triggers go out";
}

TEST_F(DaemonClock, APausedServerIsNotProbedUntilResumed) {
  run(5s);
  const std::string url = "http://127.0.0.1:9/mcp";
  const int before = probes_[url];
  EXPECT_FALSE(daemon_->pause("s0"));
  EXPECT_EQ(daemon_->pause("nope"), "unknown server \"nope\"");
  run(30s);
  EXPECT_EQ(probes_[url], before) << "paused";
  EXPECT_GT(probes_["http://127.0.0.1:10/mcp"], before) << "the others go on";
  EXPECT_FALSE(daemon_->resume("s0"));
  run(500ms);
  EXPECT_EQ(probes_[url], before + 1) << "probed at once when resumed";
}

TEST_F(DaemonClock, SchemaDriftIsOneEventAndAnAcceptedBaselineIsPinned) {
  std::string fingerprint = "sha256:one";
  script_ = [&](const prober::ProbeOptions&) {
    prober::ProbeResult r;
    r.ok = true;
    std::vector<prober::ToolDigest> tools = {{"search", "aa"}};
    if (fingerprint != "sha256:one")
      tools.push_back({"delete_all", "bb"});
    r.tools = prober::ToolsSummary{tools.size(), fingerprint, tools};
    return r;
  };
  run(5s);
  auto stored = store_->baseline("s0");
  ASSERT_TRUE(stored && stored.value());
  EXPECT_EQ(stored.value()->fingerprint, "sha256:one") << "the first tools are the baseline";
  EXPECT_FALSE(stored.value()->pinned);

  fingerprint = "sha256:two";
  run(30s);
  EXPECT_EQ(eventsOf(publisher_, "schema.drifted", "s0"), 1) << "once, not on every probe";
  EXPECT_EQ(publisher_.counts["schema.drifted"], 5);

  auto accepted = daemon_->acceptBaseline("s0");
  ASSERT_TRUE(accepted) << accepted.error();
  EXPECT_EQ(accepted.value(), "sha256:two");
  settle();
  stored = store_->baseline("s0");
  ASSERT_TRUE(stored && stored.value());
  EXPECT_EQ(stored.value()->fingerprint, "sha256:two");
  EXPECT_TRUE(stored.value()->pinned);
  EXPECT_FALSE(daemon_->acceptBaseline("nope"));
}

} // namespace
} // namespace mcpwatch::app
