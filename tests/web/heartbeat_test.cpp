// Self-heartbeat: the pure decision table, the ping planner on explicit times, and the loop
// against a real ping receiver on 127.0.0.1.
#include "net/http_server.hpp"
#include "tests/support/process.hpp"
#include "tests/web/web_fixture.hpp"
#include "web/heartbeat.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sstream>

namespace mcpwatch::web {
namespace {

using namespace std::chrono_literals;

TEST(HeartbeatDecision, Table) {
  HeartbeatPolicy policy;
  policy.maxScheduleLag = 30s;
  struct Row {
    HeartbeatHealth health;
    PingKind kind;
    std::string reasonPart;
  };
  std::vector<Row> rows = {
      {{true, 0s, 0, true}, PingKind::Success, ""},
      {{true, 30s, 0, true}, PingKind::Success, ""}, // at the threshold is still fine
      {{true, 31s, 0, true}, PingKind::Fail, "scheduler lag 31.0s"},
      {{false, 0s, 0, true}, PingKind::Fail, "scheduler not running"},
      {{true, 0s, 2, true}, PingKind::Fail, "2 dead-lettered"},
      {{true, 0s, 0, false}, PingKind::Fail, "dispatcher"},
      {{true, std::chrono::duration<double>(NAN), 0, true}, PingKind::Fail, "lag"},
  };
  for (const auto& row : rows) {
    auto d = decideHeartbeat(row.health, policy);
    EXPECT_EQ(d.kind, row.kind) << row.reasonPart;
    EXPECT_NE(d.reason.find(row.reasonPart), std::string::npos) << d.reason;
    EXPECT_EQ(d.reason.empty(), row.kind == PingKind::Success);
  }
  policy.failOnDeadLetters = false;
  EXPECT_EQ(decideHeartbeat({true, 0s, 5, true}, policy).kind, PingKind::Success);
}

TEST(HeartbeatDecision, DefaultFailUrl) {
  EXPECT_EQ(defaultFailUrl("https://hc-ping.com/abc"), "https://hc-ping.com/abc/fail");
  EXPECT_EQ(defaultFailUrl("https://hc-ping.com/abc/"), "https://hc-ping.com/abc/fail");
  EXPECT_EQ(defaultFailUrl("https://hc-ping.com/key/slug?create=1"),
            "https://hc-ping.com/key/slug/fail?create=1");
}

TEST(HeartbeatPlanner, PingsOnIntervalRetriesSoonerAndReactsToChange) {
  common::FakeClock clock(testing::testNow());
  HeartbeatPlanner p(5min, 30s);
  EXPECT_TRUE(p.due(clock.monoNow(), PingKind::Success)); // first tick pings at once
  p.recordAttempt(clock.monoNow(), PingKind::Success, true);
  clock.advance(4min + 59s);
  EXPECT_FALSE(p.due(clock.monoNow(), PingKind::Success));
  clock.advance(1s);
  EXPECT_TRUE(p.due(clock.monoNow(), PingKind::Success)); // exactly one interval later
  p.recordAttempt(clock.monoNow(), PingKind::Success, true);
  clock.advance(10s);
  EXPECT_TRUE(p.due(clock.monoNow(), PingKind::Fail));     // turning unhealthy pings at once
  p.recordAttempt(clock.monoNow(), PingKind::Fail, false); // ...but it did not get through
  clock.advance(29s);
  EXPECT_FALSE(p.due(clock.monoNow(), PingKind::Fail));
  EXPECT_FALSE(p.due(clock.monoNow(), PingKind::Success)); // undelivered: wait for the retry delay
  clock.advance(1s);
  EXPECT_TRUE(p.due(clock.monoNow(), PingKind::Fail));
  EXPECT_EQ(p.nextDue(), clock.monoNow());
  // The retry delay never exceeds the interval.
  HeartbeatPlanner shortInterval(10s, 30s);
  shortInterval.recordAttempt(clock.monoNow(), PingKind::Success, false);
  EXPECT_EQ(shortInterval.nextDue(), clock.monoNow() + 10s);
}

struct Receiver {
  explicit Receiver(asio::io_context& ctx)
      : server(ctx.get_executor(),
               [this](const net::ServerRequest& req, net::ResponseWriter& w) -> Awaitable<void> {
                 paths.push_back(req.method + " " + req.path);
                 co_await w.send(net::ServerResponse::text(200, "OK"));
               }) {
    port = server.listen("127.0.0.1", 0).value();
  }
  net::HttpServer server;
  std::uint16_t port = 0;
  std::vector<std::string> paths;
};

TEST(Heartbeat, PingsSuccessThenFailUrlWhenTheSchedulerStalls) {
  asio::io_context ctx;
  Receiver receiver(ctx);
  common::SystemClock clock;
  config::HeartbeatConfig cfg;
  cfg.url = common::Secret("http://127.0.0.1:" + std::to_string(receiver.port) + "/ping/tok");
  cfg.interval = 40ms;
  HeartbeatHealth health;
  HeartbeatOptions options;
  options.tick = 5ms;
  options.policy.maxScheduleLag = 10s;
  MetricsRegistry registry;
  Heartbeat hb(
      ctx.get_executor(), cfg, clock, [&] { return health; }, options, &registry);
  ASSERT_TRUE(hb.start().has_value());
  auto runUntil = [&](auto done) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < deadline)
      ctx.run_for(5ms);
  };
  runUntil([&] { return hb.successPings() >= 2; });
  EXPECT_GE(hb.successPings(), 2u);
  health.scheduleLag = 60s; // the scheduler stalls: the fail URL is pinged at once
  runUntil([&] { return hb.failPings() >= 1; });
  EXPECT_EQ(hb.failPings(), 1u);
  hb.stop();
  ctx.run_for(20ms);
  ASSERT_GE(receiver.paths.size(), 3u);
  EXPECT_EQ(receiver.paths.front(), "GET /ping/tok");
  EXPECT_EQ(receiver.paths.back(), "GET /ping/tok/fail");
  EXPECT_GE(registry.value("mcpwatch_heartbeat_pings_total", {"success", "delivered"}).value_or(0),
            2);
  EXPECT_EQ(registry.value("mcpwatch_heartbeat_pings_total", {"fail", "delivered"}), 1);
}

