// A test harness for sinks through the real outbox: a store in a temp directory, the Alerting
// dispatcher on a single-threaded io_context that the test pumps, and complete event bodies.
// Fakes built on executor() run on the same loop.
#pragma once

#include "alerting/alerting.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace mcpwatch::fakes {

class OutboxHarness {
public:
  // A fresh temp directory named after the running test; retry schedule 100 ms, 200 ms, give up
  // after 3 s; web.public_url https://status.example.com. Tests adjust config() before start().
  OutboxHarness();
  ~OutboxHarness(); // stop(), then removes the directory

  asio::any_io_executor executor() { return ioc_.get_executor(); }
  // The dispatcher's clock, for fakes that stamp times: the system clock, or after
  // useFakeClock() (call it before start()) a FakeClock, so retries, Retry-After and the chat
  // sinks' pacing happen only when advance() moves it.
  const common::Clock& clock() const { return clock_; }
  void useFakeClock();
  // Moves the fake clock and nudges the dispatcher to look at the outbox again.
  void advance(std::chrono::milliseconds d);
  config::Config& config() { return config_; }
  alerting::Alerting& alerting() { return *alerting_; }
  // The dispatcher's store (incidents for reminders, rows to inspect).
  store::Store& store() { return *store_; }
  const std::filesystem::path& dir() const { return dir_; }

  // Adds a sink and a route sending every server's events to it.
  void addSink(const std::string& name, config::SinkSettings settings);
  // Adds server "github-mcp" / "GitHub MCP" (https://api.example.com/mcp), for test alerts.
  void addServer();
  void start(alerting::SinkFactory factory);
  void stop(); // waits for run() to return
  // Publishes durably (fails the test on a store error).
  void publish(const alerting::Event& event);
  // Publishes event(type, id, "inc_" + slug, slug).
  void publish(const std::string& type, const std::string& id,
               const std::string& slug = "github-mcp");
  // The dispatcher's counters for one sink.
  alerting::SinkStats sinkStats(const std::string& sink);
  // Runs the loop until `done` holds; false at the deadline (real time: it only bounds a failing
  // test, nothing waits for it).
  bool pump(const std::function<bool()>& done,
            std::chrono::milliseconds timeout = std::chrono::seconds(20));
  using TestAlertResults = common::Expected<std::vector<alerting::TestAlertResult>, std::string>;
  // Runs Alerting::testAlert to its end on the pumped loop; an error when it does not finish.
  TestAlertResults testAlert(std::optional<std::string> serverSlug,
                             std::optional<std::string> sinkName);

  // A complete section 7 body for `type` ("alert.triggered", "alert.resolved",
  // "schema.drifted") of server "github-mcp" / "GitHub MCP" with tag "thirdparty".
  static alerting::Event event(std::string type, std::string id, std::string incident,
                               std::string slug = "github-mcp");

private:
  class SwitchableClock final : public common::Clock {
  public:
    common::WallTime now() const override { return fake_ ? fake_->now() : system_.now(); }
    common::MonoTime monoNow() const override {
      return fake_ ? fake_->monoNow() : system_.monoNow();
    }
    common::FakeClock* fake_ = nullptr;

  private:
    common::SystemClock system_;
  };

  std::filesystem::path dir_;
  asio::io_context ioc_;
  common::FakeClock fakeClock_;
  SwitchableClock clock_;
  std::unique_ptr<store::Store> store_;
  config::Config config_;
  std::unique_ptr<alerting::Alerting> alerting_;
  bool runDone_ = false;
};

// The body of OutboxHarness::event(type, id, "inc_1", slug), for the pure renderer tests.
common::Json eventBody(const std::string& type, const std::string& id = "evt_1",
                       const std::string& slug = "github-mcp");

// One Delivery of an event body, as the outbox would hand it to a sink.
alerting::Delivery deliveryOf(const common::Json& body);
// Runs one sink.deliver() on `ioc` until it returns; fails the test (and returns an empty
// result) when it has not after `timeout`.
alerting::AttemptResult deliverOnce(asio::io_context& ioc, alerting::Sink& sink,
                                    alerting::Delivery delivery,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Captures what is logged through the default spdlog logger until stop() or destruction, so a
// test can check that a secret never reaches the log.
class LogCapture {
public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::string text() const { return text_.str(); }
  void stop(); // restores the previous logger (idempotent)

private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> previous_;
};

} // namespace mcpwatch::fakes
