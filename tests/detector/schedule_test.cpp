// Next-due rule and first-probe spread: exact times, no sleeping.
#include "detector/schedule.hpp"
#include "ledger.hpp"

#include <gtest/gtest.h>
#include <set>

namespace mcpwatch::detector {
namespace {

using namespace testing;

const common::MonoTime kM0 = common::MonoTime{} + std::chrono::hours(1000);

TEST(NextDue, RetryIntervalAfterFailuresIntervalOtherwise) {
  DetectorSettings settings; // 2 / 1
  ScheduleSettings schedule; // 60 s / 20 s
  Detector d(settings, CountingIds{}.generator());
  struct Step {
    bool ok;
    int checkedAt;
    int due;
  };
  // Each check happens exactly at the previous due time.
  const std::vector<Step> ledger = {
      {true, 0, 60},                       // up: interval
      {false, 60, 80},                     // first failure: retry to confirm
      {false, 80, 100},                    // down (triggered): still retry_interval, as DESIGN says
      {false, 100, 120}, {true, 120, 180}, // resolved: back to interval
      {true, 180, 240},
  };
  for (const auto& step : ledger) {
    d.record(step.ok ? okAt(t(std::chrono::seconds(step.checkedAt)))
                     : failAt(t(std::chrono::seconds(step.checkedAt))),
             false);
    EXPECT_EQ(t(std::chrono::seconds(step.checkedAt)) + nextDelay(schedule, settings, d.state()),
              t(std::chrono::seconds(step.due)))
        << "check at +" << step.checkedAt;
  }
}

TEST(NextDue, AnEnormousIntervalIsLaterNeverEarlier) {
  // 300000d used to overflow system_clock's nanoseconds and land in the past: the daemon then
  // probed back to back. The loader bounds intervals now; the rule itself saturates too.
  DetectorSettings settings;
  Detector d(settings, CountingIds{}.generator());
  d.record(okAt(t(0s)), false);
  ScheduleSettings huge{std::chrono::hours(24 * 300000), std::chrono::hours(24 * 300000)};
  const auto due = nextDue(huge, settings, d.state(), kM0);
  EXPECT_GT(due, kM0 + std::chrono::hours(24 * 365 * 100));
  ScheduleSettings absurd{std::chrono::milliseconds::max(), std::chrono::milliseconds::max()};
  EXPECT_EQ(nextDue(absurd, settings, d.state(), kM0), common::MonoTime::max());
}

TEST(NextDue, PendingRecoveryIsConfirmedAtTheRetryInterval) {
  DetectorSettings settings;
  settings.successThreshold = 3;
  ScheduleSettings schedule{std::chrono::minutes(5), std::chrono::seconds(15)};
  Detector d(settings, CountingIds{}.generator());
  d.record(failAt(t(0s)), false);
  d.record(failAt(t(15s)), false);
  d.record(okAt(t(30s)), false);
  EXPECT_EQ(t(30s) + nextDelay(schedule, settings, d.state()), t(45s));
  d.record(okAt(t(45s)), false);
  EXPECT_EQ(t(45s) + nextDelay(schedule, settings, d.state()), t(60s));
  d.record(okAt(t(60s)), false); // resolved
  EXPECT_EQ(t(60s) + nextDelay(schedule, settings, d.state()), t(360s));
}

TEST(NextDue, FreshServerUsesTheInterval) {
  ServerState fresh;
  EXPECT_EQ(t(0s) + nextDelay({}, {}, fresh), t(60s));
}

TEST(FirstDue, SpreadIsStableAndInsideTheFirstInterval) {
  ScheduleSettings schedule;
  RandomSource zero = [] { return std::uint64_t(0); };
  std::set<common::MonoTime> times;
  for (int i = 0; i < 50; ++i) {
    const std::string slug = "server-" + std::to_string(i);
    auto due = firstDue(slug, schedule, kM0, zero);
    EXPECT_GE(due, kM0);
    EXPECT_LT(due, kM0 + schedule.interval);
    EXPECT_EQ(due, firstDue(slug, schedule, kM0, zero)); // same slug, same time
    times.insert(due);
  }
  EXPECT_GT(times.size(), 45u); // spread out, not all at once
  // FNV-1a is fixed: the same on every build, so restarts keep the same phase.
  EXPECT_EQ(stableHash(""), 14695981039346656037ull);
  EXPECT_EQ(stableHash("a"), 0xaf63dc4c8601ec8cull);
}

TEST(FleetFirstDue, TheStartWindowGrowsWithTheFleetUpToTheInterval) {
  ScheduleSettings schedule; // 60 s
  RandomSource zero = [] { return std::uint64_t(0); };
  auto latest = [&](std::size_t fleet) {
    common::MonoTime last = kM0;
    for (std::size_t i = 0; i < 200; ++i) {
      auto due = fleetFirstDue("s" + std::to_string(i), schedule, fleet, 0ms, kM0, zero);
      EXPECT_GE(due, kM0);
      last = std::max(last, due);
    }
    return last - kM0;
  };
  EXPECT_LT(latest(5), 1s) << "a small fleet is checked within a second";
  EXPECT_GT(latest(1'000), 15s) << "1,000 servers spread over 20 s";
  EXPECT_LT(latest(1'000), 20s);
  EXPECT_GT(latest(100'000), 50s) << "a large fleet spreads over the whole interval";
  EXPECT_LT(latest(100'000), 60s);
}

TEST(FleetFirstDue, JitterIsAtMostATenthOfTheWindow) {
  ScheduleSettings schedule;
  RandomSource zero = [] { return std::uint64_t(0); };
  RandomSource big = [] { return std::uint64_t(123'456'789); };
  // 1,000 servers: a 20 s window, so a 10 s jitter setting is cut to 2 s.
  for (std::string slug : {"a", "b", "c"}) {
    auto base = fleetFirstDue(slug, schedule, 1'000, 0ms, kM0, zero);
    auto jittered = fleetFirstDue(slug, schedule, 1'000, 10s, kM0, big);
    EXPECT_GE(jittered, base) << slug;
    EXPECT_LT(jittered - base, 2s + 1s) << slug; // plus firstDue's own jitter (a 20th, at most 1 s)
  }
  EXPECT_EQ(fleetFirstDue("a", schedule, 1'000, 10s, kM0, zero),
            fleetFirstDue("a", schedule, 1'000, 0ms, kM0, zero));
}

TEST(FirstDue, JitterIsSmallAndNeverLeavesTheInterval) {
  ScheduleSettings schedule;
  RandomSource zero = [] { return std::uint64_t(0); };
  RandomSource max = [] { return ~std::uint64_t(0); };
  for (std::string slug : {"github-mcp", "internal-tools", "x"}) {
    auto base = firstDue(slug, schedule, kM0, zero);
    auto jittered = firstDue(slug, schedule, kM0, max);
    auto delta = jittered >= base ? jittered - base : base - jittered;
    // Up to 1 s later, or wrapped to the start of the interval.
    EXPECT_TRUE(delta <= std::chrono::seconds(1) || jittered < kM0 + std::chrono::seconds(1))
        << slug;
    EXPECT_LT(jittered, kM0 + schedule.interval);
  }
  ScheduleSettings tiny{std::chrono::milliseconds(1), std::chrono::milliseconds(1)};
  EXPECT_EQ(firstDue("any", tiny, kM0, max), kM0);
  EXPECT_EQ(firstDue("any", schedule, kM0, nullptr), firstDue("any", schedule, kM0, zero));
}

} // namespace
} // namespace mcpwatch::detector
