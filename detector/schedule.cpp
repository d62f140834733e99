// Next-due times: the retry rule and the stable spread of first probes.
#include "detector/schedule.hpp"

#include "common/time.hpp"

#include <algorithm>

namespace mcpwatch::detector {

std::chrono::milliseconds nextDelay(const ScheduleSettings& schedule,
                                    const DetectorSettings& detector, const ServerState& state) {
  const bool lastFailed = state.lastOk == false;
  // A recovery that still needs more successes is confirmed as fast as a failure is.
  const bool confirmingRecovery =
      state.incident && state.lastOk == true &&
      state.consecutiveSuccesses < std::max(1, detector.successThreshold);
  const auto wait = (lastFailed || confirmingRecovery) ? schedule.retryInterval : schedule.interval;
  return std::max(wait, std::chrono::milliseconds(1));
}

common::MonoTime nextDue(const ScheduleSettings& schedule, const DetectorSettings& detector,
                         const ServerState& state, common::MonoTime checkedAt) {
  // Saturating: an enormous interval must mean "much later", never wrap around into the past
  // (the loader bounds intervals; this keeps the rule safe for any caller).
  const auto delay = nextDelay(schedule, detector, state);
  const auto room =
      std::chrono::duration_cast<std::chrono::milliseconds>(common::MonoTime::max() - checkedAt);
  if (delay >= room)
    return common::MonoTime::max();
  return checkedAt + std::chrono::duration_cast<common::MonoTime::duration>(delay);
}

std::uint64_t stableHash(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

common::MonoTime firstDue(std::string_view slug, const ScheduleSettings& schedule,
                          common::MonoTime start, const RandomSource& random) {
  const auto intervalMs = std::max<std::int64_t>(1, schedule.interval.count());
  const auto maxJitterMs = std::min<std::int64_t>(intervalMs / 20, 1000);
  std::int64_t offset = static_cast<std::int64_t>(stableHash(slug) % std::uint64_t(intervalMs));
  if (maxJitterMs > 0 && random)
    offset += static_cast<std::int64_t>(random() % std::uint64_t(maxJitterMs + 1));
  offset %= intervalMs; // jitter must not push the first probe past the first interval
  return start +
         std::chrono::duration_cast<common::MonoTime::duration>(std::chrono::milliseconds(offset));
}

common::MonoTime fleetFirstDue(std::string_view slug, const ScheduleSettings& schedule,
                               std::size_t fleetSize, std::chrono::milliseconds jitter,
                               common::MonoTime start, const RandomSource& random) {
  using std::chrono::milliseconds;
  const auto perServer = milliseconds(20) * static_cast<long>(fleetSize);
  const auto window =
      std::clamp<milliseconds>(perServer, std::chrono::seconds(1), schedule.interval);
  ScheduleSettings spread = schedule;
  spread.interval = window;
  auto due = firstDue(slug, spread, start, random);
  const auto cap = std::min<milliseconds>(jitter, window / 10);
  if (cap.count() > 0 && random)
    due += milliseconds(random() % static_cast<std::uint64_t>(cap.count()));
  return due;
}

} // namespace mcpwatch::detector
