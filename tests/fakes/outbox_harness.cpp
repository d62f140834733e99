// The outbox harness: real store, real dispatcher, a loop pumped by the test.
#include "tests/fakes/outbox_harness.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

namespace mcpwatch::fakes {
namespace {

using namespace std::chrono_literals;

Awaitable<void> runAlerting(alerting::Alerting* alerting, bool* done) {
  co_await alerting->run();
  *done = true;
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

void OutboxHarness::start(alerting::SinkFactory factory) {
  runDone_ = false;
  alerting_ = std::make_unique<alerting::Alerting>(ioc_.get_executor(), config_, *store_, clock_,
                                                   std::move(factory));
  asio::co_spawn(ioc_, runAlerting(alerting_.get(), &runDone_), asio::detached);
}

void OutboxHarness::stop() {
  if (!alerting_ || runDone_)
    return;
  alerting_->stop();
  EXPECT_TRUE(pump([&] { return runDone_; }, 10s)) << "the dispatcher did not stop";
}

void OutboxHarness::publish(const alerting::OutboundEvent& event) {
  auto r = alerting_->publish(event);
  ASSERT_TRUE(r) << r.error();
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

alerting::OutboundEvent OutboxHarness::event(std::string type, std::string id, std::string incident,
                                             std::string slug) {
  alerting::OutboundEvent e{id, type, incident, slug, {"thirdparty"}, {}};
  const bool resolved = type == "alert.resolved";
  const bool drift = type == "schema.drifted";
  e.body = {{"id", id},
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
    e.body["schema"] = {{"old_fingerprint", "sha256:1111"},
                        {"new_fingerprint", "sha256:2222"},
                        {"added", {"create_issue"}},
                        {"removed", common::Json::array()},
                        {"changed", {"search_code"}}};
  return e;
}

} // namespace mcpwatch::fakes
