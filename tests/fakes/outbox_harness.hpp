// A test harness for sinks through the real outbox: a store in a temp directory, the Alerting
// dispatcher on a single-threaded io_context that the test pumps, and complete event bodies.
// Fakes built on executor() run on the same loop.
#pragma once

#include "alerting/alerting.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace mcpwatch::fakes {

class OutboxHarness {
public:
  // A fresh temp directory named after the running test; retry schedule 100 ms, 200 ms, give up
  // after 3 s; web.public_url https://status.example.com. Tests adjust config() before start().
  OutboxHarness();
  ~OutboxHarness(); // stop(), then removes the directory

  asio::any_io_executor executor() { return ioc_.get_executor(); }
  config::Config& config() { return config_; }
  alerting::Alerting& alerting() { return *alerting_; }
  const std::filesystem::path& dir() const { return dir_; }

  // Adds a sink and a route sending every server's events to it.
  void addSink(const std::string& name, config::SinkSettings settings);
  void start(alerting::SinkFactory factory);
  void stop(); // waits for run() to return
  // Publishes durably (fails the test on a store error).
  void publish(const alerting::OutboundEvent& event);
  // Runs the loop until `done` holds; false at the deadline.
  bool pump(const std::function<bool()>& done,
            std::chrono::milliseconds timeout = std::chrono::seconds(8));

  // A complete section 7 body for `type` ("alert.triggered", "alert.resolved",
  // "schema.drifted") of server "github-mcp" / "GitHub MCP" with tag "thirdparty".
  static alerting::OutboundEvent event(std::string type, std::string id, std::string incident,
                                       std::string slug = "github-mcp");

private:
  std::filesystem::path dir_;
  asio::io_context ioc_;
  common::SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  config::Config config_;
  std::unique_ptr<alerting::Alerting> alerting_;
  bool runDone_ = false;
};

} // namespace mcpwatch::fakes
