// Self-heartbeat: pure ping decisions plus a thin timer loop that GETs the ping URL.
#include "web/heartbeat.hpp"

#include "common/log.hpp"
#include "net/http_client.hpp"

#include <atomic>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace mcpwatch::web {

std::string_view toString(PingKind kind) {
  return kind == PingKind::Fail ? "fail" : "success";
}

HeartbeatDecision decideHeartbeat(const HeartbeatHealth& health, const HeartbeatPolicy& policy) {
  if (!health.schedulerRunning)
    return {PingKind::Fail, "scheduler not running"};
  auto maxLag = std::chrono::duration<double>(policy.maxScheduleLag);
  if (!(health.scheduleLag <= maxLag)) // NaN counts as stalled
    return {PingKind::Fail, fmt::format("scheduler lag {:.1f}s above {:.1f}s",
                                        health.scheduleLag.count(), maxLag.count())};
  if (!health.storeProblem.empty())
    return {PingKind::Fail, health.storeProblem};
  if (!health.dispatcherRunning)
    return {PingKind::Fail, "alert dispatcher not running"};
  if (policy.failOnDeadLetters && health.deadDeliveries > 0)
    return {PingKind::Fail, fmt::format("{} dead-lettered deliveries", health.deadDeliveries)};
  return {PingKind::Success, {}};
}

std::string defaultFailUrl(std::string_view url) {
  auto cut = url.find_first_of("?#");
  std::string_view base = url.substr(0, cut);
  std::string out(base);
  if (!out.empty() && out.back() == '/')
    out.pop_back();
  out += "/fail";
  if (cut != std::string_view::npos)
    out += url.substr(cut);
  return out;
}

HeartbeatPlanner::HeartbeatPlanner(std::chrono::milliseconds interval,
                                   std::chrono::milliseconds retryDelay)
    : interval_(std::max(interval, std::chrono::milliseconds(1))),
      retryDelay_(std::clamp(retryDelay, std::chrono::milliseconds(1), interval_)) {}

bool HeartbeatPlanner::due(common::MonoTime now, PingKind kind) const {
  if (!lastAttempt_)
    return true;
  if (lastDelivered_ && kind != *lastKind_)
    return true;
  return now >= nextDue();
}

void HeartbeatPlanner::recordAttempt(common::MonoTime now, PingKind kind, bool delivered) {
  lastAttempt_ = now;
  lastKind_ = kind;
  lastDelivered_ = delivered;
}

common::MonoTime HeartbeatPlanner::nextDue() const {
  if (!lastAttempt_)
    return common::MonoTime::min();
  return *lastAttempt_ + (lastDelivered_ ? interval_ : retryDelay_);
}

struct Heartbeat::State {
  State(asio::any_io_executor ex, net::ClientOptions options)
      : timer(ex), client(ex, std::move(options)) {}
  asio::steady_timer timer;
  net::Client client;
  common::Url url;
  common::Url failUrl;
  std::atomic<bool> stopped = false;
};

Heartbeat::Heartbeat(asio::any_io_executor executor, config::HeartbeatConfig config,
                     common::Clock& clock, std::function<HeartbeatHealth()> health,
                     HeartbeatOptions options, MetricsRegistry* metrics)
    : executor_(executor), config_(std::move(config)), clock_(clock), health_(std::move(health)),
      options_(options) {
  if (metrics)
    pings_ = metrics->counter("mcpwatch_heartbeat_pings_total",
                              "Self-heartbeat pings by kind (success, fail) and outcome "
                              "(delivered, error)",
                              {"kind", "outcome"});
}

Heartbeat::~Heartbeat() {
  stop();
}

common::Expected<std::monostate, std::string> Heartbeat::start() {
  if (state_)
    return common::unexpected(std::string("heartbeat: already started"));
  auto url = common::Url::parse(config_.url.reveal());
  if (!url)
    return common::unexpected(std::string("heartbeat.url: not a valid http(s) URL"));
  std::optional<common::Url> failUrl;
  if (config_.failUrl.empty())
    failUrl = common::Url::parse(defaultFailUrl(config_.url.reveal()));
  else
    failUrl = common::Url::parse(config_.failUrl.reveal());
  if (!failUrl)
    return common::unexpected(std::string("heartbeat.fail_url: not a valid http(s) URL"));
  net::ClientOptions clientOptions;
  clientOptions.verifyTls = options_.verifyTls;
  clientOptions.maxBodyBytes = 64 * 1024;
  clientOptions.keepAlive = false; // pings are minutes apart
  state_ = std::make_shared<State>(executor_, clientOptions);
  state_->url = std::move(*url);
  state_->failUrl = std::move(*failUrl);
  asio::co_spawn(executor_, loop(), asio::detached);
  return std::monostate{};
}

void Heartbeat::stop() {
  if (!state_ || state_->stopped)
    return;
  auto state = state_;
  state->stopped = true;
  // Cancel on the executor: the timer and client belong to the loop's thread.
  asio::post(executor_, [state] {
    state->timer.cancel();
    state->client.cancel();
  });
}

Awaitable<void> Heartbeat::loop() {
  auto state = state_; // keeps timer and client alive until the coroutine ends
  HeartbeatPlanner planner(config_.interval, options_.retryDelay);
  auto tick = std::clamp(options_.tick, std::chrono::milliseconds(1), config_.interval);
  while (!state->stopped) {
    HeartbeatDecision decision{PingKind::Fail, "health check threw"};
    try {
      decision = decideHeartbeat(health_(), options_.policy);
    } catch (const std::exception& e) {
      decision.reason = std::string("health check failed: ") + e.what();
    }
    auto now = clock_.monoNow();
    if (planner.due(now, decision.kind)) {
      if (decision.kind == PingKind::Fail)
        common::logRecord(spdlog::level::warn, "heartbeat: sending fail ping",
                          {{"reason", decision.reason}});
      bool delivered = co_await ping(decision.kind);
      if (state->stopped)
        co_return; // `this` may be gone
      planner.recordAttempt(now, decision.kind, delivered);
    }
    state->timer.expires_after(tick);
    boost::system::error_code ec;
    co_await state->timer.async_wait(redirect_error(use_awaitable, ec));
    if (state->stopped)
      co_return;
  }
}

Awaitable<bool> Heartbeat::ping(PingKind kind) {
  auto state = state_;
  net::Request request;
  request.method = "GET";
  request.url = kind == PingKind::Fail ? state->failUrl : state->url;
  const char* which = kind == PingKind::Fail ? "heartbeat fail url" : "heartbeat url";
  auto result = co_await state->client.send(std::move(request), std::chrono::steady_clock::now() +
                                                                    options_.requestTimeout);
  if (state->stopped)
    co_return false;
  bool delivered = false;
  if (!result) {
    // The detail may contain the host; the URL itself (with its token) never goes to the log.
    common::logRecord(spdlog::level::warn, "heartbeat ping failed",
                      {{"ping", which}, {"error", net::toString(result.error().kind)}});
  } else if (result->head.status < 200 || result->head.status > 299) {
    common::logRecord(spdlog::level::warn, "heartbeat ping refused",
                      {{"ping", which}, {"status", result->head.status}});
  } else {
    delivered = true;
  }
  if (delivered)
    ++(kind == PingKind::Fail ? failPings_ : successPings_);
  else
    ++errors_;
  if (pings_)
    pings_->inc({std::string(toString(kind)), delivered ? "delivered" : "error"});
  co_return delivered;
}

} // namespace mcpwatch::web
