// Self-heartbeat (dead man's switch): pings heartbeat.url while the monitor is healthy and
// heartbeat.fail_url when the scheduler stalls or deliveries dead-letter. Decisions are pure.
#pragma once

#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/expected.hpp"
#include "common/secret.hpp"
#include "config/config.hpp"
#include "web/metrics.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace mcpwatch::web {

// What the daemon reports about itself at each heartbeat tick.
struct HeartbeatHealth {
  bool schedulerRunning = true;
  std::chrono::duration<double> scheduleLag{0}; // how late the most recent due probe started
  std::int64_t deadDeliveries = 0;              // dead-lettered outbox rows
  bool dispatcherRunning = true;
  // Set while durable database commits fail (disk full): what is wrong, for the fail ping.
  std::string storeProblem;
};

struct HeartbeatPolicy {
  std::chrono::milliseconds maxScheduleLag{60'000}; // above it the scheduler counts as stalled
  bool failOnDeadLetters = true;
};

enum class PingKind { Success, Fail };
std::string_view toString(PingKind kind); // "success", "fail"

struct HeartbeatDecision {
  PingKind kind = PingKind::Success;
  std::string reason; // why it is a fail ping; empty for success
  friend bool operator==(const HeartbeatDecision&, const HeartbeatDecision&) = default;
};

HeartbeatDecision decideHeartbeat(const HeartbeatHealth& health, const HeartbeatPolicy& policy);

// The Healthchecks.io failure URL for a ping URL: "/fail" appended to the path, before any query
// ("https://hc-ping.com/u?create=1" -> "https://hc-ping.com/u/fail?create=1").
std::string defaultFailUrl(std::string_view url);

// When to ping: the first tick at once, then every `interval`; a change of kind (healthy ->
// failing or back) at once; after a ping that did not get through, again after `retryDelay`
// (at most `interval`). Pure: the caller passes the time.
class HeartbeatPlanner {
public:
  HeartbeatPlanner(std::chrono::milliseconds interval, std::chrono::milliseconds retryDelay);
  bool due(common::MonoTime now, PingKind kind) const;
  void recordAttempt(common::MonoTime now, PingKind kind, bool delivered);
  // The next time due() can become true for the same kind (a kind change is due at once).
  common::MonoTime nextDue() const;

private:
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds retryDelay_;
  std::optional<common::MonoTime> lastAttempt_;
  std::optional<PingKind> lastKind_;
  bool lastDelivered_ = false;
};

struct HeartbeatOptions {
  HeartbeatPolicy policy;
  std::chrono::milliseconds tick{5'000}; // how often health is looked at (capped at interval)
  std::chrono::milliseconds retryDelay{30'000};
  std::chrono::milliseconds requestTimeout{10'000};
  bool verifyTls = true;
};

// The I/O loop: GET on the chosen URL with net::Client. URLs are secrets (ping URLs embed the
// check token): they are never logged, and errors mention only "heartbeat url"/"fail url".
class Heartbeat {
public:
  Heartbeat(asio::any_io_executor executor, config::HeartbeatConfig config, common::Clock& clock,
            std::function<HeartbeatHealth()> health, HeartbeatOptions options = {},
            MetricsRegistry* metrics = nullptr);
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  // Fails when a URL does not parse (the message names the key, never the value).
  common::Expected<std::monostate, std::string> start();
  void stop();

  std::uint64_t successPings() const { return successPings_; }
  std::uint64_t failPings() const { return failPings_; }
  std::uint64_t errors() const { return errors_; }

private:
  Awaitable<void> loop();
  Awaitable<bool> ping(PingKind kind);

  struct State;
  asio::any_io_executor executor_;
  config::HeartbeatConfig config_;
  common::Clock& clock_;
  std::function<HeartbeatHealth()> health_;
  HeartbeatOptions options_;
  std::optional<MetricsRegistry::Counter> pings_;
  std::shared_ptr<State> state_;
  std::uint64_t successPings_ = 0;
  std::uint64_t failPings_ = 0;
  std::uint64_t errors_ = 0;
};

} // namespace mcpwatch::web
