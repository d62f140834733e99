// depends_on holds, decided from the dependencies' states alone.
#include "detector/dependencies.hpp"

#include <gtest/gtest.h>
#include <map>

namespace mcpwatch::detector {
namespace {

using namespace std::chrono_literals;

const common::WallTime kT0 = *common::parseRfc3339("2026-12-07T12:00:00Z");

struct Fleet {
  std::map<std::string, ServerState> states;
  std::function<const ServerState*(const std::string&)> lookup() const {
    return [this](const std::string& slug) -> const ServerState* {
      auto it = states.find(slug);
      return it == states.end() ? nullptr : &it->second;
    };
  }
};

ServerState checkedAt(common::WallTime at, int failures = 0) {
  ServerState s;
  s.lastCheckAt = at;
  s.consecutiveFailures = failures;
  return s;
}

TEST(DependencyHold, ADownOrFailingDependencyHolds) {
  Fleet fleet;
  fleet.states["api"] = checkedAt(kT0, 1);
  auto hold = dependencyHold({"api"}, kT0, fleet.lookup());
  EXPECT_EQ(hold.reason, "while dependency \"api\" was down");
  EXPECT_FALSE(hold.checkNow);

  fleet.states["api"] = checkedAt(kT0);
  fleet.states["api"].incident = Incident{};
  EXPECT_EQ(dependencyHold({"api"}, std::nullopt, fleet.lookup()).reason,
            "while dependency \"api\" was down")
      << "its incident holds even before this server fails";
}

TEST(DependencyHold, ADependencyNotCheckedSinceTheFailureIsCheckedFirst) {
  Fleet fleet;
  fleet.states["api"] = checkedAt(kT0 - 30s); // healthy, but checked before this server failed
  auto hold = dependencyHold({"api"}, kT0, fleet.lookup());
  EXPECT_EQ(hold.reason, "until dependency \"api\" was checked");
  EXPECT_EQ(hold.checkNow, "api");

  fleet.states["api"] = checkedAt(kT0 + 1s); // checked since, and up
  auto clear = dependencyHold({"api"}, kT0, fleet.lookup());
  EXPECT_EQ(clear.reason, "");
  EXPECT_FALSE(clear.checkNow);
  EXPECT_EQ(dependencyHold({"api"}, std::nullopt, fleet.lookup()).reason, "")
      << "a healthy server is never held";
}

TEST(DependencyHold, UnknownOrPausedDependenciesHoldNothingAndTheFirstHoldWins) {
  Fleet fleet;
  EXPECT_EQ(dependencyHold({"gone"}, kT0, fleet.lookup()).reason, "");
  EXPECT_EQ(dependencyHold({}, kT0, fleet.lookup()).reason, "");
  fleet.states["db"] = checkedAt(kT0, 2);
  fleet.states["cache"] = checkedAt(kT0, 3);
  EXPECT_EQ(dependencyHold({"gone", "db", "cache"}, kT0, fleet.lookup()).reason,
            "while dependency \"db\" was down");
}

} // namespace
} // namespace mcpwatch::detector