TEST(Heartbeat, ExplicitFailUrlAndUnreachableTargetNeverLogTheUrl) {
  asio::io_context ctx;
  Receiver receiver(ctx);
  std::ostringstream logs;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(logs);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));

  common::SystemClock clock;
  config::HeartbeatConfig cfg;
  auto refused = testsupport::freeLoopbackPort();
  ASSERT_TRUE(refused.has_value());
  cfg.url =
      common::Secret("http://127.0.0.1:" + std::to_string(refused.value()) + "/SECRET-TOKEN-1");
  cfg.failUrl = common::Secret("http://127.0.0.1:" + std::to_string(receiver.port) +
                               "/custom/SECRET-TOKEN-2");
  cfg.interval = 1s;
  HeartbeatHealth health;
  health.deadDeliveries = 0;
  HeartbeatOptions options;
  options.tick = 5ms;
  options.retryDelay = 20ms;
  options.requestTimeout = 500ms;
  Heartbeat hb(
      ctx.get_executor(), cfg, clock, [&] { return health; }, options);
  ASSERT_TRUE(hb.start().has_value());
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (hb.errors() < 1 && std::chrono::steady_clock::now() < deadline)
    ctx.run_for(5ms);
  EXPECT_GE(hb.errors(), 1u);
  health.deadDeliveries = 3;
  while (hb.failPings() < 1 && std::chrono::steady_clock::now() < deadline)
    ctx.run_for(5ms);
  hb.stop();
  ctx.run_for(20ms);
  spdlog::set_default_logger(previous);
  EXPECT_EQ(hb.failPings(), 1u);
  ASSERT_FALSE(receiver.paths.empty());
  EXPECT_EQ(receiver.paths.back(), "GET /custom/SECRET-TOKEN-2");
  EXPECT_NE(logs.str().find("heartbeat ping failed error=connect_refused ping=\"heartbeat url\""),
            std::string::npos)
      << logs.str();
  EXPECT_EQ(logs.str().find("SECRET-TOKEN"), std::string::npos) << logs.str();
}

TEST(Heartbeat, InvalidUrlsAreRefusedByKeyName) {
  asio::io_context ctx;
  common::SystemClock clock;
  config::HeartbeatConfig cfg;
  cfg.url = common::Secret("not a url with SECRET");
  Heartbeat hb(ctx.get_executor(), cfg, clock, [] { return HeartbeatHealth{}; });
  auto r = hb.start();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), "heartbeat.url: not a valid http(s) URL");
  cfg.url = common::Secret("http://127.0.0.1/x");
  cfg.failUrl = common::Secret("ftp://nope");
  Heartbeat hb2(ctx.get_executor(), cfg, clock, [] { return HeartbeatHealth{}; });
  EXPECT_EQ(hb2.start().error(), "heartbeat.fail_url: not a valid http(s) URL");
}

} // namespace
} // namespace mcpwatch::web
