// The outbox harness: real store, real dispatcher, a loop pumped by the test.
#include "tests/fakes/outbox_harness.hpp"

#include "tests/fakes/publish.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <unistd.h>

namespace mcpwatch::fakes {
namespace {

using namespace std::chrono_literals;

Awaitable<void> runAlerting(alerting::Alerting* alerting, bool* done) {
  co_await alerting->run();
  *done = true;
}

Awaitable<void> testAlertInto(alerting::Alerting* alerting, std::optional<std::string> server,
                              std::optional<std::string> sink,
                              std::optional<OutboxHarness::TestAlertResults>* out) {
  *out = co_await alerting->testAlert(std::move(server), std::move(sink));
}

Awaitable<void> deliverInto(alerting::Sink* sink, alerting::Delivery delivery,
                            std::optional<alerting::AttemptResult>* out) {
  *out = co_await sink->deliver(std::move(delivery));
}

} // namespace

OutboxHarness::OutboxHarness() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ = std::filesystem::temp_directory_path() /
         ("mcpwatch-outbox-" + std::to_string(::getpid()) + "-" +
          (info ? std::string(info->test_suite_name()) + "-" + info->name() : "x"));
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  auto opened = store::Store::open((dir_ / "db.sqlite").string());
  if (!opened)
    throw std::runtime_error("opening the test store failed: " + opened.error());
  store_ = std::move(opened.value());
  config_.alerting.retrySchedule = {100ms, 200ms};
  config_.alerting.giveUpAfter = 3s;
  config_.web.publicUrl = "https://status.example.com";
}

OutboxHarness::~OutboxHarness() {
  stop();
  alerting_.reset();
  store_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void OutboxHarness::addSink(const std::string& name, config::SinkSettings settings) {
  config_.sinks[name] = {name, std::move(settings)};
  config::RouteConfig route;
  route.sinks = {name};
  config_.routes.push_back(route);
}

void OutboxHarness::addServer() {
  config::ServerConfig server;
  server.slug = "github-mcp";
  server.name = "GitHub MCP";
  server.url = "https://api.example.com/mcp";
  config_.servers.push_back(server);
}

void OutboxHarness::start(alerting::SinkFactory factory) {
  runDone_ = false;
  alerting_ = std::make_unique<alerting::Alerting>(ioc_.get_executor(), config_, *store_, clock_,
                                                   std::move(factory));
  asio::co_spawn(ioc_, runAlerting(alerting_.get(), &runDone_), asio::detached);
}

void OutboxHarness::useFakeClock() {
  if (alerting_)
    throw std::logic_error("useFakeClock() must come before start()");
  clock_.fake_ = &fakeClock_;
}

void OutboxHarness::advance(std::chrono::milliseconds d) {
  fakeClock_.advance(d);
  if (alerting_)
    alerting_->notifyCommitted();
}

void OutboxHarness::stop() {
  if (!alerting_ || runDone_)
    return;
  alerting_->stop();
  EXPECT_TRUE(pump([&] { return runDone_; }, 10s)) << "the dispatcher did not stop";
}

void OutboxHarness::publish(const alerting::Event& event) {
  auto r = test::publishEvent(*alerting_, *store_, event);
  ASSERT_TRUE(r) << r.error();
}

void OutboxHarness::publish(const std::string& type, const std::string& id,
                            const std::string& slug) {
  publish(event(type, id, "inc_" + slug, slug));
}

alerting::SinkStats OutboxHarness::sinkStats(const std::string& sink) {
  return alerting_->stats().sinks[sink];
}

bool OutboxHarness::pump(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    ioc_.run_for(5ms);
  }
  return true;
}

OutboxHarness::TestAlertResults OutboxHarness::testAlert(std::optional<std::string> serverSlug,
                                                         std::optional<std::string> sinkName) {
  std::optional<TestAlertResults> out;
  asio::co_spawn(ioc_,
                 testAlertInto(alerting_.get(), std::move(serverSlug), std::move(sinkName), &out),
                 asio::detached);
  if (!pump([&] { return out.has_value(); }))
    return common::unexpected(std::string("the test alert did not finish in time"));
  return std::move(*out);
}

namespace {

common::Json bodyOf(const std::string& type, const std::string& id, const std::string& incident,
                    const std::string& slug) {
  common::Json body;
  const bool resolved = type == "alert.resolved";
  const bool drift = type == "schema.drifted";
  body = {{"id", id},
          {"type", type},
          {"occurred_at", "2026-11-24T02:03:04Z"},
          {"incident_id", drift ? common::Json(nullptr) : common::Json(incident)},
          {"server_slug", slug},
          {"server_name", "GitHub MCP"},
          {"check_url", "https://api.example.com/mcp"},
          {"server_tags", {"thirdparty"}},
          {"failure_reason", drift || resolved ? common::Json(nullptr) : "connect_timeout"},
          {"failure_detail", drift || resolved ? common::Json(nullptr) : "no answer in 10s"},
          {"consecutive_failures", resolved || drift ? 0 : 2},
          {"recent_failures", resolved || drift
                                  ? common::Json::array()
                                  : common::Json::array({{{"at", "2026-11-24T02:02:04Z"},
                                                          {"reason", "connect_timeout"},
                                                          {"detail", "no answer in 10s"}}})},
          {"down_since", drift ? common::Json(nullptr) : "2026-11-24T02:02:04Z"},
          {"duration_seconds", resolved ? common::Json(250) : common::Json(nullptr)},
          {"response_time_ms", resolved ? common::Json(42.5) : common::Json(nullptr)},
          {"protocol_version", "2025-11-25"},
          {"status_url", "https://status.example.com/status/" + slug},
          {"test", false}};
  if (drift)
    body["schema"] = {{"old_fingerprint", "sha256:1111"},
                      {"new_fingerprint", "sha256:2222"},
                      {"added", {"create_issue"}},
                      {"removed", common::Json::array()},
                      {"changed", {"search_code"}}};
  return body;
}

} // namespace

alerting::Event OutboxHarness::event(std::string type, std::string id, std::string incident,
                                     std::string slug) {
  auto e = alerting::eventFromJson(bodyOf(type, id, incident, slug));
  EXPECT_TRUE(e) << e.error();
  return e ? *e : alerting::Event{};
}

common::Json eventBody(const std::string& type, const std::string& id, const std::string& slug) {
  return bodyOf(type, id, "inc_1", slug);
}

alerting::Delivery deliveryOf(const common::Json& body) {
  auto e = alerting::eventFromJson(body);
  EXPECT_TRUE(e) << e.error();
  return {e ? *e : alerting::Event{}, body.dump(), std::nullopt};
}

alerting::AttemptResult deliverOnce(asio::io_context& ioc, alerting::Sink& sink,
                                    alerting::Delivery delivery,
                                    std::chrono::milliseconds timeout) {
  std::optional<alerting::AttemptResult> out;
  asio::co_spawn(ioc, deliverInto(&sink, std::move(delivery), &out), asio::detached);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!out && std::chrono::steady_clock::now() < deadline) {
    ioc.restart();
    ioc.run_for(5ms);
  }
  EXPECT_TRUE(out) << "no result in time";
  return out.value_or(alerting::AttemptResult{});
}

LogCapture::LogCapture() : previous_(spdlog::default_logger()) {
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(text_)));
}

LogCapture::~LogCapture() {
  stop();
}

void LogCapture::stop() {
  if (previous_)
    spdlog::set_default_logger(previous_);
  previous_.reset();
}

} // namespace mcpwatch::fakes
