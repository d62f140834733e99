// Per-destination send slots, holds and revocations.
#include "alerting/pacing.hpp"

#include "common/crypto.hpp"

namespace mcpwatch::alerting {

DestinationGates::DestinationGates() {
  static const common::SystemClock systemClock;
  clock_ = &systemClock;
}

std::string DestinationGates::keyOf(std::string_view destination) {
  return common::sha256Hex(destination);
}

DestinationGates::SteadyTime DestinationGates::reserve(const std::string& key, Millis minInterval,
                                                       SteadyTime now) {
  std::lock_guard lock(mu_);
  if (++reservations_ % 256 == 0)
    prune(now);
  auto& entry = entries_[key];
  const auto slot = std::max({now, entry.next, entry.hold});
  entry.next = slot + minInterval;
  return slot;
}

void DestinationGates::holdUntil(const std::string& key, SteadyTime until) {
  std::lock_guard lock(mu_);
  auto& entry = entries_[key];
  entry.hold = std::max(entry.hold, until);
}

std::optional<DestinationGates::SteadyTime>
DestinationGates::busyUntil(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end())
    return std::nullopt;
  return std::max(it->second.next, it->second.hold);
}

void DestinationGates::revoke(const std::string& key, std::string reason) {
  std::lock_guard lock(mu_);
  entries_[key].revokedReason = std::move(reason);
}

std::optional<std::string> DestinationGates::revoked(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end())
    return std::nullopt;
  return it->second.revokedReason;
}

Awaitable<std::optional<DestinationGates::Millis>>
DestinationGates::pace(const std::string& key, Millis minInterval, Millis maxWait) {
  for (;;) {
    const auto now = clock_->monoNow();
    {
      // Defer without reserving when the wait is long: the slot goes to whoever comes back first.
      std::lock_guard lock(mu_);
      auto it = entries_.find(key);
      if (it != entries_.end()) {
        const auto start = std::max({now, it->second.next, it->second.hold});
        if (start - now > maxWait)
          co_return std::chrono::ceil<Millis>(start - now);
      }
    }
    const auto slot = reserve(key, minInterval, now);
    if (slot <= now)
      co_return std::nullopt;
    co_await sleepUntil(slot);
    // A 429 may have arrived for this destination while we waited: honour it before sending.
    bool held = false;
    {
      std::lock_guard lock(mu_);
      auto it = entries_.find(key);
      held = it != entries_.end() && it->second.hold > clock_->monoNow();
    }
    if (!held)
      co_return std::nullopt;
  }
}

Awaitable<void> DestinationGates::sleepUntil(SteadyTime until) const {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (auto left = until - clock_->monoNow(); left > SteadyTime::duration::zero();
       left = until - clock_->monoNow()) {
    timer.expires_after(left);
    boost::system::error_code ec;
    co_await timer.async_wait(redirect_error(use_awaitable, ec));
    if (ec)
      co_return; // cancelled: the caller goes on as if the time had come
  }
}

void DestinationGates::prune(SteadyTime now) {
  constexpr auto kIdle = std::chrono::hours(1);
  for (auto it = entries_.begin(); it != entries_.end();) {
    const auto& e = it->second;
    if (!e.revokedReason && std::max(e.next, e.hold) + kIdle < now)
      it = entries_.erase(it);
    else
      ++it;
  }
}

} // namespace mcpwatch::alerting
