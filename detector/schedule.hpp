// When to probe next: the retry rule after failures and a stable spread of first probes.
#pragma once

#include "common/clock.hpp"
#include "detector/detector.hpp"
#include "detector/state.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace mcpwatch::detector {

struct ScheduleSettings {
  std::chrono::milliseconds interval{60'000};
  std::chrono::milliseconds retryInterval{20'000};
};

// The next due time after a check at `checkedAt` that left the detector in `state`:
// retry_interval after a failure (DESIGN.md section 6: confirm fast, also while long down) and
// while a recovery awaits more successes; interval otherwise.
// Scheduling runs on the monotonic clock: a wall-clock step neither stops nor floods probing.
std::chrono::milliseconds nextDelay(const ScheduleSettings& schedule,
                                    const DetectorSettings& detector, const ServerState& state);
common::MonoTime nextDue(const ScheduleSettings& schedule, const DetectorSettings& detector,
                         const ServerState& state, common::MonoTime checkedAt);

// Uniform random 64-bit values; production uses a seeded engine, tests a fixed sequence.
using RandomSource = std::function<std::uint64_t()>;

// Stable 64-bit FNV-1a of the slug: the same on every run and build (unlike std::hash).
std::uint64_t stableHash(std::string_view text);

// The first probe of a server: spread over [start, start + interval) by the slug's stable hash
// plus a jitter of up to min(interval / 20, 1s), so N servers do not all probe at once after a
// start. Always strictly less than start + interval.
common::MonoTime firstDue(std::string_view slug, const ScheduleSettings& schedule,
                          common::MonoTime start, const RandomSource& random);

// The first probe of one server of a fleet of `fleetSize` at start-up: firstDue over a window
// that grows with the fleet, 20 ms per server, at least 1 s and at most the interval (a large
// fleet starts gently, a small one is checked within a second), plus up to `jitter` (at most a
// tenth of that window) so that restarts do not align probes.
common::MonoTime fleetFirstDue(std::string_view slug, const ScheduleSettings& schedule,
                               std::size_t fleetSize, std::chrono::milliseconds jitter,
                               common::MonoTime start, const RandomSource& random);

} // namespace mcpwatch::detector
