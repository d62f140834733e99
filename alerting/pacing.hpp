// Per-destination pacing for chat webhooks: a send slot every `minInterval`, holds after a 429,
// and revoked destinations (404/410) that are not contacted again. Sinks are built per attempt,
// so this state lives with the dispatcher and reaches sinks through SinkContext.
#pragma once

#include "common/asio.hpp"
#include "common/clock.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::alerting {

class DestinationGates {
public:
  using SteadyTime = common::MonoTime;
  using Millis = std::chrono::milliseconds;

  // Times come from `clock`'s steady time (the dispatcher passes its clock, so a test's FakeClock
  // drives pacing too); it must outlive the gates. The default is the system clock.
  DestinationGates();
  explicit DestinationGates(const common::Clock& clock) : clock_(&clock) {}
  // The clock's monotonic time: holds are set relative to it (holdUntil(key, now() + delay)).
  SteadyTime now() const { return clock_->monoNow(); }

  // Keys are hashed, so a webhook URL (a credential) is never kept or shown by this class.
  static std::string keyOf(std::string_view destination);

  // Reserves the next send slot for `key`: not before `now`, not before a hold, and at least
  // `minInterval` after the previous reservation. Returns the reserved time.
  SteadyTime reserve(const std::string& key, Millis minInterval, SteadyTime now);
  // When a destination asked to wait (429): nothing is sent to it before `until`.
  void holdUntil(const std::string& key, SteadyTime until);
  // The time before which nothing may be sent (a hold or the last reservation), if any.
  std::optional<SteadyTime> busyUntil(const std::string& key) const;

  // A destination that answered "gone" is not contacted again until the process restarts or its
  // URL changes; `reason` says why (it must not contain the URL).
  void revoke(const std::string& key, std::string reason);
  std::optional<std::string> revoked(const std::string& key) const;

  // What a sink does before a send: nullopt once its slot has come (after waiting at most
  // `maxWait` on a timer, until the clock reaches the slot), else how long the caller should
  // defer the attempt (it returns a retry to the outbox instead of occupying a delivery slot for
  // a long time).
  Awaitable<std::optional<Millis>> pace(const std::string& key, Millis minInterval, Millis maxWait);
  // Sleeps on a timer until the clock reaches `until`. A clock other than the system's (a test's
  // FakeClock) only gets there when it is moved, however long the timer runs.
  Awaitable<void> sleepUntil(SteadyTime until) const;

private:
  struct Entry {
    SteadyTime next{}; // the earliest time of the next reservation
    SteadyTime hold{}; // nothing before this (429)
    std::optional<std::string> revokedReason;
  };
  void prune(SteadyTime now); // forget idle entries so the map stays bounded

  const common::Clock* clock_;
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::size_t reservations_ = 0;
};

} // namespace mcpwatch::alerting
