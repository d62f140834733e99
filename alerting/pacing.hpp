// Per-destination pacing for chat webhooks: a send slot every `minInterval`, holds after a 429,
// and revoked destinations (404/410) that are not contacted again. Sinks are built per attempt,
// so this state lives with the dispatcher and reaches sinks through SinkContext.
#pragma once

#include "common/asio.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::alerting {

class DestinationGates {
public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  using Millis = std::chrono::milliseconds;

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
  // `maxWait` on a real timer), else how long the caller should defer the attempt (it returns a
  // retry to the outbox instead of occupying a delivery slot for a long time).
  Awaitable<std::optional<Millis>> pace(const std::string& key, Millis minInterval, Millis maxWait);

private:
  struct Entry {
    SteadyTime next{}; // the earliest time of the next reservation
    SteadyTime hold{}; // nothing before this (429)
    std::optional<std::string> revokedReason;
  };
  void prune(SteadyTime now); // forget idle entries so the map stays bounded

  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::size_t reservations_ = 0;
};

} // namespace mcpwatch::alerting
