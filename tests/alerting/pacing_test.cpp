// Per-destination pacing: slots, 429 holds, revocations, and the deferral of long waits.
#include "alerting/pacing.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::alerting {
namespace {

using namespace std::chrono_literals;
using Time = DestinationGates::SteadyTime;

TEST(DestinationGates, SlotsAreSpacedPerDestination) {
  DestinationGates gates;
  const Time t0{std::chrono::hours(1)};
  const auto a = DestinationGates::keyOf("https://hooks.slack.com/services/A");
  const auto b = DestinationGates::keyOf("https://hooks.slack.com/services/B");
  EXPECT_EQ(gates.reserve(a, 1s, t0), t0);
  EXPECT_EQ(gates.reserve(a, 1s, t0), t0 + 1s);
  EXPECT_EQ(gates.reserve(a, 1s, t0 + 100ms), t0 + 2s);
  // Another webhook is independent; a late caller gets "now", not an old slot.
  EXPECT_EQ(gates.reserve(b, 1s, t0), t0);
  EXPECT_EQ(gates.reserve(a, 1s, t0 + 10s), t0 + 10s);
  EXPECT_EQ(gates.busyUntil(a), t0 + 11s);
}

TEST(DestinationGates, HoldsDelayEverySlot) {
  DestinationGates gates;
  const Time t0{std::chrono::hours(1)};
  const auto a = DestinationGates::keyOf("x");
  gates.holdUntil(a, t0 + 30s);
  gates.holdUntil(a, t0 + 5s); // an earlier hold never shortens a later one
  EXPECT_EQ(gates.reserve(a, 1s, t0), t0 + 30s);
  EXPECT_EQ(gates.reserve(a, 1s, t0), t0 + 31s);
}

TEST(DestinationGates, RevocationIsRememberedAndKeysHideTheUrl) {
  DestinationGates gates;
  const std::string url = "https://hooks.slack.com/services/T0/B0/SECRETTOKEN";
  const auto key = DestinationGates::keyOf(url);
  EXPECT_EQ(key.find("SECRETTOKEN"), std::string::npos);
  EXPECT_EQ(key.size(), 64u);
  EXPECT_FALSE(gates.revoked(key));
  gates.revoke(key, "HTTP 404 channel_not_found");
  EXPECT_EQ(gates.revoked(key), "HTTP 404 channel_not_found");
  EXPECT_FALSE(gates.revoked(DestinationGates::keyOf(url + "2")));
}

TEST(DestinationGates, PaceDefersLongWaitsWithoutTakingTheSlot) {
  asio::io_context ioc;
  DestinationGates gates;
  const auto key = DestinationGates::keyOf("x");
  gates.holdUntil(key, std::chrono::steady_clock::now() + 60s);
  std::optional<std::optional<std::chrono::milliseconds>> result;
  asio::co_spawn(
      ioc, [&]() -> Awaitable<void> { result = co_await gates.pace(key, 1s, 5s); }, asio::detached);
  ioc.run();
  ASSERT_TRUE(result);
  ASSERT_TRUE(*result);
  EXPECT_GT(**result, 55s);
  EXPECT_LE(**result, 60s);
  // Nothing was reserved: the hold is still the only thing in the way.
  EXPECT_LE(*gates.busyUntil(key), std::chrono::steady_clock::now() + 60s);
}

TEST(DestinationGates, PaceWaitsForAShortSlot) {
  asio::io_context ioc;
  DestinationGates gates;
  const auto key = DestinationGates::keyOf("x");
  int passed = 0;
  const auto start = std::chrono::steady_clock::now();
  auto once = [&]() -> Awaitable<void> {
    auto deferred = co_await gates.pace(key, 50ms, 5s);
    EXPECT_FALSE(deferred);
    ++passed;
  };
  asio::co_spawn(ioc, once(), asio::detached);
  asio::co_spawn(ioc, once(), asio::detached);
  ioc.run();
  EXPECT_EQ(passed, 2);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
}

} // namespace
} // namespace mcpwatch::alerting

namespace mcpwatch::alerting {
namespace {

using namespace std::chrono_literals;

// A hold that arrives while a sender waits for its slot is honoured before it sends.
TEST(DestinationGates, PaceRechecksHoldsAfterWaiting) {
  asio::io_context ioc;
  DestinationGates gates;
  const auto key = DestinationGates::keyOf("x");
  gates.reserve(key, 50ms, std::chrono::steady_clock::now()); // the next slot is in 50 ms
  std::optional<std::chrono::milliseconds> deferred{0ms};
  bool done = false;
  asio::co_spawn(
      ioc,
      [&]() -> Awaitable<void> {
        deferred = co_await gates.pace(key, 50ms, 5s);
        done = true;
      },
      asio::detached);
  // While it waits, the destination answers 429 with a 10 s hold: the sender must defer.
  asio::steady_timer hold(ioc, 10ms);
  hold.async_wait([&](boost::system::error_code) {
    gates.holdUntil(key, std::chrono::steady_clock::now() + 10s);
  });
  ioc.run();
  ASSERT_TRUE(done);
  ASSERT_TRUE(deferred);
  EXPECT_GT(*deferred, 9s);
}

} // namespace
} // namespace mcpwatch::alerting

namespace mcpwatch::alerting {
namespace {

using namespace std::chrono_literals;

// With an injected clock, a sender waits until that clock reaches its slot, however long the
// timer runs: a test's FakeClock decides when a paced message goes out.
TEST(DestinationGates, PaceFollowsTheInjectedClock) {
  asio::io_context ioc;
  common::FakeClock clock;
  DestinationGates gates(clock);
  EXPECT_EQ(gates.now(), clock.monoNow());
  const auto key = DestinationGates::keyOf("x");
  EXPECT_EQ(gates.reserve(key, 20ms, gates.now()), clock.monoNow()); // the next slot: +20 ms
  bool done = false;
  std::optional<std::chrono::milliseconds> deferred{0ms};
  asio::co_spawn(
      ioc,
      [&]() -> Awaitable<void> {
        deferred = co_await gates.pace(key, 20ms, 5s);
        done = true;
      },
      asio::detached);
  // Several 20 ms timer rounds pass in real time, but the clock has not moved.
  ioc.run_for(150ms);
  EXPECT_FALSE(done);
  clock.advance(20ms);
  for (int i = 0; i < 100 && !done; ++i)
    ioc.run_for(10ms);
  ASSERT_TRUE(done);
  EXPECT_FALSE(deferred);
  EXPECT_EQ(gates.busyUntil(key), clock.monoNow() + 20ms);
}

} // namespace
} // namespace mcpwatch::alerting
